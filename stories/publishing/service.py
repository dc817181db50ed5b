"""Stories: reporters record them with consent; coordinators review; only consented, published stories are public."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from creative_minds.accounts.models import User
from creative_minds.audit import service as audit
from creative_minds.audit.models import AuditAction
from creative_minds.db import get_or_404
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.localities import Locality
from creative_minds.timeutil import utcnow
from obligations import events
from projects.models import Project
from projects.service import find_project_choices
from stories.participants.models import Participant
from stories.participants.service import check_access, check_can_see
from stories.publishing.forms import StoryInput
from stories.publishing.models import PUBLIC_CONSENTS, Consent, Story, StoryStatus, StoryTheme

LOAD = (
    selectinload(Story.theme_links),
    selectinload(Story.project).selectinload(Project.locality),
    selectinload(Story.participant),
)


def record_story(session: Session, participant: Participant, data: StoryInput, *, by: User) -> Story:
    check_can_see(session, by, participant)
    if data.project_id not in {link.project_id for link in participant.project_links}:
        raise Invalid(
            "Choose one of the participant's projects.",
            errors={"project_id": "Choose one of this participant's projects."},
        )
    story = Story(
        participant_id=participant.id,
        project_id=data.project_id,
        text=data.text,
        media_url=data.media_url,
        consent=data.consent.value,
        first_name=data.first_name,
        recorded_by_id=by.id,
        status=StoryStatus.AWAITING_REVIEW.value,
    )
    story.theme_links = [StoryTheme(theme=t.value) for t in dict.fromkeys(data.themes)]  # type: ignore[call-arg]
    session.add(story)
    session.flush()
    _trail(session, by, AuditAction.CREATE, story, f"consent: {story.consent}")
    return story


def _trail(session: Session, by: User, action: AuditAction, story: Story, detail: str = "") -> None:
    audit.record(
        session,
        by=by,
        action=action,
        subject="story",
        subject_id=story.id,
        label=story.participant.code if story.participant else "",
        detail=detail,
    )


def get_story(session: Session, story_id: int, *, by: User) -> Story:
    """A story, for a coordinator or a reporter who may see its participant."""
    check_access(by)
    story = get_or_404(session, Story, story_id, "story", options=list(LOAD))
    check_can_see(session, by, story.participant)
    return story


def read_story(session: Session, story_id: int, *, by: User) -> Story:
    story = get_story(session, story_id, by=by)
    _trail(session, by, AuditAction.READ, story)
    return story


def awaiting_review(session: Session, *, by: User) -> list[Story]:
    check_access(by)
    if not by.is_coordinator:
        raise Forbidden("Only coordinators review stories before they are published.")
    query = select(Story).where(Story.status == StoryStatus.AWAITING_REVIEW).options(*LOAD)
    return list(session.exec(query.order_by(Story.created_at)))


def review(session: Session, story: Story, *, publish: bool, by: User) -> Story:
    if not by.is_coordinator:
        raise Forbidden("Only coordinators review stories before they are published.")
    if publish and story.consent not in PUBLIC_CONSENTS:
        raise Conflict("This story's consent does not allow it to be public, so it cannot be published.")
    story.status = (StoryStatus.PUBLISHED if publish else StoryStatus.NOT_PUBLISHED).value
    story.reviewed_by_id = by.id
    story.reviewed_at = utcnow()
    session.add(story)
    session.flush()
    _trail(session, by, AuditAction.PUBLISH, story, "published" if publish else "not published")
    if publish:
        events.story_published(session, story.id, story.recorded_by_id)
    return story


def change_consent(session: Session, story: Story, consent: Consent, *, by: User) -> Story:
    """Record what the participant now agrees to. Less than public takes the story off public pages at once."""
    check_can_see(session, by, story.participant)
    if consent.value == story.consent:
        raise Conflict("That is already the consent recorded.")
    if consent == Consent.PUBLIC_FIRST_NAME and not story.first_name:
        raise Invalid(
            "No first name recorded.",
            errors={"consent": "This story has no first name to show; choose public without a name."},
        )
    was_public = story.consent in PUBLIC_CONSENTS
    story.consent = consent.value
    story.consent_changed_at = utcnow()
    if consent.value not in PUBLIC_CONSENTS and story.status == StoryStatus.PUBLISHED:
        story.status = StoryStatus.NOT_PUBLISHED.value
    elif consent.value in PUBLIC_CONSENTS and story.status == StoryStatus.NOT_PUBLISHED:
        story.status = StoryStatus.AWAITING_REVIEW.value  # widening consent needs a fresh review
    session.add(story)
    session.flush()
    _trail(session, by, AuditAction.CONSENT, story, f"consent now: {story.consent}")
    if was_public and consent.value not in PUBLIC_CONSENTS:
        events.consent_withdrawn(
            session, story.id, story.recorded_by_id, story.consent_changed_at.strftime("%Y%m%d%H%M%S")
        )
    return story


def public_stories(
    session: Session, *, project_id: int | None = None, locality: str = "", theme: str = ""
) -> list[Story]:
    """Published stories with public consent only: the single query behind every public page and export."""
    query = (
        select(Story)
        .where(Story.status == StoryStatus.PUBLISHED, col(Story.consent).in_(PUBLIC_CONSENTS))
        .options(*LOAD)
    )
    if project_id:
        query = query.where(Story.project_id == project_id)
    if locality:
        query = (
            query.join(Project, Project.id == Story.project_id)
            .join(Locality, Locality.id == Project.locality_id)
            .where(Locality.slug == locality)
        )
    if theme:
        query = query.where(col(Story.id).in_(select(StoryTheme.story_id).where(StoryTheme.theme == theme)))
    return list(session.exec(query.order_by(Story.reviewed_at.desc(), Story.id.desc())))


def public_projects(session: Session) -> list[tuple[int, str]]:
    """Projects with a public story, each labelled with what tells it apart (partner, venue, day)."""
    ids = session.exec(
        select(Story.project_id)
        .where(Story.status == StoryStatus.PUBLISHED, col(Story.consent).in_(PUBLIC_CONSENTS))
        .distinct()
    )
    choices, _ = find_project_choices(session, ids=list(ids), limit=None)
    return [(c.id, c.label) for c in choices]
