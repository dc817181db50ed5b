"""Run axe-core (vendored, see vendor/VENDORED.md) in the page and return what it finds."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"
AXE_FILE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def axe_source() -> str:
    data = AXE_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, "axe.min.js is not the vendored 4.14.1 file"
    return data.decode()


def violations(page: Any) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (all rules axe runs by default)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as an inline <script>: the app's
        # Content-Security-Policy (rightly) refuses inline scripts without its nonce.
        page.evaluate(axe_source() + "\n;undefined")
    assert page.evaluate("window.axe.version") == AXE_VERSION
    result = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    return result["violations"]


def describe(found: list[dict[str, Any]]) -> str:
    """A readable summary for an assertion message: rule, impact and the elements it names."""
    lines = []
    for violation in found:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return "\n".join(lines)
