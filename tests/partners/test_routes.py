"""Partner pages: registration, list and search with htmx, detail, edit, approve, archive, access."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from creative_minds.accounts.models import Role, User
from partners.models import Partner
from tests.utils import PASSWORD, field_error, locality_id, login, make_partner, make_user, post_form


def form(db, **changes):
    data = {
        "name": "Marsden Makers",
        "kind": "community_group",
        "locality_ids": [str(locality_id(db))],
        "contact_name": "Jo Bloggs",
        "contact_email": "jo@example.org",
        "address": "2 Station Road, Marsden",
        "postcode": "hd7 6aa",
        "bank_account_status": "none",
        "mhfa_trained_staff": "2",
    }
    data.update(changes)
    return data


def registration(db, **changes):
    return form(
        db,
        full_name="Jo Bloggs",
        email="jo@marsden.example.org",
        password=PASSWORD,
        password_confirm=PASSWORD,
        **changes,
    )


def partner_count(db) -> int:
    return db.exec(select(func.count()).select_from(Partner)).one()


class TestRegisterPage:
    def test_group_registers_and_is_signed_in(self, client, db):
        response = post_form(client, "/register", registration(db))
        assert response.status_code == 303
        page = client.get(response.headers["location"])
        assert "Marsden Makers" in page.text
        assert "waiting for a coordinator to approve" in page.text
        partner = db.exec(select(Partner)).one()
        assert partner.postcode == "HD7 6AA"

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("postcode", "HD7", "not a full UK postcode"),
            ("postcode", "12345", "not a full UK postcode"),
            ("name", "x" * 201, "200 characters or fewer"),
            ("contact_email", "jo-at-example", "Enter an email address"),
            ("charity_number", "12", "charity number"),
            ("mhfa_trained_staff", "lots", "whole number"),
            ("mhfa_trained_staff", "-1", "0 or more"),
            ("website", "not a website", "web address"),
            ("insurance_expires_on", "31/02/2027", "Enter a date"),
        ],
    )
    def test_bad_input_shows_the_form_again_with_the_error_and_saves_nothing(self, client, db, field, value, message):
        response = post_form(client, "/register", registration(db, **{field: value}))
        assert response.status_code == 422
        assert message in (field_error(response.text, field) or "")
        assert 'value="Jo Bloggs"' in response.text  # what was typed is kept
        assert 'value="' + PASSWORD not in response.text  # passwords are never echoed back
        assert partner_count(db) == 0
        assert db.exec(select(func.count()).select_from(User)).one() == 0

    def test_no_locality_chosen(self, client, db):
        data = registration(db)
        del data["locality_ids"]
        response = post_form(client, "/register", data)
        assert response.status_code == 422
        assert field_error(response.text, "locality_ids") == "Choose at least one."

    def test_unknown_locality_id(self, client, db):
        response = post_form(client, "/register", registration(db, locality_ids=["999"]))
        assert response.status_code == 422
        assert partner_count(db) == 0

    def test_peer_led_answers_for_another_kind_of_group_are_asked_about_not_dropped(self, client, db):
        answers = {"has_constitution": "on", "bank_account_status": "applied"}
        response = post_form(client, "/register", registration(db, **answers))
        assert response.status_code == 422
        for field in answers:
            assert "only for peer-led groups" in (field_error(response.text, field) or ""), field
        assert 'name="has_constitution" value="on" checked' in response.text
        assert '<option value="applied" selected>' in response.text
        assert partner_count(db) == 0
        # Saying the group is peer-led keeps every answer.
        response = post_form(client, "/register", registration(db, kind="peer_led_group", **answers))
        assert response.status_code == 303
        partner = db.exec(select(Partner)).one()
        assert (partner.kind, partner.has_constitution, partner.bank_account_status) == (
            "peer_led_group",
            True,
            "applied",
        )

    def test_the_error_summary_names_each_question(self, client, db):
        response = post_form(client, "/register", {"bank_account_status": "none"})
        assert response.status_code == 422
        summary = re.search(r'<div class="error-summary".*?</ul>', response.text, re.S).group(0)
        links = re.findall(r'<li><a href="#([\w-]+)">(.*?)</a></li>', summary)
        assert ("full_name", "Your name: This is required.") in links
        assert ("contact_email", "Contact email: This is required.") in links
        assert ("postcode", "Postcode: This is required.") in links
        assert ("locality_ids-1", "Localities you work in: Choose at least one.") in links
        assert ("kind", "Kind of group: This is required.") in links
        assert len({text for _, text in links}) == len(links)  # no two lines alike
        # Every link leads to a field on the page.
        for target, _ in links:
            assert f'id="{target}"' in response.text, target

    def test_registering_twice_with_the_same_form_registers_one_group(self, client, db):
        token = re.search(r'name="form_once" value="([^"]+)"', client.get("/register").text).group(1)
        first = post_form(client, "/register", registration(db, form_once=token))
        again = post_form(client, "/register", registration(db, form_once=token))
        assert (first.status_code, again.status_code) == (303, 303)
        assert again.headers["location"] == first.headers["location"]
        assert partner_count(db) == 1

    def test_peer_led_questions_are_marked_as_such(self, client, db):
        page = client.get("/register")
        assert 'data-shown-for="kind" data-shown-value="peer_led_group"' in page.text
        assert "Peer-led groups only" in page.text

    def test_script_in_a_name_is_shown_as_text(self, client, db):
        response = post_form(client, "/register", registration(db, name="<script>alert('x')</script> Group"))
        page = client.get(response.headers["location"])
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Group" in page.text


class TestListPage:
    def test_search_and_filters(self, client, db):
        coordinator = make_user(db)
        make_partner(db, coordinator, name="Halifax Choir", locality_ids=[locality_id(db, "calderdale")])
        make_partner(db, coordinator, name="Batley Boxing", kind="sports_club")
        login(client, make_user(db, Role.CHAMPION).email)
        page = client.get("/partners", params={"locality": "calderdale"})
        assert "Halifax Choir" in page.text and "Batley Boxing" not in page.text
        assert "<h1>Partner groups</h1>" in page.text

    def test_htmx_request_gets_only_the_results(self, client, db):
        coordinator = make_user(db)
        make_partner(db, coordinator, name="Halifax Choir")
        make_partner(db, coordinator, name="Batley Boxing", kind="sports_club")
        login(client, coordinator.email)
        fragment = client.get("/partners", params={"q": "box"}, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert "<html" not in fragment.text and "<h1>" not in fragment.text
        assert "Batley Boxing" in fragment.text and "Halifax Choir" not in fragment.text
        assert "<strong>1</strong> partner found" in fragment.text

    def test_bad_page_number_is_a_clear_400(self, client, db):
        login(client, make_user(db).email)
        response = client.get("/partners", params={"page": "abc"})
        assert response.status_code == 400

    def test_page_past_the_end_shows_the_last_page(self, client, db):
        login(client, make_user(db).email)
        make_partner(db)
        assert "Holmfirth Knit and Natter" in client.get("/partners", params={"page": "99"}).text


class TestDetailAndEdit:
    def test_unknown_partner_is_404(self, client, db):
        login(client, make_user(db).email)
        response = client.get("/partners/4242")
        assert response.status_code == 404
        assert "no partner number 4242" in response.text

    def test_empty_numbers_and_website_are_not_shown_as_none(self, client, db):
        partner = make_partner(db, charity_number="", company_number="", website="")
        login(client, make_user(db, Role.CHAMPION).email)
        page = client.get(f"/partners/{partner.id}")
        assert ">None<" not in page.text
        assert "<dd>Not a registered charity (none given)</dd>" in page.text
        assert "<dd>Not a registered company (none given)</dd>" in page.text
        assert "<dd>No website given</dd>" in page.text

    def test_a_host_lists_the_peer_led_groups_it_hosts(self, client, db):
        coordinator = make_user(db)
        host = make_partner(db, coordinator, name="Lawrence Batley Theatre")
        peer = dict(kind="peer_led_group", host_partner_id=host.id)
        make_partner(db, coordinator, name="Sunday Sketchers", **peer)
        make_partner(db, coordinator, name="Allotment Friends", **peer)
        pending = make_partner(db, coordinator, name="New Poets", **peer)
        pending.status = "awaiting_approval"
        db.add(pending)
        db.commit()
        make_partner(db, coordinator, name="Unhosted Walkers", kind="peer_led_group")
        login(client, make_user(db, Role.CHAMPION).email)
        page = client.get(f"/partners/{host.id}")
        section = page.text.split("Peer-led groups hosted here")[1].split("</ul>")[0]
        assert re.findall(r">([^<]+)</a>", section) == ["Allotment Friends", "Sunday Sketchers"]
        client.cookies.clear()
        login(client, coordinator.email)
        section = client.get(f"/partners/{host.id}").text.split("Peer-led groups hosted here")[1].split("</ul>")[0]
        assert re.findall(r">([^<]+)</a>", section) == ["Allotment Friends", "New Poets", "Sunday Sketchers"]
        assert "(awaiting approval)" in section

    def test_partner_user_edits_its_own_group(self, client, db):
        partner = make_partner(db)
        user = make_user(db, Role.PARTNER, partner_id=partner.id)
        login(client, user.email)
        response = post_form(
            client, f"/partners/{partner.id}/edit", form(db, name="Holmfirth Knitters", agreement_status="none")
        )
        assert response.status_code == 303
        db.refresh(partner)
        assert partner.name == "Holmfirth Knitters"
        # The agreement belongs to coordinators: the group's own edit leaves it alone.
        assert partner.agreement_status == "signed"

    def test_bad_edit_keeps_the_saved_record(self, client, db):
        partner = make_partner(db)
        login(client, make_user(db, Role.PARTNER, partner_id=partner.id).email)
        response = post_form(client, f"/partners/{partner.id}/edit", form(db, name="New Name", postcode="nonsense"))
        assert response.status_code == 422
        db.refresh(partner)
        assert (partner.name, partner.postcode) == ("Holmfirth Knit and Natter", "HD9 7AB")

    def test_coordinator_records_the_agreement(self, client, db):
        coordinator = make_user(db)
        partner = make_partner(db, coordinator, agreement_status="none", agreement_signed_on="")
        login(client, coordinator.email)
        response = post_form(
            client,
            f"/partners/{partner.id}/edit",
            form(db, agreement_status="signed", agreement_signed_on="01/04/2025"),
        )
        assert response.status_code == 303
        db.refresh(partner)
        assert partner.is_preferred_supplier and partner.agreement_signed_on.isoformat() == "2025-04-01"

    def test_coordinator_approves_and_archives(self, client, db):
        coordinator = make_user(db)
        post_form(client, "/register", registration(db))
        partner = db.exec(select(Partner)).one()
        client.cookies.clear()
        login(client, coordinator.email)
        # A new group has no agreement, insurance or safeguarding review recorded: a reason is asked for.
        warned = post_form(client, f"/partners/{partner.id}/approve", {})
        assert warned.status_code == 422 and "No partnership agreement signed or pending" in warned.text
        db.refresh(partner)
        assert partner.status == "awaiting_approval"
        approved = post_form(client, f"/partners/{partner.id}/approve", {"override_reason": "Papers in the post"})
        assert approved.status_code == 303
        db.refresh(partner)
        assert partner.status == "approved"
        assert post_form(client, f"/partners/{partner.id}/archive", {}).status_code == 303
        db.refresh(partner)
        assert partner.status == "archived"
        again = post_form(client, f"/partners/{partner.id}/archive", {})
        assert again.status_code == 409 and "already archived" in again.text


class TestWriteAccess:
    """Every partner write route refuses people without the right role or ownership."""

    @pytest.fixture
    def setup(self, db):
        coordinator = make_user(db)
        own = make_partner(db, coordinator, name="Own Group")
        other = make_partner(db, coordinator, name="Other Group")
        return {
            "own": own,
            "other": other,
            "partner_user": make_user(db, Role.PARTNER, partner_id=own.id),
            "champion": make_user(db, Role.CHAMPION),
            "member": make_user(db, Role.COLLECTIVE_MEMBER, locality_id=locality_id(db)),
            "reporter": make_user(db, Role.REPORTER),
        }

    @pytest.mark.parametrize("who", ["partner_user", "champion", "member", "reporter"])
    @pytest.mark.parametrize("route", ["edit", "approve", "archive"])
    def test_other_partners_cannot_be_changed(self, client, db, setup, who, route):
        login(client, setup[who].email)
        target = setup["other"]
        response = post_form(client, f"/partners/{target.id}/{route}", form(db))
        assert response.status_code == 403
        db.refresh(target)
        assert (target.name, target.status) == ("Other Group", "approved")

    @pytest.mark.parametrize("route", ["approve", "archive"])
    def test_partner_user_cannot_approve_or_archive_its_own_group(self, client, db, setup, route):
        login(client, setup["partner_user"].email)
        assert post_form(client, f"/partners/{setup['own'].id}/{route}", {}).status_code == 403

    @pytest.mark.parametrize("who", ["partner_user", "champion", "member", "reporter"])
    def test_only_coordinators_add_partners_directly(self, client, db, setup, who):
        login(client, setup[who].email)
        before = partner_count(db)
        assert post_form(client, "/partners/new", form(db)).status_code == 403
        assert client.get("/partners/new").status_code == 403
        assert partner_count(db) == before

    def test_signed_out_people_are_sent_to_sign_in(self, client, db, setup):
        response = post_form(client, f"/partners/{setup['own'].id}/edit", form(db))
        assert response.status_code == 303 and response.headers["location"].startswith("/login")

    def test_coordinator_adds_a_partner(self, client, db, setup):
        login(client, User.model_validate(db.exec(select(User).where(User.role == "coordinator")).one()).email)
        response = post_form(client, "/partners/new", form(db, name="Added Group", agreement_status="none"))
        assert response.status_code == 303
        assert db.exec(select(Partner).where(Partner.name == "Added Group")).one().status == "approved"


class TestRegistrationDisclosesNothing:
    """Registering or asking to join answers the same whether or not the e-mail has an account."""

    def _register(self, client, db, email):
        from tests.utils import partner_data

        data = partner_data(db, name=f"Group {email[:5]}", full_name="Sam", email=email)
        data.update(password=PASSWORD, password_confirm=PASSWORD)
        data["locality_ids"] = [str(i) for i in data["locality_ids"]]
        return post_form(client, "/register", data)

    def test_registration_answers_alike_for_new_and_taken_e_mails(self, client, db):
        make_user(db, Role.CHAMPION, email="taken@example.org")
        answers = []
        for email in ("taken@example.org", "fresh@example.org"):
            client.cookies.clear()
            response = self._register(client, db, email)
            signed_in = client.get("/accounts/me", follow_redirects=False).status_code == 200
            answers.append((response.status_code, response.headers["location"].split("?")[0], signed_in))
        assert answers[0] == answers[1] == (303, "/login", False)
        login(client, "fresh@example.org")  # the new account works with the chosen password

    def test_joining_answers_alike_for_new_and_taken_e_mails(self, client, db):
        make_user(db, Role.CHAMPION, email="taken@example.org")
        answers = []
        for email in ("taken@example.org", "new.member@example.org"):
            client.cookies.clear()
            response = post_form(
                client,
                "/collectives/join",
                {
                    "full_name": "Alex",
                    "email": email,
                    "password": PASSWORD,
                    "password_confirm": PASSWORD,
                    "locality_id": str(locality_id(db)),
                    "constituency": "carer",
                    "reason": "I would like to help decide.",
                },
            )
            answers.append((response.status_code, response.headers.get("location", "").split("&")[0].split("?")[0]))
        assert answers[0] == answers[1] == (303, "/login")
