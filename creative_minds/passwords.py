"""Password hashing with argon2: production-strength parameters, cheap ones only for tests."""

from __future__ import annotations

from functools import cache

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): argon2-cffi's own default.
PRODUCTION_PARAMETERS: Parameters = profiles.RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(PRODUCTION_PARAMETERS)


def use_parameters(parameters: Parameters) -> None:
    """Hash new passwords with other parameters. Only the test suite calls this (with CHEAPEST)."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)
    _dummy_hash.cache_clear()


def current_parameters() -> Parameters:
    return Parameters(
        type=_hasher.type,
        version=19,
        salt_len=_hasher.salt_len,
        hash_len=_hasher.hash_len,
        time_cost=_hasher.time_cost,
        memory_cost=_hasher.memory_cost,
        parallelism=_hasher.parallelism,
    )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches; a hash made with any parameters is checked with its own."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not a real password")


def verify_against_nothing(password: str) -> None:
    """Spend the time of one verification when the e-mail is unknown, so timing does not reveal
    which e-mail addresses have accounts."""
    verify_password(_dummy_hash(), password)
