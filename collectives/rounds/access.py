"""Who may see what of a funding round, decided here and nowhere else.

- Coordinators see everything.
- Admitted members of the round's locality see the round, its applications, turnout, results,
  the decision record and its CSV. Someone who has only asked to join (or was declined) sees none
  of it: only their own request.
- An approved partner group sees a round that is open for applications in a locality it works in
  (so it can apply), a round it has applied to, its own applications in it, and the outcome per
  application once the coordinator has published it. Never ballots, turnout, members or the record.
- Everyone else sees nothing of a round.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from collectives.applications.models import APPLICATION_LABELS, Application, ApplicationStatus
from collectives.membership.service import is_admitted
from collectives.rounds.models import Phase, Round
from creative_minds.accounts.models import Role, User
from creative_minds.exceptions import Forbidden
from partners.models import Partner, PartnerLocality, PartnerStatus


@dataclass(frozen=True)
class RoundAccess:
    see_round: bool = False  # the round page at all
    deliberate: bool = False  # every application, turnout, results, decision record and CSV
    run: bool = False  # move it on, check eligibility, confirm, amend, publish
    vote: bool = False  # an admitted member while voting is open
    apply: bool = False  # an approved partner while the round is open in its locality
    in_locality: bool = False  # an approved partner working in the round's locality (open or not)
    see_outcomes: bool = False  # the published outcome per application
    own_partner_id: int | None = None  # a partner sees its own applications


NONE = RoundAccess()


def round_access(session: Session, user: User | None, round_: Round) -> RoundAccess:
    if user is None:
        return NONE
    if user.is_coordinator:
        return RoundAccess(see_round=True, deliberate=True, run=True, see_outcomes=True)
    if user.role == Role.PARTNER:
        return _partner_access(session, user, round_)
    if is_admitted(session, user, round_.locality_id):
        return RoundAccess(
            see_round=True,
            deliberate=True,
            vote=round_.phase == Phase.VOTING,
            see_outcomes=round_.outcomes_published_at is not None,
        )
    return NONE


def _partner_access(session: Session, user: User, round_: Round) -> RoundAccess:
    partner = session.get(Partner, user.partner_id) if user.partner_id else None
    if partner is None or partner.status != PartnerStatus.APPROVED:
        return NONE
    works_here = (
        session.exec(
            select(PartnerLocality).where(
                PartnerLocality.partner_id == partner.id, PartnerLocality.locality_id == round_.locality_id
            )
        ).first()
        is not None
    )
    applied = (
        session.exec(
            select(Application.id).where(Application.round_id == round_.id, Application.partner_id == partner.id)
        ).first()
        is not None
    )
    can_apply = works_here and round_.phase == Phase.OPEN
    published = round_.outcomes_published_at is not None
    return RoundAccess(
        see_round=can_apply or applied,
        apply=can_apply,
        in_locality=works_here,
        see_outcomes=published and (works_here or applied),
        own_partner_id=partner.id,
    )


def require(access: RoundAccess, what: str = "see_round") -> RoundAccess:
    if not getattr(access, what):
        raise Forbidden(
            "This round's deliberations are for its locality's collective and coordinators."
            if what == "deliberate"
            else "You do not have access to this funding round."
        )
    return access


UNPUBLISHED = "decided"  # what an applicant sees of a decided application until the outcome is published
UNPUBLISHED_LABEL = "Decided: the collective will publish the outcome"
STATUS_LABELS = {**APPLICATION_LABELS, UNPUBLISHED: UNPUBLISHED_LABEL}  # for what shown_status answers


def shown_status(access: RoundAccess, round_: Round, application: Application) -> str:
    """An application's status as this person may know it: an applicant learns funded or not funded
    when the collective publishes the outcome, never before."""
    decided = application.status in (ApplicationStatus.FUNDED, ApplicationStatus.NOT_FUNDED)
    if decided and not (access.run or access.deliberate) and round_.outcomes_published_at is None:
        return UNPUBLISHED
    return application.status


def shown_applications(access: RoundAccess, round_: Round, applications: list[Application]) -> list[Application]:
    """The applications this person sees listed on the round page."""
    if access.run:
        return applications
    if access.deliberate:
        if round_.phase in (Phase.OPEN, Phase.ELIGIBILITY):
            return [a for a in applications if a.status != ApplicationStatus.WITHDRAWN]
        decided = (ApplicationStatus.ELIGIBLE, ApplicationStatus.FUNDED, ApplicationStatus.NOT_FUNDED)
        return [a for a in applications if a.status in decided]
    if access.own_partner_id is not None:
        return [a for a in applications if a.partner_id == access.own_partner_id]
    return []
