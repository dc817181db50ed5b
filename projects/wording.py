"""An activity's time, cost and access in plain words: one wording for every page, sheet and feed.

Each function takes anything with a project's schedule, cost and access fields (a Project, a
finder row or a feed row).
"""

from __future__ import annotations

from typing import Any

from creative_minds.formatting import format_time
from creative_minds.money import format_pence
from projects.models import FREQUENCY_LABELS, WEEKDAY_LABELS, Frequency, Weekday

STEP_FREE = "Step-free and wheelchair accessible."
TO_BE_CONFIRMED = "Times to be confirmed"


def when(activity: Any) -> str:
    """ "Tuesday, 10:00 to 12:00, weekly"; "Times to be confirmed" until a day is set."""
    if not activity.day_of_week:
        return TO_BE_CONFIRMED
    parts = [WEEKDAY_LABELS[Weekday(activity.day_of_week)]]
    if activity.starts_at:
        ends = getattr(activity, "ends_at", None)
        parts.append(format_time(activity.starts_at) + (f" to {format_time(ends)}" if ends else ""))
    parts.append(FREQUENCY_LABELS[Frequency(activity.frequency)].lower())
    return ", ".join(parts)


def cost(activity: Any) -> str:
    """ "Free", or "£3.50 per session"."""
    if activity.cost_to_attend_pence == 0:
        return "Free"
    return f"{format_pence(activity.cost_to_attend_pence)} per session"


def access(activity: Any, *, unknown: str = "") -> str:
    """Step-free and wheelchair access first, then the group's own notes; `unknown` when neither."""
    parts = [STEP_FREE if activity.wheelchair_accessible else "", activity.accessibility_notes or ""]
    return " ".join(part for part in parts if part) or unknown
