"""Project rules without HTTP: money, schedule, coordinates, lifecycle, visibility."""

from __future__ import annotations

import pytest

from creative_minds.accounts.models import Role
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.forms import validate
from projects import service
from projects.forms import ProjectInput
from projects.models import ProjectStatus
from tests.utils import locality_id, make_partner, make_project, make_user, project_data


@pytest.fixture
def people(db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    return {
        "coordinator": coordinator,
        "partner": partner,
        "owner": make_user(db, Role.PARTNER, partner_id=partner.id),
        "stranger": make_user(db, Role.PARTNER, partner_id=make_partner(db, coordinator, name="Other").id),
        "champion": make_user(db, Role.CHAMPION),
    }


class TestInput:
    def test_money_must_add_up(self, db, people):
        with pytest.raises(Invalid) as caught:
            validate(ProjectInput, project_data(db, people["partner"].id, match_pence=300_000, requested_pence=300_000))
        assert "cannot be more than the total cost" in caught.value.errors["requested_pence"]

    @pytest.mark.parametrize("value", [-1, "ten", 1.5])
    def test_money_must_be_whole_non_negative_pence(self, db, people, value):
        with pytest.raises(Invalid) as caught:
            validate(ProjectInput, project_data(db, people["partner"].id, total_cost_pence=value))
        assert "total_cost_pence" in caught.value.errors

    def test_finish_time_after_start(self, db, people):
        with pytest.raises(Invalid) as caught:
            validate(ProjectInput, project_data(db, people["partner"].id, starts_at="14:00", ends_at="13:00"))
        assert caught.value.errors == {"ends_at": "The finish time must be after the start time."}

    def test_at_least_one_category(self, db, people):
        with pytest.raises(Invalid) as caught:
            validate(ProjectInput, project_data(db, people["partner"].id, categories=[]))
        assert caught.value.errors["categories"] == "Choose at least one."

    def test_coordinates_come_from_the_postcode_district_when_not_given(self, db, people):
        project = make_project(db, people["partner"], people["owner"], postcode="hd1 2ab")
        assert project.postcode == "HD1 2AB"
        assert (project.latitude, project.longitude) == (53.64685, -1.78902)  # HD1 district centroid

    def test_given_coordinates_are_kept_and_checked(self, db, people):
        project = make_project(db, people["partner"], people["owner"], latitude=53.65, longitude=-1.78)
        assert (project.latitude, project.longitude) == (53.65, -1.78)
        with pytest.raises(Invalid) as caught:
            validate(ProjectInput, project_data(db, people["partner"].id, latitude=40.0, longitude=-3.0))
        assert "outside Great Britain" in caught.value.errors["latitude"]


class TestOwnership:
    def test_partner_user_cannot_add_a_project_for_another_partner(self, db, people):
        other = make_partner(db, people["coordinator"], name="Someone Else")
        with pytest.raises(Forbidden):
            make_project(db, other, people["owner"])

    def test_champion_cannot_add_projects(self, db, people):
        with pytest.raises(Forbidden):
            make_project(db, people["partner"], people["champion"])

    def test_categories_ages_and_champions_are_saved_and_replaced(self, db, people):
        champion = people["champion"]
        project = make_project(
            db,
            people["partner"],
            people["owner"],
            categories=["football", "walking"],
            age_groups=["older_people"],
            champion_ids=[champion.id],
        )
        assert sorted(project.categories) == ["football", "walking"]
        data = validate(
            ProjectInput, project_data(db, people["partner"].id, categories=["walking", "cooking"], champion_ids=[])
        )
        service.update_project(db, project, data, by=people["owner"])
        db.commit()
        db.refresh(project)
        assert sorted(project.categories) == ["cooking", "walking"]
        assert project.champion_ids == []

    def test_only_real_champions_can_be_linked(self, db, people):
        with pytest.raises(Invalid) as caught:
            make_project(db, people["partner"], people["owner"], champion_ids=[people["stranger"].id])
        assert "champion_ids" in caught.value.errors


class TestLifecycle:
    def test_the_normal_journey(self, db, people):
        project = make_project(db, people["partner"], people["owner"])
        assert project.status == ProjectStatus.DRAFT
        service.change_status(db, project, ProjectStatus.SUBMITTED, by=people["owner"])
        service.change_status(db, project, ProjectStatus.FUNDED, by=people["coordinator"])
        service.change_status(db, project, ProjectStatus.ACTIVE, by=people["owner"])
        service.change_status(db, project, ProjectStatus.COMPLETED, by=people["owner"])
        assert project.status == ProjectStatus.COMPLETED
        assert service.allowed_moves(project, people["coordinator"]) == []

    @pytest.mark.parametrize(
        ("start", "target"),
        [
            ("draft", "funded"),
            ("draft", "active"),
            ("submitted", "completed"),
            ("completed", "active"),
            ("withdrawn", "draft"),
        ],
    )
    def test_invalid_moves_are_refused(self, db, people, start, target):
        project = make_project(db, people["partner"], people["owner"])
        project.status = start
        with pytest.raises(Conflict):
            service.change_status(db, project, ProjectStatus(target), by=people["coordinator"])
        assert project.status == start

    def test_partners_cannot_fund_or_decline_their_own_project(self, db, people):
        project = make_project(db, people["partner"], people["owner"])
        service.change_status(db, project, ProjectStatus.SUBMITTED, by=people["owner"])
        for target in (ProjectStatus.FUNDED, ProjectStatus.DECLINED):
            with pytest.raises(Forbidden):
                service.change_status(db, project, target, by=people["owner"])
        assert service.allowed_moves(project, people["owner"]) == [ProjectStatus.DRAFT, ProjectStatus.WITHDRAWN]

    def test_agreed_money_is_locked_for_the_partner(self, db, people):
        project = make_project(db, people["partner"], people["owner"])
        project.status = ProjectStatus.FUNDED
        data = validate(ProjectInput, project_data(db, people["partner"].id, requested_pence=100))
        with pytest.raises(Invalid) as caught:
            service.update_project(db, project, data, by=people["owner"])
        assert "requested_pence" in caught.value.errors
        service.update_project(db, project, data, by=people["coordinator"])
        assert project.requested_pence == 100


class TestVisibility:
    def test_drafts_are_seen_only_by_their_partner_and_coordinators(self, db, people):
        draft = make_project(db, people["partner"], people["owner"], title="Secret Draft")
        live = make_project(db, people["partner"], people["owner"], title="Open Project")
        live.status = ProjectStatus.ACTIVE
        db.commit()

        def titles(user):
            return sorted(p.title for p in service.search_projects(db, service.ProjectFilters(), user=user).items)

        assert titles(people["coordinator"]) == ["Open Project", "Secret Draft"]
        assert titles(people["owner"]) == ["Open Project", "Secret Draft"]
        assert titles(people["stranger"]) == ["Open Project"]
        assert titles(people["champion"]) == ["Open Project"]
        with pytest.raises(Forbidden):
            service.get_visible_project(db, draft.id, people["champion"])

    def test_filters(self, db, people):
        owner, partner = people["owner"], people["partner"]
        make_project(
            db,
            partner,
            owner,
            title="Calder Choir",
            categories=["music_singing"],
            locality_id=locality_id(db, "calderdale"),
            postcode="HX1 1AA",
        )
        make_project(db, partner, owner, title="Kirklees Walk", categories=["walking"])
        coordinator = people["coordinator"]

        def titles(**filters):
            return [
                p.title for p in service.search_projects(db, service.ProjectFilters(**filters), user=coordinator).items
            ]

        assert titles(locality="calderdale") == ["Calder Choir"]
        assert titles(category="walking") == ["Kirklees Walk"]
        assert titles(q="hx1") == ["Calder Choir"]
        assert titles(status="active") == []


class TestFundingMoves:
    """The funding process moves a project only along the table in projects.models."""

    @pytest.mark.parametrize(
        ("start", "target", "moved", "end"),
        [
            (ProjectStatus.DRAFT, ProjectStatus.SUBMITTED, True, ProjectStatus.SUBMITTED),
            (ProjectStatus.DECLINED, ProjectStatus.SUBMITTED, True, ProjectStatus.SUBMITTED),
            (ProjectStatus.SUBMITTED, ProjectStatus.FUNDED, True, ProjectStatus.FUNDED),
            (ProjectStatus.DECLINED, ProjectStatus.FUNDED, True, ProjectStatus.FUNDED),
            (ProjectStatus.FUNDED, ProjectStatus.DECLINED, True, ProjectStatus.DECLINED),
            # Not in the table: the project stays as it is.
            (ProjectStatus.WITHDRAWN, ProjectStatus.FUNDED, False, ProjectStatus.WITHDRAWN),
            (ProjectStatus.ACTIVE, ProjectStatus.FUNDED, False, ProjectStatus.ACTIVE),
            (ProjectStatus.COMPLETED, ProjectStatus.DECLINED, False, ProjectStatus.COMPLETED),
            (ProjectStatus.ACTIVE, ProjectStatus.DRAFT, False, ProjectStatus.ACTIVE),
        ],
    )
    def test_moves_follow_the_table(self, db, people, start, target, moved, end):
        project = make_project(db, people["partner"], people["coordinator"])
        project.status = start.value
        db.add(project)
        db.flush()
        assert service.follow_funding(db, project, target) is moved
        assert project.status == end.value

    def test_people_cannot_make_funding_only_moves(self, db, people):
        project = make_project(db, people["partner"], people["coordinator"])
        project.status = ProjectStatus.DECLINED.value
        db.flush()
        with pytest.raises(Conflict):
            service.change_status(db, project, ProjectStatus.FUNDED, by=people["coordinator"])


def test_only_the_projects_service_sets_a_project_status():
    """Other features move projects through projects.service, never by assigning .status."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for package in ("collectives", "stories", "activities", "partners", "creative_minds"):
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        text = ast.unparse(target)
                        if text.endswith("project.status") or text == "project.status":
                            offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
