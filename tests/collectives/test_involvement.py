"""Recognising members' time: meetings, votes, payment choices, expenses and yearly totals."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlmodel import select

from collectives.involvement import service as involvement
from collectives.involvement.forms import ExpenseInput, MeetingInput
from collectives.involvement.models import Attendance
from collectives.membership.models import Constituency, PaymentChoice
from creative_minds.accounts.models import Role
from creative_minds.exceptions import Forbidden, Invalid
from tests.utils import field_error, locality_id, login, make_partner, make_user, post_form

# Financial years run from 1 April: 31 March 2025 is in 2024–25, 1 April 2025 in 2025–26.
LAST_DAY_OF_2024_25 = date(2025, 3, 31)
FIRST_DAY_OF_2025_26 = date(2025, 4, 1)


@pytest.fixture
def people(network, db):
    paid = network.add_member(Constituency.LIVED_EXPERIENCE, full_name="Mo Money")
    vouchers = network.add_member(Constituency.LIVED_EXPERIENCE, full_name="Vi Voucher")
    unpaid = network.add_member(Constituency.CARER, full_name="Nell None")
    involvement.set_payment_choice(db, paid.id, PaymentChoice.MONEY, by=paid)
    involvement.set_payment_choice(db, vouchers.id, PaymentChoice.VOUCHER, by=network.coordinator)
    db.commit()
    return paid, vouchers, unpaid


def meeting(network, db, held_on, attendees, pence=2_500, title="Reading the applications"):
    made = involvement.record_meeting(
        db,
        MeetingInput(
            locality_id=network.round.locality_id,
            held_on=held_on,
            title=title,
            payment_pence=pence,
            attendee_ids=[a.id for a in attendees],
        ),
        by=network.coordinator,
    )
    db.commit()
    return made


class TestService:
    def test_each_attendee_is_owed_what_their_choice_says(self, network, db, people):
        paid, vouchers, unpaid = people
        made = meeting(network, db, FIRST_DAY_OF_2025_26, people)
        owed = {a.user_id: (a.payment_choice, a.payment_pence) for a in made.attendances}
        assert owed == {paid.id: ("money", 2_500), vouchers.id: ("voucher", 2_500), unpaid.id: ("none", 0)}

    def test_a_later_change_of_choice_leaves_past_meetings_as_they_were(self, network, db, people):
        paid, _, _ = people
        meeting(network, db, FIRST_DAY_OF_2025_26, [paid])
        involvement.set_payment_choice(db, paid.id, PaymentChoice.NONE, by=paid)
        db.commit()
        attendance = db.exec(select(Attendance).where(Attendance.user_id == paid.id)).one()
        assert (attendance.payment_choice, attendance.payment_pence) == ("money", 2_500)

    def test_only_members_of_that_collective_and_only_by_coordinators(self, network, db, people):
        wakefield = locality_id(db, "wakefield")
        outsider = make_user(db, Role.COLLECTIVE_MEMBER, locality_id=wakefield)
        data = MeetingInput(
            locality_id=network.round.locality_id,
            held_on=FIRST_DAY_OF_2025_26,
            title="Meeting",
            payment_pence=0,
            attendee_ids=[outsider.id],
        )
        with pytest.raises(Invalid, match="Only members of this collective"):
            involvement.record_meeting(db, data, by=network.coordinator)
        with pytest.raises(Forbidden):
            involvement.record_meeting(db, data, by=people[0])
        with pytest.raises(ValueError, match="once it has happened"):
            MeetingInput(locality_id=1, held_on=date(2999, 1, 1), title="Later", payment_pence=0, attendee_ids=[1])

    def test_choices_and_claims_are_a_members_own_or_a_coordinators(self, network, db, people):
        paid, vouchers, _ = people
        with pytest.raises(Forbidden):
            involvement.set_payment_choice(db, vouchers.id, PaymentChoice.MONEY, by=paid)
        claim = ExpenseInput(spent_on=FIRST_DAY_OF_2025_26, description="Bus fare", amount_pence=340)
        with pytest.raises(Forbidden):
            involvement.claim_expense(db, vouchers.id, claim, by=paid)
        recorded = involvement.claim_expense(db, vouchers.id, claim, by=network.coordinator)
        assert (recorded.amount_pence, recorded.recorded_by_id) == (340, network.coordinator.id)

    def test_yearly_totals_split_money_vouchers_and_expenses_by_financial_year(self, network, db, people):
        paid, vouchers, unpaid = people
        meeting(network, db, LAST_DAY_OF_2024_25, [paid, vouchers], pence=1_000, title="March meeting")
        meeting(network, db, FIRST_DAY_OF_2025_26, people, pence=2_500, title="April meeting")
        meeting(network, db, date(2026, 2, 1), [paid, unpaid], pence=2_000, title="February meeting")
        for member, pence, day in [
            (paid, 450, FIRST_DAY_OF_2025_26),
            (paid, 1_205, date(2026, 3, 31)),
            (unpaid, 999, LAST_DAY_OF_2024_25),
        ]:
            involvement.claim_expense(
                db, member.id, ExpenseInput(spent_on=day, description="Bus fare", amount_pence=pence), by=member
            )
        db.commit()
        rows, grand = involvement.year_totals(db, 2025, by=network.coordinator)
        got = {
            r.user.full_name: (r.totals.meetings, r.totals.money_pence, r.totals.voucher_pence, r.totals.expenses_pence)
            for r in rows
        }
        # 2025–26: April (£25 to those paid) and February (£20); expenses £4.50 + £12.05 for Mo.
        assert got == {
            "Mo Money": (2, 4_500, 0, 1_655),
            "Vi Voucher": (1, 0, 2_500, 0),
            "Nell None": (2, 0, 0, 0),
        }
        assert (grand.meetings, grand.money_pence, grand.voucher_pence, grand.expenses_pence) == (
            5,
            4_500,
            2_500,
            1_655,
        )
        earlier, _ = involvement.year_totals(db, 2024, by=network.coordinator)
        assert {r.user.full_name: (r.totals.meetings, r.totals.expenses_pence) for r in earlier} == {
            "Mo Money": (1, 0),
            "Vi Voucher": (1, 0),
            "Nell None": (0, 999),
        }
        with pytest.raises(Forbidden):
            involvement.year_totals(db, 2025, by=paid)

    def test_votes_taken_part_in_are_counted(self, network, db, people):
        paid, _, _ = people
        network.apply("walks", 300_000)
        network.to_voting()
        network.vote(paid, "walks")
        network.vote(paid, "walks")  # changing a ballot is still one vote
        record = involvement.member_record(db, paid.id, by=paid)
        assert [v.round.name for v in record.votes] == ["Kirklees spring round"]
        year = involvement.current_year()
        rows, _ = involvement.year_totals(db, year, by=network.coordinator)
        assert next(r for r in rows if r.user.id == paid.id).totals.votes == 1

    def test_the_csv_has_exact_pounds(self, network, db, people):
        meeting(network, db, FIRST_DAY_OF_2025_26, people, pence=2_550)
        rows, grand = involvement.year_totals(db, 2025, by=network.coordinator)
        lines = list(csv.reader(io.StringIO(involvement.totals_csv(rows, grand, 2025))))
        assert lines[0] == ["Members' involvement, 2025–26 (1 April 2025 to 31 March 2026)"]
        assert lines[1][4:] == [
            "Meetings attended",
            "Votes taken part in",
            "Paid as money (£)",
            "Paid as vouchers (£)",
            "Expenses claimed (£)",
        ]
        by_name = {line[0]: line for line in lines[2:]}
        assert by_name["Mo Money"][1:] == [
            "Kirklees",
            "Person with lived experience",
            "Money",
            "1",
            "0",
            "25.50",
            "0.00",
            "0.00",
        ]
        assert by_name["Vi Voucher"][6:8] == ["0.00", "25.50"]
        assert by_name["All members"][4:] == ["3", "0", "25.50", "25.50", "0.00"]

    def test_a_name_a_spreadsheet_would_run_stays_text(self, network, db):
        network.add_member(full_name="=HYPERLINK(1)")
        rows, grand = involvement.year_totals(db, 2025, by=network.coordinator)
        lines = list(csv.reader(io.StringIO(involvement.totals_csv(rows, grand, 2025))))
        assert lines[2][0] == "'=HYPERLINK(1)"


class TestPages:
    def test_member_chooses_payment_with_the_benefits_note_and_claims_an_expense(self, client, network, db, people):
        paid, _, _ = people
        made = meeting(network, db, FIRST_DAY_OF_2025_26, [paid])
        login(client, paid.email)
        page = client.get("/collectives/involvement").text
        assert "Payments for taking part, including vouchers, can affect some benefits." in page
        assert 'value="money" id="payment_choice" checked' in page
        assert "Reading the applications" in page and "£25.00 as money" in page
        assert (
            post_form(
                client, f"/collectives/involvement/members/{paid.id}/payment-choice", {"payment_choice": "voucher"}
            ).status_code
            == 303
        )
        assert 'value="voucher" id="payment_choice-voucher" checked' in client.get("/collectives/involvement").text
        form = {"spent_on": "2025-04-01", "description": "Taxi home", "amount": "12.5", "meeting_id": str(made.id)}
        assert post_form(client, f"/collectives/involvement/members/{paid.id}/expenses", form).status_code == 303
        page = client.get("/collectives/involvement").text
        assert "Taxi home – £12.50 (Reading the applications)" in page

    @pytest.mark.parametrize(
        ("change", "field", "message"),
        [
            ({"amount": "-3"}, "amount", "negative"),
            ({"amount": "1.234"}, "amount", "numbers only"),
            ({"spent_on": "2999-01-01"}, "spent_on", "once you have spent"),
            ({"description": ""}, "description", "required"),
        ],
    )
    def test_bad_expense_keeps_what_was_typed(self, client, network, db, people, change, field, message):
        paid, _, _ = people
        login(client, paid.email)
        form = {"spent_on": "2025-04-01", "description": "Bus fare there and back", "amount": "4.50", **change}
        response = post_form(client, f"/collectives/involvement/members/{paid.id}/expenses", form)
        assert response.status_code == 422
        assert message in (field_error(response.text, field) or "").lower()
        if field != "description":
            assert 'value="Bus fare there and back"' in response.text

    def test_coordinator_records_a_meeting_and_downloads_the_year(self, client, network, db, people):
        paid, _, unpaid = people
        login(client, network.coordinator.email)
        page = client.get(f"/collectives/meetings?locality_id={network.round.locality_id}").text
        assert "Mo Money (money)" in page and "Vi Voucher (vouchers)" in page and "Nell None (no payment)" in page
        form = {
            "locality_id": str(network.round.locality_id),
            "held_on": "2025-05-06",
            "title": "Spring round: the applications",
            "payment": "30",
            "attendee_ids": [str(paid.id), str(unpaid.id)],
        }
        assert post_form(client, "/collectives/meetings", form).status_code == 303
        assert (
            "Spring round: the applications (2 attended, £30.00 each for those paid)"
            in client.get("/collectives/meetings").text
        )
        totals = client.get("/collectives/involvement/years?year=2025").text
        row = re.search(r">Mo Money</a></th>(.*?)</tr>", totals, re.S).group(1)
        assert re.findall(r'<td class="num">(.*?)</td>', row) == ["1", "0", "£30.00", "£0.00", "£0.00"]
        no_reason = post_form(client, "/collectives/involvement/years/2025/totals.csv", {"reason": ""})
        assert no_reason.status_code == 422 and "Say why you are downloading members" in no_reason.text
        download = post_form(
            client, "/collectives/involvement/years/2025/totals.csv", {"reason": "Payments return to finance"}
        )
        assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
        trail = client.get("/audit").text
        assert "Payments return to finance" in trail and "members&#39; involvement 2025" in trail
        assert "Mo Money,Kirklees,Person with lived experience,Money,1,0,30.00,0.00,0.00" in download.text
        missing = post_form(client, "/collectives/meetings", {**form, "attendee_ids": []})
        assert missing.status_code == 422 and "Tick the members who came." in missing.text
        assert 'value="Spring round: the applications"' in missing.text

    def test_coordinator_sees_a_members_record_but_not_their_receipts(self, client, network, db, people):
        paid, _, _ = people
        network.apply("walks", 300_000)
        network.to_voting()
        network.vote(paid, "walks")
        login(client, paid.email)
        assert "(receipt" in client.get("/collectives/involvement").text
        client.cookies.clear()
        login(client, network.coordinator.email)
        assert client.get("/collectives/involvement", follow_redirects=False).status_code == 303
        page = client.get(f"/collectives/involvement/members/{paid.id}").text
        assert "Involvement of Mo Money" in page and "Kirklees spring round" in page and "(receipt" not in page


def _role_users(db, network, people):
    partner = make_partner(db, network.coordinator, name="Role test group")
    return {
        "coordinator": network.coordinator,
        "member": people[0],
        "other member": people[1],
        "partner": make_user(db, Role.PARTNER, partner_id=partner.id),
        "champion": make_user(db, Role.CHAMPION),
        "reporter": make_user(db, Role.REPORTER),
    }


# Who may open each private page: the member themself ("member", whose record it is) and coordinators.
ACCESS = {
    "GET /collectives/involvement": {"coordinator": 303, "member": 200, "other member": 200},
    "GET /collectives/involvement/members/{me}": {"coordinator": 200, "member": 200},
    "POST /collectives/involvement/members/{me}/payment-choice": {"coordinator": 303, "member": 303},
    "POST /collectives/involvement/members/{me}/expenses": {"coordinator": 303, "member": 303},
    "GET /collectives/involvement/years": {"coordinator": 200},
    "POST /collectives/involvement/years/2025/totals.csv": {"coordinator": 200},
    "GET /collectives/meetings": {"coordinator": 200},
    "POST /collectives/meetings": {"coordinator": 303},
}
FORMS = {
    "payment-choice": {"payment_choice": "none"},
    "expenses": {"spent_on": "2025-04-01", "description": "Bus fare", "amount": "3.20"},
    "meetings": {"held_on": "2025-04-01", "title": "A meeting", "payment": "0"},
    "totals.csv": {"reason": "Payments return to finance"},
}


@pytest.mark.parametrize("role", ["coordinator", "member", "other member", "partner", "champion", "reporter"])
def test_every_involvement_route_by_role(client, network, db, people, role):
    users = _role_users(db, network, people)
    me = people[0]
    login(client, users[role].email)
    for route, allowed in ACCESS.items():
        method, path = route.split(" ")
        url = path.format(me=me.id)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            data = next(v for k, v in FORMS.items() if url.endswith(k))
            if url.endswith("meetings"):
                data = {**data, "locality_id": str(network.round.locality_id), "attendee_ids": [str(me.id)]}
            response = post_form(client, url, data)
        expected = allowed.get(role, 403)
        assert response.status_code == expected, (role, route, response.status_code)
