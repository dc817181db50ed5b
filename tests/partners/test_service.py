"""Partner registry rules, without HTTP."""

from __future__ import annotations

import pytest

from creative_minds.accounts.models import Role
from creative_minds.exceptions import Conflict, Forbidden, Invalid
from creative_minds.forms import validate
from partners import service
from partners.forms import PartnerInput, Registration, normalise_charity_number, normalise_company_number
from partners.models import PartnerStatus
from tests.utils import PASSWORD, locality_id, make_partner, make_user, partner_data


class TestNumbers:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [("1123456", "1123456"), ("502 731", "502731"), ("sc012345", "SC012345"), ("NIC100002", "NIC100002")],
    )
    def test_charity_numbers_in_every_uk_format(self, typed, stored):
        assert normalise_charity_number(typed) == stored

    @pytest.mark.parametrize("typed", ["12345", "12345678", "SC12345", "AB123456", "charity"])
    def test_bad_charity_numbers_are_refused(self, typed):
        with pytest.raises(ValueError, match="charity number"):
            normalise_charity_number(typed)

    @pytest.mark.parametrize(
        ("typed", "stored"), [("1234567", "01234567"), ("sc123456", "SC123456"), ("OC 301234", "OC301234")]
    )
    def test_company_numbers(self, typed, stored):
        assert normalise_company_number(typed) == stored

    @pytest.mark.parametrize("typed", ["123456789", "S1234567", "ABC12345", "12-34"])
    def test_bad_company_numbers_are_refused(self, typed):
        with pytest.raises(ValueError, match="company number"):
            normalise_company_number(typed)


class TestRegistration:
    def test_registering_creates_a_partner_awaiting_approval_and_its_user(self, db):
        data = partner_data(
            db, full_name="Sam Group", email="Sam@Group.example.org", password=PASSWORD, password_confirm=PASSWORD
        )
        user, partner = service.register_partner(db, validate(Registration, data))
        db.commit()
        assert partner.status == PartnerStatus.AWAITING_APPROVAL
        assert user.role == Role.PARTNER and user.partner_id == partner.id
        assert user.email == "sam@group.example.org"
        assert [loc.slug for loc in partner.localities] == ["kirklees"]

    def test_a_registering_group_cannot_sign_its_own_agreement(self, db):
        data = partner_data(db, full_name="Sam", email="sam@example.org", password=PASSWORD, password_confirm=PASSWORD)
        _, partner = service.register_partner(db, validate(Registration, data))
        assert partner.agreement_status == "none"

    def test_an_email_that_has_an_account_gets_no_second_account_and_no_tell_tale(self, db):
        existing = make_user(db, Role.CHAMPION, email="taken@example.org")
        data = partner_data(
            db, full_name="Sam", email="TAKEN@example.org", password=PASSWORD, password_confirm=PASSWORD
        )
        user, partner = service.register_partner(db, validate(Registration, data))
        assert user is None  # no second account, and the existing one is untouched
        assert partner.status == "awaiting_approval"
        db.refresh(existing)
        assert existing.role == "champion" and existing.partner_id is None

    def test_passwords_must_match(self, db):
        data = partner_data(
            db, full_name="Sam", email="sam@example.org", password=PASSWORD, password_confirm="different-password"
        )
        with pytest.raises(Invalid) as caught:
            validate(Registration, data)
        assert caught.value.errors == {"password_confirm": "The two passwords are different."}


class TestApproval:
    def test_coordinator_approves_then_archives(self, db):
        coordinator = make_user(db)
        data = partner_data(db, full_name="Sam", email="sam@example.org", password=PASSWORD, password_confirm=PASSWORD)
        _, partner = service.register_partner(db, validate(Registration, data))
        service.approve_partner(db, partner, by=coordinator)
        assert partner.status == PartnerStatus.APPROVED and partner.approved_by_id == coordinator.id
        with pytest.raises(Conflict):
            service.approve_partner(db, partner, by=coordinator)
        service.archive_partner(db, partner, by=coordinator)
        assert partner.status == PartnerStatus.ARCHIVED

    def test_partner_user_cannot_approve_itself(self, db):
        data = partner_data(db, full_name="Sam", email="sam@example.org", password=PASSWORD, password_confirm=PASSWORD)
        user, partner = service.register_partner(db, validate(Registration, data))
        with pytest.raises(Forbidden):
            service.approve_partner(db, partner, by=user)


class TestAgreement:
    def test_signed_agreement_needs_a_past_date_and_makes_a_preferred_supplier(self, db):
        with pytest.raises(Invalid) as caught:
            validate(PartnerInput, partner_data(db, agreement_signed_on=""))
        assert "date the agreement was signed" in caught.value.errors["agreement_signed_on"]
        with pytest.raises(Invalid) as caught:
            validate(PartnerInput, partner_data(db, agreement_signed_on="2999-01-01"))
        assert "future" in caught.value.errors["agreement_signed_on"]
        assert make_partner(db).is_preferred_supplier

    def test_peer_led_group_records_host_constitution_and_bank(self, db):
        host = make_partner(db, name="Host Charity", kind="charity")
        peer = make_partner(
            db,
            name="Poetry Peers",
            kind="peer_led_group",
            host_partner_id=host.id,
            has_constitution=True,
            bank_account_status="applied",
        )
        assert (peer.host_partner_id, peer.has_constitution, peer.bank_account_status) == (host.id, True, "applied")

    def test_host_must_be_an_existing_partner(self, db):
        with pytest.raises(Invalid) as caught:
            make_partner(db, kind="peer_led_group", host_partner_id=99999)
        assert "host" in caught.value.errors["host_partner_id"]


class TestSearch:
    def test_filters_by_text_kind_locality_and_agreement(self, db):
        coordinator = make_user(db)
        make_partner(
            db, coordinator, name="Halifax Choir", kind="community_group", locality_ids=[locality_id(db, "calderdale")]
        )
        make_partner(
            db,
            coordinator,
            name="Dewsbury Boxing",
            kind="sports_club",
            agreement_status="pending",
            agreement_signed_on="",
        )
        make_partner(
            db, coordinator, name="Wakefield Poets", kind="charity", locality_ids=[locality_id(db, "wakefield")]
        )

        def names(**filters):
            return [
                p.name for p in service.search_partners(db, service.PartnerFilters(**filters), user=coordinator).items
            ]

        assert names() == ["Dewsbury Boxing", "Halifax Choir", "Wakefield Poets"]
        assert names(q="choir") == ["Halifax Choir"]
        assert names(kind="sports_club") == ["Dewsbury Boxing"]
        assert names(locality="wakefield") == ["Wakefield Poets"]
        assert names(agreement="pending") == ["Dewsbury Boxing"]

    def test_only_coordinators_see_partners_awaiting_approval(self, db):
        coordinator = make_user(db)
        champion = make_user(db, Role.CHAMPION)
        data = partner_data(
            db, name="New Group", full_name="Sam", email="sam@example.org", password=PASSWORD, password_confirm=PASSWORD
        )
        service.register_partner(db, validate(Registration, data))
        make_partner(db, coordinator, name="Old Group")
        everyone = service.PartnerFilters()
        assert [p.name for p in service.search_partners(db, everyone, user=coordinator).items] == [
            "New Group",
            "Old Group",
        ]
        assert [p.name for p in service.search_partners(db, everyone, user=champion).items] == ["Old Group"]
