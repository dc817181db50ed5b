"""One wording for an activity's time, cost and access, on every page and feed."""

from datetime import time
from types import SimpleNamespace

from projects import wording


def activity(**changes):
    values = dict(
        day_of_week="TU",
        starts_at=time(10, 0),
        ends_at=time(12, 30),
        frequency="weekly",
        cost_to_attend_pence=350,
        wheelchair_accessible=True,
        accessibility_notes="Ramp at the side door.",
    )
    values.update(changes)
    return SimpleNamespace(**values)


def test_when_names_the_day_the_times_and_how_often():
    assert wording.when(activity()) == "Tuesday, 10am to 12:30pm, every week"
    assert wording.when(activity(ends_at=None)) == "Tuesday, 10am, every week"
    assert wording.when(activity(starts_at=None)) == "Tuesday, every week"
    assert wording.when(activity(day_of_week=None)) == "Times to be confirmed"


def test_cost_is_free_or_to_the_penny_per_session():
    assert wording.cost(activity()) == "£3.50 per session"
    assert wording.cost(activity(cost_to_attend_pence=0)) == "Free"


def test_access_puts_step_free_first_then_the_groups_notes():
    assert wording.access(activity()) == "Step-free and wheelchair accessible. Ramp at the side door."
    assert wording.access(activity(wheelchair_accessible=False)) == "Ramp at the side door."
    assert wording.access(activity(accessibility_notes="")) == "Step-free and wheelchair accessible."
    nothing = activity(wheelchair_accessible=False, accessibility_notes="")
    assert wording.access(nothing) == "" and wording.access(nothing, unknown="Ask the group.") == "Ask the group."


def test_the_finder_sheet_and_calendar_use_the_same_words(client, db):
    from creative_minds.accounts.models import Role
    from projects.models import ProjectStatus
    from tests.utils import make_partner, make_project, make_user

    coordinator = make_user(db, Role.COORDINATOR)
    partner = make_partner(db, coordinator, name="Words Group")
    project = make_project(db, partner, coordinator, title="Pottery Evenings", ends_at="12:00")
    project.status = ProjectStatus.ACTIVE.value  # a running activity, as the finder lists
    db.commit()
    expected = wording.when(project)
    for path in ("/activities", f"/activities/{project.id}", f"/activities/sheet?id={project.id}"):
        assert expected in client.get(path).text.replace("&#39;", "'"), path
