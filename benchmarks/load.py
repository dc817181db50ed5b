"""Load benchmark: the app against a bare Litestar app, side by side, driven by wrk.

Builds a demo network at ten times its size (1,300 partners, 10,000 running projects) in a
temporary database, starts the app and benchmarks/bare_app.py (a bare Litestar app rendering a
50-row Jinja2 list) with the same uvicorn settings (one worker each), and drives each route of
the table in issue 17 with wrk (Debian's `wrk` package): the app's route, then the bare app,
interleaved, repeated 3 times. Prints each route's median requests per second as a share of the
bare app's, with the app's median latencies.

Then it times the feeds (one request at a time), the map page at 50,000 projects, and the
server's memory (idle, under load, and with 32 full finder pages at once).

    .venv/bin/python benchmarks/load.py                    # SQLite (the default database)
    .venv/bin/python benchmarks/load.py --postgres URL     # a private schema on that server
    .venv/bin/python benchmarks/load.py --duration 3 --repeats 1 --skip-50k   # a quick look

Traffic goes to 127.0.0.1 only; every wrk run is bounded in time.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARTNERS, PROJECTS, BIG_PROJECTS = 1_300, 10_000, 50_000
COORDINATOR = "coordinator@example.org"


@dataclass(frozen=True)
class Route:
    label: str
    path: str
    target: float  # share of the bare app's requests per second
    htmx: bool = False
    signed_in: bool = False
    today: str = ""  # the figure in issue 17, measured before this work


ROUTES = [
    Route(
        "finder fragment: locality + activity",
        "/activities?locality=kirklees&category=walking",
        0.40,
        htmx=True,
        today="2.7%",
    ),
    Route("finder fragment: near HX1", "/activities?postcode=HX1", 0.20, htmx=True, today="0.65%"),
    Route("finder full page", "/activities", 0.05, today="0.15%"),
    Route("/openreferral/services", "/openreferral/services", 0.20, today="0.22%"),
    Route("partner list, coordinator", "/partners", 0.30, signed_in=True, today="4.4%"),
    Route("home page, signed out", "/", 0.60, today="17%"),
]
TIMED = [  # (label, path, target in seconds, figure before this work)
    ("/activities/map.geojson", "/activities/map.geojson", 0.2, "1.2 s"),
    ("/activities/calendar.ics", "/activities/calendar.ics", 0.5, "4.6 s"),
]


# Database ---------------------------------------------------------------------------------------


@contextmanager
def database(kind: str, folder: Path, postgres_url: str, name: str) -> Iterator[dict[str, str]]:
    """Environment variables for a new empty database: a SQLite file or a PostgreSQL schema."""
    if kind == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{folder / name}.db"}
        return
    from sqlalchemy import create_engine, text

    schema = f"cm_bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"DATABASE_URL": postgres_url, "DATABASE_SCHEMA": schema}
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def fill(env: dict[str, str], projects: int) -> None:
    """The demo network with `projects` projects, all running (so every one is on the map)."""
    from sqlalchemy import update

    from creative_minds.cli import run_alembic
    from creative_minds.db import import_models, make_engine, session_scope
    from creative_minds.demo import load_demo
    from creative_minds.settings import Settings
    from projects.models import Project

    import_models()
    settings = Settings(database_url=env["DATABASE_URL"], database_schema=env.get("DATABASE_SCHEMA"))
    run_alembic(settings, "upgrade")
    engine = make_engine(settings)
    with session_scope(engine) as session:
        load_demo(session, partners=PARTNERS, projects=projects)
        session.execute(update(Project).values(status="active"))
    engine.dispose()


# Servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str

    def rss_mb(self, field: str = "VmRSS") -> float:
        """Resident memory of the worker (VmRSS now, or VmHWM: the most it has held)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


@contextmanager
def serve(factory: str, env: dict[str, str]) -> Iterator[Server]:
    """One uvicorn worker (the same settings for the app and the bare app), logging warnings only."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"{factory} did not start")
        yield Server(process, url)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def sign_in(url: str) -> str:
    """Sign the demo coordinator in; returns the Cookie header value."""
    from creative_minds.demo import DEMO_PASSWORD

    with httpx.Client(base_url=url, follow_redirects=False) as client:
        form = client.get("/login")
        token = client.cookies.get("csrftoken")
        response = client.post(
            "/login", data={"email": COORDINATOR, "password": DEMO_PASSWORD, "_csrf_token": token or ""}
        )
        if response.status_code != 303 or "session" not in client.cookies:
            raise RuntimeError(f"sign-in failed: {response.status_code} {form.status_code}")
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


# wrk --------------------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        return float("nan")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(url: str, *, duration: int, connections: int = 2, headers: dict[str, str] | None = None) -> Run:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "30s"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return Run(rps, p50, p99, errors)


def check(url: str, headers: dict[str, str]) -> int:
    """Fetch once before the load: the route must answer 200 (a 500 would look fast)."""
    response = httpx.get(url, headers=headers, timeout=60)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:300]}")
    return len(response.content)


def timed(url: str, runs: int = 3) -> tuple[float, float, int, float, int]:
    """Median seconds for an answer worked out afresh, median for the same answer asked again, its
    size, the seconds for the very first answer (the feeds then keep no activity's piece yet), and
    the bytes that went over the wire (less when the answer came gzipped: httpx asks for it, as
    browsers do).

    Fresh answers: each request names a different radius, which changes nothing without a postcode
    but is a different question, so no kept answer can answer it.
    """
    fresh, again, size, wire = [], [], 0, 0
    for radius in (1, 2, 3, 5, 10, 20)[:runs]:
        start = time.perf_counter()
        response = httpx.get(url, params={"radius": radius}, timeout=120)
        fresh.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        size, wire = len(response.content), response.num_bytes_downloaded
    for _ in range(runs):
        start = time.perf_counter()
        httpx.get(url, params={"radius": 1}, timeout=120)
        again.append(time.perf_counter() - start)
    return statistics.median(fresh), statistics.median(again), size, fresh[0], wire


# Main -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (a private schema) instead of SQLite")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats per route (default 3)")
    parser.add_argument("--skip-50k", action="store_true", help="leave out the map page at 50,000 projects")
    parser.add_argument(
        "--only", metavar="WORD", help="only the routes and feeds whose label contains WORD (a quick look)"
    )
    parser.add_argument(
        "--page-cache-mb",
        type=int,
        metavar="MB",
        help="CM_PAGE_CACHE_MB for the app (0: every answer worked out afresh, nothing kept)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    kind = "postgresql" if args.postgres else "sqlite"
    routes = [r for r in ROUTES if not args.only or args.only in r.label]
    postgres = args.postgres or ""
    if postgres.startswith("postgresql://"):
        postgres = "postgresql+psycopg://" + postgres.removeprefix("postgresql://")
    common = {
        "SECRET_KEY": "benchmark-" + "k" * 32,
        "CM_LOGIN_ATTEMPTS_PER_MINUTE": "1000",
        "CM_SECURE_COOKIES": "false",  # plain http on this machine
        "PYTHONPATH": str(ROOT),
    }
    if args.page_cache_mb is not None:
        common["CM_PAGE_CACHE_MB"] = str(args.page_cache_mb)
    results: list[tuple[str, str, str, str, bool]] = []  # what, before, after, target, met
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with database(kind, folder, postgres, "10k") as db_env:
            start = time.perf_counter()
            fill(db_env, PROJECTS)
            print(f"{kind}: {PARTNERS:,} partners, {PROJECTS:,} running projects ({time.perf_counter() - start:.0f} s)")
            env = {**db_env, **common}
            with (
                serve("creative_minds.app:create_app", env) as app,
                serve("benchmarks.bare_app:create_app", env) as bare,
            ):
                idle = app.rss_mb()
                cookie = sign_in(app.url)
                runs: dict[str, list[tuple[Run, Run]]] = {r.label: [] for r in routes}
                for route in routes:
                    headers = {"HX-Request": "true"} if route.htmx else {}
                    if route.signed_in:
                        headers["Cookie"] = cookie
                    size = check(app.url + route.path, headers)
                    wrk(app.url + route.path, duration=1, headers=headers)  # warm up
                    print(f"  {route.label}: {size / 1024:,.0f} KB")
                wrk(bare.url + "/", duration=1)
                for repeat in range(args.repeats):
                    for route in routes:
                        headers = {"HX-Request": "true"} if route.htmx else {}
                        if route.signed_in:
                            headers["Cookie"] = cookie
                        ours = wrk(app.url + route.path, duration=args.duration, headers=headers)
                        theirs = wrk(bare.url + "/", duration=args.duration)
                        runs[route.label].append((ours, theirs))
                        print(
                            f"  [{repeat + 1}/{args.repeats}] {route.label}: {ours.rps:,.0f} req/s vs bare {theirs.rps:,.0f}"
                            + (f" ({ours.errors} errors)" if ours.errors else "")
                        )
                under_load = app.rss_mb("VmHWM")
                for route in routes:
                    pairs = runs[route.label]
                    ratio = statistics.median(o.rps / b.rps for o, b in pairs)
                    p50 = statistics.median(o.p50_ms for o, _ in pairs)
                    p99 = statistics.median(o.p99_ms for o, _ in pairs)
                    rps = statistics.median(o.rps for o, _ in pairs)
                    bare_rps = statistics.median(b.rps for _, b in pairs)
                    errors = sum(o.errors for o, _ in pairs)
                    after = (
                        f"{ratio:.1%} of bare ({rps:,.0f} vs {bare_rps:,.0f} req/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms)"
                    )
                    if errors:
                        after += f", {errors} errors"
                    results.append(
                        (route.label, route.today, after, f"≥ {route.target:.0%}", ratio >= route.target and not errors)
                    )
                # 32 full finder pages at once, then memory.
                burst = wrk(app.url + "/activities", duration=args.duration, connections=32)
                peak = app.rss_mb("VmHWM")
                memory = (
                    f"{idle:.0f} MB idle, {under_load:.0f} MB under load, {peak:.0f} MB with 32 full finder pages "
                    f"({burst.rps:,.0f} req/s, {burst.errors} errors)"
                )
                for label, path, target, before in [t for t in TIMED if not args.only or args.only in t[0]]:
                    seconds, kept, size, first, wire = timed(app.url + path)
                    after = (
                        f"{seconds:.3f} s worked out afresh, {kept:.3f} s asked again ({size / 1024:,.0f} KB, "
                        f"{wire / 1024:,.0f} KB over the wire); "
                        f"the first after a change (no activity's piece kept) {first:.3f} s"
                    )
                    results.append(
                        (f"{label}, {PROJECTS:,} projects", before, after, f"under {target} s", seconds < target)
                    )
                results.append(
                    (
                        "server memory (worker RSS, peak)",
                        "240 MB idle, 350–380 MB under load, 633 MB with 32",
                        memory,
                        "< 300 MB under load (2 connections)",
                        under_load < 300,
                    )
                )
        if not args.skip_50k:
            with database(kind, folder, postgres, "50k") as env:
                start = time.perf_counter()
                fill(env, BIG_PROJECTS)
                print(f"{kind}: {BIG_PROJECTS:,} running projects ({time.perf_counter() - start:.0f} s)")
                with serve("creative_minds.app:create_app", {**env, **common}) as app:
                    httpx.get(
                        app.url + "/activities", params={"radius": 20}, timeout=120
                    )  # the map itself is built once
                    seconds, kept, size, _, _ = timed(app.url + "/activities")
                    after = f"{seconds:.2f} s worked out afresh ({kept:.2f} s asked again), {size / 1024 / 1024:.1f} MB of HTML"
                    results.append(
                        (
                            "map page at 50,000 projects",
                            "1.77 s, 11.4 MB",
                            after,
                            "under 1 s, under 3 MB",
                            seconds < 1 and size < 3 * 1024 * 1024,
                        )
                    )
    print()
    print(
        f"Results on {kind} (one uvicorn worker each; wrk, 1 thread, 2 connections, {args.duration} s runs, median of {args.repeats})"
    )
    print("| what | before (issue 17) | now | target | met |")
    print("|---|---|---|---|---|")
    for what, before, after, target, met in results:
        print(f"| {what} | {before} | {after} | {target} | {'yes' if met else 'NO'} |")
    print("\nThe allocation row: .venv/bin/python benchmarks/allocation.py")


if __name__ == "__main__":
    main()
