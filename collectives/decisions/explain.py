"""Plain words for where the rules part ways: what Equal Shares funded that "most approvals first"
did not, the reverse, and how the completion step used more of the budget.

Pure functions over the outcomes `allocation.compare` returns; money to the penny, halves up.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from collectives.decisions.allocation import Candidate, Outcome
from creative_minds.money import format_pence_exact, round_pence


@dataclass(frozen=True)
class Difference:
    candidate_id: int
    title: str
    funded_by: str  # "mes" (Equal Shares, then most approvals) or "greedy" (most approvals first)
    text: str


def _approvals(n: int) -> str:
    return f"{n} approval{'' if n == 1 else 's'}"


def _supporters(n: int) -> str:
    return f"{n} supporter{'' if n == 1 else 's'}"


def _names(titles: list[str]) -> str:
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _left_at_turn(outcome: Outcome, cid: int) -> int:
    """What 'most approvals first' had left when it reached this candidate."""
    position = outcome.lines[cid].position
    spent = sum(outcome.costs[c] for c in outcome.selected if outcome.lines[c].position < position)
    return outcome.budget_pence - spent


def base_share(outcome: Outcome, voters: int) -> Fraction:
    return Fraction(outcome.budget_pence, voters) if voters else Fraction(0)


def raised_share(outcome: Outcome) -> Fraction | None:
    """The equal share Equal Shares finally used, when the completion step raised it."""
    if not outcome.parameters.get("add1_steps"):
        return None
    return Fraction(str(outcome.parameters["equal_share_pence"]))


def differences(
    candidates: list[Candidate], ballots: list[frozenset[int]], outcomes: dict[str, Outcome]
) -> list[Difference]:
    """One plain explanation for each application the two rules treat differently."""
    greedy, mes = outcomes["greedy"], outcomes["mes"]
    titles = {c.id: c.title for c in candidates}
    voters = len(ballots)
    supporters = {c.id: {i for i, b in enumerate(ballots) if c.id in b} for c in candidates}
    share = base_share(mes, voters)
    raised = raised_share(mes)
    found: list[Difference] = []
    for cid in sorted(set(mes.selected) - set(greedy.selected), key=lambda c: mes.lines[c].position):
        n, cost = mes.lines[cid].approvals, mes.costs[cid]
        ahead = [c for c in greedy.selected if greedy.lines[c].position < greedy.lines[cid].position]
        greedy_part = (
            f"Most approvals first did not: with {_approvals(n)} it came after "
            f"{_names([titles[c] for c in ahead])}, which used the budget until only "
            f"{format_pence_exact(_left_at_turn(greedy, cid))} was left, less than its {format_pence_exact(cost)} cost."
        )
        if mes.lines[cid].stage == "completion":
            mes_part = (
                f"Equal Shares, then most approvals funded {titles[cid]} in its last step, "
                "with the money left after equal shares, because it fitted in what was left."
            )
        else:
            used = raised if raised is not None else share
            raised_words = (
                f" (everyone's share was raised from {format_pence_exact(round_pence(share))} to "
                f"{format_pence_exact(round_pence(raised))} so more of the budget could be used)"
                if raised is not None
                else ""
            )
            mes_part = (
                f"Equal Shares funded {titles[cid]}: it gives each of the {voters} members who voted an equal "
                f"share of the budget{raised_words}. Its {_supporters(n)} {'together ' if n != 1 else ''}held "
                f"{format_pence_exact(round_pence(used * n))}, enough to pay its {format_pence_exact(cost)} cost."
            )
        found.append(Difference(cid, titles[cid], "mes", f"{mes_part} {greedy_part}"))
    for cid in sorted(set(greedy.selected) - set(mes.selected), key=lambda c: greedy.lines[c].position):
        n, cost = greedy.lines[cid].approvals, greedy.costs[cid]
        place = [c for c in greedy.selected].index(cid) + 1
        greedy_part = (
            f"Most approvals first funded {titles[cid]}: with {_approvals(n)} it was the {_ordinal(place)} "
            "application funded, while the budget lasted."
        )
        line = mes.lines[cid]
        shared = [titles[c] for c in mes.selected if c != cid and supporters[c] & supporters[cid]]
        helped = f" after helping pay for {_names(shared)}" if shared else ""
        left = line.supporters_left_pence
        money = (
            f"had {format_pence_exact(left)} left of their equal shares{helped}"
            if left is not None
            else "had too little left"
        )
        mes_part = (
            f"Equal Shares did not: each group of members can only spend its own share of the budget, and its "
            f"{_supporters(n)} {money}, less than its {format_pence_exact(cost)} cost. "
            "The rest of the budget belongs to members who supported other applications."
        )
        found.append(Difference(cid, titles[cid], "greedy", f"{greedy_part} {mes_part}"))
    return found


def completion_story(
    candidates: list[Candidate], ballots: list[frozenset[int]], outcomes: dict[str, Outcome]
) -> list[str]:
    """How 'Equal Shares, then most approvals' went beyond Equal Shares on its own, step by step."""
    pure, mes = outcomes["mes_pure"], outcomes["mes"]
    voters = len(ballots)
    if not voters or not mes.selected:
        return []
    titles = {c.id: c.title for c in candidates}
    share = base_share(mes, voters)
    budget = format_pence_exact(mes.budget_pence)
    story = [
        f"Equal Shares on its own gives each of the {voters} members who voted "
        f"{format_pence_exact(round_pence(share))} (the {budget} budget split equally). "
        + (
            f"With that it funded {_names([titles[c] for c in pure.selected])}: "
            f"{format_pence_exact(pure.funded_pence)} of the budget, leaving {format_pence_exact(pure.left_pence)}."
            if pure.selected
            else "With that no group of supporters could pay for any application on its own."
        )
    ]
    raised = raised_share(mes)
    equal_stage = [c for c in mes.selected if mes.lines[c].stage == "equal shares"]
    equal_total = sum(mes.costs[c] for c in equal_stage)
    if raised is not None:
        story.append(
            f"Everyone's share was raised to {format_pence_exact(round_pence(raised))} so more of the budget could "
            "be used (in £1 steps, as far as it could go without spending more than the budget). "
            f"With the larger shares Equal Shares funded {_names([titles[c] for c in equal_stage])}: "
            f"{format_pence_exact(equal_total)}."
        )
    else:
        story.append(
            "Raising everyone's share would not have paid for anything more, so the shares stayed as they were."
        )
    completed = [c for c in mes.selected if mes.lines[c].stage == "completion"]
    left = mes.budget_pence - equal_total
    if completed:
        story.append(
            f"The {format_pence_exact(left)} still left was offered to the other applications by most approvals: "
            f"{_names([titles[c] for c in completed])} fitted and {'was' if len(completed) == 1 else 'were'} funded, "
            f"leaving {format_pence_exact(mes.left_pence)}."
        )
    elif left:
        story.append(
            f"The {format_pence_exact(left)} still left was offered to the other applications by most approvals, "
            "but none of them fitted in it."
        )
    return story
