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
