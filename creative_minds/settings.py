"""Settings read from environment variables, grouped by concern."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_DATABASE_URL = "sqlite:///creative_minds.db"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # Extra connect arguments (tests use it to put PostgreSQL tables in their own schema).
    database_schema: str | None = None
    # Signs CSRF tokens. Unset: a key is made once and kept in the database (see keys.py).
    secret_key: str | None = None
    debug: bool = False
    # Login and registration attempts allowed per client address per minute.
    login_attempts_per_minute: int = 10
    session_max_age_seconds: int = 14 * 24 * 3600
    secure_cookies: bool = False
    # Map
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    postcode_lookup_url: str | None = None  # e.g. https://api.postcodes.io/postcodes/
    postcode_lookup_timeout: float = 2.0
    # Wellbeing evaluation
    meaningful_change_points: Decimal = Decimal("3")
    small_number_threshold: int = 5

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        values: dict[str, object] = {
            "database_url": normalise_database_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
            "database_schema": os.environ.get("DATABASE_SCHEMA") or None,
            "debug": _bool("CM_DEBUG", False),
            "login_attempts_per_minute": _int("CM_LOGIN_ATTEMPTS_PER_MINUTE", 10),
            "session_max_age_seconds": _int("CM_SESSION_MAX_AGE", 14 * 24 * 3600),
            "secure_cookies": _bool("CM_SECURE_COOKIES", False),
            "small_number_threshold": _int("CM_SMALL_NUMBER_THRESHOLD", 5),
            "postcode_lookup_timeout": float(os.environ.get("CM_POSTCODE_LOOKUP_TIMEOUT", "2.0")),
        }
        secret = os.environ.get("SECRET_KEY")
        if secret:
            values["secret_key"] = secret
        for env, key in (
            ("CM_TILE_URL", "tile_url"),
            ("CM_TILE_ATTRIBUTION", "tile_attribution"),
            ("CM_POSTCODE_LOOKUP_URL", "postcode_lookup_url"),
        ):
            if os.environ.get(env):
                values[key] = os.environ[env]
        if os.environ.get("CM_MEANINGFUL_CHANGE"):
            values["meaningful_change_points"] = Decimal(os.environ["CM_MEANINGFUL_CHANGE"])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
