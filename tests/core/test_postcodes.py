"""UK postcodes: any spacing or case in, one standard form out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creative_minds.postcodes import (
    PostcodeError,
    SearchPostcode,
    normalise_postcode,
    parse_search_postcode,
    read_search_postcode,
)

VALID = ["HD1 2AB", "WF10 1AA", "S70 2TA", "HX7 8AD", "OL14 5PQ", "SW1A 1AA", "M1 1AE", "EC1A 1BB", "BD19 3RR"]


@pytest.mark.parametrize("postcode", VALID)
def test_valid_postcodes_keep_their_standard_form(postcode):
    assert normalise_postcode(postcode) == postcode


@pytest.mark.parametrize(
    "typed", ["", "12345", "HD1", "HD1 2A", "HD12 ABC", "HD1 2AC", "QQ1 1AA", "<script>", "HD1 2AB extra"]
)
def test_invalid(typed):
    with pytest.raises(PostcodeError):
        normalise_postcode(typed)


def test_search_accepts_outward_code_or_full_postcode():
    assert parse_search_postcode(" hd1 ") == ("HD1", None)
    assert parse_search_postcode("wf101aa") == ("WF10", "WF10 1AA")
    with pytest.raises(PostcodeError, match="first part"):
        parse_search_postcode("XX")


@pytest.mark.parametrize(
    ("typed", "outward", "sector"),
    [
        ("HD1 2", "HD1", "HD1 2"),
        ("s70 1", "S70", "S70 1"),
        ("HD1 2A", "HD1", "HD1 2"),
        ("S701", "S70", "S70 1"),
        ("WF10  1", "WF10", "WF10 1"),
    ],
)
def test_search_understands_a_postcode_sector(typed, outward, sector):
    found = read_search_postcode(typed)
    assert (found.outward, found.full, found.sector) == (outward, None, sector)


def test_a_district_typed_without_its_space_may_be_a_sector():
    assert read_search_postcode("HD12") == SearchPostcode("HD12")
    assert read_search_postcode("HD12").outward_if_sector_lost() == SearchPostcode("HD1", sector="HD1 2")
    assert read_search_postcode("HD1").outward_if_sector_lost() is None
    assert read_search_postcode("HD1 2").outward_if_sector_lost() is None


spacing = st.text(alphabet=" \t", max_size=3)


@given(st.sampled_from(VALID), st.lists(st.booleans(), min_size=8, max_size=8), spacing, spacing, spacing)
def test_any_case_and_spacing_normalises_to_the_same_postcode(postcode, upper, before, middle, after):
    outward, _inward = postcode.split(" ")
    mixed = "".join(c.upper() if u else c.lower() for c, u in zip(postcode.replace(" ", ""), upper + [True] * 8))
    typed = before + mixed[: len(outward)] + middle + mixed[len(outward) :] + after
    assert normalise_postcode(typed) == postcode
    assert parse_search_postcode(typed) == (outward, postcode)
