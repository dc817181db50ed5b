"""Applications: partners submit projects to open rounds; coordinators check eligibility."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from collectives.applications.forms import ApplicationInput, EligibilityInput
from collectives.applications.models import INELIGIBLE_LABELS, Application, ApplicationStatus, IneligibleReason
from collectives.rounds.models import Phase, Round
from collectives.rounds.service import open_rounds_for
from creative_minds.accounts.models import Role, User
from creative_minds.db import get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.timeutil import utcnow
from obligations import events
from partners.models import AgreementStatus, Partner, PartnerStatus
from projects.models import Project, ProjectStatus
from projects.service import follow_funding

APPLY_FROM = {ProjectStatus.DRAFT, ProjectStatus.SUBMITTED, ProjectStatus.DECLINED}
LOAD = (
    selectinload(Application.project),
    selectinload(Application.partner),
    selectinload(Application.round).selectinload(Round.locality),
)


def partner_record_problems(partner: Partner) -> list[IneligibleReason]:
    """What the partner's record says against funding it now (reasons shown to everyone involved)."""
    problems = []
    if partner.status != PartnerStatus.APPROVED:
        problems.append(IneligibleReason.PARTNER_NOT_APPROVED)
    if partner.agreement_status not in (AgreementStatus.SIGNED, AgreementStatus.PENDING):
        problems.append(IneligibleReason.NO_AGREEMENT)
    if not partner.insurance_in_date:
        problems.append(IneligibleReason.INSURANCE)
    if not partner.safeguarding_in_date:
        problems.append(IneligibleReason.SAFEGUARDING)
    return problems


def application_problems(application: Application) -> list[IneligibleReason]:
    problems = partner_record_problems(application.partner)
    if application.project.locality_id != application.round.locality_id:
        problems.append(IneligibleReason.OUTSIDE_LOCALITY)
    if application.match_pence <= 0:
        problems.append(IneligibleReason.NOT_MATCH_FUNDED)
    return problems


def reason_labels(codes: list[str]) -> list[str]:
    return [INELIGIBLE_LABELS[IneligibleReason(code)] for code in codes if code in set(IneligibleReason)]


def get_application(session: Session, application_id: int) -> Application:
    return get_or_404(session, Application, application_id, "application", options=list(LOAD))


def applications_in(
    session: Session, round_id: int, *, statuses: list[ApplicationStatus] | None = None
) -> list[Application]:
    query = select(Application).where(Application.round_id == round_id).options(*LOAD)
    if statuses:
        query = query.where(col(Application.status).in_([s.value for s in statuses]))
    return list(session.exec(query.order_by(Application.submitted_at, Application.id)))


def applications_of_partner(session: Session, partner_id: int) -> list[Application]:
    query = select(Application).where(Application.partner_id == partner_id).options(*LOAD)
    return list(session.exec(query.order_by(col(Application.submitted_at).desc(), col(Application.id).desc())))


def longest_waiting(session: Session, limit: int = 20) -> list[Application]:
    """Applications not yet decided, oldest first, for coordinators."""
    query = (
        select(Application)
        .where(col(Application.status).in_([ApplicationStatus.SUBMITTED.value, ApplicationStatus.ELIGIBLE.value]))
        .options(*LOAD)
        .order_by(Application.submitted_at, Application.id)
        .limit(limit)
    )
    return list(session.exec(query))


def projects_to_apply_with(session: Session, user: User, round_: Round) -> list[Project]:
    """The user's projects in the round's locality that can still ask for funding."""
    if user.partner_id is None:
        return []
    query = select(Project).where(
        Project.partner_id == user.partner_id,
        Project.locality_id == round_.locality_id,
        col(Project.status).in_([s.value for s in APPLY_FROM]),
    )
    return list(session.exec(query.order_by(Project.title)))


def apply(session: Session, round_: Round, data: ApplicationInput, *, by: User) -> Application:
    if by.role != Role.PARTNER or by.partner_id is None:
        raise Forbidden("Only partner groups apply for funding.")
    if round_.phase != Phase.OPEN:
        raise Conflict("This round is not open for applications any more.")
    project = session.get(Project, data.project_id)
    if project is None or project.partner_id != by.partner_id:
        raise Invalid("Choose one of your projects.", errors={"project_id": "Choose one of your group's projects."})
    if project.locality_id != round_.locality_id:
        raise Invalid(
            "This project is in another locality.", errors={"project_id": "Choose a project in this round's locality."}
        )
    if project.status not in APPLY_FROM:
        raise Invalid(
            "This project cannot apply now.", errors={"project_id": f"This project is {project.status_label.lower()}."}
        )
    existing = session.exec(
        select(Application).where(Application.round_id == round_.id, Application.project_id == project.id)
    ).first()
    if existing is not None:
        raise Invalid("Already applied.", errors={"project_id": "This project has already applied to this round."})
    if data.amount_pence > round_.budget_pence:
        raise Invalid("Too much.", errors={"amount_pence": "You cannot ask for more than the round's whole budget."})
    application = Application(
        round_id=round_.id,
        project_id=project.id,
        partner_id=project.partner_id,
        amount_pence=data.amount_pence,
        match_pence=data.match_pence,
        local_need=data.local_need,
        submitted_by_id=by.id,
    )
    session.add(application)
    follow_funding(session, project, ProjectStatus.SUBMITTED)
    session.flush()
    events.application_received(session, application)
    return application


def withdraw(session: Session, application: Application, *, by: User) -> Application:
    if not (by.is_coordinator or (by.role == Role.PARTNER and by.partner_id == application.partner_id)):
        raise Forbidden("Only the applicant and coordinators can withdraw an application.")
    if application.round.phase not in (Phase.OPEN, Phase.ELIGIBILITY, Phase.VOTING):
        raise Conflict("The decision on this round is made; the application can no longer be withdrawn.")
    if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.FUNDED, ApplicationStatus.NOT_FUNDED):
        raise Conflict("This application is already " + application.status.replace("_", " ") + ".")
    application.status = ApplicationStatus.WITHDRAWN.value
    application.decided_at = utcnow()
    follow_funding(session, application.project, ProjectStatus.DRAFT)
    session.add(application)
    session.flush()
    return application


def precheck_round(session: Session, round_: Round) -> None:
    """When applications close: record what each partner's record says, for the coordinator to confirm."""
    for application in applications_in(session, round_.id, statuses=[ApplicationStatus.SUBMITTED]):
        application.ineligible_reasons = ",".join(p.value for p in application_problems(application))
        session.add(application)


def decide_eligibility(session: Session, application: Application, data: EligibilityInput, *, by: User) -> Application:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators decide eligibility.")
    if application.round.phase != Phase.ELIGIBILITY:
        raise Conflict("Eligibility is decided during the round's eligibility check.")
    if application.status == ApplicationStatus.WITHDRAWN:
        raise Conflict("This application was withdrawn.")
    application.status = (ApplicationStatus.ELIGIBLE if data.eligible else ApplicationStatus.INELIGIBLE).value
    application.ineligible_reasons = ",".join(r.value for r in data.reasons)
    application.eligibility_note = data.note
    application.checked_by_id = by.id
    application.checked_at = utcnow()
    session.add(application)
    session.flush()
    events.eligibility_decided(session, application, reason_labels(application.reason_codes))
    return application


def open_rounds_for_partner(session: Session, partner_id: int) -> list[Round]:
    """Rounds open for applications in the localities an approved partner works in; none otherwise."""
    partner = session.get(Partner, partner_id)
    if partner is None or partner.status != PartnerStatus.APPROVED:
        return []
    return open_rounds_for(session, [loc.id for loc in partner.localities])  # type: ignore[misc]
