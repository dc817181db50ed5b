"""Plain words for where the rules differ, checked against the PB-NOTES case worked out by hand."""

from __future__ import annotations

from collectives.decisions.allocation import Candidate, compare
from collectives.decisions.explain import completion_story, differences

# PB-NOTES: budget £10,000. Four members approve {cafe, walks, allotment}; three approve {arts, youth}.
CAFE, WALKS, ALLOTMENT, ARTS, YOUTH = 1, 2, 3, 4, 5
CANDIDATES = [
    Candidate(CAFE, "cafe", 400_000),
    Candidate(WALKS, "walks", 300_000),
    Candidate(ALLOTMENT, "allotment", 300_000),
    Candidate(ARTS, "arts", 350_000),
    Candidate(YOUTH, "youth", 250_000),
]
BALLOTS = [frozenset({CAFE, WALKS, ALLOTMENT})] * 4 + [frozenset({ARTS, YOUTH})] * 3
LOTS = {ALLOTMENT: 0, ARTS: 1, CAFE: 2, WALKS: 3, YOUTH: 4}


def outcomes():
    return compare(CANDIDATES, BALLOTS, 1_000_000, LOTS)


def test_equal_shares_funds_youth_and_most_approvals_first_funds_cafe():
    found = {d.title: d for d in differences(CANDIDATES, BALLOTS, outcomes())}
    assert set(found) == {"youth", "cafe"}
    youth, cafe = found["youth"], found["cafe"]
    assert (youth.funded_by, cafe.funded_by) == ("mes", "greedy")
    # Each of 7 voters: £10,000 / 7 = £1,428.571…, raised by 72 £1 steps to £1,500.571…;
    # youth's 3 supporters hold 3 x £1,500.571… = £4,501.71, enough for its £2,500.
    assert "everyone's share was raised from £1,428.57 to £1,500.57 so more of the budget could be used" in youth.text
    assert "Its 3 supporters together held £4,501.71, enough to pay its £2,500.00 cost." in youth.text
    # Most approvals first: allotment, walks and cafe (4 approvals each) spend all £10,000 first.
    assert (
        "Most approvals first did not: with 3 approvals it came after allotment, walks and cafe, which used the "
        "budget until only £0.00 was left, less than its £2,500.00 cost." in youth.text
    )
    # Cafe: third funded by approvals; under Equal Shares its 4 supporters had 4 x £1,500.571… less
    # £3,000 each for allotment and walks: £2.29.
    assert cafe.text.startswith("Most approvals first funded cafe: with 4 approvals it was the 3rd application funded")
    assert (
        "its 4 supporters had £2.29 left of their equal shares after helping pay for allotment and walks" in cafe.text
    )
    assert "less than its £4,000.00 cost" in cafe.text


def test_the_completion_step_in_words():
    story = completion_story(CANDIDATES, BALLOTS, outcomes())
    assert story == [
        "Equal Shares on its own gives each of the 7 members who voted £1,428.57 (the £10,000.00 budget split "
        "equally). With that it funded allotment and youth: £5,500.00 of the budget, leaving £4,500.00.",
        "Everyone's share was raised to £1,500.57 so more of the budget could be used (in £1 steps, as far as it "
        "could go without spending more than the budget). With the larger shares Equal Shares funded allotment, "
        "walks and youth: £8,500.00.",
        "The £1,500.00 still left was offered to the other applications by most approvals, but none of them fitted "
        "in it.",
    ]


def test_the_last_step_by_approvals_is_named_when_it_funds_something():
    # Budget £7, three voters: A approves hall (£4); B approves choir (£3) and walk (£1); C approves walk.
    # Shares of £2.33: B and C pay 50p each for walk; nobody can afford more. Raised by £1 to £3.33:
    # still only walk (B has £2.83 for the £3 choir, A £3.33 for the £4 hall). Raised by £2 to £4.33
    # both would be paid for, £8 in all, over budget: so the shares stop at £3.33. The £6 left goes
    # by approvals: choir and hall have one each, the lower cost first: choir (£3), then the hall's
    # £4 no longer fits in the £3 left.
    candidates = [Candidate(1, "hall", 400), Candidate(2, "choir", 300), Candidate(3, "walk", 100)]
    ballots = [frozenset({1}), frozenset({2, 3}), frozenset({3})]
    result = compare(candidates, ballots, 700, {1: 1, 2: 2, 3: 3})
    assert result["mes"].selected == [3, 2]
    assert completion_story(candidates, ballots, result) == [
        "Equal Shares on its own gives each of the 3 members who voted £2.33 (the £7.00 budget split equally). "
        "With that it funded walk: £1.00 of the budget, leaving £6.00.",
        "Everyone's share was raised to £3.33 so more of the budget could be used (in £1 steps, as far as it could "
        "go without spending more than the budget). With the larger shares Equal Shares funded walk: £1.00.",
        "The £6.00 still left was offered to the other applications by most approvals: choir fitted and was funded, "
        "leaving £3.00.",
    ]
    assert differences(candidates, ballots, result) == []  # most approvals first funds the same two


def test_an_application_funded_only_in_the_last_step_by_approvals():
    # Budget £10, four voters (one approves nothing). V1 approves hall (£4), walk (£2) and choir (£2);
    # V3 and V4 approve hall and studio (£6). Most approvals first: hall (3), studio (2): £10, all gone.
    # Equal Shares with shares of £3.50 (raised by one £1 step; at £4.50 studio would join and overspend):
    # hall costs its three supporters £1.33 each, then V1's £2.17 pays for walk. £4 is left: by
    # approvals studio (£6) does not fit, choir (£2) does. Studio's supporters had 2 x £2.17 = £4.33.
    hall, studio, walk, choir = 1, 2, 3, 4
    candidates = [Candidate(hall, "hall", 400), Candidate(studio, "studio", 600), Candidate(walk, "walk", 200)]
    candidates.append(Candidate(choir, "choir", 200))
    ballots = [frozenset({hall, walk, choir}), frozenset(), frozenset({hall, studio}), frozenset({hall, studio})]
    result = compare(candidates, ballots, 1_000, {hall: 1, studio: 2, walk: 3, choir: 4})
    assert (result["greedy"].selected, result["mes"].selected) == ([hall, studio], [hall, walk, choir])
    found = {d.title: d.text for d in differences(candidates, ballots, result)}
    assert found["walk"].startswith(
        "Equal Shares funded walk: it gives each of the 4 members who voted an equal share of the budget "
        "(everyone's share was raised from £2.50 to £3.50 so more of the budget could be used). "
        "Its 1 supporter held £3.50, enough to pay its £2.00 cost."
    )
    assert found["choir"].startswith(
        "Equal Shares, then most approvals funded choir in its last step, with the money left after equal shares"
    )
    assert found["choir"].endswith(
        "Most approvals first did not: with 1 approval it came after hall and studio, which used the budget until "
        "only £0.00 was left, less than its £2.00 cost."
    )
    assert "its 2 supporters had £4.33 left of their equal shares after helping pay for hall" in found["studio"]


def test_no_differences_when_the_rules_agree():
    candidates = [Candidate(1, "only", 100)]
    result = compare(candidates, [frozenset({1})], 1_000, {1: 0})
    assert differences(candidates, [frozenset({1})], result) == []
