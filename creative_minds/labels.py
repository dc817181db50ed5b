"""Enums whose members carry the words people read, so each label is written once."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class LabelledEnum(StrEnum):
    """A string enum declared as `MEMBER = "value", "What people read"`."""

    label: str

    def __new__(cls, value: str, label: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member

    @classmethod
    def labels(cls) -> dict[Any, str]:
        """Label by value; members and plain strings both look up (a StrEnum hashes as its value)."""
        return {member: member.label for member in cls}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]
