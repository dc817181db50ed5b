"""The wellbeing evaluation report, the annual report and the CSV at demo size and at 1,000, 10,000
and 100,000 participants with paired scores, on PostgreSQL (targets: under 0.3 s at demo size,
under 1 s at 100,000 pairs), then other pages' latency while 20 reports run at once.

Builds the demo network in a private PostgreSQL schema (dropped afterwards), adds participants with
a baseline and a follow-up spread over the demo's running projects, and times requests in-process
(server time, no network): the median of several runs.

    .venv/bin/python benchmarks/evaluation.py [--postgres URL] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from litestar.testing import TestClient
from sqlmodel import select

from creative_minds.app import create_app
from creative_minds.cli import run_alembic
from creative_minds.db import import_models, make_engine, session_scope
from creative_minds.demo import DEMO_PASSWORD, load_demo
from creative_minds.settings import Settings
from projects.models import Project, ProjectStatus
from stories.participants.models import Participant, ParticipantProject
from stories.scores.models import WellbeingScore
from stories.scores.swemwbs import METRIC
from tests.utils import csrf_token, login

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def add_people(engine: sa.Engine, count: int, rng: random.Random) -> None:
    """`count` more participants, each with a scored baseline and a follow-up 12 weeks later."""
    with engine.begin() as conn:
        projects = [
            row[0]
            for row in conn.execute(
                sa.select(Project.id).where(Project.status == ProjectStatus.ACTIVE.value).order_by(Project.id)
            )
        ][:400]
        first = (conn.execute(sa.select(sa.func.max(Participant.id))).scalar() or 0) + 1
        today, now = date.today(), datetime.now()
        for start in range(0, count, 5000):
            ids = range(first + start, first + min(count, start + 5000))
            conn.execute(
                sa.insert(Participant.__table__),  # type: ignore[attr-defined]
                [{"id": i, "code": f"B-{i:08d}"[:16], "sex": rng.choice(["Female", "Male", None])} for i in ids],
            )
            links, scores = [], []
            for i in ids:
                project = projects[i % len(projects)]
                links.append({"participant_id": i, "project_id": project})
                baseline_on = today - timedelta(days=rng.randint(100, 700))
                for kind, day, level in (
                    ("baseline", baseline_on, 2.6),
                    ("follow_up", baseline_on + timedelta(weeks=12), 3.1),
                ):
                    items = [min(5, max(1, round(rng.gauss(level, 0.7)))) for _ in range(7)]
                    raw = sum(items)
                    scores.append(
                        {
                            "participant_id": i,
                            "project_id": project,
                            "kind": kind,
                            "completed_on": day,
                            "raw_score": raw,
                            "metric_score": METRIC[raw],
                            "completion_mode": rng.choice(["self", "self", "self", "read_out"]),
                            "created_at": now,
                            **{f"item_{n}": v for n, v in enumerate(items, start=1)},
                        }
                    )
            conn.execute(sa.insert(ParticipantProject.__table__), links)  # type: ignore[attr-defined]
            conn.execute(sa.insert(WellbeingScore.__table__), scores)  # type: ignore[attr-defined]
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.text("SELECT setval(pg_get_serial_sequence('participant', 'id'), (SELECT max(id) FROM participant))")
            )
            conn.execute(sa.text("ANALYZE"))


def timed(client: TestClient, method: str, url: str, runs: int, data: dict | None = None) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**(data or {}), "_csrf_token": csrf_token(client)})
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return statistics.median(times), max(times)


def load_average() -> str:
    """The machine's load (1, 5 and 15 minutes): the figures mean little on a busy machine without it."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def measure(client: TestClient, label: str, target: float, runs: int) -> None:
    year = date.today().year - 1
    print(f"{label:>22}  load average {load_average()}")
    for name, method, url, data in (
        ("report, whole network", "GET", "/reports/evaluation", None),
        ("annual report", "GET", f"/reports/annual?year={year}", None),
        ("CSV, whole network", "POST", "/reports/evaluation.csv", {"reason": "Benchmark of the export"}),
    ):
        median, worst = timed(client, method, url, runs, data)
        verdict = "met" if median < target else "NOT met"
        print(
            f"{label:>22}  {name:24} median {median:6.3f} s  max {worst:6.3f} s  (target under {target} s: {verdict})"
        )


def concurrency(app, email: str, reports: int = 20) -> None:
    """Other pages' latency alone, then while `reports` whole-network reports run at once."""

    def sign_in_page(client: TestClient) -> list[float]:
        times = []
        for _ in range(10):
            start = time.perf_counter()
            assert client.get("/login").status_code == 200
            times.append(time.perf_counter() - start)
        return times

    with TestClient(app) as quiet:
        alone = statistics.median(sign_in_page(quiet))
    done: list[float] = []
    with TestClient(app) as busy:
        login(busy, email, DEMO_PASSWORD)

        def report() -> None:
            start = time.perf_counter()
            busy.get("/reports/evaluation")
            done.append(time.perf_counter() - start)

        threads = [threading.Thread(target=report) for _ in range(reports)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        with TestClient(app) as other:
            during = sign_in_page(other)
        for thread in threads:
            thread.join()
        total = time.perf_counter() - started
    print(
        f"sign-in page alone median {alone * 1000:.1f} ms; while {reports} reports run: median "
        f"{statistics.median(during) * 1000:.1f} ms, worst {max(during) * 1000:.1f} ms; "
        f"the {reports} reports took {total:.2f} s in all (slowest {max(done):.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=DEFAULT_URL)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--no-concurrency", action="store_true")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    import_models()
    schema = f"bench_evaluation_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(Settings(database_url=args.postgres).database_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        settings = Settings(
            database_url=args.postgres, database_schema=schema, secret_key="benchmark" * 4, secure_cookies=False
        )
        run_alembic(settings, "upgrade")
        engine = make_engine(settings)
        with session_scope(engine) as session:
            load_demo(session)
            people = len(session.exec(select(Participant.id)).all())
        app = create_app(settings)
        rng = random.Random(2026)
        with TestClient(app) as client:
            login(client, "coordinator@example.org", DEMO_PASSWORD)
            measure(client, f"demo ({people} people)", 0.3, 7)
        if not args.no_concurrency:
            concurrency(app, "coordinator@example.org")  # at demo size, as in the issue
        with TestClient(app) as client:
            login(client, "coordinator@example.org", DEMO_PASSWORD)
            have = people
            for size in [int(s) for s in args.sizes.split(",") if s]:
                add_people(engine, size - have, rng)
                have = size
                measure(client, f"{size:,} people", 1.0, 5 if size < 100_000 else 3)
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
