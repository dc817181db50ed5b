"""Story pages: the public stories page, review by coordinators, and consent changes."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect, Template
from sqlmodel import Session

from creative_minds.accounts.models import Role
from creative_minds.auth import coordinator_only, require_user, roles_required
from creative_minds.exceptions import Invalid
from creative_minds.forms import parse_id
from creative_minds.localities import list_localities
from creative_minds.views import page, redirect_with_message
from stories.publishing import service as publishing
from stories.publishing.models import CONSENT_LABELS, STORY_STATUS_LABELS, THEME_LABELS, Consent, Theme


class StoriesController(Controller):
    path = "/stories"

    @get("/", name="stories:public", sync_to_thread=True)
    def public(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        project: FromQuery[str] = "",
        locality: FromQuery[str] = "",
        theme: FromQuery[str] = "",
    ) -> Template:
        project_id = parse_id(project)
        theme = theme if theme in set(Theme) else ""
        found = publishing.public_stories(db_session, project_id=project_id, locality=locality[:32], theme=theme)
        context: dict[str, Any] = {
            "stories": found,
            "theme_labels": THEME_LABELS,
            "filters": {"project": project_id, "locality": locality, "theme": theme},
        }
        if request.htmx and not request.htmx.boosted:
            return page("stories/_public_list.html", **context)
        context.update(projects=publishing.public_projects(db_session), localities=list_localities(db_session))
        return page("stories/public.html", **context)

    @get("/review", name="stories:review", guards=[coordinator_only], sync_to_thread=True)
    def review_list(self, request: Request, db_session: NamedDependency[Session]) -> Template:
        return page(
            "stories/review.html",
            stories=publishing.awaiting_review(db_session, by=require_user(request)),
            consents=CONSENT_LABELS,
            theme_labels=THEME_LABELS,
        )

    @get("/{story_id:int}", name="stories:detail", guards=[roles_required(Role.REPORTER)], sync_to_thread=True)
    def detail(self, request: Request, db_session: NamedDependency[Session], story_id: FromPath[int]) -> Template:
        story = publishing.read_story(db_session, story_id, by=require_user(request))
        return page(
            "stories/story.html",
            story=story,
            consents=CONSENT_LABELS,
            statuses=STORY_STATUS_LABELS,
            theme_labels=THEME_LABELS,
        )

    @post("/{story_id:int}/review", name="stories:decide", guards=[coordinator_only], sync_to_thread=True)
    def decide(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        story_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        user = require_user(request)
        choice = str(data.get("decision") or "")
        if choice not in ("publish", "keep_private"):
            raise Invalid("Choose publish or do not publish.", errors={"decision": "Choose one."})
        story = publishing.review(
            db_session, publishing.get_story(db_session, story_id, by=user), publish=choice == "publish", by=user
        )
        message = "Published on the stories page." if choice == "publish" else "Kept off the public pages."
        return redirect_with_message(request, f"/stories/{story.id}", message)

    @post(
        "/{story_id:int}/consent", name="stories:consent", guards=[roles_required(Role.REPORTER)], sync_to_thread=True
    )
    def consent(
        self,
        request: Request,
        db_session: NamedDependency[Session],
        story_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        user = require_user(request)
        story = publishing.get_story(db_session, story_id, by=user)  # who may, before what they typed
        raw = str(data.get("consent") or "")
        if raw not in set(Consent):
            raise Invalid(
                "Choose what the participant now agrees to.", errors={"consent": "Choose one of the options."}
            )
        story = publishing.change_consent(db_session, story, Consent(raw), by=user)
        return redirect_with_message(
            request, f"/stories/{story.id}", f"Consent recorded: {CONSENT_LABELS[Consent(raw)]}."
        )
