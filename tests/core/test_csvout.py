"""Exports never hand a spreadsheet a formula to run."""

from __future__ import annotations

import csv
import io

import pytest

from creative_minds.csvout import safe_cell, safe_writer


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ('=HYPERLINK("http://evil","click")', '\'=HYPERLINK("http://evil","click")'),
        ("+44 1484 000000", "'+44 1484 000000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Walking football", "Walking football"),
        ("-3.10", "-3.10"),  # a signed number stays a number
        ("+1", "+1"),
        (-3, -3),
    ],
)
def test_cells(typed, written):
    assert safe_cell(typed) == written


def test_a_whole_row_read_back_by_a_csv_reader():
    out = io.StringIO()
    safe_writer(out).writerow(["=1+1", "Clay", 12])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "Clay", "12"]


def test_the_decision_csv_neutralises_a_hostile_project_title_and_amendment_reason(client, db):
    from collectives.decisions import amendments
    from collectives.decisions import service as decisions
    from collectives.decisions.models import AmendmentAction
    from collectives.rounds.models import Rule
    from tests.collectives.conftest import make_network, pb_notes_case
    from tests.utils import login

    network = make_network(db)
    pb_notes_case(network)
    network.projects["arts"].title = '=HYPERLINK("http://evil.example")'
    db.add(network.projects["arts"])
    db.commit()
    network.advance()
    decisions.confirm_decision(db, network.round.id, Rule.MES, by=network.coordinator, confirmed=True)
    amendments.amend(
        db,
        network.round.id,
        network.applications["arts"].id,
        AmendmentAction.FUND,
        "@SUM(1+1) urgent",
        by=network.coordinator,
    )
    db.commit()
    login(client, network.coordinator.email)
    rows = list(csv.reader(io.StringIO(client.get(f"/rounds/{network.round.id}/decision.csv").text)))
    cells = [cell for row in rows for cell in row]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    assert any(cell.startswith("'@SUM") for cell in cells)
    assert not any(cell.startswith(("=", "@")) for cell in cells)
