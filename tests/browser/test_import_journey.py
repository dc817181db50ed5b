"""In a real browser (issue 12): upload a spreadsheet with mistakes, read the preview, fix the file,
upload it again and import it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from partners.models import Partner
from tests.browser.axe import violations
from tests.browser.test_forms_keep_input import sign_in
from tests.utils import make_user

pytestmark = pytest.mark.browser

HEADER = "External id,Name,Kind,Localities,Contact name,Contact email,Address,Postcode\r\n"
GOOD = "P1,Holmfirth Knitters,Community group,Kirklees,Jo Bloggs,jo@example.org,1 Market St,HD9 7AB\r\n"
BAD = "P2,Calder Climbers,Climbing wall,Calderdale,Sam Smith,sam@example.org,2 Mill Lane,HX1 1AA\r\n"
FIXED = BAD.replace("Climbing wall", "Sports club")


def upload(page, name: str, text: str) -> None:
    page.goto("/imports/partners")
    page.get_by_label("CSV or Excel (.xlsx) file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("cp1252")}]
    )
    page.get_by_role("button", name="Check the file").click()


def test_upload_with_errors_preview_fix_and_import(page, db):
    coordinator = make_user(db)
    sign_in(page, coordinator.email)

    upload(page, "partners.csv", HEADER + GOOD + BAD)
    expect(page.get_by_role("heading", name="What importing will do")).to_be_visible()
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("3")
    expect(problems.first).to_contain_text("'Climbing wall' is not one of the choices")
    expect(page.locator("#created")).to_have_text("1")
    assert violations(page) == []
    assert db.exec(select(Partner)).all() == []  # a preview saves nothing

    upload(page, "partners-fixed.csv", HEADER + GOOD + FIXED)
    expect(page.get_by_role("heading", name="What importing will do")).to_be_visible()
    expect(page.locator("#problems")).to_have_count(0)
    expect(page.locator("#created")).to_have_text("2")
    page.get_by_label("Save nothing unless every row is right").check()
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#created")).to_have_text("2")
    db.expire_all()
    assert sorted(p.name for p in db.exec(select(Partner)).all()) == ["Calder Climbers", "Holmfirth Knitters"]
