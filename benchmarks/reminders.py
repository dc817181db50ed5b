"""The daily scan (`creative-minds remind`) for 1,000 partners and 100,000 participants, and how
many messages per second the worker hands to a local SMTP server.

Builds a temporary SQLite database (or a fresh schema on PostgreSQL with --postgres URL): the demo
network with 1,000 partners (dates spread a year either side of today, so every state occurs),
then 100,000 participants each with a baseline form (a third followed up). Times the first scan
(which writes every obligation), a second scan on the same day (steady state: nothing new), and
then the worker sending 2,000 queued messages to an aiosmtpd server in this process.
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text, update
from sqlmodel import Session

from creative_minds.accounts.models import Role, User
from creative_minds.cli import run_alembic
from creative_minds.db import import_models, make_engine, session_scope
from creative_minds.demo import load_demo
from creative_minds.settings import Settings
from creative_minds.timeutil import today, utcnow
from obligations import outbox
from obligations.models import Obligation, OutboxMessage, Topic
from obligations.service import remind
from partners.models import Partner
from projects.models import Project
from stories.participants.models import Participant
from stories.scores.models import WellbeingScore

PARTNERS, PARTICIPANTS, MESSAGES = 1_000, 100_000, 2_000


def _spread_partner_dates(session: Session, rng: random.Random) -> None:
    now = today()
    ids = session.execute(select(Partner.id)).scalars().all()
    for pid in ids:
        session.execute(
            update(Partner)
            .where(Partner.id == pid)
            .values(
                status="approved",
                insurance_expires_on=now + timedelta(days=rng.randint(-60, 365)),
                safeguarding_review_due_on=now + timedelta(days=rng.randint(-60, 365)),
                agreement_status="signed",
                agreement_signed_on=now - timedelta(days=rng.randint(0, 400)),
            )
        )


def _participants(session: Session, rng: random.Random, how_many: int) -> None:
    projects = session.execute(select(Project.id)).scalars().all()
    reporter = session.execute(select(User.id).where(User.role == Role.REPORTER)).scalars().first()
    start = session.execute(select(Participant.id).order_by(Participant.id.desc())).scalars().first() or 0
    now, stamp = today(), utcnow()
    for base in range(0, how_many, 5_000):
        people = [
            {"code": f"B{start + base + i:09d}", "created_by_id": reporter, "created_at": stamp}
            for i in range(min(5_000, how_many - base))
        ]
        session.execute(insert(Participant), people)
        ids = (
            session.execute(
                select(Participant.id).where(Participant.code.in_([p["code"] for p in people]))  # type: ignore[attr-defined]
            )
            .scalars()
            .all()
        )
        scores = []
        for pid in ids:
            project = rng.choice(projects)
            baseline = now - timedelta(days=rng.randint(0, 200))
            row = {"participant_id": pid, "project_id": project, "recorded_by_id": reporter, "created_at": stamp}
            items = {f"item_{k}": 3 for k in range(1, 8)} | {"raw_score": 21, "metric_score": "19.25"}
            scores.append({**row, **items, "kind": "baseline", "completed_on": baseline})
            if rng.random() < 1 / 3:
                scores.append({**row, **items, "kind": "follow_up", "completed_on": baseline + timedelta(days=90)})
        session.execute(insert(WellbeingScore), scores)


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the SMTP server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="a PostgreSQL URL; a fresh schema is made and dropped")
    parser.add_argument("--participants", type=int, default=PARTICIPANTS)
    parser.add_argument("--profile", action="store_true", help="profile the first scan (cProfile, top 25)")
    parser.add_argument("--workers", type=int, default=1, help="workers sending at once (threads)")
    args = parser.parse_args()
    import_models()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as folder:
        schema = None
        if args.postgres:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(Settings(database_url=args.postgres))
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            settings = Settings(database_url=args.postgres, database_schema=schema, secret_key="benchmark" * 4)
        else:
            settings = Settings(database_url=f"sqlite:///{folder}/bench.db", secret_key="benchmark" * 4)
        try:
            run_alembic(settings, "upgrade")
            engine = make_engine(settings)
            built = time.perf_counter()
            with session_scope(engine) as session:
                load_demo(session, partners=PARTNERS, projects=2_000)
                _spread_partner_dates(session, rng)
                _participants(session, rng, args.participants)
            print(f"built the network in {time.perf_counter() - built:.1f} s ({engine.dialect.name})")
            if engine.dialect.name == "postgresql":  # as autovacuum would after a load this size
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
            for label in ("first scan (writes every obligation)", "second scan, same day (nothing new)"):
                began = time.perf_counter()
                profiler = None
                if args.profile and label.startswith("first"):
                    import cProfile

                    profiler = cProfile.Profile()
                    profiler.enable()
                with session_scope(engine) as session:
                    result = remind(session, digest=False)
                if profiler is not None:
                    import pstats

                    profiler.disable()
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                print(
                    f"{label}: {time.perf_counter() - began:.2f} s — added {result.added}, closed {result.closed}, "
                    f"messages queued {result.reminders}"
                )
            with Session(engine) as session:
                total = session.execute(select(Obligation.id)).all()
                print(f"obligations in the table: {len(total)}")
                session.execute(update(OutboxMessage).values(state="sent"))  # leave only the benchmark's messages
                people = session.execute(select(User).limit(MESSAGES)).scalars().all()
                outbox.queue(
                    session,
                    [
                        outbox.Mail(
                            key=f"bench:{i}",
                            topic=Topic.VOTES,
                            subject=f"Message {i}",
                            body="Hello.",
                            users=[people[i % len(people)]],
                        )
                        for i in range(MESSAGES)
                    ],
                )
                session.commit()
                waiting = session.execute(select(OutboxMessage.id).where(OutboxMessage.state == "pending")).all()
            # A local SMTP server in its own process (aiosmtpd's command line, accepting and dropping mail).
            server = subprocess.Popen(
                [sys.executable, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:8625", "-c", "aiosmtpd.handlers.Sink"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                _wait_for_port(8625)
                mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 8625})
                counts: list[int] = []

                def work(name: str) -> None:
                    sent = 0
                    while True:
                        report = outbox.send_due(engine, mail, worker=name, batch=50)
                        sent += report.sent
                        if not report.claimed:
                            break
                    counts.append(sent)

                began = time.perf_counter()
                threads = [threading.Thread(target=work, args=(f"bench{i}",)) for i in range(args.workers)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                took = time.perf_counter() - began
                sent = sum(counts)
            finally:
                server.terminate()
                server.wait(timeout=10)
            print(
                f"{args.workers} worker(s): {sent} of {len(waiting)} messages in {took:.2f} s = {sent / took:.0f} messages/s"
            )
            engine.dispose()
        finally:
            if schema:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
