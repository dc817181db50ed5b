"""Every response carries the security headers, whatever produced it."""

from __future__ import annotations

import re

import pytest

from creative_minds.security_headers import tile_origin


@pytest.mark.parametrize(
    "path",
    ["/", "/login", "/static/css/app.css", "/no-such-page", "/activities?q=a%00b", "/api/partners"],
)
def test_headers_on_pages_files_errors_and_refusals(client, path):
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'(;|$)", csp)  # no unsafe-inline for scripts
    assert "object-src 'none'" in csp and "form-action 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_each_page_gets_its_own_nonce_and_inline_map_script_carries_it(client):
    first = client.get("/login").headers["content-security-policy"]
    second = client.get("/login").headers["content-security-policy"]
    assert first != second


def test_no_inline_event_handlers_in_any_template():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if re.search(r"\son[a-z]+=\"", path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.trust.nhs.uk/{z}/{x}/{y}.png", "https://*.tiles.trust.nhs.uk"),
        ("/tiles/{z}/{x}/{y}.png", ""),
    ],
)
def test_the_tile_server_is_allowed_for_images(url, origin):
    assert tile_origin(url) == origin
