"""Command line: creative-minds serve | db upgrade | db check | demo | create-user | remind | worker | import | import-worker."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from creative_minds import REPO_DIR
from creative_minds.accounts.models import Role
from creative_minds.settings import Settings


def alembic_config(settings: Settings):
    from alembic.config import Config

    config = Config(str(REPO_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def run_alembic(settings: Settings, action: str, revision: str = "head") -> None:
    """Run an Alembic command on the configured database ('upgrade', 'downgrade' or 'check')."""
    from alembic import command

    from creative_minds.db import make_engine

    config = alembic_config(settings)
    config.attributes["skip_logging"] = True
    engine = make_engine(settings)
    with engine.connect() as connection:  # env.py runs the migrations in their own transaction
        config.attributes["connection"] = connection
        if action == "upgrade":
            command.upgrade(config, revision)
        elif action == "downgrade":
            command.downgrade(config, revision)
        elif action == "check":
            command.check(config)
        else:  # pragma: no cover - guarded by click choices
            raise ValueError(action)
        connection.commit()
    engine.dispose()


@click.group()
def main() -> None:
    """Creative Minds network manager."""


def port_problem(host: str, port: int) -> str | None:
    """A plain message when the address cannot be served (a port already in use, say), else None."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        return f"Cannot serve on {host}: {exc.strerror or exc}. Check the --host value."
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"Port {port} on {host} is already in use (another copy of the app, or another program). "
                    f"Stop that one, or choose another port: --port {port + 80 if port < 65000 else 8080} "
                    f"(with ./scripts/demo: PORT={port + 80 if port < 65000 else 8080} ./scripts/demo)."
                )
            if exc.errno == errno.EACCES:
                return f"Port {port} needs administrator rights here; choose one above 1023, like --port 8080."
            return f"Cannot serve on {host}:{port}: {exc.strerror or exc}."
    return None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart when code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the web app."""
    import uvicorn

    problem = port_problem(host, port)
    if problem:
        raise click.ClickException(problem)
    uvicorn.run(
        "creative_minds.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=False,  # the app believes forwarded headers only from CM_TRUSTED_PROXIES
        log_level="info",
    )


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or update the database tables to the latest version."""
    settings = Settings.from_env()
    run_alembic(settings, "upgrade")
    click.echo(f"Database is up to date: {settings.database_url}")


@db.command("check")
def db_check() -> None:
    """Fail if the models and the migrations differ."""
    run_alembic(Settings.from_env(), "check")
    click.echo("No differences between the models and the migrations.")


@main.command()
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when the database already has partners.")
@click.option("--partners", default=130, show_default=True, type=click.IntRange(1, 5000))
@click.option("--projects", default=1100, show_default=True, type=click.IntRange(0, 100_000))
def demo(if_empty: bool, partners: int, projects: int) -> None:
    """Load a fictional network: partners, projects and a login for every role."""
    from creative_minds.db import import_models, make_engine, session_scope
    from creative_minds.demo import DEMO_PASSWORD, has_data, load_demo

    import_models()
    settings = Settings.from_env()
    engine = make_engine(settings)
    with session_scope(engine) as session:
        if has_data(session):
            if if_empty:
                click.echo("Demo data is already loaded.")
                _print_logins(None, DEMO_PASSWORD)
                return
            click.echo("The database already has partners; demo data is only loaded into an empty database.", err=True)
            sys.exit(1)
        logins = load_demo(session, partners=partners, projects=projects)
    click.echo(f"Loaded {partners} partners and {projects} projects.")
    _print_logins(logins, DEMO_PASSWORD)


def _print_logins(logins, password: str) -> None:
    click.echo(f"\nDemo sign-ins (every demo account's password is: {password})")
    if logins is None:
        click.echo("  coordinator@example.org, member.kirklees@example.org, champion1@example.org,")
        click.echo("  reporter@example.org, group@example.org (see the README for the full list)")
        return
    for login in logins:
        click.echo(f"  {login.email:34} {login.role:20} {login.note}")


@main.command("purge-sessions")
def purge_sessions() -> None:
    """Delete expired sign-in sessions, rate-limit counters and old form tokens (run it daily, e.g. from cron)."""
    from creative_minds import once
    from creative_minds.db import make_engine, session_scope
    from creative_minds.store import purge_expired

    engine = make_engine(Settings.from_env())
    click.echo(f"Deleted {purge_expired(engine)} expired entries.")
    with session_scope(engine) as session:
        click.echo(f"Deleted {once.purge(session)} one-time form tokens older than two days.")
    engine.dispose()


@main.command()
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Run as if on this day.")
@click.option("--digest/--no-digest", default=None, help="Make the weekly digests (by default: on Mondays).")
def remind(on, digest: bool | None) -> None:
    """The daily scan: obligations kept in step, reminders queued, old import uploads deleted (run it daily
    from cron or a scheduler).

    Safe to run twice, or on several instances at once: nothing is added or queued twice."""
    from creative_minds.db import import_models, make_engine, session_scope
    from obligations.service import remind as run_remind
    from transfers.jobs import purge_uploads

    import_models()
    settings = Settings.from_env()
    engine = make_engine(settings)
    with session_scope(engine) as session:
        result = run_remind(session, on=on.date() if on else None, digest=digest)
    purged = purge_uploads(engine, keep_days=settings.import_keep_days)
    click.echo(
        f"Obligations added: {result.added}, closed: {result.closed}; "
        f"messages queued: {result.reminders}; digests made: {result.digests}; "
        f"import files deleted (older than {settings.import_keep_days} days): {purged}."
    )
    engine.dispose()


@main.command()
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--interval", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds between looks."
)
def worker(once: bool, batch: int, interval: float) -> None:
    """Send the e-mail outbox through CM_SMTP_HOST, with retries; several may run at once."""
    import signal
    import threading

    from creative_minds.db import import_models, make_engine
    from obligations.outbox import send_due, worker_name

    import_models()
    settings = Settings.from_env()
    if not settings.smtp_host:
        click.echo("No SMTP server is set (CM_SMTP_HOST): messages wait in the outbox, which coordinators see.")
        return
    engine = make_engine(settings)
    name = worker_name()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"Worker {name} sending through {settings.smtp_host}:{settings.smtp_port}.")
    try:
        while not stop.is_set():
            report = send_due(engine, settings, worker=name, batch=batch)
            if report.claimed:
                click.echo(f"sent {report.sent}, to retry {report.retrying}, given up {report.failed}")
            if once and report.claimed < batch:
                break
            if report.claimed < batch:
                stop.wait(interval)
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--locality", "locality_slug", default=None, help="Locality slug, for collective members and champions.")
@click.option("--partner-id", type=int, default=None, help="Partner number, for partner users.")
@click.option(
    "--constituency",
    type=click.Choice(["lived_experience", "carer", "trust_staff", "community_rep"]),
    default=None,
    help="For collective members: they are admitted to the locality's collective as this.",
)
@click.password_option(help="At least 10 characters (asked for when not given).")
def create_user_command(
    email: str,
    full_name: str,
    role: str,
    locality_slug: str | None,
    partner_id: int | None,
    constituency: str | None,
    password: str,
) -> None:
    """Create an account (for example the first coordinator)."""
    from creative_minds.accounts.service import create_user
    from creative_minds.db import import_models, make_engine, session_scope
    from creative_minds.exceptions import Invalid
    from creative_minds.localities import get_locality_by_slug

    import_models()
    engine = make_engine(Settings.from_env())
    try:
        with session_scope(engine) as session:
            locality_id = None
            if locality_slug:
                locality = get_locality_by_slug(session, locality_slug)
                if locality is None:
                    raise click.BadParameter(f"unknown locality {locality_slug!r}", param_hint="--locality")
                locality_id = locality.id
            user = create_user(
                session,
                email=email,
                full_name=full_name,
                password=password,
                role=Role(role),
                locality_id=locality_id,
                partner_id=partner_id,
            )
            if role == Role.COLLECTIVE_MEMBER:
                if constituency is None or locality_id is None:
                    raise click.BadParameter(
                        "collective members need --locality and --constituency", param_hint="--constituency"
                    )
                from collectives.membership.models import Constituency
                from collectives.membership.service import admit_directly

                admit_directly(session, user, locality_id, Constituency(constituency))
            click.echo(f"Created {user.email} ({Role(role).label}).")
    except Invalid as exc:
        for field, message in exc.errors.items():
            click.echo(f"{field}: {message}", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()


IMPORT_KINDS = ["partners", "projects", "members", "participants", "swemwbs"]


@main.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_email", required=True, help="A coordinator's e-mail: the records are made in their name.")
@click.option(
    "--skip-bad-rows", is_flag=True, help="Save the good rows and leave out the rest (default: all or nothing)."
)
@click.option("--preview", is_flag=True, help="Check every row and say what importing would do; save nothing.")
def import_command(kind: str, file: Path, as_email: str, skip_bad_rows: bool, preview: bool) -> None:
    """Import a CSV or Excel (.xlsx) file of KIND, with a progress bar (see the templates at /imports)."""
    from creative_minds.accounts.service import get_user_by_email
    from creative_minds.db import make_engine, session_scope
    from transfers import service
    from transfers.importers import importer_for
    from transfers.models import ImportMode
    from transfers.readers import ReadError, read_table

    settings = Settings.from_env()
    engine = make_engine(settings)
    try:
        table = read_table(file.name, file.read_bytes(), max_bytes=settings.import_max_mb * 1024 * 1024)
    except ReadError as exc:
        raise click.ClickException(str(exc)) from exc
    mode = ImportMode.SKIP_BAD_ROWS if skip_bad_rows else ImportMode.ALL_OR_NOTHING
    with click.progressbar(
        length=len(table.rows), label="Checking" if preview else "Importing", file=sys.stderr
    ) as bar:
        last = [0]

        def progress(done: int, _total: int) -> None:
            bar.update(done - last[0])
            last[0] = done

        try:
            with session_scope(engine) as session:
                user = get_user_by_email(session, as_email)
                if user is None or not user.is_coordinator:
                    raise click.ClickException(f"{as_email} is not a coordinator's account.")
                importer = importer_for(kind)
                if preview:
                    outcome = service.preview(session, importer, table, by=user, progress=progress)
                else:
                    outcome = service.run_import(session, importer, table, mode=mode, by=user, progress=progress)
        except service.ImportRefused as exc:
            _print_problems(exc.outcome)
            raise click.ClickException(exc.message) from exc
        except ReadError as exc:
            raise click.ClickException(str(exc)) from exc
    _print_problems(outcome)
    verb = "would be" if preview else "were"
    click.echo(
        f"{outcome.total} rows: {outcome.created} {verb} created, {outcome.updated} {verb} updated, "
        f"{outcome.unchanged} unchanged, {outcome.skipped} with problems{' (left out)' if not preview else ''}."
    )


def _print_problems(outcome) -> None:
    for problem in outcome.problems[:200]:
        click.echo(str(problem), err=True)
    if len(outcome.problems) > 200:
        click.echo(f"... and {len(outcome.problems) - 200} more problems.", err=True)


@main.command("import-worker")
@click.option("--once", is_flag=True, help="Run the files waiting now, then stop.")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600))
def import_worker(once: bool, interval: float) -> None:
    """Run uploaded imports that no app instance has finished (each is claimed by one worker only)."""
    import time

    from creative_minds.db import make_engine
    from transfers.jobs import purge_uploads, run_waiting

    settings = Settings.from_env()
    engine = make_engine(settings)
    while True:
        ran = run_waiting(engine, max_bytes=settings.import_max_mb * 1024 * 1024)
        if ran:
            click.echo(f"ran {ran} import file(s)")
        purged = purge_uploads(engine, keep_days=settings.import_keep_days)
        if purged:
            click.echo(f"deleted {purged} uploaded file(s) kept over {settings.import_keep_days} days")
        if once:
            return
        time.sleep(interval)
