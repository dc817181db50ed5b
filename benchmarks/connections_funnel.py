"""The connections funnel for 100,000 connections on PostgreSQL (target: under 1 s per funnel page's figures).

Builds the demo network in a private PostgreSQL schema (CM_BENCH_POSTGRES_URL, default the test
server), adds 60,000 pseudonymous people with equality answers, 100,000 connections spread over the
running activities at every stage, and SWEMWBS pairs for some; then times `funnel()` (the headline,
the tables it must be checked against, the by-source and seven equality breakdowns) for the whole
network, a locality, a partner and one activity, exact and with small numbers hidden. Prints the
median of several runs. The schema is dropped at the end.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text

from connections import summary
from connections.funnel import FunnelScope, funnel
from connections.models import Connection, ReferralSource
from creative_minds.cli import run_alembic
from creative_minds.db import import_models, make_engine, session_scope
from creative_minds.demo import load_demo
from creative_minds.settings import Settings
from creative_minds.timeutil import today
from projects.models import Project
from stories.equality import QUESTIONS
from stories.participants.models import Participant
from stories.scores.models import WellbeingScore

URL = os.environ.get("CM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CONNECTIONS, PEOPLE, RUNS = 100_000, 60_000, 5


def fill(session, rng: random.Random) -> None:
    projects = list(session.execute(select(Project.id, Project.partner_id).where(Project.status == "active")))
    sources = [s for (s,) in session.execute(select(ReferralSource.id))]
    champion = session.execute(text("SELECT id FROM \"user\" WHERE role = 'champion' LIMIT 1")).scalar_one()
    people = []
    for n in range(PEOPLE):
        row = {"code": f"B-{n:07d}", "created_by_id": champion, "created_at": today()}
        for name, question in QUESTIONS.items():
            row[name] = rng.choice(question.options) if rng.random() < 0.85 else None
        people.append(row)
    session.execute(insert(Participant), people)
    ids = [i for (i,) in session.execute(select(Participant.id).where(Participant.code.like("B-%")))]
    day = today()
    rows, pairs, seen = [], [], set()
    while len(rows) < CONNECTIONS:
        person, (project, _) = rng.choice(ids), rng.choice(projects)
        connected = day - timedelta(days=rng.randint(1, 700))
        if (person, project, connected) in seen:
            continue
        seen.add((person, project, connected))
        first = connected + timedelta(days=rng.randint(1, 14)) if rng.random() < 0.6 else None
        outcome = None
        if first is not None and (day - first).days > 92:
            outcome = rng.choice(["still_going", "still_going", "stopped", None])
        rows.append(
            {
                "participant_id": person,
                "project_id": project,
                "champion_id": champion,
                "source_id": rng.choice(sources),
                "connected_on": connected,
                "how": "told",
                "waiting_list": False,
                "notes": "",
                "contact_consent": False,
                "first_attended_on": first,
                "outcome": outcome,
                "outcome_on": first + timedelta(days=92) if outcome else None,
                "stop_reason": "cost" if outcome == "stopped" else None,
                "created_at": day,
                "updated_at": day,
            }
        )
        if (
            outcome == "still_going"
            and rng.random() < 0.5
            and (person, project) not in {(p, q) for p, q, _ in pairs[-5:]}
        ):
            pairs.append((person, project, first))
    session.execute(insert(Connection), rows)
    scores, done = [], set()
    for person, project, first in pairs:
        if (person, project) in done:
            continue
        done.add((person, project))
        for kind, on, metric in (("baseline", first, 19.98), ("follow_up", first + timedelta(days=92), 23.21)):
            scores.append(
                {
                    "participant_id": person,
                    "project_id": project,
                    "kind": kind,
                    "completed_on": on,
                    "raw_score": 22 if kind == "baseline" else 26,
                    "metric_score": metric,
                    "created_at": day,
                }
            )
    session.execute(insert(WellbeingScore), scores)
    print(f"{len(rows):,} connections, {len(ids):,} people, {len(done):,} wellbeing pairs")


def main() -> None:
    import_models()
    keep = os.environ.get("CM_BENCH_SCHEMA")  # reuse a schema filled by an earlier run, and keep it
    schema = keep or f"cm_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(Settings(database_url=URL))
    try:
        settings = Settings(database_url=URL, database_schema=schema, secret_key="benchmark" * 4)
        engine = make_engine(settings)
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).first()
        if not exists:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            run_alembic(settings, "upgrade")
            with session_scope(engine) as session:
                load_demo(session)
                fill(session, random.Random(2026))
                start = time.perf_counter()
                rows = summary.rebuild(session)  # the bulk inserts above bypass the session's bookkeeping
                print(f"kept summary rebuilt: {rows:,} rows in {time.perf_counter() - start:.1f} s")
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        with session_scope(engine) as session:
            project, partner, locality = session.execute(
                select(Project.id, Project.partner_id, Project.locality_id)
                .join(Connection, Connection.project_id == Project.id)
                .limit(1)
            ).one()
            scopes = {
                "whole network": FunnelScope(),
                "one locality": FunnelScope(locality_id=locality),
                "one partner": FunnelScope(partner_id=partner),
                "one activity": FunnelScope(project_id=project),
            }
            for label, scope in scopes.items():
                for exact in (True, False):
                    times = []
                    for _ in range(RUNS):
                        start = time.perf_counter()
                        result = funnel(session, scope, small_number=5, exact=exact)
                        times.append(time.perf_counter() - start)
                    who = "coordinator (exact)" if exact else "others (hidden)   "
                    print(
                        f"{label:14} {who}  median {statistics.median(times) * 1000:7.1f} ms  "
                        f"(connected {result.total.counts['connected']:,})"
                    )
        engine.dispose()
    finally:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).first()
        if not exists:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
