"""Errors that service functions raise; the web layer turns them into clear 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Invalid(DomainError):
    """Input that breaks a rule; `errors` maps field names to plain-language messages."""

    status_code = 422


class Conflict(DomainError):
    """The request clashes with the current state (a wrong status move, a duplicate)."""

    status_code = 409
