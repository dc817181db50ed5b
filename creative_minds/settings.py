"""Settings, read from environment variables by pydantic-settings and grouped by concern.

Each field's alias is the environment variable that sets it; README's settings table lists them
all (tests/core/test_settings.py checks that it does).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///creative_minds.db"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env(name: str) -> AliasChoices:
    """Set by the environment variable `name`, or in code by the field's own name."""
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    # Database
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias=_env("DATABASE_URL"))
    # A PostgreSQL schema to use instead of `public` (tests give each run its own).
    database_schema: str | None = Field(None, validation_alias=_env("DATABASE_SCHEMA"))
    # Web
    # Signs CSRF tokens. Unset: a key is made once and kept in the database (see keys.py).
    secret_key: str | None = Field(None, validation_alias=_env("SECRET_KEY"))
    debug: bool = Field(False, validation_alias=_env("CM_DEBUG"))
    # Failed sign-ins allowed per network address per minute (successful ones never count), and
    # registrations or requests to join per address per minute.
    login_attempts_per_minute: int = Field(10, ge=1, validation_alias=_env("CM_LOGIN_ATTEMPTS_PER_MINUTE"))
    # Wrong passwords in a row before an account waits (30 s, doubling each time, at most 15 minutes).
    account_free_failures: int = Field(5, ge=1, validation_alias=_env("CM_ACCOUNT_FREE_FAILURES"))
    session_max_age_seconds: int = Field(14 * 24 * 3600, ge=60, validation_alias=_env("CM_SESSION_MAX_AGE"))
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed. Unset: none,
    # so a client cannot pretend to come from elsewhere. Behind a load balancer, name it here.
    trusted_proxies: str = Field("", validation_alias=_env("CM_TRUSTED_PROXIES"))
    # Cookies go over HTTPS only. On by default; the demo (plain http on this machine) turns it off.
    secure_cookies: bool = Field(True, validation_alias=_env("CM_SECURE_COOKIES"))
    # Megabytes of rendered finder, Open Referral and partner-list results each instance keeps until the
    # data they show changes (creative_minds/cache.py); 0 keeps nothing.
    page_cache_mb: int = Field(32, ge=0, validation_alias=_env("CM_PAGE_CACHE_MB"))
    # Map
    tile_url: str = Field("https://tile.openstreetmap.org/{z}/{x}/{y}.png", validation_alias=_env("CM_TILE_URL"))
    tile_attribution: str = Field(
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        validation_alias=_env("CM_TILE_ATTRIBUTION"),
    )
    postcode_lookup_url: str | None = Field(None, validation_alias=_env("CM_POSTCODE_LOOKUP_URL"))
    postcode_lookup_timeout: float = Field(2.0, gt=0, validation_alias=_env("CM_POSTCODE_LOOKUP_TIMEOUT"))
    # Wellbeing evaluation
    meaningful_change_points: Decimal = Field(Decimal("3"), gt=0, validation_alias=_env("CM_MEANINGFUL_CHANGE"))
    small_number_threshold: int = Field(5, ge=1, validation_alias=_env("CM_SMALL_NUMBER_THRESHOLD"))
    # A follow-up pairs with its baseline only when filled in this many weeks after it (inclusive);
    # forms outside the window are kept, listed on the report, and left out of the pairs.
    follow_up_min_weeks: int = Field(8, ge=0, validation_alias=_env("CM_FOLLOW_UP_MIN_WEEKS"))
    follow_up_max_weeks: int = Field(26, ge=1, validation_alias=_env("CM_FOLLOW_UP_MAX_WEEKS"))
    # E-mail (obligations/outbox.py). No SMTP host: messages wait in the outbox, which coordinators see.
    smtp_host: str | None = Field(None, validation_alias=_env("CM_SMTP_HOST"))
    smtp_port: int = Field(25, ge=1, le=65535, validation_alias=_env("CM_SMTP_PORT"))
    smtp_username: str | None = Field(None, validation_alias=_env("CM_SMTP_USERNAME"))
    smtp_password: str | None = Field(None, validation_alias=_env("CM_SMTP_PASSWORD"))
    smtp_starttls: bool = Field(False, validation_alias=_env("CM_SMTP_STARTTLS"))
    mail_from: str = Field("Creative Minds <no-reply@creative-minds.invalid>", validation_alias=_env("CM_MAIL_FROM"))
    # The app's address as people reach it, for the links in e-mails.
    base_url: str = Field("http://127.0.0.1:8000", validation_alias=_env("CM_BASE_URL"))
    # Tries before a message is given up (shown as failed in the outbox); waits double from one minute.
    mail_max_attempts: int = Field(8, ge=1, validation_alias=_env("CM_MAIL_MAX_ATTEMPTS"))

    # Imports
    import_max_mb: int = Field(20, ge=1, le=500, validation_alias=_env("CM_IMPORT_MAX_MB"))
    # Days an uploaded file is kept after its import finished (or its preview was left); then deleted.
    import_keep_days: int = Field(7, ge=0, le=3650, validation_alias=_env("CM_IMPORT_KEEP_DAYS"))

    # Links sent to set a password: an invitation (imported or new members), or "forgot your password".
    invite_valid_days: int = Field(14, ge=1, le=90, validation_alias=_env("CM_INVITE_VALID_DAYS"))
    reset_valid_minutes: int = Field(60, ge=5, le=24 * 60, validation_alias=_env("CM_RESET_VALID_MINUTES"))
    # 360Giving open data: the publisher's registered prefix (grant and unregistered-group ids start
    # with it) and the funder's org-id.
    threesixtygiving_prefix: str = Field(
        "360G-creativeminds", pattern=r"^360G-[A-Za-z0-9-]+$", validation_alias=_env("CM_360G_PREFIX")
    )
    funder_org_id: str = Field("360G-creativeminds", max_length=100, validation_alias=_env("CM_FUNDER_ORG_ID"))

    @field_validator("database_url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator(
        "secret_key",
        "database_schema",
        "postcode_lookup_url",
        "smtp_host",
        "smtp_username",
        "smtp_password",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The environment's settings, with any given here taking precedence."""
        return cls(**overrides)

    @classmethod
    def environment_variables(cls) -> list[str]:
        """Every environment variable the app reads, for the README check."""
        names = []
        for field in cls.model_fields.values():
            alias = field.validation_alias
            assert isinstance(alias, AliasChoices)
            names.append(str(alias.choices[0]))
        return names
