"""UK postcodes: normalise and validate full postcodes and outward codes (postcode districts)."""

from __future__ import annotations

import re

# Outward code: area (1-2 letters) + district (digit, then optional digit or letter).
# Inward code: sector digit + unit (2 letters, never C I K M O V).
_OUTWARD = r"[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]?"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_FULL_RE = re.compile(rf"^({_OUTWARD})({_INWARD})$")
_OUTWARD_RE = re.compile(rf"^{_OUTWARD}$")

POSTCODE_HELP = "Enter a UK postcode, like HD1 2AB."


class PostcodeError(ValueError):
    """The text is not a UK postcode; the message says so in plain words."""


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()


def normalise_postcode(text: str) -> str:
    """Return a full postcode in its standard form ('hd12ab ' -> 'HD1 2AB')."""
    squashed = _squash(text)
    if not squashed:
        raise PostcodeError("Enter a postcode.")
    match = _FULL_RE.match(squashed)
    if not match:
        raise PostcodeError(f"'{text.strip()[:20]}' is not a full UK postcode. {POSTCODE_HELP}")
    return f"{match.group(1)} {match.group(2)}"


def parse_search_postcode(text: str) -> tuple[str, str | None]:
    """Accept a full postcode or just its outward code; return (outward code, full postcode or None)."""
    squashed = _squash(text)
    if not squashed:
        raise PostcodeError("Enter a postcode or the first part of one, like HD1.")
    if _OUTWARD_RE.match(squashed):
        return squashed, None
    full = _FULL_RE.match(squashed)
    if full:
        return full.group(1), f"{full.group(1)} {full.group(2)}"
    raise PostcodeError(
        f"'{text.strip()[:20]}' is not a UK postcode. Enter a full postcode (HD1 2AB) or its first part (HD1)."
    )


def outward_code(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]
