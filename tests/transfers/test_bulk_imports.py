"""Imports save in chunks, new records in bulk (issue 12's speed): the outcome is the one saving each row
on its own through the services gives, whatever the chunk size; the audit trail, import keys and
all-or-nothing hold; a project's optional status goes through the projects' transitions."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from creative_minds.audit.models import AuditEvent
from projects.models import Project
from stories.participants.models import Participant
from stories.scores.models import WellbeingScore
from tests.transfers.test_imports import GOOD_PARTNERS, PARTNER_HEADER, csv_file, run, select_coordinator, table
from tests.utils import make_user
from transfers.importers import importer_for
from transfers.models import ImportKey, ImportMode
from transfers.service import ImportRefused, preview

PROJECT_HEADER = "External id,Partner,Locality,Title,Categories,Postcode,Total cost,Match funding,Requested"
FORM_HEADER = "Participant,Project,Kind,Completed on,Item 1,Item 2,Item 3,Item 4,Item 5,Item 6,Item 7"


def network(db) -> dict[str, str]:
    """Two partners, projects J1 and J2, participants OLD-1 and OLD-2 (in J1) and OLD-3 (in J2).
    Returns each participant's app code by external code."""
    run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
    run(
        db,
        "projects",
        csv_file(
            PROJECT_HEADER,
            "J1,P1,Kirklees,Knit and Natter,Knitting and sewing,HD9 7AB,100,0,0",
            "J2,P2,Calderdale,Climb Together,Walking,HX1 1AA,100,0,0",
        ),
    )
    run(db, "participants", csv_file("External code,Projects", "OLD-1,J1", "OLD-2,J1", "OLD-3,J2"))
    keys = dict(
        db.exec(select(ImportKey.external_id, ImportKey.record_id).where(ImportKey.kind == "participants")).all()
    )
    codes = dict(db.exec(select(Participant.id, Participant.code)).all())
    return {external: codes[record] for external, record in keys.items()}


def preview_both_ways(db, monkeypatch, kind: str, data: bytes) -> dict:
    """The preview saving rows one at a time through the services, and the one saving in bulk: they
    must be the same (each is rolled back, so both start from the same records)."""
    coordinator = db.exec(select_coordinator()).one()
    importer = importer_for(kind)
    monkeypatch.setattr(type(importer), "creates_in_bulk", False)
    one_by_one = preview(db, importer, table(data), by=coordinator).as_dict()
    monkeypatch.setattr(type(importer), "creates_in_bulk", True)
    in_bulk = preview(db, importer, table(data), by=coordinator).as_dict()
    assert in_bulk == one_by_one
    return in_bulk


@pytest.mark.usefixtures("db")
class TestFormsInBulk:
    def tricky_forms(self, codes: dict[str, str]) -> bytes:
        return csv_file(
            FORM_HEADER,
            "OLD-1,J1,follow-up,01/06/2026,4,4,4,4,4,4,4",  # row 2: its baseline is on row 4
            "OLD-2,J1,follow-up,01/06/2026,4,4,4,4,4,4,4",  # row 3: OLD-2 has no baseline anywhere
            "OLD-1,J1,baseline,01/03/2026,3,3,3,3,3,3,3",  # row 4
            "OLD-3,J2,baseline,01/03/2026,3,,3,3,3,3,3",  # row 5: a blank answer, kept unscored
            "OLD-3,J2,follow-up,01/02/2026,3,3,3,3,3,3,3",  # row 6: dated before its baseline
            "OLD-2,J2,baseline,01/03/2026,3,3,3,3,3,3,3",  # row 7: OLD-2 is not in J2
            f"{codes['OLD-1']},J1,baseline,02/03/2026,3,3,3,3,3,3,3",  # row 8: row 4's form again, by app code
            "NOBODY,J1,baseline,01/03/2026,3,3,3,3,3,3,3",  # row 9: no such participant
            "OLD-1,J1,baseline,05/03/2026,2,2,2,2,2,2,2",  # row 10: row 4's id again
        )

    @pytest.mark.parametrize("chunk", [1, 2, 3, 1000])
    def test_same_outcome_as_saving_each_row_whatever_the_chunk_size(self, db, monkeypatch, chunk):
        monkeypatch.setattr("transfers.service.CLEAR_EVERY", chunk)
        codes = network(db)
        outcome = preview_both_ways(db, monkeypatch, "swemwbs", self.tricky_forms(codes))
        assert (outcome["created"], outcome["skipped"]) == (3, 6)
        problems = {row: (column, message) for row, column, message in outcome["problems"]}
        assert sorted(problems) == [3, 6, 7, 8, 9, 10]
        assert problems[3] == ("Kind", "Record the baseline (before) form for this project first.")
        assert problems[6] == ("Completed on", "The baseline was on 01/03/2026; the follow-up must be after it.")
        assert problems[7][1].startswith("Choose one of this participant's projects")
        assert problems[8][1].startswith(f"{codes['OLD-1']} already has a baseline for this project, dated 01/03/2026")
        assert problems[9] == ("Participant", "'NOBODY' is not a participant's code. Import participants first.")
        assert problems[10] == ("external id", "'OLD-1|j1|baseline' is also on row 4. Each row needs its own id.")
        assert db.exec(select(WellbeingScore)).all() == []  # a preview keeps nothing

    def test_saved_forms_their_audit_events_and_keys(self, db, monkeypatch):
        monkeypatch.setattr("transfers.service.CLEAR_EVERY", 2)
        codes = network(db)
        outcome = run(db, "swemwbs", self.tricky_forms(codes), ImportMode.SKIP_BAD_ROWS)
        assert (outcome.created, outcome.skipped) == (3, 6)
        saved = {
            (codes_by_id[s.participant_id], s.kind, s.raw_score, str(s.metric_score))
            for codes_by_id in [dict(db.exec(select(Participant.id, Participant.code)).all())]
            for s in db.exec(select(WellbeingScore)).all()
        }
        # raw 21 -> metric 19.25, raw 28 -> 25.03 (the published conversion table); a blank: unscored
        assert saved == {
            (codes["OLD-1"], "baseline", 21, "19.25"),
            (codes["OLD-1"], "follow_up", 28, "25.03"),
            (codes["OLD-3"], "baseline", None, "None"),
        }
        events = db.exec(select(AuditEvent).where(AuditEvent.subject == "score")).all()
        coordinator = db.exec(select_coordinator()).one()
        ids = {s.id for s in db.exec(select(WellbeingScore)).all()}
        assert {(e.action, e.subject_label, e.detail) for e in events} == {
            ("create", codes["OLD-1"], "baseline on 01/03/2026"),
            ("create", codes["OLD-1"], "follow_up on 01/06/2026"),
            ("create", codes["OLD-3"], "baseline on 01/03/2026"),
        }
        assert {e.subject_id for e in events} == ids
        assert {(e.user_id, e.user_name) for e in events} == {(coordinator.id, coordinator.full_name)}
        keys = set(db.exec(select(ImportKey.external_id).where(ImportKey.kind == "swemwbs")))
        assert keys == {"OLD-1|j1|baseline", "OLD-1|j1|follow_up", "OLD-3|j2|baseline"}

        again = run(db, "swemwbs", self.tricky_forms(codes), ImportMode.SKIP_BAD_ROWS)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
        assert len(db.exec(select(AuditEvent).where(AuditEvent.subject == "score")).all()) == 3

    def test_all_or_nothing_keeps_no_form_no_event_no_key(self, db, monkeypatch):
        monkeypatch.setattr("transfers.service.CLEAR_EVERY", 2)
        codes = network(db)
        with pytest.raises(ImportRefused):
            run(db, "swemwbs", self.tricky_forms(codes))
        db.rollback()
        assert db.exec(select(WellbeingScore)).all() == []
        assert db.exec(select(AuditEvent).where(AuditEvent.subject == "score")).all() == []
        assert db.exec(select(ImportKey).where(ImportKey.kind == "swemwbs")).all() == []

    def test_a_form_typed_in_before_is_not_made_twice(self, db):
        from stories.participants.service import get_participant
        from stories.scores.forms import ScoreInput
        from stories.scores.service import record_score

        codes = network(db)
        coordinator = db.exec(select_coordinator()).one()
        person = db.exec(select(Participant).where(Participant.code == codes["OLD-1"])).one()
        j1 = db.exec(select(Project.id).where(Project.title == "Knit and Natter")).one()
        typed = ScoreInput(
            project_id=j1, kind="baseline", completed_on="2026-02-01", **{f"item_{i}": 3 for i in range(1, 8)}
        )
        record_score(db, get_participant(db, person.id, by=coordinator), typed, by=coordinator)
        db.commit()
        outcome = run(
            db,
            "swemwbs",
            csv_file(
                FORM_HEADER, "OLD-1,J1,baseline,01/03/2026,3,3,3,3,3,3,3", "OLD-1,J1,follow-up,01/06/2026,4,4,4,4,4,4,4"
            ),
            ImportMode.SKIP_BAD_ROWS,
        )
        assert (outcome.created, outcome.skipped) == (1, 1)
        assert outcome.problems[0].row == 2
        assert outcome.problems[0].message.startswith(
            f"{codes['OLD-1']} already has a baseline for this project, dated 01/02/2026"
        )
        # the follow-up pairs with the baseline typed in (dated 01/02/2026)
        assert len(db.exec(select(WellbeingScore)).all()) == 2

    def test_a_reporter_may_only_add_forms_for_their_own_participants(self, db):
        from creative_minds.accounts.models import Role
        from creative_minds.exceptions import Forbidden
        from stories.scores.forms import ScoreInput
        from stories.scores.service import record_scores

        codes = network(db)
        reporter = make_user(db, Role.REPORTER)
        person = db.exec(select(Participant.id).where(Participant.code == codes["OLD-1"])).one()
        j1 = db.exec(select(Project.id).where(Project.title == "Knit and Natter")).one()
        form = ScoreInput(project_id=j1, kind="baseline", completed_on="2026-03-01")
        results = record_scores(db, [(person, form)], by=reporter)
        assert isinstance(results[0], Forbidden)
        assert db.exec(select(WellbeingScore)).all() == []


@pytest.mark.usefixtures("db")
class TestProjectsAndParticipantsInBulk:
    def test_projects_same_outcome_as_one_at_a_time_with_a_duplicate_in_the_file(self, db, monkeypatch):
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        data = csv_file(
            PROJECT_HEADER,
            "J1,P1,Kirklees,Good One,Pottery,HD9 7AB,100,0,0",
            "J2,P1,Kirklees,Nowhere,Pottery,ZZ99 9ZZ,100,0,0",  # row 3: the service cannot place it
            "J3,P2,Calderdale,Good Two,Walking,HX1 1AA,100,0,0",
            "J1,P2,Calderdale,Same Id,Walking,HX1 1AA,100,0,0",  # row 5: J1 again, in the next chunk
            "J4,P9,Calderdale,Nobody's,Walking,HX1 1AA,100,0,0",  # row 6: no such partner
        )
        outcome = preview_both_ways(db, monkeypatch, "projects", data)
        assert [(row, column) for row, column, _ in outcome["problems"]] == [
            (3, "Postcode"),
            (5, "External id"),
            (6, "Partner"),
        ]
        assert outcome["created"] == 2
        saved = run(db, "projects", data, ImportMode.SKIP_BAD_ROWS)
        assert saved.created == 2
        found = {p.title: p for p in db.exec(select(Project)).all()}
        assert sorted(found) == ["Good One", "Good Two"]
        # what the form's save works out too: categories, coordinates, the search text and sort key
        assert found["Good Two"].categories == ["walking"]
        assert found["Good One"].latitude != 0
        assert "calder climbing club" in found["Good Two"].search_text
        assert found["Good One"].sort_title
        assert found["Good One"].status == "draft"

    def test_an_unexpected_failure_of_the_bulk_save_falls_back_to_one_row_at_a_time(self, db, monkeypatch):
        """The bulk statements run in a savepoint: a failure keeps none of them, and the rows are then
        saved one at a time, once each."""
        from projects import service

        real = service.create_projects

        def fails_after_writing(*args, **kwargs):
            real(*args, **kwargs)
            raise SQLAlchemyError("the database went away for a moment")

        monkeypatch.setattr(service, "create_projects", fails_after_writing)
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        outcome = run(
            db,
            "projects",
            csv_file(
                PROJECT_HEADER,
                "J1,P1,Kirklees,Good One,Pottery,HD9 7AB,100,0,0",
                "J2,P2,Calderdale,Good Two,Walking,HX1 1AA,100,0,0",
            ),
        )
        assert outcome.created == 2
        assert sorted(p.title for p in db.exec(select(Project)).all()) == ["Good One", "Good Two"]
        assert len(db.exec(select(ImportKey).where(ImportKey.kind == "projects")).all()) == 2

    def test_participants_same_outcome_and_audit_events(self, db, monkeypatch):
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        run(db, "projects", csv_file(PROJECT_HEADER, "J1,P1,Kirklees,Knit,Pottery,HD9 7AB,100,0,0"))
        data = csv_file(
            "External code,Projects,Age band",
            "OLD-1,J1,25 to 34",
            "OLD-2,J9,",  # row 3: no such project
            "OLD-3,,Not an age",  # row 4: not one of the answers
            "OLD-1,J1,",  # row 5: OLD-1 again
            "OLD-4,J1; Knit,",  # the same project by id and by title: one link
        )
        outcome = preview_both_ways(db, monkeypatch, "participants", data)
        assert [row for row, _, _ in outcome["problems"]] == [3, 4, 5]
        run(db, "participants", data, ImportMode.SKIP_BAD_ROWS)
        people = db.exec(select(Participant)).all()
        assert len(people) == 2 and len({p.code for p in people}) == 2
        assert all(len(p.project_links) == 1 for p in people)
        events = db.exec(select(AuditEvent).where(AuditEvent.subject == "participant")).all()
        assert sorted((e.action, e.subject_label, e.subject_id) for e in events) == sorted(
            ("create", p.code, p.id) for p in people
        )


@pytest.mark.usefixtures("db")
class TestProjectStatus:
    HEADER = PROJECT_HEADER + ",Status"

    def test_a_project_may_arrive_submitted_or_withdrawn_through_the_transitions(self, db):
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        rows = [
            "J1,P1,Kirklees,Ready,Pottery,HD9 7AB,100,0,0,Submitted",
            "J2,P1,Kirklees,Stopped,Pottery,HD9 7AB,100,0,0,withdrawn",
            "J3,P1,Kirklees,Drafty,Pottery,HD9 7AB,100,0,0,",
            "J4,P1,Kirklees,Explicit,Pottery,HD9 7AB,100,0,0,Draft",
            "J5,P1,Kirklees,Too Soon,Pottery,HD9 7AB,100,0,0,Funded",  # row 6: only a decision funds
            "J6,P1,Kirklees,Unknown,Pottery,HD9 7AB,100,0,0,Pending",  # row 7: not a status
        ]
        outcome = run(db, "projects", csv_file(self.HEADER, *rows), ImportMode.SKIP_BAD_ROWS)
        assert outcome.created == 4
        assert str(outcome.problems[0]) == (
            "Row 6, status: 'Funded': an imported project can be Draft, Submitted, Withdrawn. "
            "Funding decisions move projects on from there."
        )
        assert str(outcome.problems[1]).startswith("Row 7, status: 'Pending' is not one of the choices")
        found = {p.title: p.status for p in db.exec(select(Project)).all()}
        assert found == {"Ready": "submitted", "Stopped": "withdrawn", "Drafty": "draft", "Explicit": "draft"}

    def test_a_changed_status_moves_only_as_the_transitions_allow(self, db):
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        first = [
            "J1,P1,Kirklees,Ready,Pottery,HD9 7AB,100,0,0,Submitted",
            "J2,P1,Kirklees,Stopped,Pottery,HD9 7AB,100,0,0,Withdrawn",
        ]
        run(db, "projects", csv_file(self.HEADER, *first))
        back = [row.rsplit(",", 1)[0] + ",Draft" for row in first]
        outcome = run(db, "projects", csv_file(self.HEADER, *back), ImportMode.SKIP_BAD_ROWS)
        assert outcome.updated == 1
        # a withdrawn project stays withdrawn (the transitions table), and says so
        assert [str(p) for p in outcome.problems] == ["Row 3, status: A project that is withdrawn cannot become draft."]
        found = {p.title: p.status for p in db.exec(select(Project)).all()}
        assert found == {"Ready": "draft", "Stopped": "withdrawn"}

    def test_the_template_lists_the_status_and_its_values(self, client, db):
        import io

        from openpyxl import load_workbook

        from tests.utils import login

        login(client, make_user(db).email)
        book = load_workbook(io.BytesIO(client.get("/imports/projects/template.xlsx").content))
        assert "Status" in [c.value for c in book.worksheets[0][1]]
        accepted = {row[0].value: (row[1].value, row[2].value) for row in book.worksheets[1].iter_rows(min_row=2)}
        assert accepted["Status"][0] == "Optional"
        assert accepted["Status"][1].startswith("Draft; Submitted; Withdrawn")


@pytest.mark.usefixtures("db")
class TestCreateProjectsKeepsCreateProjectsRules:
    def test_each_row_is_refused_as_create_project_refuses_it(self, db):
        from creative_minds.accounts.models import Role
        from creative_minds.exceptions import Invalid
        from partners.service import archive_partner
        from projects.forms import ProjectInput
        from projects.service import create_project, create_projects
        from tests.utils import make_partner, project_data

        coordinator = make_user(db)
        open_partner = make_partner(db, coordinator, name="Open Group")
        closed = make_partner(db, coordinator, name="Closed Group")
        archive_partner(db, closed, by=coordinator)
        champion = make_user(db, Role.CHAMPION)
        away = make_user(db, Role.CHAMPION)
        away.is_active = False
        db.add(away)
        db.commit()
        rows = [
            project_data(db, open_partner.id, title="Fine", champion_ids=[champion.id]),
            project_data(db, closed.id, title="Archived partner"),
            project_data(db, 999_999, title="No partner"),
            project_data(db, open_partner.id, title="Inactive champion", champion_ids=[away.id]),
            project_data(db, open_partner.id, title="Nowhere", locality_id=999_999),
        ]
        inputs = [ProjectInput.model_validate(row) for row in rows]
        one_by_one = []
        for data in inputs:
            with db.begin_nested() as nested:
                try:
                    one_by_one.append(create_project(db, data, by=coordinator).title)
                except Invalid as exc:
                    one_by_one.append((exc.message, exc.errors))
                nested.rollback()
        results = create_projects(db, inputs, by=coordinator)
        in_bulk = [
            (r.message, r.errors) if isinstance(r, Invalid) else db.get(Project, r).title  # type: ignore[union-attr]
            for r in results
        ]
        assert in_bulk == one_by_one
        assert one_by_one[0] == "Fine"
        assert one_by_one[1] == (
            "This partner is archived.",
            {"partner_id": "This partner is archived; restore it first."},
        )
        assert one_by_one[2][1] == {"partner_id": "Choose a partner from the list."}
        assert one_by_one[3][1] == {"champion_ids": "Choose champions from the list."}
        assert one_by_one[4][1] == {"locality_id": "Choose a locality from the list."}
        fine = db.exec(select(Project).where(Project.title == "Fine")).one()
        assert fine.champion_ids == [champion.id]

    def test_a_partner_may_only_add_projects_for_itself(self, db):
        from creative_minds.accounts.models import Role
        from creative_minds.exceptions import Forbidden
        from projects.forms import ProjectInput
        from projects.service import create_projects
        from tests.utils import make_partner, project_data

        coordinator = make_user(db)
        mine = make_partner(db, coordinator, name="Mine")
        theirs = make_partner(db, coordinator, name="Theirs")
        partner_user = make_user(db, Role.PARTNER, partner_id=mine.id)
        own = ProjectInput.model_validate(project_data(db, mine.id, title="Ours"))
        assert isinstance(create_projects(db, [own], by=partner_user)[0], int)
        other = ProjectInput.model_validate(project_data(db, theirs.id, title="Not ours"))
        with pytest.raises(Forbidden):
            create_projects(db, [other], by=partner_user)
        with pytest.raises(Forbidden):
            create_projects(db, [own], by=make_user(db, Role.CHAMPION))
