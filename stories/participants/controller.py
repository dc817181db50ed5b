"""Participant pages (reporters and coordinators): records, wellbeing forms, stories, erasure."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlmodel import Session

from creative_minds.accounts.models import Role, User
from creative_minds.accounts.service import list_users
from creative_minds.auth import coordinator_only, require_user, roles_required
from creative_minds.exceptions import Forbidden, Invalid
from creative_minds.forms import form_values, parse_id, validate
from creative_minds.localities import list_localities
from creative_minds.views import created, form_with_errors, page, redirect_with_message, sent_before
from projects.service import find_project_choices
from stories.equality import QUESTIONS
from stories.participants import service as participants
from stories.participants.forms import ParticipantInput
from stories.publishing import service as publishing
from stories.publishing.forms import StoryInput
from stories.publishing.models import CONSENT_LABELS, THEME_LABELS
from stories.scores import service as scores
from stories.scores import swemwbs
from stories.scores.forms import ScoreInput
from stories.scores.models import COMPLETION_MODE_LABELS, SCORE_KIND_LABELS, CompletionMode, ScoreKind

reporters = roles_required(Role.REPORTER)


def project_choices(session: Session) -> list[tuple[int, str]]:
    """Every running project for a drop-down list, each with what tells it apart from others of the same
    title: its partner, venue and day."""
    choices, _ = find_project_choices(session, limit=None)
    return [(c.id, c.label) for c in choices]


CHOOSER_LIMIT = 25


def _participant_form_context(session: Session, values: dict[str, Any] | None = None) -> dict[str, Any]:
    """The project chooser: the projects ticked (kept through every search), and the ones found by the words
    typed in "Find a project" (title, group, venue, town or day), without any script."""
    values = values or {}
    ticked = [i for i in (parse_id(str(v)) for v in values.get("project_ids") or []) if i is not None]
    chosen, _ = find_project_choices(session, ids=ticked, limit=None) if ticked else ([], 0)
    q = str(values.get("project_q") or "")[:100].strip()
    found, total = find_project_choices(session, q, limit=CHOOSER_LIMIT + len(chosen)) if q else ([], 0)
    found = [c for c in found if c.id not in set(ticked)][:CHOOSER_LIMIT]
    return {"questions": QUESTIONS, "chosen": chosen, "found": found, "found_total": total, "project_q": q}


def _saved_message(score) -> str:
    if score.is_scored:
        return f"Saved: raw score {score.raw_score}, metric score {score.metric_score}."
    missing = ", ".join(map(str, score.missing_items))
    return f"Saved, but not scored: statement {missing} has no answer. Correct the form when you have it."


def _own_projects(participant) -> list[tuple[int, str]]:
    return [(link.project_id, link.project.title) for link in participant.project_links]


class ParticipantsController(Controller):
    path = "/participants"
    guards = [reporters]

    @get("/", name="participants:list", sync_to_thread=True)
    def list_participants(
        self, request: Request, db_session: NamedDependency[Session], code: FromQuery[str] = ""
    ) -> Template:
        user = require_user(request)
        return page(
            "stories/participants.html",
            participants=participants.list_participants(db_session, by=user, code=code[:20]),
            due=participants.follow_ups_due(db_session, by=user),
            code=code,
        )

    @get("/new", name="participants:new", sync_to_thread=True)
    def new_form(self, db_session: NamedDependency[Session], project_q: FromQuery[str] = "") -> Template:
        values = {"project_q": project_q}
        return page(
            "stories/participant_form.html",
            values=values,
            errors={},
            participant=None,
            **_participant_form_context(db_session, values),
        )

    @post("/new", name="participants:create", sync_to_thread=True)
    def create(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        values, errors = form_values(data, lists=("project_ids",))
        if values.get("find_projects"):  # "Find projects": the same form with what matched, nothing saved
            context = _participant_form_context(db_session, values)
            return page("stories/participant_form.html", values=values, errors={}, participant=None, **context)
        if (again := sent_before(request, db_session, data, fallback="/participants")) is not None:
            return again
        try:
            participant = participants.create_participant(
                db_session, validate(ParticipantInput, values, errors), by=require_user(request)
            )
        except Invalid as exc:
            context = _participant_form_context(db_session, values)
            return form_with_errors("stories/participant_form.html", exc, values, participant=None, **context)
        return created(
            request,
            db_session,
            data,
            f"/participants/{participant.id}",
            f"Participant {participant.code} added. Give them this code; no name is kept.",
        )

    @get("/{participant_id:int}", name="participants:detail", sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], participant_id: FromPath[int]) -> Template:
        participant = participants.read_participant(db_session, participant_id, by=require_user(request))
        return page(
            "stories/participant.html",
            participant=participant,
            questions=QUESTIONS,
            kinds=SCORE_KIND_LABELS,
            modes=COMPLETION_MODE_LABELS,
            consents=CONSENT_LABELS,
        )

    @get("/{participant_id:int}/edit", name="participants:edit", sync_to_thread=True)
    def edit_form(
        self, request: Request, db_session: NamedDependency[Session], participant_id: FromPath[int]
    ) -> Template:
        participant = participants.get_participant(db_session, participant_id, by=require_user(request))
        values = {name: getattr(participant, name) for name in QUESTIONS}
        values["project_ids"] = [link.project_id for link in participant.project_links]
        return page(
            "stories/participant_form.html",
            values=values,
            errors={},
            participant=participant,
            **_participant_form_context(db_session, values),
        )

    @post("/{participant_id:int}/edit", name="participants:update", sync_to_thread=True)
    def update(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        participant_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        participant = participants.get_participant(db_session, participant_id, by=user)
        values, errors = form_values(data, lists=("project_ids",))
        if values.get("find_projects"):  # "Find projects": the same form with what matched, nothing saved
            context = _participant_form_context(db_session, values)
            return page("stories/participant_form.html", values=values, errors={}, participant=participant, **context)
        try:
            participants.update_participant(
                db_session, participant, validate(ParticipantInput, values, errors), by=user
            )
        except Invalid as exc:
            return form_with_errors(
                "stories/participant_form.html",
                exc,
                values,
                participant=participant,
                **_participant_form_context(db_session, values),
            )
        return redirect_with_message(request, f"/participants/{participant.id}", "Saved.")

    @post("/{participant_id:int}/erase", name="participants:erase", guards=[coordinator_only], sync_to_thread=True)
    def erase(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        participant_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        participant = participants.get_participant(db_session, participant_id, by=user)
        values, _ = form_values(data)
        try:
            if str(values.get("confirm") or "").strip().upper() != participant.code:
                raise Invalid(
                    f"To erase this participant, type their code ({participant.code}) in the box.",
                    errors={"confirm": "Type the code to confirm."},
                )
            code = participants.erase(db_session, participant.id, reason=str(values.get("reason") or ""), by=user)
        except Invalid as exc:
            return form_with_errors(
                "stories/participant.html",
                exc,
                values,
                participant=participant,
                questions=QUESTIONS,
                kinds=SCORE_KIND_LABELS,
                modes=COMPLETION_MODE_LABELS,
                consents=CONSENT_LABELS,
            )
        return redirect_with_message(
            request, "/participants", f"{code} and all their scores, answers and stories are erased."
        )

    @get("/assignments", name="participants:assignments", guards=[coordinator_only], sync_to_thread=True)
    def assignments(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        return page("stories/assignments.html", **self._assignment_context(db_session, require_user(request)))

    @staticmethod
    def _assignment_context(db_session: Session, user: User) -> dict[str, Any]:
        return {
            "assignments": participants.assignments(db_session, by=user),
            "reporters": [(u.id, u.full_name) for u in list_users(db_session, role=Role.REPORTER)],
            "projects": project_choices(db_session),
            "localities": [(loc.id, loc.name) for loc in list_localities(db_session)],
            "values": {},
            "errors": {},
        }

    @post("/assignments", name="participants:assign", guards=[coordinator_only], sync_to_thread=True)
    def assign(
        self, request: Request, db_session: NamedDependency[Session], data: URLEncodedBody[dict[str, Any]]
    ) -> Template | Redirect:
        user = require_user(request)
        values, _ = form_values(data)
        try:
            participants.assign(
                db_session,
                parse_id(str(values.get("reporter_id") or "")) or 0,
                project_id=parse_id(str(values.get("project_id") or "")),
                locality_id=parse_id(str(values.get("locality_id") or "")),
                by=user,
            )
        except Invalid as exc:
            context = self._assignment_context(db_session, user)
            context.pop("values"), context.pop("errors")
            return form_with_errors("stories/assignments.html", exc, values, **context)
        return redirect_with_message(request, "/participants/assignments", "Assignment saved.")

    @post(
        "/assignments/{assignment_id:int}/remove",
        name="participants:unassign",
        guards=[coordinator_only],
        sync_to_thread=True,
    )
    def unassign(
        self, request: Request, db_session: NamedDependency[Session], assignment_id: FromPath[int]
    ) -> Redirect:
        participants.unassign(db_session, assignment_id, by=require_user(request))
        return redirect_with_message(request, "/participants/assignments", "Assignment removed.")

    @get("/{participant_id:int}/scores/new", name="participants:score_new", sync_to_thread=True)
    def score_form(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        participant_id: FromPath[int],
        kind: FromQuery[str] = "",
    ) -> Template:
        participant = participants.get_participant(db_session, participant_id, by=require_user(request))
        values = scores.form_defaults(participant)
        if kind in {k.value for k in ScoreKind}:
            values["kind"] = kind
        return page(
            "stories/score_form.html",
            participant=participant,
            values=values,
            errors={},
            **self._score_context(participant),
        )

    @staticmethod
    def _score_context(participant, score=None, existing=None) -> dict[str, Any]:
        return {
            "items": swemwbs.ITEMS,
            "answers": swemwbs.ANSWERS,
            "attribution": swemwbs.ATTRIBUTION,
            "intro": swemwbs.INTRO,
            "kinds": [(k.value, v) for k, v in SCORE_KIND_LABELS.items()],
            "modes": [(m.value, m.label) for m in CompletionMode if m != CompletionMode.NOT_RECORDED],
            "projects": _own_projects(participant),
            "score": score,
            "existing": existing,
        }

    @post("/{participant_id:int}/scores/new", name="participants:score_create", sync_to_thread=True)
    def score_create(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        participant_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/participants")) is not None:
            return again
        user = require_user(request)
        participant = participants.get_participant(db_session, participant_id, by=user)
        values, errors = form_values(data, checkboxes=("replace",))
        try:
            score = scores.record_score(
                db_session,
                participant,
                validate(ScoreInput, values, errors),
                by=user,
                replace=bool(values.get("replace")),
                reason=str(values.get("reason") or ""),
            )
        except scores.AlreadyRecorded as exc:
            return form_with_errors(
                "stories/score_form.html",
                exc,
                values,
                participant=participant,
                **self._score_context(participant, existing=exc.existing),
            )
        except Invalid as exc:
            return form_with_errors(
                "stories/score_form.html", exc, values, participant=participant, **self._score_context(participant)
            )
        return created(request, db_session, data, f"/participants/{participant.id}", _saved_message(score))

    @get("/{participant_id:int}/scores/{score_id:int}/edit", name="participants:score_edit", sync_to_thread=True)
    def score_edit_form(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        participant_id: FromPath[int],
        score_id: FromPath[int],
    ) -> Template:
        user = require_user(request)
        participant = participants.get_participant(db_session, participant_id, by=user)
        score = scores.get_score(db_session, participant, score_id)
        if not scores.can_correct(user, score):
            raise Forbidden("Only the reporter who entered this form, or a coordinator, can correct it.")
        return page(
            "stories/score_form.html",
            participant=participant,
            values=scores.score_values(score),
            errors={},
            **self._score_context(participant, score=score),
        )

    @post("/{participant_id:int}/scores/{score_id:int}/edit", name="participants:score_update", sync_to_thread=True)
    def score_update(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        participant_id: FromPath[int],
        score_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        user = require_user(request)
        participant = participants.get_participant(db_session, participant_id, by=user)
        score = scores.get_score(db_session, participant, score_id)
        values, errors = form_values(data)
        try:
            scores.correct_score(
                db_session,
                participant,
                score,
                validate(ScoreInput, values, errors),
                reason=str(values.get("reason") or ""),
                by=user,
            )
        except Invalid as exc:
            return form_with_errors(
                "stories/score_form.html",
                exc,
                values,
                participant=participant,
                **self._score_context(participant, score=score),
            )
        return redirect_with_message(request, f"/participants/{participant.id}", "Corrected. " + _saved_message(score))

    @get("/{participant_id:int}/stories/new", name="participants:story_new", sync_to_thread=True)
    def story_form(
        self, request: Request, db_session: NamedDependency[Session], participant_id: FromPath[int]
    ) -> Template:
        participant = participants.get_participant(db_session, participant_id, by=require_user(request))
        return page(
            "stories/story_form.html", participant=participant, values={}, errors={}, **self._story_context(participant)
        )

    @staticmethod
    def _story_context(participant) -> dict[str, Any]:
        return {
            "projects": _own_projects(participant),
            "themes": [(k.value, v) for k, v in THEME_LABELS.items()],
            "consents": [(k.value, v) for k, v in CONSENT_LABELS.items()],
        }

    @post("/{participant_id:int}/stories/new", name="participants:story_create", sync_to_thread=True)
    def story_create(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        participant_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Template | Redirect:
        if (again := sent_before(request, db_session, data, fallback="/participants")) is not None:
            return again
        user = require_user(request)
        participant = participants.get_participant(db_session, participant_id, by=user)
        values, errors = form_values(data, lists=("themes",))
        try:
            story = publishing.record_story(db_session, participant, validate(StoryInput, values, errors), by=user)
        except Invalid as exc:
            return form_with_errors(
                "stories/story_form.html", exc, values, participant=participant, **self._story_context(participant)
            )
        return created(
            request,
            db_session,
            data,
            f"/stories/{story.id}",
            "Story saved. A coordinator reviews it before anything is public.",
        )
