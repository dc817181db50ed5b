"""Importing partners and projects from CSV and Excel: preview, all or nothing, skip bad rows, re-import."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from partners.models import Partner
from projects.models import Project
from tests.utils import csrf_token, login, make_partner, make_user
from transfers.importers import importer_for
from transfers.models import ImportKey, ImportMode
from transfers.readers import ReadError, read_table
from transfers.service import ImportRefused, preview, run_import

MB = 1024 * 1024
PARTNER_HEADER = "External id,Name,Kind,Localities,Contact name,Contact email,Address,Postcode,Agreement"
GOOD_PARTNERS = [
    "P1,Holmfirth Knitters,Community group,Kirklees,Jo Bloggs,jo@example.org,1 Market St,HD9 7AB,",
    "P2,Calder Climbing Club,Sports club,Calderdale; Kirklees,Sam Smith,sam@example.org,2 Mill Lane,HX1 1AA,No agreement",
]
PROJECT_HEADER = "External id,Partner,Locality,Title,Categories,Postcode,Total cost,Match funding,Requested"


def csv_file(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def table(data: bytes, name: str = "file.csv"):
    return read_table(name, data, max_bytes=20 * MB)


def run(db, kind: str, data: bytes, mode: ImportMode = ImportMode.ALL_OR_NOTHING, name: str = "file.csv"):
    coordinator = db.exec(select_coordinator()).first() or make_user(db)
    outcome = run_import(db, importer_for(kind), table(data, name), mode=mode, by=coordinator)
    db.commit()
    return outcome


def select_coordinator():
    from creative_minds.accounts.models import Role, User

    return select(User).where(User.role == Role.COORDINATOR)


def partner_names(db) -> list[str]:
    return sorted(p.name for p in db.exec(select(Partner)).all())


class TestReadingFiles:
    def test_utf8_with_byte_order_mark_and_windows_1252_read_the_same(self):
        line = "P1,Café Crème,Community group"
        for data in (
            b"\xef\xbb\xbf" + csv_file("External id,Name,Kind", line),
            csv_file("External id,Name,Kind", line, encoding="cp1252"),
        ):
            result = table(data)
            assert result.headers == ["External id", "Name", "Kind"]  # no BOM left on the first header
            assert result.rows == [(2, ["P1", "Café Crème", "Community group"])]

    def test_semicolon_separated_csv_from_a_european_excel(self):
        result = table(csv_file("External id;Name", "P1;Knit"))
        assert result.rows == [(2, ["P1", "Knit"])]

    def test_xlsx_cells_come_back_as_typed(self):
        from datetime import date

        book = Workbook()
        sheet = book.active
        sheet.append(["External id", "Total cost", "Start date", "Capacity"])
        sheet.append(["P1", 1250.5, date(2026, 3, 31), 20])
        out = io.BytesIO()
        book.save(out)
        result = table(out.getvalue(), "projects.xlsx")
        assert result.rows == [(2, ["P1", "1250.5", "2026-03-31", "20"])]

    @pytest.mark.parametrize(
        ("name", "data", "words"),
        [
            ("empty.csv", b"", "empty"),
            ("junk.csv", b"\x00\x01\x02" * 1000, "not a CSV or Excel file"),
            ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "Old Excel files"),
            ("fake.xlsx", b"PK\x03\x04 not really a zip", "cannot be opened"),
            ("named.xlsx", b"a,b\n1,2\n", "not an Excel file"),
            ("big.csv", b"a" * (20 * MB + 1), "larger than 20 MB"),
        ],
    )
    def test_files_that_cannot_be_read_get_a_plain_message(self, name, data, words):
        with pytest.raises(ReadError, match=words):
            table(data, name)


@pytest.mark.usefixtures("db")
class TestPartnerImport:
    def test_good_file_creates_each_partner_approved(self, db):
        outcome = run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        assert (outcome.created, outcome.updated, outcome.unchanged, outcome.skipped) == (2, 0, 0, 0)
        climbing = db.exec(select(Partner).where(Partner.name == "Calder Climbing Club")).one()
        assert climbing.status == "approved"
        assert [loc.name for loc in climbing.localities] == ["Calderdale", "Kirklees"]
        assert climbing.kind == "sports_club"

    def test_reimporting_the_same_file_changes_nothing_and_a_changed_row_updates(self, db):
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        again = run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
        changed = GOOD_PARTNERS[0].replace("Holmfirth Knitters", "Holmfirth Knit and Natter")
        third = run(db, "partners", csv_file(PARTNER_HEADER, changed, GOOD_PARTNERS[1]))
        assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
        assert partner_names(db) == ["Calder Climbing Club", "Holmfirth Knit and Natter"]
        assert len(db.exec(select(ImportKey)).all()) == 2

    def test_each_problem_is_named_by_row_and_column(self, db):
        bad = [
            "P3,,Community group,Kirklees,Al,al@example.org,3 Road,HD1 1AA,",  # row 4: no name
            "P4,Fourth,Knitting circle,Leeds,Al,not-an-email,3 Road,HD1 1AA,",  # row 5: kind, locality, email
            "P1,Duplicate,Community group,Kirklees,Al,al@example.org,3 Road,HD1 1AA,",  # row 6: P1 again
            'P5,Formula,Community group,Kirklees,=HYPERLINK("x"),al@example.org,3 Road,HD1 1AA,',  # row 7
        ]
        with pytest.raises(ImportRefused) as refused:
            run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS, *bad))
        messages = [str(p) for p in refused.value.outcome.problems]
        assert "Row 4, name: This is required." in messages
        assert any(m.startswith("Row 5, kind: 'Knitting circle' is not one of the choices") for m in messages)
        assert any(m.startswith("Row 5, localities: 'Leeds' is not a locality") for m in messages)
        assert "Row 5, contact email: 'not-an-email': Enter an email address, like name@example.org." in messages
        assert "Row 6, external id: 'P1' is also on row 2. Each row needs its own id." in messages
        assert any(m.startswith("Row 7, contact name: '=HYPERLINK(\"x\")' is a formula") for m in messages)
        assert refused.value.outcome.bad_rows == {4, 5, 6, 7}

    def test_all_or_nothing_saves_nothing_when_one_row_is_bad(self, db):
        bad = "P3,Third,Community group,Kirklees,Al,al@example.org,3 Road,NOT A POSTCODE,"
        with pytest.raises(ImportRefused):
            run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS, bad))
        db.rollback()
        assert partner_names(db) == []
        assert db.exec(select(ImportKey)).all() == []

    def test_skip_bad_rows_saves_the_good_ones(self, db):
        bad = "P3,Third,Community group,Kirklees,Al,al@example.org,3 Road,NOT A POSTCODE,"
        outcome = run(db, "partners", csv_file(PARTNER_HEADER, bad, *GOOD_PARTNERS), ImportMode.SKIP_BAD_ROWS)
        assert (outcome.created, outcome.skipped) == (2, 1)
        assert [p.row for p in outcome.problems] == [2]
        assert partner_names(db) == ["Calder Climbing Club", "Holmfirth Knitters"]

    def test_preview_keeps_nothing_and_says_what_would_happen(self, db):
        coordinator = make_user(db)
        run(db, "partners", csv_file(PARTNER_HEADER, GOOD_PARTNERS[0]))
        outcome = preview(db, importer_for("partners"), table(csv_file(PARTNER_HEADER, *GOOD_PARTNERS)), by=coordinator)
        db.commit()
        assert (outcome.created, outcome.unchanged) == (1, 1)
        assert partner_names(db) == ["Holmfirth Knitters"]

    def test_missing_columns_are_named(self, db):
        with pytest.raises(ReadError, match="these are missing: Kind, Localities"):
            run(
                db,
                "partners",
                csv_file("External id,Name,Contact name,Contact email,Address,Postcode", "P1,A,B,c@d.org,e,HD1 1AA"),
            )


@pytest.mark.usefixtures("db")
class TestProjectImport:
    def test_projects_refer_to_partners_by_external_id_or_name_and_money_is_exact(self, db):
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        make_partner(db, name="Typed In Group")
        rows = [
            'J1,P1,Kirklees,Knit and Natter,Knitting and sewing,HD9 7AB,"£1,250.50",250,1000.50',
            "J2,Typed In Group,Calderdale,Climb Together,Climbing and outdoors; walking,HX1 1AA,600,100,500",
        ]
        outcome = run(db, "projects", csv_file(PROJECT_HEADER, *rows))
        assert outcome.created == 2
        knit = db.exec(select(Project).where(Project.title == "Knit and Natter")).one()
        assert (knit.total_cost_pence, knit.match_pence, knit.requested_pence) == (125050, 25000, 100050)
        assert knit.partner.name == "Holmfirth Knitters"
        climb = db.exec(select(Project).where(Project.title == "Climb Together")).one()
        assert climb.categories == ["climbing_outdoors", "walking"]
        assert climb.partner.name == "Typed In Group"

    def test_money_and_references_that_are_wrong_are_reported(self, db):
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        rows = [
            'J1,P1,Kirklees,Knit and Natter,Knitting and sewing,HD9 7AB,"£1,2,3",0,0',
            "J2,P9,Kirklees,Nobody's,Pottery,HD9 7AB,100,0,0",
            "J3,P1,Kirklees,Too Much,Pottery,HD9 7AB,100,60,60",
        ]
        outcome = run(db, "projects", csv_file(PROJECT_HEADER, *rows), ImportMode.SKIP_BAD_ROWS)
        messages = [str(p) for p in outcome.problems]
        assert messages[0].startswith("Row 2, total cost: '£1,2,3' is not an amount. Check the commas")
        assert messages[1].startswith("Row 3, partner: 'P9' is not a partner's external id or name")
        assert messages[2].startswith("Row 4, requested: Your own contribution plus the amount asked")
        assert outcome.created == 0
        assert db.exec(select(Project)).all() == []

    def test_a_row_the_service_refuses_leaves_nothing_half_saved(self, db):
        """A postcode nobody can place is only found when the project service works out coordinates."""
        run(db, "partners", csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
        rows = [
            "J1,P1,Kirklees,Good One,Pottery,HD9 7AB,100,0,0",
            "J2,P1,Kirklees,Nowhere,Pottery,ZZ99 9ZZ,100,0,0",
        ]
        outcome = run(db, "projects", csv_file(PROJECT_HEADER, *rows), ImportMode.SKIP_BAD_ROWS)
        assert [str(p).split(":")[0] for p in outcome.problems] == ["Row 3, postcode"]
        assert [p.title for p in db.exec(select(Project)).all()] == ["Good One"]
        keys = db.exec(select(ImportKey.external_id).where(ImportKey.kind == "projects")).all()
        assert list(keys) == ["J1"]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, kind: str, name: str, data: bytes):
    return client.post(
        f"/imports/{kind}",
        files={"file": (name, data, "application/octet-stream")},
        data={"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )


class TestImportPages:
    def test_upload_preview_then_import_in_the_chosen_mode(self, client, db):
        coordinator = make_user(db)
        login(client, coordinator.email)
        bad = ["P3", "Third", "Community group", "Kirklees", "Al", "al@example.org", "3 Road", "NOT A POSTCODE", ""]
        rows = [PARTNER_HEADER.split(","), *[line.split(",") for line in GOOD_PARTNERS], bad]
        response = _upload(client, "partners", "partners.xlsx", _xlsx(rows))
        assert response.status_code == 303, response.text
        job_url = response.headers["location"]
        preview_page = client.get(job_url).text
        assert "What importing will do" in preview_page
        assert re.search(r'id="created">2<', preview_page)
        assert "NOT A POSTCODE" in preview_page
        assert partner_names(db) == []

        token = csrf_token(client)
        response = client.post(job_url + "/import", data={"mode": "all", "_csrf_token": token})
        assert "Nothing was saved" in response.text
        assert partner_names(db) == []
        response = client.post(job_url + "/import", data={"mode": "skip", "_csrf_token": token})
        assert "Imported" in response.text
        assert partner_names(db) == ["Calder Climbing Club", "Holmfirth Knitters"]

    def test_a_file_that_cannot_be_read_is_shown_with_its_message(self, client, db):
        login(client, make_user(db).email)
        response = _upload(client, "partners", "junk.bin", b"\x00\xff" * 5000)
        assert response.status_code == 422
        assert "not a CSV or Excel file" in response.text
        response = _upload(client, "projects", "wrong.csv", csv_file("Name,Colour", "A,red"))
        assert response.status_code == 422
        assert "these are missing: External id, Partner" in response.text

    def test_fifty_megabytes_of_junk_gets_a_message_not_an_error_page(self, client, db):
        login(client, make_user(db).email)
        response = _upload(client, "partners", "junk.csv", b"x,y\n" + b"junk" * (50 * MB // 4))
        assert response.status_code == 422
        assert "larger than 20 MB" in response.text

    def test_templates_download_as_csv_and_xlsx(self, client, db):
        login(client, make_user(db).email)
        response = client.get("/imports/projects/template.csv")
        assert response.status_code == 200
        assert response.content.decode("utf-8-sig").splitlines()[0].startswith("External id,Partner,Locality,Title")
        response = client.get("/imports/partners/template.xlsx")
        book = load_workbook(io.BytesIO(response.content))
        assert [c.value for c in book.worksheets[0][1]][:3] == ["External id", "Name", "Kind"]
        accepted = {row[0].value: row[2].value for row in book.worksheets[1].iter_rows(min_row=2)}
        assert "Sports club" in accepted["Kind"]

    def test_other_roles_are_refused(self, client, db):
        from creative_minds.accounts.models import Role

        champion = make_user(db, Role.CHAMPION)
        login(client, champion.email)
        assert client.get("/imports/partners").status_code == 403
        assert _upload(client, "partners", "p.csv", csv_file(PARTNER_HEADER, *GOOD_PARTNERS)).status_code == 403
        assert partner_names(db) == []


@pytest.mark.usefixtures("db")
class TestMembersParticipantsAndForms:
    def test_members_are_admitted_to_their_locality_with_their_constituency(self, db):
        from collectives.membership.models import Membership
        from creative_minds.accounts.models import User

        lines = [
            "Email,Full name,Locality,Constituency,Lived experience",
            "ann@example.org,Ann Able,Kirklees,,yes",
            "bob@example.org,Bob Baker,Wakefield,Carer,no",
            "cat@example.org,Cat Cole,Wakefield,Carer,yes",  # row 4: contradicts itself
            "dan@example.org,Dan Dale,Leeds,Carer,",  # row 5: no such locality
        ]
        outcome = run(db, "members", csv_file(*lines), ImportMode.SKIP_BAD_ROWS)
        assert (outcome.created, outcome.skipped) == (2, 2)
        assert [p.row for p in outcome.problems] == [4, 5]
        assert str(outcome.problems[0]).startswith("Row 4, lived experience: Says yes, but the constituency")
        found = {
            (u.email, m.constituency, m.status, m.locality.name)
            for m, u in db.exec(select(Membership, User).where(Membership.user_id == User.id)).all()
        }
        assert found == {
            ("ann@example.org", "lived_experience", "admitted", "Kirklees"),
            ("bob@example.org", "carer", "admitted", "Wakefield"),
        }
        again = run(db, "members", csv_file(*lines[:3]))
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    def _network(self, db):
        run(db, "partners", csv_file(PARTNER_HEADER, GOOD_PARTNERS[0]))
        run(
            db,
            "projects",
            csv_file(PROJECT_HEADER, "J1,P1,Kirklees,Knit and Natter,Knitting and sewing,HD9 7AB,100,0,0"),
        )
        run(db, "participants", csv_file("External code,Projects,Age band", "OLD-1,J1,25 to 34", "OLD-2,J1,"))

    def test_participants_keep_their_external_code_and_forms_refer_to_it(self, db):
        from stories.participants.models import Participant
        from stories.scores.models import WellbeingScore

        self._network(db)
        people = db.exec(select(Participant)).all()
        assert len(people) == 2 and all(p.code.startswith("P-") for p in people)
        assert sorted(p.age_band or "" for p in people) == ["", "25 to 34"]
        header = "Participant,Project,Kind,Completed on,Item 1,Item 2,Item 3,Item 4,Item 5,Item 6,Item 7"
        lines = [
            header,
            "OLD-1,J1,follow-up,01/06/2026,4,4,4,4,4,4,4",  # row 2: its baseline is further down
            "OLD-1,J1,baseline,01/03/2026,3,3,3,3,3,3,3",
            "OLD-2,J1,baseline,02/03/2026,3,,3,3,3,3,3",  # a blank answer: kept, not scored
            "OLD-3,J1,baseline,02/03/2026,3,3,3,3,3,3,3",  # row 5: nobody with that code
            "OLD-2,J1,follow-up,01/06/2026,6,3,3,3,3,3,3",  # row 6: 6 is not an answer
        ]
        outcome = run(db, "swemwbs", csv_file(*lines), ImportMode.SKIP_BAD_ROWS)
        assert (outcome.created, outcome.skipped) == (3, 2)
        assert [str(p).split(":")[0] for p in outcome.problems] == ["Row 5, participant", "Row 6, item 1"]
        scores = {(s.kind, s.raw_score, str(s.metric_score)) for s in db.exec(select(WellbeingScore)).all()}
        # raw 21 -> metric 19.25 and raw 28 -> 25.03 (the published conversion table)
        assert scores == {("baseline", 21, "19.25"), ("follow_up", 28, "25.03"), ("baseline", None, "None")}
        again = run(db, "swemwbs", csv_file(*lines[:4]))
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
        changed = run(db, "swemwbs", csv_file(header, "OLD-1,J1,follow-up,01/06/2026,5,4,4,4,4,4,4"))
        assert changed.updated == 1
        follow_up = db.exec(select(WellbeingScore).where(WellbeingScore.kind == "follow_up")).one()
        db.refresh(follow_up)
        assert follow_up.raw_score == 29
