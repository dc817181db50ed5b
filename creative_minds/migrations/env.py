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


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(Settings.from_env())
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():  # pragma: no cover - offline SQL generation is not used
    raise SystemExit("Offline migrations are not supported; run against a database.")
run_migrations()
