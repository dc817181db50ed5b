"""The rows of the lists a coordinator sees, with the same filters, for CSV and .xlsx downloads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from collectives.funds.models import ENTRY_LABELS, EntryKind, LedgerEntry
from creative_minds.accounts.models import User
from creative_minds.exceptions import Forbidden
from creative_minds.pagination import Page
from partners.service import PartnerFilters, search_partners
from projects.service import ProjectFilters, search_projects


def _every_page(search: Callable[[int], Page]) -> list[Any]:
    items: list[Any] = []
    number = 1
    while True:
        page = search(number)
        items.extend(page.items)
        if page.page >= page.pages:
            return items
        number += 1


def _coordinator(user: User) -> None:
    if not user.is_coordinator:
        raise Forbidden("Only coordinators can download these lists.")


def partner_rows(session: Session, filters: PartnerFilters, *, by: User) -> list[list[Any]]:
    _coordinator(by)
    from dataclasses import replace

    partners = _every_page(lambda n: search_partners(session, replace(filters, page=n), user=by))
    rows: list[list[Any]] = [
        ["Id", "Name", "Kind", "Status", "Localities", "Contact name", "Contact email", "Contact phone", "Address",
         "Postcode", "Charity number", "Company number", "Agreement", "Agreement signed on", "Insurance expires on",
         "Safeguarding review due on"]
    ]  # fmt: skip
    for p in partners:
        rows.append(
            [p.id, p.name, p.kind_label, p.status_label, "; ".join(loc.name for loc in p.localities), p.contact_name,
             p.contact_email, p.contact_phone or "", p.address, p.postcode, p.charity_number or "",
             p.company_number or "", p.agreement_label, p.agreement_signed_on, p.insurance_expires_on,
             p.safeguarding_review_due_on]
        )  # fmt: skip
    return rows


def _pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rest:02d}"


def project_rows(session: Session, filters: ProjectFilters, *, by: User) -> list[list[Any]]:
    _coordinator(by)
    from dataclasses import replace

    projects = _every_page(lambda n: search_projects(session, replace(filters, page=n), user=by))
    rows: list[list[Any]] = [
        ["Id", "Title", "Partner", "Locality", "Status", "Categories", "Postcode", "Day", "Frequency",
         "Total cost (£)", "Match funding (£)", "Requested (£)", "Cost to attend (£)"]
    ]  # fmt: skip
    for p in projects:
        rows.append(
            [p.id, p.title, p.partner.name, p.locality.name, p.status_label, "; ".join(p.category_labels), p.postcode,
             p.day_label, p.frequency_label, _pounds(p.total_cost_pence), _pounds(p.match_pence),
             _pounds(p.requested_pence), _pounds(p.cost_to_attend_pence)]
        )  # fmt: skip
    return rows


def ledger_rows(session: Session, *, by: User, locality_id: int | None = None) -> list[list[Any]]:
    _coordinator(by)
    query = select(LedgerEntry).order_by(col(LedgerEntry.created_at), col(LedgerEntry.id))
    if locality_id is not None:
        query = query.where(LedgerEntry.locality_id == locality_id)
    rows: list[list[Any]] = [
        ["Id", "Date", "Kind", "Locality id", "Round id", "Application id", "Partner id", "Project id",
         "Amount (£)", "Match (£)", "Note"]
    ]  # fmt: skip
    for e in session.exec(query).all():
        rows.append(
            [e.id, e.created_at.date(), ENTRY_LABELS.get(EntryKind(e.kind), e.kind), e.locality_id, e.round_id,
             e.application_id, e.partner_id, e.project_id, _pounds(e.amount_pence), _pounds(e.match_pence), e.note]
        )  # fmt: skip
    return rows


def application_rows(session: Session, *, by: User, round_id: int | None = None) -> list[list[Any]]:
    """Every application (or one round's), oldest first, with its project, partner and round."""
    from collectives.applications.models import APPLICATION_LABELS, Application, ApplicationStatus
    from collectives.rounds.models import Round
    from partners.models import Partner
    from projects.models import Project

    _coordinator(by)
    query = (
        select(Application, Project.title, Partner.name, Round.name)
        .join(Project, col(Project.id) == Application.project_id)
        .join(Partner, col(Partner.id) == Application.partner_id)
        .join(Round, col(Round.id) == Application.round_id)
        .order_by(col(Application.submitted_at), col(Application.id))
    )
    if round_id is not None:
        query = query.where(Application.round_id == round_id)
    rows: list[list[Any]] = [
        ["Id", "Round", "Project", "Partner", "Status", "Asked for (£)", "Match funding (£)", "Sent on", "Decided on"]
    ]
    for application, title, partner, round_name in session.exec(query).all():
        rows.append(
            [application.id, round_name, title, partner,
             APPLICATION_LABELS.get(ApplicationStatus(application.status), application.status),
             _pounds(application.amount_pence), _pounds(application.match_pence), application.submitted_at.date(),
             application.decided_at.date() if application.decided_at else ""]
        )  # fmt: skip
    return rows


def member_rows(session: Session, filters: Any, *, by: User) -> list[list[Any]]:
    """The coordinators' member list (collectives.membership.service.MemberFilters). Special-category data:
    the caller asks for a reason and records it in the audit trail. The first five columns are the import's."""
    from collectives.membership import service as membership
    from collectives.membership.models import CONSTITUENCY_LABELS, PAYMENT_LABELS, Constituency
    from creative_minds.accounts.invitations import invited_on

    _coordinator(by)
    found = membership.member_rows(session, filters, by=by)
    invited = invited_on(session, (m.user_id for m in found))
    rows: list[list[Any]] = [
        ["Email", "Full name", "Locality", "Constituency", "Lived experience", "Membership", "Asked or added on",
         "Admitted on", "Shows constituency to members", "Payment choice", "Invited on", "Last signed in"]
    ]  # fmt: skip
    for m in found:
        when = invited.get(m.user_id)
        rows.append(
            [m.user.email, m.user.full_name, m.locality.name, CONSTITUENCY_LABELS.get(m.constituency, m.constituency),
             "yes" if m.constituency == Constituency.LIVED_EXPERIENCE else "no", m.status.capitalize(),
             m.requested_at.date(), m.decided_at.date() if m.decided_at else "",
             "yes" if m.show_constituency else "no", PAYMENT_LABELS.get(m.payment_choice, m.payment_choice),
             when.date() if when else "", m.user.last_login_at.date() if m.user.last_login_at else ""]
        )  # fmt: skip
    return rows


def connection_rows(session: Session, scope: Any, *, by: User) -> list[list[Any]]:
    """Every connection within the funnel's filters (connections.funnel.FunnelScope): activity, partner,
    locality, connected between two dates. People appear by their pseudonymous code only."""
    from sqlalchemy.orm import selectinload

    from connections.models import Connection
    from creative_minds.localities import Locality
    from partners.models import Partner
    from projects.models import Project

    _coordinator(by)
    query = (
        select(Connection, Project.title, Partner.name, Locality.name)
        .join(Project, col(Project.id) == Connection.project_id)
        .join(Partner, col(Partner.id) == Project.partner_id)
        .join(Locality, col(Locality.id) == Project.locality_id)
        .options(
            selectinload(Connection.participant),
            selectinload(Connection.source),
            selectinload(Connection.champion),
        )
        .order_by(col(Connection.connected_on), col(Connection.id))
    )
    if scope.project_id is not None:
        query = query.where(Connection.project_id == scope.project_id)
    if scope.partner_id is not None:
        query = query.where(Project.partner_id == scope.partner_id)
    if scope.locality_id is not None:
        query = query.where(Project.locality_id == scope.locality_id)
    if scope.date_from is not None:
        query = query.where(col(Connection.connected_on) >= scope.date_from)
    if scope.date_to is not None:
        query = query.where(col(Connection.connected_on) <= scope.date_to)
    rows: list[list[Any]] = [
        ["Id", "Participant code", "Activity", "Partner", "Locality", "Referral source", "Champion", "Connected on",
         "How", "Waiting list", "Stage", "First came on", "Did not come on", "Outcome on", "Stop reason",
         "Contact consent", "Contact by", "Notes"]
    ]  # fmt: skip
    for c, title, partner, locality in session.exec(query).all():
        rows.append(
            [c.id, c.participant.code, title, partner, locality, c.source.name,
             c.champion.full_name if c.champion else "", c.connected_on, c.how_label,
             "yes" if c.waiting_list else "no", c.stage_label, c.first_attended_on or "", c.did_not_come_on or "",
             c.outcome_on or "", c.stop_reason_label, "yes" if c.contact_consent else "no", c.contact_label, c.notes]
        )  # fmt: skip
    return rows
