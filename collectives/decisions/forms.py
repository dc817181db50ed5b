"""What a coordinator sets when confirming a decision: the grant period and when reports are due."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator, model_validator

from creative_minds.forms import raise_field

DEFAULT_GRANT_MONTHS = 12
DEFAULT_REPORT_MONTHS = (6, 12)
MAX_GRANT_MONTHS = 60


class GrantTerms(BaseModel):
    """A funded project's grant period, and the months after the decision its reports fall due."""

    grant_months: int = Field(default=DEFAULT_GRANT_MONTHS, ge=1, le=MAX_GRANT_MONTHS)
    report_months: list[int] = Field(default_factory=lambda: list(DEFAULT_REPORT_MONTHS))

    @field_validator("report_months", mode="before")
    @classmethod
    def _read_list(cls, value: object) -> object:
        """'6, 12' (as typed) or [6, 12]."""
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            if not all(p.isascii() and p.isdigit() for p in parts):
                raise ValueError("Give whole numbers of months, separated by commas, like 6, 12.")
            return [int(p) for p in parts]
        return value

    @model_validator(mode="after")
    def _within_the_period(self) -> GrantTerms:
        months = self.report_months
        if not months:
            raise_field("report_months", "Give at least one report date, like 12 for a report at the end.")
        if months != sorted(set(months)) or months[0] < 1:
            raise_field("report_months", "Give the months in order, each once, like 6, 12.")
        if months[-1] > self.grant_months:
            raise_field("report_months", f"A report cannot fall after the grant period ({self.grant_months} months).")
        return self

    @property
    def report_months_text(self) -> str:
        return ",".join(str(m) for m in self.report_months)
