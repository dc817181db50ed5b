"""Results and decisions: count the ballots, run both rules, confirm one, seal the record.

A confirmed decision is immutable: the ORM refuses to change or delete it, and its record carries
the ballots, the rule and all its parameters, the pabutools version, the outcome and the reason
for every application, sealed with a SHA-256 hash so the outcome can be re-run and checked.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from importlib.metadata import version

from sqlalchemy import event
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from collectives.allocation import Candidate, Outcome, compare, draw_lots, run_greedy, run_mes
from collectives.applications import applications_in, reason_labels
from collectives.ledger import add_commitments, entry, lock_share
from collectives.membership import conflicted_partner_ids
from collectives.models import (
    RULE_LABELS,
    Application,
    ApplicationStatus,
    Decision,
    DecisionLine,
    EntryKind,
    Outcome as OutcomeKind,
    Phase,
    Round,
    Rule,
)
from collectives.rounds import get_round
from collectives.voting import Quorum, ballots_for_count, quorum
from creative_minds.accounts.models import User
from creative_minds.exceptions import Conflict, Forbidden, NotFound
from creative_minds.money import format_pence
from creative_minds.timeutil import utcnow
from projects.models import ProjectStatus


class ImmutableDecision(Conflict):
    pass


@event.listens_for(Decision, "before_update")
@event.listens_for(DecisionLine, "before_update")
@event.listens_for(Decision, "before_delete")
@event.listens_for(DecisionLine, "before_delete")
def _refuse_changes(_mapper, _connection, _target) -> None:  # type: ignore[no-untyped-def]
    raise ImmutableDecision("A confirmed decision cannot be changed or deleted.")


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

    @property
    def approvals(self) -> dict[int, int]:
        return {cid: line.approvals for cid, line in self.outcomes["greedy"].lines.items()}

    def application(self, application_id: int) -> Application:
        return next(a for a in self.applications if a.id == application_id)


def compute_results(session: Session, round_: Round) -> Results:
    applications = applications_in(session, round_.id)
    eligible = [a for a in applications if a.status in (ApplicationStatus.ELIGIBLE, ApplicationStatus.FUNDED, ApplicationStatus.NOT_FUNDED)]
    candidates = [Candidate(a.id, a.project.title, a.amount_pence) for a in eligible]
    partner_of = {a.id: a.partner_id for a in eligible}
    ballots: list[frozenset[int]] = []
    removed: dict[int, int] = {}
    for voter_id, approved in ballots_for_count(session, round_.id, round_.locality_id):
        conflicted = conflicted_partner_ids(session, voter_id)
        kept = set()
        for application_id in approved:
            if application_id not in partner_of:
                continue
            if partner_of[application_id] in conflicted:
                removed[application_id] = removed.get(application_id, 0) + 1
            else:
                kept.add(application_id)
        ballots.append(frozenset(kept))
    lots = draw_lots(round_.lot_seed, [c.id for c in candidates])
    outcomes = compare(candidates, ballots, round_.budget_pence, lots)
    return Results(round_, applications, candidates, ballots, removed, lots, outcomes, quorum(session, round_))


def get_decision(session: Session, round_id: int) -> Decision | None:
    query = select(Decision).where(Decision.round_id == round_id).options(
        selectinload(Decision.lines).selectinload(DecisionLine.application).selectinload(Application.project),
        selectinload(Decision.lines).selectinload(DecisionLine.application).selectinload(Application.partner),
        selectinload(Decision.confirmed_by),
    )
    return session.exec(query).first()


def _canonical(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _record(results: Results, rule: Rule, outcome: Outcome) -> dict:
    round_ = results.round
    return {
        "round": {"id": round_.id, "name": round_.name, "locality": round_.locality.name, "budget_pence": round_.budget_pence},
        "rule": rule.value,
        "rule_label": RULE_LABELS[rule],
        "parameters": outcome.parameters,
        "library": {"pabutools": version("pabutools")},
        "lot_seed": round_.lot_seed,
        "lots": {str(k): v for k, v in sorted(results.lots.items())},
        "candidates": [{"id": c.id, "title": c.title, "cost_pence": c.cost_pence} for c in results.candidates],
        "ballots": sorted(sorted(b) for b in results.ballots),
        "conflicted_approvals_removed": {str(k): v for k, v in sorted(results.conflicts_removed.items())},
        "outcome": {"selected": outcome.selected, "funded_pence": outcome.funded_pence},
        "other_rules": {name: sorted(o.selected) for name, o in results.outcomes.items() if name != rule.value},
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


def confirm_decision(session: Session, round_id: int, rule: Rule, *, by: User) -> Decision:
    """Confirm one rule's outcome: seal the record, fund the winners, write the ledger. Once only."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators confirm a collective's decision.")
    round_ = get_round(session, round_id)
    share = lock_share(session, round_.share_id)  # first write: from here on we are alone on this share
    session.refresh(round_)
    if get_decision(session, round_.id) is not None:
        raise Conflict("This round's decision is already confirmed.")
    if round_.phase != Phase.DECIDED:
        raise Conflict("A decision is confirmed after voting has closed (the round must be at “Voting closed: deciding”).")
    results = compute_results(session, round_)
    outcome = results.outcomes[rule.value]
    now = utcnow()
    commitments = [
        entry(application, share, EntryKind.COMMITMENT, application.amount_pence, f"Decision of {round_.name}", by,
              match=application.match_pence)
        for application in map(results.application, outcome.selected)
    ]
    add_commitments(session, share, commitments)  # refuses, and saves nothing, if the share would be overspent

    record = _record(results, rule, outcome)
    record_json = _canonical(record)
    decision = Decision(
        round_id=round_.id, rule=rule.value, confirmed_by_id=by.id, confirmed_at=now, budget_pence=round_.budget_pence,
        funded_pence=outcome.funded_pence, voters=results.quorum.voters, eligible_voters=results.quorum.eligible_voters,
        record_json=record_json, seal=hashlib.sha256(record_json.encode()).hexdigest(),
    )
    session.add(decision)
    session.flush()
    position = 0
    selected = set(outcome.selected)
    ordered = sorted(outcome.lines.values(), key=lambda line: (not line.funded, line.position))
    for line in ordered:
        position += 1
        application = results.application(line.candidate_id)
        funded = line.candidate_id in selected
        session.add(DecisionLine(
            decision_id=decision.id, application_id=application.id, position=position,
            outcome=(OutcomeKind.FUNDED if funded else OutcomeKind.NOT_FUNDED).value, approvals=line.approvals,
            conflicted_approvals_removed=results.conflicts_removed.get(application.id, 0),
            amount_pence=application.amount_pence, explanation=line.reason,
        ))
        application.status = (ApplicationStatus.FUNDED if funded else ApplicationStatus.NOT_FUNDED).value
        application.decided_at = now
        application.project.status = (ProjectStatus.FUNDED if funded else ProjectStatus.DECLINED).value
        application.project.status_changed_at = now
        session.add_all([application, application.project])
    for application in results.applications:
        if application.id in outcome.lines:
            continue
        position += 1
        if application.status == ApplicationStatus.INELIGIBLE:
            reasons = "; ".join(reason_labels(application.reason_codes)) or "see note"
            note = f" ({application.eligibility_note})" if application.eligibility_note else ""
            kind, text = OutcomeKind.INELIGIBLE, f"Not eligible: {reasons}{note}."
            if application.project.status == ProjectStatus.SUBMITTED:
                application.project.status = ProjectStatus.DECLINED.value
                application.project.status_changed_at = now
                session.add(application.project)
        else:
            kind, text = OutcomeKind.WITHDRAWN, "Withdrawn by the applicant before the decision."
        session.add(DecisionLine(
            decision_id=decision.id, application_id=application.id, position=position, outcome=kind.value,
            approvals=0, amount_pence=application.amount_pence, explanation=text,
        ))
    session.flush()
    return decision


def decision_csv(decision: Decision, amendments: list | None = None) -> str:  # type: ignore[type-arg]
    out = io.StringIO()
    writer = csv.writer(out)
    record = json.loads(decision.record_json)
    writer.writerow(["Round", record["round"]["name"], "Locality", record["round"]["locality"]])
    writer.writerow(["Rule", record["rule_label"], "Budget", format_pence(decision.budget_pence), "Funded", format_pence(decision.funded_pence)])
    writer.writerow(["Voters", decision.voters, "Members able to vote", decision.eligible_voters])
    writer.writerow(["Confirmed", decision.confirmed_at.isoformat(timespec="minutes"), "Seal (SHA-256)", decision.seal])
    writer.writerow([])
    writer.writerow(["Position", "Application", "Project", "Partner", "Amount asked (£)", "Partner's match (£)",
                     "Approvals", "Approvals removed (conflict of interest)", "Outcome", "Reason"])
    for line in decision.lines:
        application = line.application
        writer.writerow([
            line.position, application.id, application.project.title, application.partner.name,
            _pounds(line.amount_pence), _pounds(application.match_pence),
            line.approvals, line.conflicted_approvals_removed, line.outcome.replace("_", " "), line.explanation,
        ])
    if amendments:
        writer.writerow([])
        writer.writerow(["Amendments (the decision above is unchanged)"])
        writer.writerow(["When", "Application", "Project", "Change", "Reason", "By"])
        for amendment in amendments:
            writer.writerow([amendment.at.isoformat(timespec="minutes"), amendment.application_id, amendment.application.project.title,
                             amendment.action, amendment.reason, amendment.by.full_name])
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
