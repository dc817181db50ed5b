"""Partner registry: register, approve, edit, archive and search partner groups."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, func, or_, select

from creative_minds.accounts.models import Role, User
from creative_minds.accounts.service import create_user, email_taken
from creative_minds.db import claim_version, get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.localities import Locality
from creative_minds.pagination import Page, paginate
from creative_minds.passwords import hash_password
from creative_minds.timeutil import utcnow
from partners.forms import PartnerAgreement, PartnerDetails, PartnerInput, Registration
from partners.models import Partner, PartnerKind, PartnerLocality, PartnerStatus

PAGE_SIZE = 25


@dataclass(frozen=True)
class PartnerFilters:
    q: str = ""
    kind: str = ""
    locality: str = ""  # locality slug
    status: str = ""
    agreement: str = ""
    page: int = 1


# Permissions --------------------------------------------------------------------------------


def can_edit(user: User | None, partner: Partner) -> bool:
    if user is None:
        return False
    return user.is_coordinator or (user.role == Role.PARTNER and user.partner_id == partner.id)


def check_can_edit(user: User | None, partner: Partner) -> None:
    if not can_edit(user, partner):
        raise Forbidden("Only this group's own users and coordinators can change it.")


def can_view(user: User | None, partner: Partner) -> bool:
    """Approved partners are visible to every signed-in user; others only to their own people."""
    if user is None:
        return False
    return partner.status == PartnerStatus.APPROVED or can_edit(user, partner)


# Reading ------------------------------------------------------------------------------------


def get_partner(session: Session, partner_id: int) -> Partner:
    return get_or_404(session, Partner, partner_id, "partner", options=[selectinload(Partner.localities)])


def get_visible_partner(session: Session, partner_id: int, user: User | None) -> Partner:
    partner = get_partner(session, partner_id)
    if not can_view(user, partner):
        raise Forbidden("This partner is not approved yet, so only coordinators can see it.")
    return partner


def search_partners(session: Session, filters: PartnerFilters, *, user: User | None) -> Page:
    query = select(Partner)
    if user is not None and user.is_coordinator:
        if filters.status:
            query = query.where(Partner.status == filters.status)
        else:
            query = query.where(Partner.status != PartnerStatus.ARCHIVED)
    else:
        query = query.where(Partner.status == PartnerStatus.APPROVED)
    if filters.q.strip():
        term = f"%{filters.q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Partner.name).like(term),
                func.lower(Partner.description).like(term),
                func.lower(Partner.postcode).like(term),
            )
        )
    if filters.kind:
        query = query.where(Partner.kind == filters.kind)
    if filters.agreement:
        query = query.where(Partner.agreement_status == filters.agreement)
    if filters.locality:
        query = query.where(
            col(Partner.id).in_(
                select(PartnerLocality.partner_id)
                .join(Locality, Locality.id == PartnerLocality.locality_id)
                .where(Locality.slug == filters.locality)
            )
        )
    query = query.options(selectinload(Partner.localities)).order_by(func.lower(Partner.name), Partner.id)
    return paginate(session, query, page=filters.page, page_size=PAGE_SIZE)


def partner_choices(session: Session) -> list[tuple[int, str]]:
    """Every partner that is not archived, for drop-down lists."""
    rows = session.exec(
        select(Partner.id, Partner.name).where(Partner.status != PartnerStatus.ARCHIVED).order_by(Partner.name)
    )
    return [(row[0], row[1]) for row in rows]  # type: ignore[misc]


def host_options(session: Session, *, exclude_id: int | None = None) -> list[Partner]:
    """Approved partners that can host a peer-led group."""
    query = select(Partner).where(Partner.status == PartnerStatus.APPROVED, Partner.kind != PartnerKind.PEER_LED_GROUP)
    if exclude_id is not None:
        query = query.where(Partner.id != exclude_id)
    return list(session.exec(query.order_by(Partner.name)))


def hosted_groups(session: Session, host: Partner, *, user: User | None) -> list[Partner]:
    """The peer-led groups a partner hosts, as this user may see them (approved ones, or all for coordinators
    and the host's own people), by name."""
    query = select(Partner).where(Partner.host_partner_id == host.id, Partner.status != PartnerStatus.ARCHIVED)
    return [group for group in session.exec(query.order_by(Partner.name)) if can_view(user, group)]


def count_awaiting_approval(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(Partner).where(Partner.status == PartnerStatus.AWAITING_APPROVAL)
    ).one()


# Writing ------------------------------------------------------------------------------------


def _localities(session: Session, ids: list[int]) -> list[Locality]:
    found = list(session.exec(select(Locality).where(col(Locality.id).in_(ids))))
    if len(found) != len(set(ids)):
        raise Invalid("Choose localities from the list.", errors={"locality_ids": "Choose localities from the list."})
    return found


def _check_host(session: Session, host_id: int | None, partner_id: int | None) -> None:
    if host_id is None:
        return
    host = session.get(Partner, host_id)
    if host is None or host.id == partner_id or host.status != PartnerStatus.APPROVED:
        raise Invalid(
            "Choose a host partner from the list.",
            errors={"host_partner_id": "Choose an approved partner from the list as the host."},
        )


def _apply_details(session: Session, partner: Partner, details: PartnerDetails) -> None:
    _check_host(session, details.host_partner_id, partner.id)
    values = details.model_dump(include=set(PartnerDetails.model_fields) - {"locality_ids"})
    for key, value in values.items():
        setattr(partner, key, value.value if hasattr(value, "value") else value)
    partner.localities = _localities(session, details.locality_ids)
    partner.updated_at = utcnow()


def _apply_agreement(partner: Partner, agreement: PartnerAgreement) -> None:
    partner.agreement_status = agreement.agreement_status.value
    partner.agreement_signed_on = agreement.agreement_signed_on


def register_partner(session: Session, data: Registration) -> tuple[User | None, Partner]:
    """A community group registers itself: a partner awaiting approval, and its first user.

    If the e-mail already has an account, no second account is made and the partner waits without a
    user (a coordinator links it when approving); the person is told exactly what a new registrant
    is told, so registering never reveals whether an e-mail address has an account."""
    partner = Partner(name=data.name, kind=data.kind.value, contact_name="", contact_email="", address="", postcode="")
    _apply_details(session, partner, data)
    partner.status = PartnerStatus.AWAITING_APPROVAL
    session.add(partner)
    session.flush()
    if email_taken(session, str(data.email)):
        hash_password(data.password)  # the same work as making an account, so timing tells nothing either
        return None, partner
    user = create_user(
        session,
        email=str(data.email),
        full_name=data.full_name,
        password=data.password,
        role=Role.PARTNER,
        partner_id=partner.id,
    )
    return user, partner


def create_partner(session: Session, data: PartnerInput, *, by: User) -> Partner:
    """A coordinator adds a partner directly; it is approved straight away."""
    if not by.is_coordinator:
        raise Forbidden("Only coordinators can add partners directly. Groups register themselves.")
    partner = Partner(name=data.name, kind=data.kind.value, contact_name="", contact_email="", address="", postcode="")
    _apply_details(session, partner, data)
    _apply_agreement(partner, data)
    partner.status = PartnerStatus.APPROVED
    partner.approved_at = utcnow()
    partner.approved_by_id = by.id
    session.add(partner)
    session.flush()
    return partner


def update_partner(
    session: Session, partner: Partner, data: PartnerDetails, *, by: User, expected_version: int | None = None
) -> Partner:
    """Change a partner. A group's own users change its details; only coordinators the agreement."""
    check_can_edit(by, partner)
    claim_version(session, partner, expected_version, "partner")
    if partner.status == PartnerStatus.ARCHIVED and not by.is_coordinator:
        raise Forbidden("This partner is archived. Ask a coordinator to restore it first.")
    _apply_details(session, partner, data)
    if by.is_coordinator and isinstance(data, PartnerAgreement):
        _apply_agreement(partner, data)
    session.add(partner)
    session.flush()
    return partner


def _coordinator(by: User) -> None:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators can do this.")


def approve_partner(session: Session, partner: Partner, *, by: User) -> Partner:
    _coordinator(by)
    if partner.status == PartnerStatus.APPROVED:
        raise Conflict(f"{partner.name} is already approved.")
    partner.status = PartnerStatus.APPROVED
    partner.approved_at = utcnow()
    partner.approved_by_id = by.id
    partner.archived_at = None
    session.add(partner)
    session.flush()
    return partner


def archive_partner(session: Session, partner: Partner, *, by: User) -> Partner:
    _coordinator(by)
    if partner.status == PartnerStatus.ARCHIVED:
        raise Conflict(f"{partner.name} is already archived.")
    partner.status = PartnerStatus.ARCHIVED
    partner.archived_at = utcnow()
    session.add(partner)
    session.flush()
    return partner
