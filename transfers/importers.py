"""One importer per kind of record: its columns, how a row's cells become a service's input, and the
service call that saves it. Records are always made and changed through the feature's own service
functions, so every rule a form obeys holds for an imported row too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, EmailStr, Field, ValidationError
from sqlmodel import Session, col, select

from collectives.membership.models import Constituency, Membership, MembershipStatus
from creative_minds.accounts.models import Role, User
from creative_minds.exceptions import Conflict, DomainError, Forbidden, Invalid
from creative_minds.forms import Id, Text, field_errors
from creative_minds.localities import Locality
from partners.forms import PartnerInput
from partners.models import AgreementStatus, Partner, PartnerKind
from projects.forms import ProjectInput
from projects.models import (
    TRANSITIONS,
    AgeGroup,
    Category,
    ConditionFocus,
    Frequency,
    Project,
    ProjectStatus,
    Weekday,
)
from stories.equality import QUESTIONS
from stories.participants.forms import ParticipantInput
from stories.participants.models import Participant
from stories.scores.forms import ScoreInput
from stories.scores.models import CompletionMode, ScoreKind, WellbeingScore
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
    projects_loaded: bool = False
    codes: dict[str, int] = field(default_factory=dict)  # participants' app codes read for this chunk -> id


def load_lookups(session: Session, *, without: ImportKind | None = None) -> Lookups:
    """What rows may refer to. `without`: the kind being imported (rows never refer to their own kind)."""
    found = Lookups()
    for loc in session.exec(select(Locality)):
        found.localities[normalise(loc.name)] = found.localities[normalise(loc.slug)] = int(loc.id or 0)
    keys = select(ImportKey.kind, ImportKey.external_id, ImportKey.record_id)
    if without is not None:
        keys = keys.where(ImportKey.kind != without.value)
    for kind, external, record in session.exec(keys):
        found.keys[(kind, external)] = record
    for pid, name in session.exec(select(Partner.id, Partner.name)):
        found.names.setdefault((ImportKind.PARTNERS.value, name.strip().lower()), pid)
    return found


class Importer:
    kind: ImportKind
    columns: list[Column]
    # Which form field's error belongs to which column (fields not named here share the column's key).
    field_columns: dict[str, str] = {}
    # The column that identifies a row from one import to the next.
    key_column = "external_id"

    def key_of(self, cells: Cells) -> str:
        """The row's external id ("" when missing); RowProblems if the cells naming it are wrong."""
        return cells.get(self.key_column, "").strip()

    def ordered(self, rows: list[tuple[int, Cells]]) -> list[tuple[int, Cells]]:
        """The order to save rows in (file order unless a kind needs some rows first)."""
        return rows

    # The records this kind makes (their ids are kept in ImportKey.record_id).
    model: Any

    # Whether create_many can make many new records at once.
    creates_in_bulk = False

    def prepare(self, session: Session, lookups: Lookups, rows: list[Cells]) -> None:
        """Read what these rows (a chunk) refer to in one go, before each is parsed."""

    def parse(self, session: Session, lookups: Lookups, cells: Cells) -> BaseModel:
        """The service input for this row, or RowProblems."""
        raise NotImplementedError

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        """Create (record_id None) or change the record; returns its id. Service errors propagate."""
        raise NotImplementedError

    def create_many(self, session: Session, rows: list[BaseModel], *, by: User) -> list[int | DomainError]:
        """`save` for many new records at once, by the same rules (the feature's bulk service): for each
        row, the new record's id or the error that refused it. An error raised refuses them all."""
        raise NotImplementedError

    def exists(self, session: Session, record_id: int) -> bool:
        return bool(self.existing(session, {record_id}))

    def existing(self, session: Session, record_ids: set[int]) -> set[int]:
        """Which of these records still exist."""
        if not record_ids:
            return set()
        return set(session.exec(select(self.model.id).where(col(self.model.id).in_(sorted(record_ids)))))

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
    model = Partner
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

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        from partners import service

        assert isinstance(data, PartnerInput)
        if record_id is None:
            return service.create_partner(session, data, by=by).id  # type: ignore[return-value]
        partner = service.get_partner(session, record_id)
        return service.update_partner(session, partner, data, by=by).id  # type: ignore[return-value]


# A new project starts as a draft; an import may also move it on as far as the transitions table
# lets a draft move (submitted, withdrawn), through projects.service.change_status.
STARTING_STATUSES = (ProjectStatus.DRAFT, *(s for s in ProjectStatus if s in TRANSITIONS[ProjectStatus.DRAFT]))


def _starting_status(raw: str) -> ProjectStatus:
    found = choice(ProjectStatus, raw)
    if found not in STARTING_STATUSES:
        raise CellProblem(
            f"{quoted(raw)}: an imported project can be {', '.join(s.label for s in STARTING_STATUSES)}. "
            "Funding decisions move projects on from there."
        )
    return found


class ProjectImporter(Importer):
    model = Project
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
        Column(
            "status",
            "Status",
            False,
            "; ".join(s.label for s in STARTING_STATUSES)
            + " (blank: Draft for a new project, unchanged for one imported before)",
        ),
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
        if cells.get("status", "").strip():
            _cell(cells, "status", _starting_status, problems, values, "status")
        values = {k: v for k, v in values.items() if k not in problems}
        return self.validate(ProjectRow, values, problems)

    creates_in_bulk = True

    def create_many(self, session: Session, rows: list[BaseModel], *, by: User) -> list[int | DomainError]:
        from projects import service

        assert all(isinstance(row, ProjectRow) for row in rows)
        results: list[int | DomainError] = list(service.create_projects(session, rows, by=by))
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, int) and _moves(row):
                self._move(session, service.get_project(session, result), row, by=by)
        return results

    def _move(self, session: Session, project: Project, row: BaseModel, *, by: User) -> None:
        """Move the project to the row's status through the projects' own rules (change_status)."""
        from projects import service

        assert isinstance(row, ProjectRow)
        if row.status is None or row.status == project.status:
            return
        try:
            service.change_status(session, project, row.status, by=by)
        except (Conflict, Forbidden) as exc:
            raise Invalid(exc.message, errors={"status": exc.message}) from exc

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        from projects import service

        assert isinstance(data, ProjectRow)
        if record_id is None:
            project = service.create_project(session, data, by=by)
        else:
            project = service.update_project(session, service.get_project(session, record_id), data, by=by)
        self._move(session, project, data, by=by)
        return project.id  # type: ignore[return-value]


def _moves(row: BaseModel) -> bool:
    return isinstance(row, ProjectRow) and row.status is not None and row.status != ProjectStatus.DRAFT


class ProjectRow(ProjectInput):
    """A project's row: the form's fields, and the status to move it to (None: leave it as it is)."""

    status: ProjectStatus | None = None


def _one_locality(lookups: Lookups, raw: str) -> int:
    if not raw.strip():
        raise CellProblem("This is required: Barnsley, Calderdale, Kirklees or Wakefield.")
    found = lookups.localities.get(normalise(raw))
    if found is None:
        raise CellProblem(f"{quoted(raw)} is not a locality (Barnsley, Calderdale, Kirklees or Wakefield).")
    return found


def _project_id(lookups: Lookups, raw: str) -> int:
    text = raw.strip()
    found = lookups.keys.get((ImportKind.PROJECTS.value, text)) or lookups.names.get(
        (ImportKind.PROJECTS.value, text.lower())
    )
    if found is None:
        raise CellProblem(f"{quoted(text)} is not a project's external id or title. Import projects first.")
    return found


def _load_projects(session: Session, lookups: Lookups) -> None:
    if lookups.projects_loaded:
        return
    for pid, title in session.exec(select(Project.id, Project.title)):
        lookups.names.setdefault((ImportKind.PROJECTS.value, title.strip().lower()), pid)
    lookups.projects_loaded = True


class MemberImporter(Importer):
    """Collective members: an account (found by e-mail, or made) admitted to its locality's collective.

    A new account gets a random password nobody knows: the person cannot sign in until a coordinator
    gives them one (or they are sent a way to set it), so an imported list opens no account by itself."""

    model = Membership
    kind = ImportKind.MEMBERS
    key_column = "email"
    field_columns = {"locality_id": "locality"}
    columns = [
        Column("email", "Email", True, "the member's e-mail address, kept to match the row next time"),
        Column("full_name", "Full name", True),
        Column("locality", "Locality", True, "Barnsley, Calderdale, Kirklees or Wakefield"),
        Column("constituency", "Constituency", False, "; ".join(c.label for c in Constituency)),
        Column("lived_experience", "Lived experience", False, "yes or no (yes: a person with lived experience)"),
    ]

    def key_of(self, cells: Cells) -> str:
        return cells.get("email", "").strip().lower()

    def parse(self, session: Session, lookups: Lookups, cells: Cells) -> BaseModel:
        problems: dict[str, str] = {}
        values: dict[str, Any] = {"email": cells.get("email", ""), "full_name": cells.get("full_name", "")}
        _cell(cells, "locality", lambda raw: _one_locality(lookups, raw), problems, values, "locality_id")
        lived: dict[str, Any] = {}
        _cell(cells, "lived_experience", yes_or_no, problems, lived, "flag")
        if cells.get("constituency", "").strip():
            _cell(cells, "constituency", lambda raw: choice(Constituency, raw), problems, values, "constituency")
        elif lived.get("flag"):
            values["constituency"] = Constituency.LIVED_EXPERIENCE
        else:
            problems.setdefault("constituency", "This is required (or answer yes under lived experience).")
        if lived.get("flag") and values.get("constituency") not in (None, Constituency.LIVED_EXPERIENCE):
            problems["lived_experience"] = (
                "Says yes, but the constituency is another one. Members join as one constituency: "
                "choose 'Person with lived experience', or answer no."
            )
        return self.validate(MemberRow, values, problems)

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        import secrets

        from collectives.membership import service as membership
        from creative_minds.accounts.service import create_user, get_user_by_email

        assert isinstance(data, MemberRow)
        user = get_user_by_email(session, str(data.email))
        if user is None:
            user = create_user(
                session,
                email=str(data.email),
                full_name=data.full_name,
                password=secrets.token_urlsafe(32),
                role=Role.COLLECTIVE_MEMBER,
                locality_id=data.locality_id,
            )
        elif user.role not in (Role.COLLECTIVE_MEMBER, Role.COORDINATOR):
            raise Invalid(
                "This e-mail address belongs to another kind of account.",
                errors={"email": f"This account is a {user.role.replace('_', ' ')} account, not a collective member."},
            )
        existing = membership.membership_of(session, user, data.locality_id)
        if existing is not None:
            if existing.status != MembershipStatus.ADMITTED:
                raise Invalid(
                    "This person already asked to join.",
                    errors={
                        "email": "This person has asked to join already: decide their request on the members page."
                    },
                )
            existing.constituency = data.constituency.value
            session.add(existing)
            session.flush()
            return existing.id  # type: ignore[return-value]
        return membership.admit_directly(session, user, data.locality_id, data.constituency, by=by).id  # type: ignore[return-value]


class MemberRow(BaseModel):
    email: EmailStr = Field(max_length=254)
    full_name: Text = Field(min_length=1, max_length=120)
    locality_id: Id
    constituency: Constituency


class ParticipantImporter(Importer):
    """Participants keep the code they had elsewhere (external code) beside the app's own."""

    model = Participant
    kind = ImportKind.PARTICIPANTS
    key_column = "external_code"
    columns = [
        Column("external_code", "External code", True, "the participant's code in your own records"),
        Column("projects", "Projects", False, "project external ids or titles, separated by ;"),
        *[Column(name, q.label, False, "; ".join(q.options)) for name, q in QUESTIONS.items()],
    ]
    field_columns = {"project_ids": "projects"}

    def parse(self, session: Session, lookups: Lookups, cells: Cells) -> BaseModel:
        _load_projects(session, lookups)
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name, question in QUESTIONS.items():
            raw = cells.get(name, "").strip()
            if raw:
                match = [o for o in question.options if o.lower() == raw.lower()]
                if match:
                    values[name] = match[0]
                else:
                    problems[name] = f"{quoted(raw)} is not one of the answers ({'; '.join(question.options)})."
        parts = [p for p in cells.get("projects", "").split(";") if p.strip()]
        ids = []
        for part in parts:
            try:
                ids.append(_project_id(lookups, part))
            except CellProblem as exc:
                problems.setdefault("projects", str(exc))
        values["project_ids"] = list(dict.fromkeys(ids))
        return self.validate(ParticipantInput, values, problems)

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        from stories.participants import service

        assert isinstance(data, ParticipantInput)
        if record_id is None:
            return service.create_participant(session, data, by=by).id  # type: ignore[return-value]
        participant = service.get_participant(session, record_id, by=by)
        return service.update_participant(session, participant, data, by=by).id  # type: ignore[return-value]

    creates_in_bulk = True

    def create_many(self, session: Session, rows: list[BaseModel], *, by: User) -> list[int | DomainError]:
        from stories.participants import service

        assert all(isinstance(row, ParticipantInput) for row in rows)
        return list(service.create_participants(session, rows, by=by))


ANSWERS = {
    "none of the time": 1,
    "rarely": 2,
    "some of the time": 3,
    "often": 4,
    "all of the time": 5,
}


def _answer(raw: str) -> int | None:
    text = raw.strip().lower()
    if not text:
        return None  # a blank answer is kept: the form is saved, not scored
    if text in ANSWERS:
        return ANSWERS[text]
    if text in {"1", "2", "3", "4", "5"}:
        return int(text)
    raise CellProblem(f"{quoted(raw)} is not an answer: 1 to 5 (None of the time to All of the time), or blank.")


class SwemwbsImporter(Importer):
    """SWEMWBS forms, one per participant, project and kind (baseline or follow-up); baselines are saved
    first, so a follow-up in the same file finds its baseline."""

    model = WellbeingScore
    kind = ImportKind.SWEMWBS
    field_columns = {"participant_id": "participant", "project_id": "project"}
    columns = [
        Column("participant", "Participant", True, "the participant's external code, or the app's code (P-...)"),
        Column("project", "Project", True, "the project's external id or title"),
        Column("kind", "Kind", True, "baseline or follow-up"),
        Column("completed_on", "Completed on", True, "date, like 31/03/2026"),
        Column(
            "completion_mode",
            "Completed how",
            False,
            "; ".join(c.label for c in CompletionMode if c != CompletionMode.NOT_RECORDED),
        ),
        *[Column(f"item_{i}", f"Item {i}", False, "1 to 5, or blank (kept, not scored)") for i in range(1, 8)],
    ]

    def key_of(self, cells: Cells) -> str:
        problems = {k: "This is required." for k in ("participant", "project", "kind") if not cells.get(k, "").strip()}
        if problems:
            raise RowProblems(problems)
        try:
            kind = _score_kind(cells["kind"])
        except CellProblem as exc:
            raise RowProblems({"kind": str(exc)}) from exc
        return f"{cells['participant'].strip()}|{cells['project'].strip().lower()}|{kind.value}"[:100]

    def ordered(self, rows: list[tuple[int, Cells]]) -> list[tuple[int, Cells]]:
        def baseline_first(row: tuple[int, Cells]) -> int:
            try:
                return 0 if _score_kind(row[1].get("kind", "")) == ScoreKind.BASELINE else 1
            except CellProblem:
                return 0

        return sorted(rows, key=baseline_first)

    def parse(self, session: Session, lookups: Lookups, cells: Cells) -> BaseModel:
        _load_projects(session, lookups)
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        code = cells.get("participant", "").strip()
        participant = lookups.keys.get((ImportKind.PARTICIPANTS.value, code))
        if participant is None and code in lookups.codes:  # read for the chunk (prepare)
            participant = lookups.codes[code] or None
        elif participant is None:
            participant = session.exec(select(Participant.id).where(Participant.code == code)).first()
        if participant is None:
            problems["participant"] = f"{quoted(code)} is not a participant's code. Import participants first."
        else:
            values["participant_id"] = participant
        _cell(cells, "project", lambda raw: _project_id(lookups, raw), problems, values, "project_id")
        _cell(cells, "kind", _score_kind, problems, values, "kind")
        _cell(cells, "completed_on", day, problems, values, "completed_on")
        if cells.get("completion_mode", "").strip():
            _cell(
                cells, "completion_mode", lambda raw: choice(CompletionMode, raw), problems, values, "completion_mode"
            )
        for i in range(1, 8):
            _cell(cells, f"item_{i}", _answer, problems, values, f"item_{i}")
        return self.validate(ScoreRow, values, problems)

    def prepare(self, session: Session, lookups: Lookups, rows: list[Cells]) -> None:
        """The participants named by the app's code (not an imported external code), in one query."""
        named = {cells.get("participant", "").strip() for cells in rows}
        unknown = sorted(c for c in named if c and (ImportKind.PARTICIPANTS.value, c) not in lookups.keys)
        lookups.codes = dict.fromkeys(unknown, 0)  # 0: looked for, not found
        if unknown:
            found = session.exec(select(Participant.code, Participant.id).where(col(Participant.code).in_(unknown)))
            lookups.codes.update({code: int(pid or 0) for code, pid in found})

    creates_in_bulk = True

    def create_many(self, session: Session, rows: list[BaseModel], *, by: User) -> list[int | DomainError]:
        from stories.scores import service

        pairs: list[tuple[int, ScoreInput]] = []
        for row in rows:
            assert isinstance(row, ScoreRow)
            pairs.append((row.participant_id, row))  # a ScoreRow is a checked ScoreInput
        return service.record_scores(session, pairs, by=by)

    def save(self, session: Session, record_id: int | None, data: BaseModel, *, by: User) -> int:
        from stories.participants.service import get_participant
        from stories.scores import service

        assert isinstance(data, ScoreRow)
        participant = get_participant(session, data.participant_id, by=by)
        form = ScoreInput.model_validate(data.model_dump(exclude={"participant_id"}))
        if record_id is None:
            return service.record_score(session, participant, form, by=by).id  # type: ignore[return-value]
        score = service.get_score(session, participant, record_id)
        reason = "Changed in a spreadsheet and imported again"
        return service.correct_score(session, participant, score, form, reason=reason, by=by).id  # type: ignore[return-value]

    def problems_of(self, exc: DomainError) -> dict[str, str]:
        found = super().problems_of(exc)
        if "items" in found:
            found["item_1"] = found.pop("items")
        if "project_id" in found:
            found["project"] = found.pop("project_id")
        if "" in found and "already" in found[""].lower():
            found["kind"] = found.pop("")
        return found


def _score_kind(raw: str) -> ScoreKind:
    text = normalise(raw)
    if text in {"baseline", "before", "before_baseline"}:
        return ScoreKind.BASELINE
    if text in {"follow_up", "followup", "after", "follow_up_about_3_months_in_or_at_the_end"}:
        return ScoreKind.FOLLOW_UP
    raise CellProblem(f"{quoted(raw)} is not a kind of form: write baseline or follow-up.")


class ScoreRow(ScoreInput):
    participant_id: Id


IMPORTERS: dict[str, Importer] = {
    ImportKind.PARTNERS.value: PartnerImporter(),
    ImportKind.PROJECTS.value: ProjectImporter(),
    ImportKind.MEMBERS.value: MemberImporter(),
    ImportKind.PARTICIPANTS.value: ParticipantImporter(),
    ImportKind.SWEMWBS.value: SwemwbsImporter(),
}


def importer_for(kind: str) -> Importer:
    found = IMPORTERS.get(kind)
    if found is None:
        raise Invalid(f"There is no import of {kind!r}.")
    return found
