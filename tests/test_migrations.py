"""The schema comes from migrations, and the models agree with them (no drift)."""

from __future__ import annotations

from alembic.util.exc import CommandError
from sqlalchemy import inspect
from sqlmodel import select

from creative_minds.cli import run_alembic
from creative_minds.localities import LOCALITIES, Locality


def test_models_and_migrations_agree(settings, engine):
    try:
        run_alembic(settings, "check")
    except CommandError as exc:  # pragma: no cover - only on drift
        raise AssertionError(f"Models and migrations differ: {exc}") from exc


def test_the_four_localities_exist_from_the_first_migration_with_centres(db):
    rows = {loc.slug: loc for loc in db.exec(select(Locality))}
    assert sorted(rows) == ["barnsley", "calderdale", "kirklees", "wakefield"]
    for facts in LOCALITIES:
        row = rows[facts.slug]
        assert row.name == facts.name
        assert (row.latitude, row.longitude) == (facts.latitude, facts.longitude)


def test_tables_are_not_created_any_other_way(engine):
    tables = set(inspect(engine).get_table_names())
    assert {"alembic_version", "partner", "project", "user", "web_store"} <= tables


def test_alembic_command_line_on_an_empty_database(tmp_path):
    """Exactly what the issue asks: `alembic upgrade head` on an empty database, then `alembic check`."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    alembic = [sys.executable, "-m", "alembic"]
    upgrade = subprocess.run([*alembic, "upgrade", "head"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    check = subprocess.run([*alembic, "check"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
