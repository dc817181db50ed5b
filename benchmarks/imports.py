"""Importing 10,000 projects and 100,000 SWEMWBS forms (issue 12), on PostgreSQL by default.

Makes a fresh PostgreSQL schema (or an SQLite file with --sqlite), 120 partners, then times the
imports through the same code as the web page and the command line (transfers.service.run_import):
projects, the participants the forms belong to (one for every two forms), and the forms (a baseline
and a follow-up each), all really imported, nothing extrapolated. Prints seconds, rows per second,
the process's peak memory and the load average (the machine may be shared). Targets: projects under
60 s, forms under 2 minutes, memory under 500 MB.

    .venv/bin/python benchmarks/imports.py [--projects 10000] [--forms 100000] [--postgres URL | --sqlite] [--again]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from creative_minds.accounts.models import Role
from creative_minds.accounts.service import create_user
from creative_minds.cli import run_alembic
from creative_minds.db import make_engine, session_scope
from creative_minds.settings import Settings
from transfers.importers import importer_for
from transfers.models import ImportMode
from transfers.readers import read_table
from transfers.service import run_import

POSTCODES = {"kirklees": "HD1 1AA", "calderdale": "HX1 1AA", "barnsley": "S70 1AA", "wakefield": "WF1 1AA"}


def _csv(lines: list[str]) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(engine, kind: str, data: bytes, email: str) -> tuple[float, int]:
    table = read_table(f"{kind}.csv", data, max_bytes=500 * 1024 * 1024)
    started = time.perf_counter()
    with session_scope(engine) as session:
        from creative_minds.accounts.service import get_user_by_email

        user = get_user_by_email(session, email)
        outcome = run_import(session, importer_for(kind), table, mode=ImportMode.ALL_OR_NOTHING, by=user)
    seconds = time.perf_counter() - started
    print(
        f"{kind:13} {outcome.total:>7,} rows  {seconds:7.1f} s  {outcome.total / seconds:7.0f} rows/s  "
        f"created {outcome.created:,} updated {outcome.updated:,} unchanged {outcome.unchanged:,}  "
        f"peak memory {_peak_mb():.0f} MB",
        flush=True,
    )
    return seconds, outcome.total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--forms", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--again", action="store_true", help="then import the projects and forms again (unchanged)")
    args = parser.parse_args()

    schema = f"cm_bench_imports_{uuid.uuid4().hex[:8]}"
    if args.sqlite:
        settings = Settings(database_url=f"sqlite:///{tempfile.mkdtemp()}/imports.db", secret_key="x" * 40)
    else:
        admin = make_engine(Settings(database_url=args.postgres))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        settings = Settings(database_url=args.postgres, database_schema=schema, secret_key="x" * 40)
    try:
        run_alembic(settings, "upgrade")
        engine = make_engine(settings)
        email = "bench@example.org"
        with session_scope(engine) as session:
            create_user(session, email=email, full_name="Bench", password="a-long-password", role=Role.COORDINATOR)
        localities = list(POSTCODES)
        partners = ["External id,Name,Kind,Localities,Contact name,Contact email,Address,Postcode"]
        partners += [
            f"P{i},Group {i},Community group,{localities[i % 4]},Jo,jo{i}@example.org,{i} Street,{POSTCODES[localities[i % 4]]}"
            for i in range(120)
        ]
        _run(engine, "partners", _csv(partners), email)

        projects = [
            "External id,Partner,Locality,Title,Categories,Postcode,Day of week,Total cost,Match funding,Requested"
        ]
        projects += [
            f"J{i},P{i % 120},{localities[i % 120 % 4]},Project number {i},Walking; Art and crafts,"
            f'{POSTCODES[localities[i % 120 % 4]]},Tuesday,"1,250.50",250,1000.50'
            for i in range(args.projects)
        ]
        project_seconds, _ = _run(engine, "projects", _csv(projects), email)

        people = max(1, args.forms // 2)
        participants = ["External code,Projects,Age band"]
        participants += [f"X{i},J{i % args.projects},25 to 34" for i in range(people)]
        _run(engine, "participants", _csv(participants), email)

        start = date(2025, 1, 6)
        forms = ["Participant,Project,Kind,Completed on,Item 1,Item 2,Item 3,Item 4,Item 5,Item 6,Item 7"]
        for i in range(people):
            day = start + timedelta(days=i % 200)
            base = 1 + i % 5
            forms.append(f"X{i},J{i % args.projects},baseline,{day.isoformat()}," + ",".join([str(base)] * 7))
            if len(forms) - 1 < args.forms:
                later = (day + timedelta(weeks=12)).isoformat()
                forms.append(f"X{i},J{i % args.projects},follow-up,{later}," + ",".join([str(min(5, base + 1))] * 7))
        form_seconds, _ = _run(engine, "swemwbs", _csv(forms[: args.forms + 1]), email)
        if args.again:
            print("the same files again (nothing changes):")
            _run(engine, "projects", _csv(projects), email)
            _run(engine, "swemwbs", _csv(forms[: args.forms + 1]), email)
        load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
        print(
            f"\nload average {' '.join(load)}\ntargets: projects {project_seconds:.1f} s (under 60), forms {form_seconds:.1f} s (under 120), "
            f"peak memory {_peak_mb():.0f} MB (under 500)"
        )
        engine.dispose()
    finally:
        if not args.sqlite:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


if __name__ == "__main__":
    main()
