"""A real server on a free port and Debian's chromium driven by Playwright."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_activities import activities  # noqa: F401  (browser tests use it)

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(tempfile.gettempdir()) / "cm-browser-failures"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # The tests visit one site, the app: no process per site (about 5% less CPU for the browser tests).
    "--disable-site-isolation-trials",
    "--disable-features=site-per-process,IsolateOrigins",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(request, browser, live_server, engine):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Map tiles come from outside and fail here (no internet): only the app's own requests must work.
    # A search superseded by a newer one is aborted on purpose (hx-sync), which is not a failure.
    page.on(
        "requestfailed",
        lambda req: (
            req.url.startswith(live_server)
            and "ERR_ABORTED" not in (req.failure or "")
            and errors.append(f"request failed: {req.url} ({req.failure})")
        ),
    )
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:  # keep a picture of what the browser showed
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    if request.node.get_closest_marker("allow_browser_errors") is None:
        assert not errors, f"the browser reported errors: {errors}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
