"""Members and connections exports: special-category data, so coordinators only, POST with a reason
kept in the audit trail; the list's filters applied; CSV and .xlsx safe from formula injection."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook
from sqlmodel import select

from collectives.membership import service as membership
from collectives.membership.forms import JoinInput
from collectives.membership.models import Constituency
from creative_minds.accounts.models import Role
from creative_minds.audit.models import AuditEvent
from creative_minds.timeutil import today
from tests.connections.conftest import Network, days_ago
from tests.utils import csrf_token, locality_id, login, make_user

MEMBER_HEADER = [
    "Email", "Full name", "Locality", "Constituency", "Lived experience", "Membership", "Asked or added on",
    "Admitted on", "Shows constituency to members", "Payment choice", "Invited on", "Last signed in",
]  # fmt: skip


def _csv(response) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark, for Excel
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _post(client, url: str, **data: str):
    return client.post(url, data={**data, "_csrf_token": csrf_token(client)}, follow_redirects=False)


def _exports(db) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)))


def _members(db):
    coordinator = make_user(db, full_name="Cora Coordinator")
    kirklees, wakefield = locality_id(db), locality_id(db, "wakefield")
    ann = make_user(db, Role.COLLECTIVE_MEMBER, email="ann@example.org", full_name="=HYPERLINK(\"http://x\")",
                    locality_id=kirklees)  # fmt: skip
    membership.admit_directly(db, ann, kirklees, Constituency.LIVED_EXPERIENCE, by=coordinator)
    bob = make_user(db, Role.COLLECTIVE_MEMBER, email="bob@example.org", full_name="Bob Baker", locality_id=wakefield)
    membership.admit_directly(db, bob, wakefield, Constituency.CARER, by=coordinator)
    cat = make_user(db, Role.COLLECTIVE_MEMBER, email="cat@example.org", full_name="Cat Cole", locality_id=kirklees)
    membership.request_to_join(db, cat, JoinInput(locality_id=kirklees, constituency=Constituency.CARER, reason="Hi"))
    db.commit()
    return coordinator, kirklees


class TestMembersExport:
    def test_csv_has_the_filtered_members_formula_safe_and_the_reason_is_audited(self, client, db):
        coordinator, kirklees = _members(db)
        login(client, coordinator.email)
        response = _post(client, "/exports/members.csv", reason="Checking the quorum", locality=str(kirklees),
                         status="admitted")  # fmt: skip
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="members-' in response.headers["content-disposition"]
        added = today().isoformat()
        assert _csv(response) == [
            MEMBER_HEADER,
            # Ann's name starts with "=": written with an apostrophe so no spreadsheet runs it
            ["ann@example.org", "'=HYPERLINK(\"http://x\")", "Kirklees", "Person with lived experience", "yes",
             "Admitted", added, added, "no", "No payment", "", ""],
        ]  # fmt: skip
        [event] = _exports(db)
        assert (event.user_id, event.subject) == (coordinator.id, "member constituency")
        assert event.subject_label == "collective members list (csv)"
        assert event.detail == f"1 row. Filters: locality={kirklees}, status=admitted. Reason: Checking the quorum"

    def test_other_filters_and_the_xlsx_form(self, client, db):
        coordinator, _ = _members(db)
        login(client, coordinator.email)
        # Every status, carers only: Bob (admitted, Wakefield) and Cat (asked to join, Kirklees), by locality.
        response = _post(client, "/exports/members.xlsx", reason="Carers' meeting", constituency="carer", status="any")
        assert response.status_code == 200
        rows = _xlsx(response)
        assert rows[0] == MEMBER_HEADER
        assert [(r[0], r[2], r[4], r[5]) for r in rows[1:]] == [
            ("cat@example.org", "Kirklees", "no", "Requested"),
            ("bob@example.org", "Wakefield", "no", "Admitted"),
        ]
        # Whoever has not signed in and was never invited (everyone here: nobody signed in).
        response = _post(client, "/exports/members.xlsx", reason="Invitations", access="not_invited")
        assert [r[0] for r in _xlsx(response)[1:]] == ["ann@example.org", "bob@example.org"]  # admitted only
        everyone = _xlsx(_post(client, "/exports/members.xlsx", reason="Names", status="any"))
        assert [r[1] for r in everyone[1:]] == ['\'=HYPERLINK("http://x")', "Cat Cole", "Bob Baker"]
        assert len(_exports(db)) == 3

    def test_without_a_reason_nothing_is_downloaded_nor_recorded_and_the_filters_are_kept(self, client, db):
        coordinator, kirklees = _members(db)
        login(client, coordinator.email)
        response = _post(client, "/exports/members.csv", reason="  ", locality=str(kirklees), status="admitted")
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert "Say why you are downloading members&#39; details" in response.text
        assert f'name="locality" value="{kirklees}"' in response.text  # sent again with the reason
        assert "ann@example.org" not in response.text
        assert _exports(db) == []

    def test_only_coordinators(self, client, db):
        _members(db)
        member = db.exec(select(membership.User).where(membership.User.email == "bob@example.org")).one()
        login(client, member.email)
        for url in ("/exports/members.csv", "/exports/connections.xlsx"):
            response = _post(client, url, reason="I would like to see")
            assert response.status_code == 403
        assert _exports(db) == []

    def test_the_members_page_shows_the_list_and_its_download_form_to_coordinators(self, client, db):
        coordinator, kirklees = _members(db)
        login(client, coordinator.email)
        page = client.get(f"/collectives/members?locality={kirklees}&status=any")
        assert page.status_code == 200
        assert "bob@example.org" not in page.text
        assert "ann@example.org" in page.text and "cat@example.org" in page.text
        assert 'action="/exports/members.csv"' in page.text
        db.expire_all()
        [read] = db.exec(select(AuditEvent).where(AuditEvent.action == "read")).all()
        assert (read.user_id, read.subject, read.subject_label) == (
            coordinator.id,
            "member constituency",
            "collective members list",
        )
        assert read.detail == f"2 members. Filters: locality={kirklees}, status=any"
        assert client.get("/collectives/members?locality=%00x&status=nonsense&access=%F0").status_code in (200, 400)


class TestConnectionsExport:
    def test_csv_and_xlsx_with_the_funnel_filters_formula_safe_and_audited(self, client, db):
        net = Network(db)
        first = net.connect(on=days_ago(40), notes="=1+2 says the GP")
        net.attend(first, "came", on=days_ago(30))
        net.connect(on=days_ago(5), activity=net.other_activity)
        login(client, net.coordinator.email)
        response = _post(client, "/exports/connections.csv", reason="Quarterly report", partner=str(net.partner.id))
        assert response.status_code == 200
        rows = _csv(response)
        assert rows[0][:3] == ["Id", "Participant code", "Activity"]
        assert len(rows) == 2  # only the Holmfirth Makers' activity
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["Participant code"] == first.participant.code
        assert (row["Activity"], row["Partner"], row["Locality"]) == ("Clay and Calm", "Holmfirth Makers", "Kirklees")
        assert (row["Referral source"], row["Champion"]) == ("Community mental health team", "Chris Champion")
        assert row["Connected on"] == days_ago(40).isoformat()
        assert row["First came on"] == days_ago(30).isoformat()
        assert row["Stage"] == "Came"
        assert row["Notes"] == "'=1+2 says the GP"
        # Dates choose too: connected in the last 10 days is only the Striders' one.
        response = _post(client, "/exports/connections.xlsx", reason="Quarterly report",
                         date_from=days_ago(10).isoformat(), date_to=today().isoformat())  # fmt: skip
        sheet = _xlsx(response)
        assert [r[2] for r in sheet[1:]] == ["Striders Walk"]
        events = _exports(db)
        assert [e.subject for e in events] == ["connection", "connection"]
        assert events[0].detail == f"1 row. Filters: partner_id={net.partner.id}. Reason: Quarterly report"
        assert events[1].subject_label == "connections list (xlsx)"

    def test_a_reason_is_required_and_partners_and_champions_are_refused(self, client, db):
        net = Network(db)
        net.connect()
        login(client, net.coordinator.email)
        response = _post(client, "/exports/connections.csv", reason="", activity=str(net.activity.id))
        assert response.status_code == 422
        assert "Say why you are downloading connections" in response.text
        assert f'name="activity" value="{net.activity.id}"' in response.text
        for person in (net.champion, net.partner_user):
            client.cookies.clear()
            login(client, person.email)
            assert _post(client, "/exports/connections.csv", reason="Just looking").status_code == 403
        assert _exports(db) == []

    def test_the_funnel_page_offers_the_download_to_coordinators_only(self, client, db):
        net = Network(db)
        login(client, net.coordinator.email)
        assert 'action="/exports/connections.csv"' in client.get("/connections/funnel").text
        client.cookies.clear()
        login(client, net.champion.email)
        assert 'action="/exports/connections.csv"' not in client.get("/connections/funnel").text
