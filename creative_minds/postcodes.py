"""UK postcodes: normalise and validate full postcodes and outward codes (postcode districts)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Outward code: area (1-2 letters) + district (digit, then optional digit or letter).
# Inward code: sector digit + unit (2 letters, never C I K M O V).
_OUTWARD = r"[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]?"
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_FULL_RE = re.compile(rf"^({_OUTWARD})({_INWARD})$")
_OUTWARD_RE = re.compile(rf"^{_OUTWARD}$")
# A postcode sector is the outward code and the inward code's first digit ("HD1 2"); people also type
# the first letter of the unit ("HD1 2A"). Neither names a single place, so a search uses the district.
_SECTOR_TAIL_RE = re.compile(r"^[0-9][ABD-HJLNP-UW-Z]?$")

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


@dataclass(frozen=True)
class SearchPostcode:
    """What a person typed to search near: always an outward code, plus the full postcode or the sector."""

    outward: str
    full: str | None = None
    sector: str | None = None  # "HD1 2" when only a sector was given

    def outward_if_sector_lost(self) -> SearchPostcode | None:
        """'HD12' typed without its space may be the sector 'HD1 2': that reading, or None."""
        if self.full or self.sector or len(self.outward) < 3 or not self.outward[-1].isdigit():
            return None
        district = self.outward[:-1]
        if not _OUTWARD_RE.match(district):
            return None
        return SearchPostcode(district, sector=f"{district} {self.outward[-1]}")


def read_search_postcode(text: str) -> SearchPostcode:
    """A full postcode, a postcode sector ("HD1 2", "S70 1") or a district ("HD1"), in any case and spacing."""
    squashed = _squash(text)
    if not squashed:
        raise PostcodeError("Enter a postcode or the first part of one, like HD1.")
    full = _FULL_RE.match(squashed)
    if full:
        return SearchPostcode(full.group(1), full=f"{full.group(1)} {full.group(2)}")
    parts = (text or "").upper().split()
    if len(parts) == 2 and _OUTWARD_RE.match(parts[0]) and _SECTOR_TAIL_RE.match(parts[1]):
        return SearchPostcode(parts[0], sector=f"{parts[0]} {parts[1][0]}")
    if _OUTWARD_RE.match(squashed):
        return SearchPostcode(squashed)
    for cut in (1, 2):  # the space left out: "S701" is the sector S70 1, "S701A" too
        head, tail = squashed[: len(squashed) - cut], squashed[len(squashed) - cut :]
        if _OUTWARD_RE.match(head) and _SECTOR_TAIL_RE.match(tail):
            return SearchPostcode(head, sector=f"{head} {tail[0]}")
    raise PostcodeError(
        f"'{text.strip()[:20]}' is not a UK postcode. Enter a full postcode (HD1 2AB), "
        "its first part (HD1) or a sector (HD1 2)."
    )


def parse_search_postcode(text: str) -> tuple[str, str | None]:
    """Accept a full postcode, a sector or an outward code; return (outward code, full postcode or None)."""
    found = read_search_postcode(text)
    return found.outward, found.full


def outward_code(postcode: str) -> str:
    return normalise_postcode(postcode).split(" ")[0]
