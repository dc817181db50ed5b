"""One importer per kind of record: its columns, how a row's cells become a service's input, and the
service call that saves it. Records are always made and changed through the feature's own service
functions, so every rule a form obeys holds for an imported row too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from creative_minds.accounts.models import User
from creative_minds.exceptions import DomainError, Invalid
from creative_minds.forms import field_errors
from creative_minds.localities import Locality
from partners.forms import PartnerInput
from partners.models import AgreementStatus, Partner, PartnerKind
from projects.forms import ProjectInput
from projects.models import AgeGroup, Category, ConditionFocus, Frequency, Project, Weekday
from transfers.columns import CellProblem, Column, RowProblems, choice, choices, clock, day, normalise, pence, quoted
from transfers.columns import whole as whole_number
from transfers.columns import yes_no as yes_or_no
from transfers.models import ImportKey, ImportKind

Cells = dict[str, str]


@dataclass
class Lookups:
    """What the rows of one import refer to, read once per import."""

    localities: dict[str, int] = field(default_factory=dict)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, external id) -> record id
    names: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, lower-case name) -> record id


def load_lookups(session: Session) -> Lookups:
    found = Lookups()
    for loc in session.exec(select(Locality)):
        found.localities[normalise(loc.name)] = found.localities[normalise(loc.slug)] = int(loc.id or 0)
    for kind, external, record in session.exec(select(ImportKey.kind, ImportKey.external_id, ImportKey.record_id)):
        found.keys[(kind, external)] = record
    for pid, name in session.exec(select(Partner.id, Partner.name)):
        found.names.setdefault((ImportKind.PARTNERS.value, name.strip().lower()), pid)
    return found


class Importer:
    kind: ImportKind
    columns: list[Column]
    # Which form field's error belongs to which column (fields not named here share the column's key).
    field_columns: dict[str, str] = {}

    def parse(self, session: Session, lookups: Lookups, cells: Cells) -> BaseModel:
        """The service input for this row, or RowProblems."""
        raise NotImplementedError

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        """Create (record_id None) or change the record; returns its id. Service errors propagate."""
        raise NotImplementedError

    def exists(self, session: Session, record_id: int) -> bool:
        raise NotImplementedError

    # Shared helpers

    def validate(self, model: type[BaseModel], values: dict[str, Any], problems: dict[str, str]) -> BaseModel:
        # A blank cell means "not given", as a blank form field does: the model's default applies, or
        # "This is required."
        values = {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
        try:
            result = model.model_validate(values)
        except ValidationError as exc:
            for name, message in field_errors(exc).items():
                column = self.field_columns.get(name, name)
                raw = values.get(name)
                shown = f"{quoted(str(raw))}: " if isinstance(raw, str) and raw.strip() else ""
                problems.setdefault(column, f"{shown}{message}")
            raise RowProblems(problems) from exc
        if problems:
            raise RowProblems(problems)
        return result

    def problems_of(self, exc: DomainError) -> dict[str, str]:
        errors = getattr(exc, "errors", None) or {}
        if errors:
            return {self.field_columns.get(k, k): v for k, v in errors.items()}
        return {"": exc.message}


def _cell(
    cells: Cells, key: str, parse: Callable[[str], Any], problems: dict[str, str], values: dict[str, Any], name: str
) -> None:
    try:
        value = parse(cells.get(key, ""))
    except CellProblem as exc:
        problems[key] = str(exc)
        return
    if value is not None:
        values[name] = value


def _localities(lookups: Lookups, raw: str) -> list[int]:
    ids = []
    for part in [p for p in raw.replace(",", ";").split(";") if p.strip()]:
        found = lookups.localities.get(normalise(part))
        if found is None:
            raise CellProblem(f"{quoted(part)} is not a locality (Barnsley, Calderdale, Kirklees or Wakefield).")
        ids.append(found)
    return list(dict.fromkeys(ids))


class PartnerImporter(Importer):
    kind = ImportKind.PARTNERS
    columns = [
        Column("external_id", "External id", True, "Your own id for the group, kept to match the row next time"),
        Column("name", "Name", True),
        Column("kind", "Kind", True, "; ".join(k.label for k in PartnerKind)),
        Column("localities", "Localities", True, "Barnsley; Calderdale; Kirklees; Wakefield (one or more)"),
        Column("contact_name", "Contact name", True),
        Column("contact_email", "Contact email", True),
        Column("contact_phone", "Contact phone"),
        Column("address", "Address", True),
        Column("postcode", "Postcode", True),
        Column("website", "Website"),
        Column("charity_number", "Charity number"),
        Column("company_number", "Company number"),
        Column("description", "Description"),
        Column("agreement_status", "Agreement", False, "; ".join(a.label for a in AgreementStatus)),
        Column("agreement_signed_on", "Agreement signed on", False, "date, like 31/03/2026"),
        Column("insurance_expires_on", "Insurance expires on", False, "date"),
        Column("safeguarding_review_due_on", "Safeguarding review due on", False, "date"),
        Column("mh_friendly_accredited", "Mental-health friendly accredited", False, "yes or no"),
        Column("mhfa_trained_staff", "MHFA trained staff", False, "whole number"),
    ]
    field_columns = {"locality_ids": "localities"}

    def parse(self, session: Session, lookups: Lookups, cells: Cells) -> BaseModel:
        problems: dict[str, str] = {}
        values: dict[str, Any] = {
            key: cells.get(key, "")
            for key in (
                "name",
                "contact_name",
                "contact_email",
                "contact_phone",
                "address",
                "postcode",
                "website",
                "charity_number",
                "company_number",
                "description",
            )
        }
        _cell(cells, "kind", lambda raw: choice(PartnerKind, raw), problems, values, "kind")
        _cell(cells, "localities", lambda raw: _localities(lookups, raw), problems, values, "locality_ids")
        if cells.get("agreement_status", "").strip():
            _cell(
                cells,
                "agreement_status",
                lambda raw: choice(AgreementStatus, raw),
                problems,
                values,
                "agreement_status",
            )
        for key in ("agreement_signed_on", "insurance_expires_on", "safeguarding_review_due_on"):
            _cell(cells, key, day, problems, values, key)
        _cell(cells, "mh_friendly_accredited", yes_or_no, problems, values, "mh_friendly_accredited")
        _cell(
            cells,
            "mhfa_trained_staff",
            lambda raw: whole_number(raw, low=0, high=10_000),
            problems,
            values,
            "mhfa_trained_staff",
        )
        values = {k: v for k, v in values.items() if k not in problems}
        return self.validate(PartnerInput, values, problems)

    def exists(self, session: Session, record_id: int) -> bool:
        return session.get(Partner, record_id) is not None

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        from partners import service

        assert isinstance(data, PartnerInput)
        if record_id is None:
            return service.create_partner(session, data, by=by).id  # type: ignore[return-value]
        partner = service.get_partner(session, record_id)
        return service.update_partner(session, partner, data, by=by).id  # type: ignore[return-value]


class ProjectImporter(Importer):
    kind = ImportKind.PROJECTS
    columns = [
        Column("external_id", "External id", True, "Your own id for the project, kept to match the row next time"),
        Column("partner", "Partner", True, "the partner's external id (from the partners import) or its exact name"),
        Column("locality", "Locality", True, "Barnsley, Calderdale, Kirklees or Wakefield"),
        Column("title", "Title", True),
        Column("categories", "Categories", True, "; ".join(c.label for c in Category) + " (one or more)"),
        Column("age_groups", "Age groups", False, "; ".join(a.label for a in AgeGroup)),
        Column("condition_focus", "Condition focus", False, "; ".join(c.label for c in ConditionFocus)),
        Column("description", "Description"),
        Column("venue_name", "Venue name"),
        Column("venue_address", "Venue address"),
        Column("postcode", "Postcode", True),
        Column("day_of_week", "Day of week", False, "; ".join(d.label for d in Weekday)),
        Column("starts_at", "Starts at", False, "time, like 14:30"),
        Column("ends_at", "Ends at", False, "time, like 16:00"),
        Column("frequency", "Frequency", False, "; ".join(f.label for f in Frequency)),
        Column("start_date", "Start date", False, "date, like 31/03/2026"),
        Column("end_date", "End date", False, "date"),
        Column("capacity", "Capacity", False, "whole number"),
        Column("wheelchair_accessible", "Wheelchair accessible", False, "yes or no"),
        Column("peer_led", "Peer-led", False, "yes or no"),
        Column("cost_to_attend", "Cost to attend", False, "pounds, like 2.50 (blank: free)"),
        Column("total_cost", "Total cost", True, "pounds, like 1,250.50"),
        Column("match_funding", "Match funding", True, "pounds the partner raises"),
        Column("requested", "Requested", True, "pounds asked of Creative Minds"),
        Column("contact_name", "Contact name"),
        Column("contact_email", "Contact email"),
        Column("contact_phone", "Contact phone"),
    ]
    field_columns = {
        "partner_id": "partner",
        "locality_id": "locality",
        "total_cost_pence": "total_cost",
        "match_pence": "match_funding",
        "requested_pence": "requested",
        "cost_to_attend_pence": "cost_to_attend",
        "latitude": "postcode",
        "longitude": "postcode",
    }

    def parse(self, session: Session, lookups: Lookups, cells: Cells) -> BaseModel:
        problems: dict[str, str] = {}
        values: dict[str, Any] = {
            key: cells.get(key, "")
            for key in (
                "title",
                "description",
                "venue_name",
                "venue_address",
                "postcode",
                "contact_name",
                "contact_email",
                "contact_phone",
            )
        }
        partner_raw = cells.get("partner", "").strip()
        partner_id = lookups.keys.get((ImportKind.PARTNERS.value, partner_raw)) or lookups.names.get(
            (ImportKind.PARTNERS.value, partner_raw.lower())
        )
        if not partner_raw:
            problems["partner"] = "This is required: the partner's external id or its name."
        elif partner_id is None:
            problems["partner"] = (
                f"{quoted(partner_raw)} is not a partner's external id or name. Import partners first."
            )
        else:
            values["partner_id"] = partner_id
        _cell(cells, "locality", lambda raw: _one_locality(lookups, raw), problems, values, "locality_id")
        _cell(cells, "categories", lambda raw: choices(Category, raw), problems, values, "categories")
        _cell(cells, "age_groups", lambda raw: choices(AgeGroup, raw), problems, values, "age_groups")
        for key, enum in (("condition_focus", ConditionFocus), ("day_of_week", Weekday), ("frequency", Frequency)):
            if cells.get(key, "").strip():
                _cell(cells, key, lambda raw, e=enum: choice(e, raw), problems, values, key)  # type: ignore[misc]
        for key in ("starts_at", "ends_at"):
            _cell(cells, key, clock, problems, values, key)
        for key in ("start_date", "end_date"):
            _cell(cells, key, day, problems, values, key)
        _cell(cells, "capacity", lambda raw: whole_number(raw, low=1, high=10_000), problems, values, "capacity")
        for key in ("wheelchair_accessible", "peer_led"):
            _cell(cells, key, yes_or_no, problems, values, key)
        _cell(cells, "cost_to_attend", lambda raw: pence(raw, required=False), problems, values, "cost_to_attend_pence")
        for key, name in (
            ("total_cost", "total_cost_pence"),
            ("match_funding", "match_pence"),
            ("requested", "requested_pence"),
        ):
            _cell(cells, key, lambda raw: pence(raw, required=True), problems, values, name)
        values = {k: v for k, v in values.items() if k not in problems}
        return self.validate(ProjectInput, values, problems)

    def exists(self, session: Session, record_id: int) -> bool:
        return session.get(Project, record_id) is not None

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        from projects import service

        assert isinstance(data, ProjectInput)
        if record_id is None:
            return service.create_project(session, data, by=by).id  # type: ignore[return-value]
        project = service.get_project(session, record_id)
        return service.update_project(session, project, data, by=by).id  # type: ignore[return-value]


def _one_locality(lookups: Lookups, raw: str) -> int:
    if not raw.strip():
        raise CellProblem("This is required: Barnsley, Calderdale, Kirklees or Wakefield.")
    found = lookups.localities.get(normalise(raw))
    if found is None:
        raise CellProblem(f"{quoted(raw)} is not a locality (Barnsley, Calderdale, Kirklees or Wakefield).")
    return found


IMPORTERS: dict[str, Importer] = {
    ImportKind.PARTNERS.value: PartnerImporter(),
    ImportKind.PROJECTS.value: ProjectImporter(),
}


def importer_for(kind: str) -> Importer:
    found = IMPORTERS.get(kind)
    if found is None:
        raise Invalid(f"There is no import of {kind!r}.")
    return found
