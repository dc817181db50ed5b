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
    upgrade = subprocess.run(
        [*alembic, "upgrade", "head"], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    assert upgrade.returncode == 0, upgrade.stderr
    check = subprocess.run([*alembic, "check"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


# Unique columns declared before constraint names were a rule; their databases named them.
LEGACY_UNNAMED_UNIQUE = {
    ("decision", "round_id"),
    ("participant", "code"),
    ("locality", "slug"),
    ("locality", "name"),
    ("user", "email"),
}


def test_every_constraint_has_a_predictable_name():
    import sqlalchemy as sa

    from creative_minds.db import all_metadata

    for metadata in all_metadata():
        for table in metadata.tables.values():
            for constraint in table.constraints:
                if isinstance(constraint, sa.CheckConstraint):
                    assert constraint.name and constraint.name.startswith("ck_"), (table.name, constraint)
                elif isinstance(constraint, sa.UniqueConstraint):
                    columns = tuple(c.name for c in constraint.columns)
                    if len(columns) == 1 and (table.name, columns[0]) in LEGACY_UNNAMED_UNIQUE:
                        continue
                    assert constraint.name and constraint.name.startswith("uq_"), (table.name, columns)
                elif isinstance(constraint, sa.ForeignKeyConstraint) and metadata.naming_convention.get("fk"):
                    assert str(constraint.name).startswith("fk_"), (table.name, constraint.name)
            for index in table.indexes:
                assert index.name and index.name.startswith(("ix_", "uq_")), (table.name, index.name)


def test_every_migration_downgrades_and_upgrades_again(settings_for_empty_database):
    """From head down to nothing and back: each downgrade undoes its upgrade, on both databases."""
    from sqlalchemy import inspect as inspect_engine

    from creative_minds.db import make_engine

    settings = settings_for_empty_database
    run_alembic(settings, "upgrade")
    run_alembic(settings, "downgrade", "base")
    engine = make_engine(settings)
    try:
        assert set(inspect_engine(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    run_alembic(settings, "upgrade")
    run_alembic(settings, "check")
