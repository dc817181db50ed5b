"""Awards as 360Giving open data (the UK standard for grant data), as JSON and as its flat CSV.

Each funded application is one grant: the amount committed to it in the ledger (commitments and
their changes), what was asked for, what has been paid, the recipient with an org-id where the
partner is registered (GB-CHC-, GB-SC-, GB-NIC-, GB-COH-) and a `360G-` identifier where it is not,
the round as the grant programme and the locality as the beneficiary location. Schema and codelists:
ThreeSixtyGiving/standard 1.4 (vendored in transfers/data/threesixtygiving, CC BY 4.0).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from collectives.applications.models import Application
from collectives.funds.models import EntryKind, LedgerEntry
from collectives.rounds.models import Round
from creative_minds.localities import Locality
from partners.models import Partner
from projects.models import Project

VERSION = "1.4"
MATCH_FUNDING = "FRG030"  # regrantType codelist: "Match funding"
COMMITTING = (EntryKind.COMMITMENT.value, EntryKind.ADJUSTMENT.value, EntryKind.RELEASE.value)


def pounds(pence: int) -> float:
    """Whole pence as a JSON number of pounds; repr() of the float writes the exact two decimals."""
    return float(Decimal(pence) / 100)


def org_id(partner: Partner, prefix: str) -> str:
    """The org-id.guide identifier of a registered partner, or a 360G- identifier of our own."""
    charity = partner.charity_number or ""
    if charity.startswith("SC"):
        return f"GB-SC-{charity}"
    if charity.startswith("NIC"):
        return f"GB-NIC-{charity.removeprefix('NIC')}"
    if charity:
        return f"GB-CHC-{charity}"
    if partner.company_number:
        return f"GB-COH-{partner.company_number}"
    return f"{prefix}-partner-{partner.id}"


def grants(session: Session, *, prefix: str, funder_id: str, funder_name: str) -> list[dict[str, Any]]:
    committed = func.sum(case((col(LedgerEntry.kind).in_(COMMITTING), LedgerEntry.amount_pence), else_=0))
    paid = func.sum(case((LedgerEntry.kind == EntryKind.PAYMENT.value, LedgerEntry.amount_pence), else_=0))
    first = func.min(LedgerEntry.created_at)
    last = func.max(LedgerEntry.created_at)
    totals = (
        select(col(LedgerEntry.application_id), committed, paid, first, last)
        .where(col(LedgerEntry.application_id).is_not(None))
        .group_by(LedgerEntry.application_id)
    )
    sums = {row[0]: row[1:] for row in session.execute(totals).all()}
    if not sums:
        return []
    rows = session.execute(
        select(Application, Project, Partner, Round, Locality)
        .join(Project, col(Project.id) == Application.project_id)
        .join(Partner, col(Partner.id) == Application.partner_id)
        .join(Round, col(Round.id) == Application.round_id)
        .join(Locality, col(Locality.id) == Round.locality_id)
        .where(col(Application.id).in_(list(sums)))
        .order_by(col(Application.id))
    ).all()
    out = []
    for application, project, partner, round_, locality in rows:
        awarded, disbursed, first_at, last_at = sums[application.id]
        if int(awarded) <= 0:
            continue
        awarded_on = application.decided_at or first_at
        out.append(
            _grant(
                application,
                project,
                partner,
                round_,
                locality,
                awarded=int(awarded),
                disbursed=int(disbursed),
                awarded_on=awarded_on,
                modified=last_at,
                prefix=prefix,
                funder=(funder_id, funder_name),
            )
        )
    return out


def _grant(
    application: Application,
    project: Project,
    partner: Partner,
    round_: Round,
    locality: Locality,
    *,
    awarded: int,
    disbursed: int,
    awarded_on: datetime,
    modified: datetime,
    prefix: str,
    funder: tuple[str, str],
) -> dict[str, Any]:
    recipient: dict[str, Any] = {"id": org_id(partner, prefix), "name": partner.name, "postalCode": partner.postcode}
    if partner.charity_number:
        recipient["charityNumber"] = partner.charity_number
    if partner.company_number:
        recipient["companyNumber"] = partner.company_number
    return {
        "id": f"{prefix}-{application.id}",
        "title": project.title,
        "description": project.description.strip() or f"Match funding for {project.title}, run by {partner.name}.",
        "currency": "GBP",
        "amountAppliedFor": pounds(application.amount_pence),
        "amountAwarded": pounds(awarded),
        "amountDisbursed": pounds(disbursed),
        # Full date-time: the schema's awardDate is oneOf(date-time, YYYY-MM-DD pattern), and a validator
        # that does not check formats finds a plain date valid under both, so refuses it.
        "awardDate": awarded_on.replace(tzinfo=UTC).isoformat(timespec="seconds"),
        "recipientOrganization": [recipient],
        "fundingOrganization": [{"id": funder[0], "name": funder[1]}],
        "grantProgramme": [{"code": f"{prefix}-round-{round_.id}", "title": round_.name}],
        "beneficiaryLocation": [{"name": locality.name, "countryCode": "GB"}],
        "fromOpenCall": "Yes",
        "regrantType": MATCH_FUNDING,
        "dateModified": modified.replace(tzinfo=UTC).isoformat(timespec="seconds"),
    }


def package(grant_list: list[dict[str, Any]], *, publisher: str) -> dict[str, Any]:
    return {
        "version": VERSION,
        "title": f"{publisher} match-funding awards",
        "description": f"Grants awarded by {publisher} to community partners, as match funding.",
        "grants": grant_list,
    }


# The flat (spreadsheet) form: one row per grant, column titles from the schema's own titles, one
# level of nesting written as "Parent:Child" (each list here holds one item).
FLAT_COLUMNS: list[tuple[str, str]] = [
    ("Identifier", "id"),
    ("Title", "title"),
    ("Description", "description"),
    ("Currency", "currency"),
    ("Amount Applied For", "amountAppliedFor"),
    ("Amount Awarded", "amountAwarded"),
    ("Amount Disbursed", "amountDisbursed"),
    ("Award Date", "awardDate"),
    ("Recipient Org:Identifier", "recipientOrganization/0/id"),
    ("Recipient Org:Name", "recipientOrganization/0/name"),
    ("Recipient Org:Charity Number", "recipientOrganization/0/charityNumber"),
    ("Recipient Org:Company Number", "recipientOrganization/0/companyNumber"),
    ("Recipient Org:Postal Code", "recipientOrganization/0/postalCode"),
    ("Funding Org:Identifier", "fundingOrganization/0/id"),
    ("Funding Org:Name", "fundingOrganization/0/name"),
    ("Grant Programme:Code", "grantProgramme/0/code"),
    ("Grant Programme:Title", "grantProgramme/0/title"),
    ("Beneficiary Location:Name", "beneficiaryLocation/0/name"),
    ("Beneficiary Location:Country Code", "beneficiaryLocation/0/countryCode"),
    ("From An Open Call?", "fromOpenCall"),
    ("For Regrant Type", "regrantType"),
    ("Last Modified", "dateModified"),
]


def _at(grant: dict[str, Any], path: str) -> Any:
    value: Any = grant
    for part in path.split("/"):
        if isinstance(value, list):
            value = value[int(part)] if len(value) > int(part) else None
        elif isinstance(value, dict):
            value = value.get(part)
        if value is None:
            return ""
    return value


def flat_rows(grant_list: Iterable[dict[str, Any]]) -> list[list[Any]]:
    rows: list[list[Any]] = [[title for title, _ in FLAT_COLUMNS]]
    for grant in grant_list:
        rows.append([_at(grant, path) for _, path in FLAT_COLUMNS])
    return rows
