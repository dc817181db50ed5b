"""Alembic environment: compares against every table the app owns."""

from __future__ import annotations

import logging.config

from advanced_alchemy.types import GUID
from alembic import context

from creative_minds.db import all_metadata, make_engine
from creative_minds.settings import Settings

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = all_metadata()


def _compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """SQLite reflects advanced-alchemy's GUID as NUMERIC(16); that is the same column, not drift."""
    if isinstance(metadata_type, GUID):
        return False
    return None  # let Alembic compare every other type as usual


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=_compare_type,
        user_module_prefix=None,
    )


def _run(connection) -> None:
    """Run the migrations in one transaction.

    SQLite changes a table by copying it into a new one (batch mode). With foreign keys on, dropping
    the old table fails when others refer to it, or worse, silently deletes the rows that refer to
    it with ON DELETE CASCADE. So foreign keys are off while migrating (the pragma only takes effect
    outside a transaction) and every reference is checked before the transaction commits.
    """
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        if connection.in_transaction():
            connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"The migration left rows referring to missing rows: {broken[:10]}")
    finally:
        if sqlite:
            if connection.in_transaction():
                connection.rollback()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(Settings.from_env())
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


if context.is_offline_mode():  # pragma: no cover - offline SQL generation is not used
    raise SystemExit("Offline migrations are not supported; run against a database.")
run_migrations()
