"""Connection pages: every role on every route (allowed or 403), ownership, bad input kept, one record per form."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from connections.models import Connection, SessionRegister
from creative_minds.audit.models import AuditEvent
from stories.participants.models import Participant
from tests.connections.conftest import days_ago
from tests.utils import field_error, login, post_form

ROLES = [
    "anonymous",
    "coordinator",
    "champion",
    "other_champion",
    "partner_user",
    "other_partner_user",
    "reporter",
    "member",
]

# (method, route, roles allowed). Routes use {c} (a connection by `champion` to `partner`'s activity),
# {a} (that activity) and {s} (a referral source). Everyone else gets 403 (signed-out people are sent to sign in).
RULES = [
    ("GET", "/connections/", {"coordinator", "champion", "other_champion", "partner_user", "other_partner_user"}),
    ("GET", "/connections/new", {"coordinator", "champion", "other_champion"}),
    ("POST", "/connections/new", {"coordinator", "champion", "other_champion"}),
    ("GET", "/connections/{c}", {"coordinator", "champion", "partner_user"}),
    ("POST", "/connections/{c}/attendance", {"coordinator", "partner_user"}),
    ("GET", "/connections/activities/{a}", {"coordinator", "partner_user"}),
    ("POST", "/connections/activities/{a}/intake", {"coordinator", "partner_user"}),
    ("POST", "/connections/activities/{a}/confirm", {"coordinator", "partner_user"}),
    ("POST", "/connections/activities/{a}/register", {"coordinator", "partner_user"}),
    ("GET", "/connections/sources", {"coordinator"}),
    ("POST", "/connections/sources", {"coordinator"}),
    ("POST", "/connections/sources/{s}/active", {"coordinator"}),
    ("GET", "/connections/funnel", set(ROLES) - {"anonymous"}),
]

FORMS = {
    "/connections/new": lambda net: {
        "project_id": net.activity.id,
        "new_person": "on",
        "connected_on": days_ago(1).isoformat(),
        "how": "told",
        "source_id": net.source.id,
    },
    "/connections/{c}/attendance": lambda net: {"action": "came", "on": days_ago(1).isoformat()},
    "/connections/activities/{a}/intake": lambda net: {"intake": "open"},
    "/connections/activities/{a}/register": lambda net: {"held_on": days_ago(1).isoformat(), "headcount": "4"},
    "/connections/sources": lambda net: {"name": "Early intervention in psychosis"},
    "/connections/sources/{s}/active": lambda net: {"active": "yes"},
}


@pytest.mark.parametrize(("method", "route", "allowed"), RULES, ids=[f"{m} {r}" for m, r, _ in RULES])
def test_role_by_route(client, db, net, method, route, allowed):
    connection = net.connect(net.person(), on=days_ago(20))
    url = route.format(c=connection.id, a=net.activity.id, s=net.source.id)
    for role in ROLES:
        client.cookies.clear()
        if role != "anonymous":
            login(client, getattr(net, role).email)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = post_form(client, url, FORMS.get(route, lambda _: {})(net))
        if role in allowed:
            assert response.status_code in (200, 303), (role, url, response.status_code)
        elif role == "anonymous":
            assert response.status_code in (302, 303, 401), (role, url, response.status_code)
        else:
            assert response.status_code == 403, (role, url, response.status_code)


class TestChampion:
    def test_records_a_connection_for_a_new_person_and_sees_its_code(self, client, db, net):
        login(client, net.champion.email)
        form = client.get(f"/connections/new?activity={net.activity.id}").text
        key = re.search(r'name="form_once" value="([^"]+)"', form).group(1)
        assert f'value="{net.activity.id}" selected' in form
        data = {**FORMS["/connections/new"](net), "form_once": key, "notes": "Likes a quiet start"}
        first = post_form(client, "/connections/new", data)
        again = post_form(client, "/connections/new", data)  # a double click
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
        person = db.exec(select(Participant)).one()
        page = client.get(first.headers["location"]).text
        assert person.code in page and "Likes a quiet start" in page and "Waiting for a first visit" in page
        assert len(db.exec(select(Connection)).all()) == 1

    def test_a_code_that_does_not_exist_is_shown_beside_the_field_with_what_was_typed(self, client, db, net):
        login(client, net.champion.email)
        data = {**FORMS["/connections/new"](net), "new_person": "", "code": "P-QQQQQQ", "notes": "Keep this"}
        response = post_form(client, "/connections/new", data)
        assert response.status_code == 422
        assert "no person with the code P-QQQQQQ" in field_error(response.text, "code")
        assert "Keep this" in response.text and 'value="P-QQQQQQ"' in response.text
        assert db.exec(select(Connection)).all() == [] and db.exec(select(Participant)).all() == []

    def test_a_full_activity_says_so_and_refuses(self, client, db, net):
        login(client, net.partner_user.email)
        post_form(client, f"/connections/activities/{net.activity.id}/intake", {"intake": "full"})
        client.cookies.clear()
        login(client, net.champion.email)
        assert "is full and is not taking new people" in client.get(f"/connections/new?activity={net.activity.id}").text
        response = post_form(client, "/connections/new", FORMS["/connections/new"](net))
        assert response.status_code == 422 and "is full" in field_error(response.text, "project_id")

    def test_the_finder_filters_on_taking_new_people_and_sees_a_change_at_once(self, client, db, net):
        assert "Clay and Calm" in client.get("/activities/?taking=1").text
        login(client, net.partner_user.email)
        post_form(client, f"/connections/activities/{net.activity.id}/intake", {"intake": "waiting_list"})
        client.cookies.clear()
        taking = client.get("/activities/?taking=1").text
        assert "Clay and Calm" not in taking and "Striders Walk" in taking
        everything = client.get("/activities/").text
        assert "Clay and Calm" in everything and "Full: waiting list" in everything

    def test_sees_own_connections_with_nudges_and_not_others(self, client, db, net):
        waiting = net.connect(net.person(), on=days_ago(30))
        theirs = net.connect(net.person(), by=net.other_champion)
        login(client, net.champion.email)
        page = client.get("/connections/").text
        nudges = page.split("Needing a nudge")[1].split("<h2")[0]
        assert waiting.participant.code in nudges
        assert theirs.participant.code not in page
        assert client.get(f"/connections/{theirs.id}").status_code == 403

    def test_the_activity_page_offers_a_connection_to_champions_only(self, client, db, net):
        assert "Connect someone" not in client.get(f"/activities/{net.activity.id}").text
        login(client, net.champion.email)
        assert f"/connections/new?activity={net.activity.id}" in client.get(f"/activities/{net.activity.id}").text


class TestPartner:
    def test_records_attendance_and_bad_dates_are_explained(self, client, db, net):
        connection = net.connect(net.person(), on=days_ago(20))
        login(client, net.partner_user.email)
        url = f"/connections/{connection.id}/attendance"
        early = post_form(client, url, {"action": "came", "on": days_ago(21).isoformat()})
        assert early.status_code == 422 and "before the connection" in field_error(early.text, "on")
        assert post_form(client, url, {"action": "came", "on": days_ago(10).isoformat()}).status_code == 303
        soon = post_form(client, url, {"action": "still_going", "on": days_ago(1).isoformat()})
        assert soon.status_code == 422 and "3 months after the first visit" in field_error(soon.text, "on")
        db.expire_all()
        assert db.get(Connection, connection.id).first_attended_on == days_ago(10)

    def test_another_partner_cannot_read_or_record(self, client, db, net):
        connection = net.connect(net.person(), on=days_ago(20))
        login(client, net.other_partner_user.email)
        assert client.get(f"/connections/{connection.id}").status_code == 403
        response = post_form(client, f"/connections/{connection.id}/attendance", {"action": "did_not_come"})
        assert response.status_code == 403
        assert client.get(f"/connections/activities/{net.activity.id}").status_code == 403
        assert connection.participant.code not in client.get("/connections/").text
        db.expire_all()
        assert db.get(Connection, connection.id).did_not_come_on is None

    def test_the_register_ticks_connected_people_and_refuses_others(self, client, db, net):
        mine = net.connect(net.person(), on=days_ago(20))
        elsewhere = net.connect(net.person(), activity=net.other_activity)
        login(client, net.partner_user.email)
        url = f"/connections/activities/{net.activity.id}/register"
        bad = post_form(
            client, url, {"held_on": days_ago(2).isoformat(), "headcount": "9", "connection_ids": [str(elsewhere.id)]}
        )
        assert bad.status_code == 422 and "connected to this activity" in field_error(bad.text, "connection_ids")
        assert 'value="9"' in bad.text  # what was typed stays
        ok = post_form(
            client, url, {"held_on": days_ago(2).isoformat(), "headcount": "9", "connection_ids": [str(mine.id)]}
        )
        assert ok.status_code == 303
        db.expire_all()
        assert db.get(Connection, mine.id).first_attended_on == days_ago(2)
        assert [r.headcount for r in db.exec(select(SessionRegister))] == [9]

    def test_the_activity_page_says_when_running_was_not_confirmed_for_3_months(self, client, db, net):
        from datetime import datetime, time

        net.activity.updated_at = datetime.combine(days_ago(100), time(9))
        db.commit()
        assert (
            "has not confirmed this activity is running for 100 days"
            in client.get(f"/activities/{net.activity.id}").text
        )
        login(client, net.partner_user.email)
        post_form(client, f"/connections/activities/{net.activity.id}/confirm", {})
        assert "has not confirmed" not in client.get(f"/activities/{net.activity.id}").text
        assert "Not confirmed as running" not in client.get("/activities/?q=clay").text

    def test_confirming_running_in_one_click(self, client, db, net):
        login(client, net.partner_user.email)
        assert "please confirm" in client.get("/connections/").text
        assert post_form(client, f"/connections/activities/{net.activity.id}/confirm", {}).status_code == 303
        assert "please confirm" not in client.get("/connections/").text


class TestReadingIsAudited:
    def test_opening_a_connection_is_in_the_trail(self, client, db, net):
        connection = net.connect(net.person())
        login(client, net.partner_user.email)
        client.get(f"/connections/{connection.id}")
        events = db.exec(
            select(AuditEvent).where(AuditEvent.action == "read", AuditEvent.subject == "connection")
        ).all()
        assert [(e.subject_id, e.user_name) for e in events] == [(connection.id, "Pat Partner")]


class TestFunnelPage:
    def _twelve(self, net):
        for i in range(12):
            connection = net.connect(net.person(), on=days_ago(200))
            if i < 3:
                net.attend(connection, "came", on=days_ago(190))

    def test_members_see_hidden_small_numbers_and_coordinators_exact(self, client, db, net):
        self._twelve(net)
        login(client, net.member.email)
        cells = re.findall(r'<td data-stage="(\w+)">([^<]*)</td>', client.get("/connections/funnel").text)
        assert cells == [("connected", "12"), ("came", "fewer than 5"), ("still_going", "hidden"), ("paired", "hidden")]
        client.cookies.clear()
        login(client, net.coordinator.email)
        cells = re.findall(r'<td data-stage="(\w+)">([^<]*)</td>', client.get("/connections/funnel").text)
        assert cells == [("connected", "12"), ("came", "3"), ("still_going", "0"), ("paired", "0")]

    def test_bad_filters_are_ignored_not_errors(self, client, db, net):
        login(client, net.member.email)
        response = client.get("/connections/funnel?activity=abc&locality=99999999999&date_from=soon")
        assert response.status_code == 200


class TestSources:
    def test_coordinator_adds_and_retires_a_source_and_a_duplicate_is_explained(self, client, db, net):
        login(client, net.coordinator.email)
        duplicate = post_form(client, "/connections/sources", {"name": "community mental health team"})
        assert duplicate.status_code == 422 and "Already on the list" in field_error(duplicate.text, "name")
        assert post_form(client, f"/connections/sources/{net.source.id}/active", {"active": "no"}).status_code == 303
        client.cookies.clear()
        login(client, net.champion.email)
        assert "Community mental health team" not in client.get("/connections/new").text


def _codes_on(page: str) -> list[str]:
    """The people's codes in the connections table, in the order shown."""
    table = page.split('id="connections-caption"')[1].split("</table>")[0]
    return re.findall(r'/connections/\d+">([^<]+)</a>', table)


class TestTheListIsPagedAndAudited:
    def test_more_than_a_page_comes_a_page_at_a_time_nudges_first_and_every_page_is_in_the_trail(self, client, db, net):
        from connections.service import PAGE_SIZE

        # Two waiting more than three weeks (the older first), then 53 newest first: 55, one more page than 50.
        late = [net.connect(None, on=days_ago(40)), net.connect(None, on=days_ago(30))]
        recent = [net.connect(None, on=days_ago(1 + i % 20)) for i in range(53)]
        newest_first = sorted(recent, key=lambda c: (-c.connected_on.toordinal(), -c.id))
        expected = [c.participant.code for c in late + newest_first]
        assert PAGE_SIZE == 50 and len(expected) == 55

        login(client, net.champion.email)
        first = client.get("/connections/").text
        assert "<strong>55</strong> connections, showing 1 to 50." in first
        assert "Page 1 of 2" in first and "/connections?page=2" in first
        assert _codes_on(first) == expected[:50]
        nudges = first.split("Needing a nudge")[1].split("<h2")[0]
        assert late[0].participant.code in nudges and late[1].participant.code in nudges
        second = client.get("/connections?page=2").text
        assert "showing 51 to 55." in second and _codes_on(second) == expected[50:]
        assert _codes_on(client.get("/connections/?page=99").text) == expected[50:]  # kept to the last page
        assert client.get("/connections/?page=0").status_code == 400

        reads = db.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "read", AuditEvent.subject == "connection list")
            .order_by(AuditEvent.id)
        ).all()
        assert [(e.user_name, e.subject_label) for e in reads] == [
            ("Chris Champion", "page 1 of 2"),
            ("Chris Champion", "page 2 of 2"),
            ("Chris Champion", "page 2 of 2"),
        ]
        assert reads[0].detail == "50 shown: " + ", ".join(expected[:50])
        assert reads[1].detail == "5 shown: " + ", ".join(expected[50:])

    def test_a_groups_list_of_an_activitys_connections_is_in_the_trail(self, client, db, net):
        connection = net.connect(net.person(), on=days_ago(20))
        login(client, net.partner_user.email)
        client.get(f"/connections/activities/{net.activity.id}")
        (event,) = db.exec(select(AuditEvent).where(AuditEvent.subject == "connection list")).all()
        assert (event.action, event.user_name, event.subject_label) == (
            "read",
            "Pat Partner",
            "activity: Clay and Calm",
        )
        assert event.detail == f"1 shown: {connection.participant.code}"


class TestOneTimeToken:
    def test_a_form_refused_keeps_its_token_and_is_then_saved_once(self, client, db, net):
        login(client, net.champion.email)
        token = re.search(r'name="form_once" value="([^"]+)"', client.get("/connections/new").text).group(1)
        data = {**FORMS["/connections/new"](net), "form_once": token}
        wrong = post_form(client, "/connections/new", {**data, "connected_on": "2999-01-01"})
        assert wrong.status_code == 422 and f'name="form_once" value="{token}"' in wrong.text
        first = post_form(client, "/connections/new", data)
        again = post_form(client, "/connections/new", data)
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
        assert len(db.exec(select(Connection)).all()) == 1

    def test_two_new_people_with_the_same_answers_are_two_connections(self, client, db, net):
        """Unlike other create forms, the same answers again are not taken for a second send: a champion may
        bring two new people to the same group on the same day."""
        login(client, net.champion.email)
        for _ in range(2):
            token = re.search(r'name="form_once" value="([^"]+)"', client.get("/connections/new").text).group(1)
            assert (
                post_form(
                    client, "/connections/new", {**FORMS["/connections/new"](net), "form_once": token}
                ).status_code
                == 303
            )
        assert len(db.exec(select(Connection)).all()) == 2

    def test_another_champions_token_is_refused(self, db, net):
        import pytest

        from creative_minds.exceptions import Conflict

        net.connect(None, form_key="a-token-shown-to-chris")
        with pytest.raises(Conflict):
            net.connect(None, form_key="a-token-shown-to-chris", by=net.other_champion)
        db.rollback()
        assert len(db.exec(select(Connection)).all()) == 1


class TestFiguresAreForAllDates:
    def test_a_member_asking_for_dates_gets_all_dates_and_is_told(self, client, db, net):
        for _ in range(6):
            net.connect(net.person(), on=days_ago(200))
        net.connect(net.person(), on=days_ago(10))
        login(client, net.member.email)
        page = client.get(
            f"/connections/funnel?date_from={days_ago(300).isoformat()}&date_to={days_ago(100).isoformat()}"
        ).text
        assert re.findall(r'<td data-stage="connected">([^<]*)</td>', page) == ["7"]
        assert "the dates asked for are set aside" in page and 'name="date_from"' not in page
        client.cookies.clear()
        login(client, net.coordinator.email)
        page = client.get(
            f"/connections/funnel?date_from={days_ago(300).isoformat()}&date_to={days_ago(100).isoformat()}"
        ).text
        assert re.findall(r'<td data-stage="connected">([^<]*)</td>', page) == ["6"]
        assert 'name="date_from"' in page
