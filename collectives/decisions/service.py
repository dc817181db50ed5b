"""Results and decisions: count the ballots, run both rules, confirm one, seal the record.

A confirmed decision is immutable: the ORM refuses to change or delete it, and its record carries
the ballots, the receipts of the counted ballots (never who, never what), the rule and all its
parameters with the published tie rule and lots, the pabutools version, who made up the collective,
who was admitted while voting was open, declared conflicts of interest, the outcome and the reason
for every application, sealed with a SHA-256 hash so the outcome can be re-run and checked.
Once a decision is sealed, the results are worked out again from the sealed inputs only.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from importlib.metadata import version

from sqlalchemy import event
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from collectives.applications.models import Application, ApplicationStatus
from collectives.applications.service import applications_in, reason_labels
from collectives.decisions.allocation import Candidate, Outcome, compare, run_greedy, run_mes
from collectives.decisions.explain import Difference, completion_story, differences
from collectives.decisions.models import Decision, DecisionLine
from collectives.decisions.models import Outcome as OutcomeKind
from collectives.funds.ledger import add_commitments, entry, lock_share
from collectives.funds.models import EntryKind, FundShare
from collectives.membership.service import (
    admitted_since,
    conflicted_partners_of,
    declared_conflicts,
    describe_make_up,
    make_up,
)
from collectives.rounds.models import RULE_LABELS, TIE_RULE_LABELS, Phase, Round, Rule, TieRule
from collectives.rounds.service import advance_phase, get_round, tie_order, voting_opened_at
from collectives.voting.service import Quorum, ballots_for_count, counted_receipts, quorum, quorum_rule
from creative_minds.accounts.models import User
from creative_minds.csvout import safe_writer
from creative_minds.exceptions import Conflict, Forbidden, Invalid, NotFound
from creative_minds.money import format_pence
from creative_minds.timeutil import utcnow
from projects.models import ProjectStatus
from projects.service import follow_funding


class ImmutableDecision(Conflict):
    pass


@event.listens_for(Decision, "before_update")
@event.listens_for(DecisionLine, "before_update")
@event.listens_for(Decision, "before_delete")
@event.listens_for(DecisionLine, "before_delete")
def _refuse_changes(_mapper, _connection, _target) -> None:
    raise ImmutableDecision("A confirmed decision cannot be changed or deleted.")


# Before tie rules were published, the last tie-break was a lot drawn (unseen) when the round was made.
OLD_TIE_RULE_TEXT = "Lowest cost first, then most approvals, then a lot drawn when the round was created"
OUTCOME_ORDER = {OutcomeKind.FUNDED: 0, OutcomeKind.NOT_FUNDED: 1, OutcomeKind.INELIGIBLE: 2, OutcomeKind.WITHDRAWN: 3}


@dataclass
class Results:
    round: Round
    applications: list[Application]
    candidates: list[Candidate]
    ballots: list[frozenset[int]]
    conflicts_removed: dict[int, int]  # application id -> approvals removed because of conflicts
    lots: dict[int, int]
    outcomes: dict[str, Outcome]
    quorum: Quorum
    receipts: list[str]
    tie_rule_text: str
    sealed: bool = False  # worked out again from a sealed decision's inputs

    @property
    def approvals(self) -> dict[int, int]:
        return {cid: line.approvals for cid, line in self.outcomes["greedy"].lines.items()}

    def application(self, application_id: int) -> Application:
        return next(a for a in self.applications if a.id == application_id)

    def rows(self, rule: str) -> list[Candidate]:
        """The applications funded under `rule` first, then the rest; most approvals first within each."""
        funded = set(self.outcomes[rule].selected)
        approvals = self.approvals
        return sorted(
            self.candidates, key=lambda c: (c.id not in funded, -approvals[c.id], c.cost_pence, c.title.lower(), c.id)
        )

    @property
    def differences(self) -> list[Difference]:
        return differences(self.candidates, self.ballots, self.outcomes)

    @property
    def completion(self) -> list[str]:
        return completion_story(self.candidates, self.ballots, self.outcomes)


def compute_results(session: Session, round_: Round) -> Results:
    """Both rules on the ballots: from the sealed inputs once the decision is confirmed, else live."""
    decision = get_decision(session, round_.id)
    if decision is not None:
        return _sealed_results(session, round_, json.loads(decision.record_json))
    return _live_results(session, round_)


def _sealed_results(session: Session, round_: Round, record: dict) -> Results:
    candidates = [Candidate(c["id"], c["title"], c["cost_pence"]) for c in record["candidates"]]
    ballots = [frozenset(b) for b in record["ballots"]]
    lots = {int(k): v for k, v in record["lots"].items()}
    budget = record["round"]["budget_pence"]
    return Results(
        round_,
        applications_in(session, round_.id),
        candidates,
        ballots,
        {int(k): v for k, v in record["conflicted_approvals_removed"].items()},
        lots,
        compare(candidates, ballots, budget, lots),
        quorum(session, round_),
        record.get("receipts", []),
        record.get("tie_rule_text", OLD_TIE_RULE_TEXT),
        sealed=True,
    )


def _live_results(session: Session, round_: Round) -> Results:
    applications = applications_in(session, round_.id)
    eligible = [
        a
        for a in applications
        if a.status in (ApplicationStatus.ELIGIBLE, ApplicationStatus.FUNDED, ApplicationStatus.NOT_FUNDED)
    ]
    candidates = [Candidate(a.id, a.project.title, a.amount_pence) for a in eligible]
    partner_of = {a.id: a.partner_id for a in eligible}
    ballots: list[frozenset[int]] = []
    removed: dict[int, int] = {}
    counted = ballots_for_count(session, round_.id, round_.locality_id)
    conflicts = conflicted_partners_of(session, [voter_id for voter_id, _ in counted])
    for voter_id, approved in counted:
        conflicted = conflicts[voter_id]
        kept = set()
        for application_id in approved:
            if application_id not in partner_of:
                continue
            if partner_of[application_id] in conflicted:
                removed[application_id] = removed.get(application_id, 0) + 1
            else:
                kept.add(application_id)
        ballots.append(frozenset(kept))
    lots = tie_order(round_, eligible)
    outcomes = compare(candidates, ballots, round_.budget_pence, lots)
    return Results(
        round_,
        applications,
        candidates,
        ballots,
        removed,
        lots,
        outcomes,
        quorum(session, round_),
        counted_receipts(session, round_.id, round_.locality_id),
        TIE_RULE_LABELS[TieRule(round_.tie_rule)],
    )


def get_decision(session: Session, round_id: int) -> Decision | None:
    query = (
        select(Decision)
        .where(Decision.round_id == round_id)
        .options(
            selectinload(Decision.lines).selectinload(DecisionLine.application).selectinload(Application.project),
            selectinload(Decision.lines).selectinload(DecisionLine.application).selectinload(Application.partner),
            selectinload(Decision.confirmed_by),
        )
    )
    return session.exec(query).first()


def _canonical(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _record(session: Session, results: Results, rule: Rule, outcome: Outcome) -> dict:
    round_ = results.round
    opened = voting_opened_at(session, round_.id)
    counts = make_up(session, round_.locality_id)
    partner_of = {a.id: a.partner_id for a in results.applications if a.id in results.lots}
    conflicts = declared_conflicts(session, round_.locality_id, set(partner_of.values()))
    return {
        "round": {
            "id": round_.id,
            "name": round_.name,
            "locality": round_.locality.name,
            "budget_pence": round_.budget_pence,
        },
        "rule": rule.value,
        "rule_label": RULE_LABELS[rule],
        "parameters": outcome.parameters,
        "library": {"pabutools": version("pabutools")},
        "tie_rule": round_.tie_rule,
        "tie_rule_text": results.tie_rule_text,
        "lots_drawn_at": round_.lots_drawn_at.isoformat(timespec="seconds") if round_.lots_drawn_at else None,
        "lots": {str(k): v for k, v in sorted(results.lots.items())},
        "candidates": [{"id": c.id, "title": c.title, "cost_pence": c.cost_pence} for c in results.candidates],
        "ballots": sorted(sorted(b) for b in results.ballots),
        "receipts": sorted(results.receipts),
        "conflicted_approvals_removed": {str(k): v for k, v in sorted(results.conflicts_removed.items())},
        "outcome": {"selected": outcome.selected, "funded_pence": outcome.funded_pence},
        "other_rules": {name: sorted(o.selected) for name, o in results.outcomes.items() if name != rule.value},
        "collective": {
            "make_up": {c.value: n for c, n in counts},
            "make_up_text": describe_make_up(counts),
            "quorum_rule": quorum_rule(round_),
            "voters": results.quorum.voters,
            "lived_experience_voters": results.quorum.lived_experience_voters,
            "eligible_voters": results.quorum.eligible_voters,
        },
        "voting_opened_at": opened.isoformat(timespec="seconds") if opened else None,
        "admitted_during_voting": [
            {
                "name": m.user.full_name,
                "admitted_at": m.decided_at.isoformat(timespec="seconds") if m.decided_at else None,
                "admitted_by": m.decided_by.full_name if m.decided_by else None,
            }
            for m in (admitted_since(session, round_.locality_id, opened) if opened else [])
        ],
        "conflicts": [
            {
                "member": c.user.full_name,
                "partner": c.partner.name,
                "applications": sorted(a for a, p in partner_of.items() if p == c.partner_id),
                "declared_at": c.declared_at.isoformat(timespec="seconds"),
            }
            for c in conflicts
        ],
    }


def reproduce(record: dict) -> list[int]:
    """Re-run the sealed rule on the sealed ballots; returns the selected application ids."""
    candidates = [Candidate(c["id"], c["title"], c["cost_pence"]) for c in record["candidates"]]
    ballots = [frozenset(b) for b in record["ballots"]]
    lots = {int(k): v for k, v in record["lots"].items()}
    budget = record["round"]["budget_pence"]
    runner = run_greedy if record["rule"] == Rule.GREEDY else run_mes
    return runner(candidates, ballots, budget, lots).selected


def verify_seal(decision: Decision) -> bool:
    return hashlib.sha256(decision.record_json.encode()).hexdigest() == decision.seal


def sorted_lines(lines: list[DecisionLine]) -> list[DecisionLine]:
    """Decision lines by outcome (funded, not funded, not eligible, withdrawn), then most approvals."""
    return sorted(lines, key=lambda ln: (OUTCOME_ORDER.get(OutcomeKind(ln.outcome), 9), -ln.approvals, ln.position))


def confirm_decision(session: Session, round_id: int, rule: Rule, *, by: User, confirmed: bool = False) -> Decision:
    """Confirm one rule's outcome: seal the record, fund the winners, write the ledger, close the round.

    Once only, and it cannot be undone, so the coordinator must have said so (`confirmed`).
    """
    round_, share = _lock_round_for_decision(session, round_id, by=by, confirmed=confirmed)
    results = compute_results(session, round_)
    outcome = results.outcomes[rule.value]
    _commit_the_money(session, share, round_, results, outcome, by=by)
    decision = _seal_the_record(session, round_, rule, results, outcome, by=by)
    next_position = _record_the_rules_outcome(session, decision, results, outcome)
    _record_the_rest(session, decision, results, outcome, first_position=next_position)
    session.flush()
    # The decision is what closes the round: no second click.
    advance_phase(session, round_, by=by, confirmed=True, note="Closed when the decision was confirmed")
    return decision


def _lock_round_for_decision(session: Session, round_id: int, *, by: User, confirmed: bool) -> tuple[Round, FundShare]:
    """Check who, when and that they confirmed, holding the share's lock so two confirmations are served in turn."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators confirm a collective's decision.")
    if not confirmed:
        raise Invalid(
            "Please confirm: a confirmed decision cannot be undone.",
            errors={"confirm": "Tick the box to confirm that you understand this cannot be undone."},
        )
    round_ = get_round(session, round_id)
    share = lock_share(session, round_.share_id)  # first write: from here on we are alone on this share
    session.refresh(round_)
    if get_decision(session, round_.id) is not None:
        raise Conflict("This round's decision is already confirmed.")
    if round_.phase != Phase.DECIDED:
        raise Conflict(
            "A decision is confirmed after voting has closed (the round must be at “Voting closed: deciding”)."
        )
    return round_, share


def _commit_the_money(
    session: Session, share: FundShare, round_: Round, results: Results, outcome: Outcome, *, by: User
) -> None:
    """One ledger commitment per funded application; refused, with nothing saved, if it would overspend."""
    commitments = [
        entry(
            application,
            share,
            EntryKind.COMMITMENT,
            application.amount_pence,
            f"Decision of {round_.name}",
            by,
            match=application.match_pence,
        )
        for application in map(results.application, outcome.selected)
    ]
    add_commitments(session, share, commitments, round_id=round_.id)


def _seal_the_record(
    session: Session, round_: Round, rule: Rule, results: Results, outcome: Outcome, *, by: User
) -> Decision:
    """The decision row: the canonical record of inputs and outcome, and its SHA-256 seal."""
    record_json = _canonical(_record(session, results, rule, outcome))
    decision = Decision(
        round_id=round_.id,
        rule=rule.value,
        confirmed_by_id=by.id,
        confirmed_at=utcnow(),
        budget_pence=round_.budget_pence,
        funded_pence=outcome.funded_pence,
        voters=results.quorum.voters,
        eligible_voters=results.quorum.eligible_voters,
        record_json=record_json,
        seal=hashlib.sha256(record_json.encode()).hexdigest(),
    )
    session.add(decision)
    session.flush()
    return decision


def _record_the_rules_outcome(session: Session, decision: Decision, results: Results, outcome: Outcome) -> int:
    """A line per application the rule considered, funded first; each application and project follows.
    Returns the next line position."""
    selected = set(outcome.selected)
    # Funded first, then not funded; within each, most approvals first, then the rule's own order.
    ordered = sorted(outcome.lines.values(), key=lambda line: (not line.funded, -line.approvals, line.position))
    for position, line in enumerate(ordered, start=1):
        application = results.application(line.candidate_id)
        funded = line.candidate_id in selected
        session.add(
            DecisionLine(
                decision_id=decision.id,
                application_id=application.id,
                position=position,
                outcome=(OutcomeKind.FUNDED if funded else OutcomeKind.NOT_FUNDED).value,
                approvals=line.approvals,
                conflicted_approvals_removed=results.conflicts_removed.get(application.id, 0),
                amount_pence=application.amount_pence,
                explanation=line.reason,
            )
        )
        application.status = (ApplicationStatus.FUNDED if funded else ApplicationStatus.NOT_FUNDED).value
        application.decided_at = decision.confirmed_at
        follow_funding(session, application.project, ProjectStatus.FUNDED if funded else ProjectStatus.DECLINED)
        session.add(application)
    return len(ordered) + 1


def _record_the_rest(
    session: Session, decision: Decision, results: Results, outcome: Outcome, *, first_position: int
) -> None:
    """A line for each application the rule did not consider: not eligible, or withdrawn."""
    left_out = [a for a in results.applications if a.id not in outcome.lines]
    for position, application in enumerate(left_out, start=first_position):
        if application.status == ApplicationStatus.INELIGIBLE:
            reasons = "; ".join(reason_labels(application.reason_codes)) or "see note"
            note = f" ({application.eligibility_note})" if application.eligibility_note else ""
            kind, text = OutcomeKind.INELIGIBLE, f"Not eligible: {reasons}{note}."
            follow_funding(session, application.project, ProjectStatus.DECLINED)
        else:
            kind, text = OutcomeKind.WITHDRAWN, "Withdrawn by the applicant before the decision."
        session.add(
            DecisionLine(
                decision_id=decision.id,
                application_id=application.id,
                position=position,
                outcome=kind.value,
                approvals=0,
                amount_pence=application.amount_pence,
                explanation=text,
            )
        )


def decision_csv(decision: Decision, amendments: list | None = None) -> str:
    out = io.StringIO()
    writer = safe_writer(out)
    record = json.loads(decision.record_json)
    writer.writerow(["Round", record["round"]["name"], "Locality", record["round"]["locality"]])
    writer.writerow(
        [
            "Rule",
            record["rule_label"],
            "Budget",
            format_pence(decision.budget_pence),
            "Funded",
            format_pence(decision.funded_pence),
        ]
    )
    writer.writerow(["Tie rule", record.get("tie_rule_text", OLD_TIE_RULE_TEXT)])
    writer.writerow(["Voters", decision.voters, "Members able to vote", decision.eligible_voters])
    writer.writerow(["Confirmed", decision.confirmed_at.isoformat(timespec="minutes"), "Seal (SHA-256)", decision.seal])
    writer.writerow([])
    writer.writerow(
        [
            "Position",
            "Application",
            "Project",
            "Partner",
            "Amount asked (£)",
            "Partner's match (£)",
            "Approvals",
            "Approvals removed (conflict of interest)",
            "Outcome",
            "Reason",
        ]
    )
    for line in sorted_lines(decision.lines):
        application = line.application
        writer.writerow(
            [
                line.position,
                application.id,
                application.project.title,
                application.partner.name,
                _pounds(line.amount_pence),
                _pounds(application.match_pence),
                line.approvals,
                line.conflicted_approvals_removed,
                line.outcome.replace("_", " "),
                line.explanation,
            ]
        )
    if amendments:
        writer.writerow([])
        writer.writerow(["Amendments (the decision above is unchanged)"])
        writer.writerow(["When", "Application", "Project", "Change", "Reason", "By"])
        for amendment in amendments:
            writer.writerow(
                [
                    amendment.at.isoformat(timespec="minutes"),
                    amendment.application_id,
                    amendment.application.project.title,
                    amendment.action,
                    amendment.reason,
                    amendment.by.full_name,
                ]
            )
    return out.getvalue()


def _pounds(pence: int) -> str:
    """Exact pounds for a spreadsheet: 123456 -> '1234.56'."""
    pounds, rest = divmod(pence, 100)
    return f"{pounds}.{rest:02d}"


def require_decision(session: Session, round_id: int) -> Decision:
    decision = get_decision(session, round_id)
    if decision is None:
        raise NotFound("This round has no confirmed decision yet.")
    return decision
