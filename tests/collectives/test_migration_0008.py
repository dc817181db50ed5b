"""Migration 0008 on a database with rounds in it: nothing lost, hidden lots kept and now shown, receipts given."""

from __future__ import annotations

import random
from datetime import date, datetime

import sqlalchemy as sa

from creative_minds.cli import run_alembic
from creative_minds.db import make_engine

RECEIPT_CHARS = set("23456789ABCDEFGHJKMNPQRSTVWXYZ-")


def _insert(conn, table: str, **given) -> int:
    """Insert a row, filling required columns the test does not care about with plain values."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    row = dict(given)
    for column in reflected.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        kind = column.type
        if isinstance(kind, sa.Boolean):
            row[column.name] = False
        elif isinstance(kind, sa.DateTime):
            row[column.name] = datetime(2026, 1, 1, 12)
        elif isinstance(kind, sa.Date):
            row[column.name] = date(2026, 1, 1)
        elif isinstance(kind, (sa.Integer, sa.Float, sa.Numeric)):
            row[column.name] = 1
        else:
            row[column.name] = "x"
    result = conn.execute(reflected.insert().values(**row))
    return result.inserted_primary_key[0] if result.inserted_primary_key else 0


def test_upgrade_keeps_ballots_and_the_lots_the_old_seed_gave(settings_for_empty_database):
    settings = settings_for_empty_database
    run_alembic(settings, "upgrade", "0004")
    engine = make_engine(settings)
    seed = 1234567
    try:
        with engine.begin() as conn:
            kirklees = conn.execute(sa.text("SELECT id FROM locality WHERE slug = 'kirklees'")).scalar_one()
            coordinator = _insert(conn, "user", email="c@example.org", role="coordinator")
            voter = _insert(conn, "user", email="v@example.org", role="collective_member", locality_id=kirklees)
            fund = _insert(conn, "fund", total_pence=1_000_000)
            share = _insert(conn, "fund_share", fund_id=fund, locality_id=kirklees, amount_pence=1_000_000)
            round_id = _insert(
                conn,
                "funding_round",
                share_id=share,
                locality_id=kirklees,
                budget_pence=500_000,
                phase="voting",
                rule="mes",
                lot_seed=seed,
            )
            partner = _insert(conn, "partner", name="Group", status="approved")
            applications = []
            for n in range(4):
                project = _insert(conn, "project", partner_id=partner, locality_id=kirklees, title=f"Project {n}")
                applications.append(
                    _insert(
                        conn,
                        "application",
                        round_id=round_id,
                        project_id=project,
                        partner_id=partner,
                        amount_pence=100_000,
                        match_pence=1,
                        status="eligible" if n < 3 else "ineligible",
                        submitted_by_id=coordinator,
                    )
                )
            ballot = _insert(conn, "ballot", round_id=round_id, voter_id=voter)
            for application_id in applications[:2]:
                conn.execute(
                    sa.text("INSERT INTO ballot_approval (ballot_id, application_id) VALUES (:b, :a)"),
                    {"b": ballot, "a": application_id},
                )
        run_alembic(settings, "upgrade")
        with engine.connect() as conn:
            # The old code drew lots by shuffling the eligible applications' ids with the round's seed.
            eligible = sorted(applications[:3])
            random.Random(seed).shuffle(eligible)
            lots = dict(conn.execute(sa.text("SELECT id, lot FROM application")).all())
            assert [lots[a] for a in eligible] == [1, 2, 3]
            assert lots[applications[3]] is None
            assert conn.execute(sa.text("SELECT tie_rule FROM funding_round")).scalar_one() == "lot"
            # SQLite copies the ballot table to change it: its approvals must survive (no cascade).
            kept = conn.execute(sa.text("SELECT application_id FROM ballot_approval ORDER BY application_id")).all()
            assert [a for (a,) in kept] == sorted(applications[:2])
            receipt = conn.execute(sa.text("SELECT receipt FROM ballot")).scalar_one()
            assert len(receipt) == 14 and set(receipt) <= RECEIPT_CHARS
            assert conn.execute(sa.text("SELECT payment_choice FROM membership")).all() == []
        run_alembic(settings, "downgrade", "0004")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM ballot_approval")).scalar_one() == 2
            assert conn.execute(sa.text("SELECT lot_seed FROM funding_round")).scalar_one() is not None
    finally:
        engine.dispose()
