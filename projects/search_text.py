"""Word search over projects: one normalised text column, kept up to date whenever a project is saved.

The text holds a project's title, description, venue, address (its town), postcode, partner,
locality and activity categories, lower-cased with accents removed ("Café" -> "cafe"), so a
search is the same plain substring test on SQLite and PostgreSQL: every word typed must appear,
in any order. A second column keeps the title's sort key (Python's lower case), compared
byte-wise on both databases, so lists sort the same everywhere.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# Words people search with that the category labels do not contain.
CATEGORY_WORDS = {
    "arts_crafts": "art arts crafts painting drawing",
    "music_singing": "music singing choir choirs band bands songs",
    "writing_poetry": "writing poetry poems stories",
    "film_photography": "film photography photos",
    "drama_dance": "drama theatre dance dancing",
    "pottery": "pottery ceramics clay",
    "knitting_sewing": "knitting sewing crochet",
    "gardening_nature": "gardening allotment nature",
    "walking": "walking walks rambling",
    "football": "football walking football",
    "other_sport": "sport fitness exercise",
    "climbing_outdoors": "climbing outdoors",
    "water_sports": "sailing water sports canoeing",
    "cooking": "cooking food baking",
    "heritage": "heritage history",
    "memory_group": "memory group dementia",
    "social_cafe": "social cafe coffee",
    "digital": "digital computers gaming",
}


def normalise(text: str) -> str:
    """Lower case, accents removed, runs of spaces and punctuation made single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def words(query: str) -> list[str]:
    """The distinct words of a search, normalised the same way as the text they are looked for in."""
    return list(dict.fromkeys(normalise(query).split()))


def search_text(
    *,
    title: str,
    description: str,
    venue_name: str,
    venue_address: str,
    postcode: str,
    partner_name: str,
    locality_name: str,
    categories: Iterable[str],
) -> str:
    parts = [title, description, venue_name, venue_address, postcode, partner_name, locality_name]
    parts += [CATEGORY_WORDS.get(c, c.replace("_", " ")) for c in categories]
    return normalise(" ".join(p for p in parts if p))


def sort_title(title: str) -> str:
    return title.lower()
