"""Exports of coordinators' lists (CSV and .xlsx, filtered, formula-safe) and 360Giving open data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openpyxl import load_workbook
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from collectives.decisions import service as decisions
from collectives.rounds.models import Rule
from creative_minds.accounts.models import Role
from partners.models import Partner
from tests.collectives.conftest import make_network, pb_notes_case
from tests.utils import login, make_partner, make_user
from transfers.threesixtygiving import FLAT_COLUMNS, org_id

SCHEMAS = Path(__file__).parents[2] / "transfers" / "data" / "threesixtygiving"
GRANT_SCHEMA = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
PACKAGE_SCHEMA = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())


def _package_validator() -> Draft202012Validator:
    # The package schema names the grant schema by its published address; answer it from the vendored copy.
    # Its "$schema" is written with http://, which the referencing library does not recognise: say it is 2020-12.
    grant = Resource(contents=GRANT_SCHEMA, specification=DRAFT202012)
    ref = PACKAGE_SCHEMA["properties"]["grants"]["items"]["$ref"]
    registry = Registry().with_resources([(ref, grant), (GRANT_SCHEMA["$id"], grant)])
    return Draft202012Validator(PACKAGE_SCHEMA, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


class TestOrgIds:
    @pytest.mark.parametrize(
        ("charity", "company", "expected"),
        [
            ("1123456", None, "GB-CHC-1123456"),
            ("SC012345", None, "GB-SC-SC012345"),
            ("NIC100012", None, "GB-NIC-100012"),
            (None, "01234567", "GB-COH-01234567"),
            (None, None, "360G-cm-partner-7"),
        ],
    )
    def test_registered_partners_get_their_org_id_and_others_a_360g_one(self, charity, company, expected):
        partner = Partner(id=7, name="X", kind="charity", charity_number=charity, company_number=company,
                          contact_name="", contact_email="", address="", postcode="")  # fmt: skip
        assert org_id(partner, "360G-cm") == expected


def _decided_network(db):
    net = make_network(db)
    pb_notes_case(net)
    net.advance()
    decisions.confirm_decision(db, net.round.id, Rule.MES, by=net.coordinator, confirmed=True)
    db.commit()
    return net


class TestThreeSixtyGiving:
    def test_awards_validate_against_the_360giving_schema(self, client, db):
        net = _decided_network(db)
        login(client, net.coordinator.email)
        response = client.get("/exports/360giving.json")
        assert response.status_code == 200
        data = response.json()
        errors = sorted(_package_validator().iter_errors(data), key=str)
        assert errors == []
        # Method of Equal Shares with Add1 funds allotment, walks and youth: £3,000 + £3,000 + £2,500 (PB-NOTES).
        assert sorted(g["amountAwarded"] for g in data["grants"]) == [2500, 3000, 3000]
        grant = data["grants"][0]
        assert grant["currency"] == "GBP" and grant["regrantType"] == "FRG030"
        assert grant["id"].startswith("360G-creativeminds-")
        assert grant["recipientOrganization"][0]["id"].startswith("360G-creativeminds-partner-")
        assert grant["beneficiaryLocation"] == [{"name": "Kirklees", "countryCode": "GB"}]

    def test_flat_csv_has_one_row_per_grant_under_the_schemas_titles(self, client, db):
        net = _decided_network(db)
        login(client, net.coordinator.email)
        text = client.get("/exports/360giving.csv").content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 3
        assert sorted(r["Amount Awarded"] for r in rows) == ["2500.0", "3000.0", "3000.0"]
        # Every column title is the schema's own title for that field (parent:child for nested ones).
        props = GRANT_SCHEMA["properties"]
        defs = GRANT_SCHEMA["$defs"]
        for title, path in FLAT_COLUMNS:
            parts = [p for p in path.split("/") if not p.isdigit()]
            if len(parts) == 1:
                field = props[parts[0]]
                field = defs[field["$ref"].split("/")[-1]] if "$ref" in field else field
                assert field["title"] == title
            else:
                parent = props[parts[0]]
                child_schema = defs[parent["items"]["$ref"].split("/")[-1]]
                assert f"{parent['title']}:{child_schema['properties'][parts[1]]['title']}" == title

    def test_only_coordinators_download_awards(self, client, db):
        login(client, make_user(db, Role.CHAMPION).email)
        assert client.get("/exports/360giving.json").status_code == 403


class TestListExports:
    def test_partner_list_csv_and_xlsx_follow_the_filters_and_are_formula_safe(self, client, db):
        coordinator = make_user(db)
        make_partner(db, coordinator, name="=cmd|' /C calc'!A0")
        make_partner(db, coordinator, name="Wakefield Walkers", locality_ids=[_loc(db, "wakefield")])
        login(client, coordinator.email)
        text = client.get("/exports/partners.csv?locality=kirklees").content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert [r[1] for r in rows[1:]] == ["'=cmd|' /C calc'!A0"]
        book = load_workbook(io.BytesIO(client.get("/exports/partners.xlsx").content))
        names = [row[1].value for row in book.worksheets[0].iter_rows(min_row=2)]
        assert sorted(names) == ["'=cmd|' /C calc'!A0", "Wakefield Walkers"]
        assert all(cell.data_type != "f" for row in book.worksheets[0].iter_rows() for cell in row)

    def test_ledger_export_has_exact_pounds(self, client, db):
        net = _decided_network(db)
        login(client, net.coordinator.email)
        text = client.get("/exports/ledger.csv").content.decode("utf-8-sig")
        amounts = sorted(r["Amount (£)"] for r in csv.DictReader(io.StringIO(text)))
        assert amounts == ["2500.00", "3000.00", "3000.00"]


def test_applications_export_filters_by_round(client, db):
    net = _decided_network(db)
    login(client, net.coordinator.email)
    text = client.get(f"/exports/applications.csv?round_id={net.round.id}").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    assert sorted(r["Status"] for r in rows).count("Funded") == 3
    assert client.get("/exports/applications.csv?round_id=999").content.decode("utf-8-sig").count("\n") == 1
    book = load_workbook(io.BytesIO(client.get("/exports/applications.xlsx").content))
    assert book.worksheets[0].max_row == 6


def _loc(db, slug):
    from tests.utils import locality_id

    return locality_id(db, slug)
