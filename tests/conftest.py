"""Test set-up: every database test runs on SQLite and on PostgreSQL.

PostgreSQL must be reachable (127.0.0.1:5432, database `test`, trust auth, or CM_TEST_POSTGRES_URL).
If it is not, the PostgreSQL half of the suite errors loudly instead of being skipped.
A developer may run SQLite only with CM_TEST_DATABASES=sqlite, but CI never sets it.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import uvicorn
from argon2.profiles import CHEAPEST
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from creative_minds import passwords
from creative_minds.app import create_app
from creative_minds.audit.models import DROP_TRIGGERS
from creative_minds.audit.models import TRIGGERS as AUDIT_TRIGGERS
from creative_minds.cli import run_alembic
from creative_minds.db import all_metadata, make_engine
from creative_minds.settings import Settings

POSTGRES_URL = os.environ.get("CM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASES = [d.strip() for d in os.environ.get("CM_TEST_DATABASES", "sqlite,postgresql").split(",") if d.strip()]
KEEP = {"locality", "app_secret", "alembic_version"}
TEST_SECRET = "test-secret-key-" + "x" * 32

# Production hashes with RFC 9106 parameters (about 50 ms each); the suite makes hundreds of
# accounts, so it hashes with argon2's cheapest parameters. tests/accounts/test_passwords.py
# checks that the app itself never does.
passwords.use_parameters(CHEAPEST)

# The test client is httpx, which logs every request at INFO; the app's logging (Litestar's queue
# handler on the root logger) would format and write each of the suite's tens of thousands of lines.
logging.getLogger("httpx").setLevel(logging.WARNING)


@event.listens_for(Engine, "connect")
def _no_waiting_for_the_disk(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """A test database is thrown away at the end, so no commit waits for the disk: PostgreSQL's
    synchronous_commit off and SQLite's synchronous OFF. What a commit makes visible, and when, is
    unchanged (only a power cut could lose the last commits); under load it halves the time of the
    database tests."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()
        return
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    dbapi_connection.commit()  # a SET in a transaction the pool rolls back would be undone


def _postgres_settings(schema: str) -> Settings:
    return Settings(
        database_url=POSTGRES_URL,
        database_schema=schema,
        secret_key=TEST_SECRET,
        login_attempts_per_minute=10_000,
        secure_cookies=False,
    )


@contextmanager
def empty_database(kind: str, tmp_dir: Path) -> Iterator[Settings]:
    """Settings for an empty database: a new SQLite file, or a new private PostgreSQL schema."""
    if kind == "sqlite":
        path = tmp_dir / f"test-{uuid.uuid4().hex[:8]}.db"
        yield Settings(
            database_url=f"sqlite:///{path}",
            secret_key=TEST_SECRET,
            login_attempts_per_minute=10_000,
            secure_cookies=False,
        )
        return
    if kind != "postgresql":
        raise pytest.UsageError(f"Unknown test database {kind!r}; use sqlite and/or postgresql.")
    schema = f"cm_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(Settings(database_url=POSTGRES_URL))
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - report any connection failure loudly
        pytest.fail(
            f"PostgreSQL is unreachable at {POSTGRES_URL}: {exc}. The suite must pass on PostgreSQL too. "
            "Start it, or (locally only) run with CM_TEST_DATABASES=sqlite.",
            pytrace=False,
        )
    try:
        yield _postgres_settings(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


class Databases:
    """A worker's databases, made when first needed and kept until the worker ends: one migrated
    database, one app and (for the browser tests and schemathesis) one live server per kind.

    A session-scoped fixture parametrised by database would be torn down and made again (new schema,
    migrations, app, server) each time the worker's next test is on the other database; kept side by
    side, the tests can run in any order, longest first (see pytest_collection_modifyitems)."""

    def __init__(self, stack: ExitStack, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._stack = stack
        self._tmp = tmp_path_factory
        self._settings: dict[str, Settings] = {}
        self._apps: dict[str, Litestar] = {}
        self._servers: dict[str, str] = {}

    def settings(self, kind: str) -> Settings:
        if kind not in self._settings:
            settings = self._stack.enter_context(empty_database(kind, self._tmp.mktemp("db")))
            run_alembic(settings, "upgrade")
            self._settings[kind] = settings
        return self._settings[kind]

    def app(self, kind: str) -> Litestar:
        if kind not in self._apps:
            application = create_app(self.settings(kind))
            self._stack.callback(application.state.engine.dispose)
            self._apps[kind] = application
        return self._apps[kind]

    def live_server(self, kind: str) -> str:
        if kind not in self._servers:
            self._servers[kind] = self._stack.enter_context(_serve(self.app(kind)))
        return self._servers[kind]


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    with ExitStack() as stack:
        yield Databases(stack, tmp_path_factory)


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(databases: Databases, database_kind: str) -> Settings:
    """A migrated database shared by the worker's tests on that database (emptied before each test)."""
    return databases.settings(database_kind)


@pytest.fixture(params=DATABASES)
def settings_for_empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """An empty database of its own, not migrated, for tests of the migrations themselves."""
    with empty_database(request.param, tmp_path) as settings:
        yield settings


@pytest.fixture
def app(databases: Databases, database_kind: str, settings: Settings) -> Litestar:
    return databases.app(database_kind)


@pytest.fixture
def engine(app: Litestar) -> Engine:
    return app.state.engine


def _wipe(engine: Engine) -> None:
    tables = [t for md in all_metadata() for t in reversed(md.sorted_tables) if t.name not in KEEP]
    if engine.dialect.name == "postgresql":
        _wipe_postgresql(engine, tables)
        return
    with engine.connect() as conn:  # partner and user refer to each other: wipe with checks off
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for statement in DROP_TRIGGERS["sqlite"]:  # the audit trail refuses deletes, even ours
            conn.exec_driver_sql(statement)
        for table in tables:
            conn.execute(table.delete())
        for statement in AUDIT_TRIGGERS["sqlite"]:
            conn.exec_driver_sql(statement)
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def _wipe_postgresql(engine: Engine, tables: list) -> None:
    """Empty what the last test wrote, quickly: TRUNCATE costs PostgreSQL milliseconds a table even
    when it is empty, so only tables holding rows are emptied, by DELETE with triggers and foreign-key
    checks off (a superuser's session_replication_role, as CI's server has), and only the id sequences
    that moved are restarted. Without that right: TRUNCATE every table, as before."""
    probe = " UNION ALL ".join(f"""(SELECT '{t.name}' FROM "{t.name}" LIMIT 1)""" for t in tables)
    moved_query = "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
    with engine.connect() as conn:
        used = {row[0] for row in conn.execute(text(probe))}
        moved = [row[0] for row in conn.execute(text(moved_query))]
        conn.rollback()  # end the reading transaction before the writing one
        try:
            with conn.begin():
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table in tables:
                    if table.name in used:
                        conn.execute(text(f'DELETE FROM "{table.name}"'))
                for sequence in moved:
                    conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
            return
        except sa_exc.ProgrammingError:  # not a superuser: the slow, sure way
            pass
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _tables() -> list:
    return [t for md in all_metadata() for t in md.sorted_tables if t.name not in KEEP]


def snapshot(engine: Engine) -> Callable[[], None] | None:
    """Remember every row (and, on PostgreSQL, where each id sequence stands) so that the database can
    be put back exactly as it is now, far faster than building the same data again through the
    services. The returned function empties the database and puts the rows back; None where that is
    not possible (PostgreSQL without the right to switch triggers and foreign-key checks off)."""
    with engine.connect() as conn:
        rows = {t.name: [dict(r) for r in conn.execute(t.select()).mappings()] for t in _tables()}
        sequences = []
        if engine.dialect.name == "postgresql":
            query = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"
            sequences = [(name, value) for name, value in conn.execute(text(query))]
            conn.rollback()  # end the reading transaction; may this session switch checks off?
            try:
                with conn.begin():
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
            except sa_exc.ProgrammingError:
                return None

    def restore() -> None:
        tables = _tables()
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            else:  # partner and user refer to each other, and the audit trail refuses deletes
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                for statement in DROP_TRIGGERS["sqlite"]:
                    conn.exec_driver_sql(statement)
            for table in reversed(tables):
                conn.execute(table.delete())
            for table in tables:
                if rows[table.name]:
                    conn.execute(table.insert(), rows[table.name])
            for name, value in sequences:
                if value is None:
                    conn.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))
                else:
                    conn.execute(text("SELECT setval(:name, :value)"), {"name": f'"{name}"', "value": value})
            if engine.dialect.name == "sqlite":
                for statement in AUDIT_TRIGGERS["sqlite"]:
                    conn.exec_driver_sql(statement)
            conn.commit()
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")

    return restore


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each database test starts from an empty network (the four localities stay)."""
    if "engine" not in request.fixturenames:
        yield
        return
    engine = request.getfixturevalue("engine")
    _wipe(engine)
    yield


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session for arranging data and calling services directly; commit to make data visible to the app."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


@pytest.fixture
def client(app: Litestar, engine: Engine) -> Iterator[TestClient]:
    with TestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


# A real server, for the browser tests and schemathesis. ---------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serve(app: Litestar) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def live_server(databases: Databases, database_kind: str, app: Litestar) -> str:
    """A real server for the database, started when a worker first needs it and kept."""
    return databases.live_server(database_kind)


# Longest first, so the two workers finish together. ---------------------------------------

# Tests that take seconds, longest first (measured with --durations). With `--maxschedchunk 1`
# (scripts/test) each worker takes the next test when it is free, so long tests started first
# cannot leave one worker running alone at the end.
LONGEST_FIRST = (
    "tests/test_fuzz.py::test_every_form_and_filter_survives_hostile_input",
    "tests/test_schemathesis.py",
    "tests/test_access_matrix.py::test_each_role_on_each_private_route",
    "tests/test_demo.py",
    "tests/browser/",
    "tests/test_migrations.py",
    "tests/stories/test_evidence.py::TestSubtractionAttack",
    "tests/collectives/test_migration_0008.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[int, int]:
        position = next((i for i, p in enumerate(LONGEST_FIRST) if item.nodeid.startswith(p)), len(LONGEST_FIRST))
        return position, "[postgresql" not in item.nodeid  # PostgreSQL's run of a test is the slower

    items.sort(key=rank)  # stable: otherwise the order pytest collected


# Per-database counts in the summary, so both runs are visible. -------------------------------

_RESULTS: Counter[tuple[str, str]] = Counter()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        match = re.search(r"\[(sqlite|postgresql)\b", report.nodeid)
        database = match.group(1) if match else "no database"
        _RESULTS[(database, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not _RESULTS:
        return
    terminalreporter.section("results per database")
    for database in ("sqlite", "postgresql", "no database"):
        counts = {outcome: n for (db_name, outcome), n in _RESULTS.items() if db_name == database}
        if counts:
            summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
            terminalreporter.write_line(f"{database:12} {summary}")
    missing = [d for d in ("sqlite", "postgresql") if not any(k[0] == d for k in _RESULTS)]
    if missing and os.environ.get("CI"):
        terminalreporter.write_line(f"WARNING: no tests ran on {', '.join(missing)}", red=True)
