"""In a real browser: the API explorer at /schema draws the API from the app's own files (issue 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_swagger_ui_shows_the_api_with_no_outside_requests(page, live_server, db):
    outside: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(live_server) else outside.append(req.url))
    page.goto("/schema")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 5
    # With more than ~145 operations Swagger UI draws only those scrolled into view, so scroll
    # down as a reader would until the JSON API's operations appear.
    target = page.get_by_text("/api/projects").first
    for _ in range(60):
        if target.count():
            break
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(100)
    expect(target).to_be_visible()
    assert outside == []
