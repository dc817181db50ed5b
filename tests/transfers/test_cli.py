"""`creative-minds import KIND FILE`: the same import from the command line."""

from __future__ import annotations

from click.testing import CliRunner
from sqlmodel import select

from creative_minds.cli import main
from partners.models import Partner
from tests.transfers.test_imports import GOOD_PARTNERS, PARTNER_HEADER, csv_file
from tests.utils import make_user


def test_import_from_the_command_line(tmp_path, settings, db, monkeypatch):
    coordinator = make_user(db)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    if settings.database_schema:
        monkeypatch.setenv("DATABASE_SCHEMA", settings.database_schema)
    good = tmp_path / "partners.csv"
    good.write_bytes(csv_file(PARTNER_HEADER, *GOOD_PARTNERS))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_file(PARTNER_HEADER, GOOD_PARTNERS[0], "P9,,Community group,Kirklees,A,a@example.org,x,HD1 1AA,")
    )
    runner = CliRunner()

    refused = runner.invoke(main, ["import", "partners", str(bad), "--as", coordinator.email])
    assert refused.exit_code == 1
    assert "Row 3, name: This is required." in refused.output
    assert "Nothing was saved" in refused.output

    result = runner.invoke(main, ["import", "partners", str(good), "--as", coordinator.email])
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 were created, 0 were updated, 0 unchanged, 0 with problems" in result.output
    db.expire_all()
    assert sorted(p.name for p in db.exec(select(Partner)).all()) == ["Calder Climbing Club", "Holmfirth Knitters"]

    again = runner.invoke(main, ["import", "partners", str(good), "--as", coordinator.email])
    assert "0 were created, 0 were updated, 2 unchanged" in again.output

    nobody = runner.invoke(main, ["import", "partners", str(good), "--as", "nobody@example.org"])
    assert nobody.exit_code == 1 and "is not a coordinator's account" in nobody.output
