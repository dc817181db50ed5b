"""Templates: the Jinja environment, its filters and the labels every page can use."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine as Engine
from litestar.template.config import TemplateConfig

from creative_minds import TEMPLATE_DIR
from creative_minds.money import format_pence, pence_to_input


def format_date(value: date | datetime | None, blank: str = "") -> str:
    if value is None:
        return blank
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None, blank: str = "") -> str:
    if value is None:
        return blank
    return f"{value.day} {value:%B %Y at %H:%M}"


def format_time(value: time | None, blank: str = "") -> str:
    if value is None:
        return blank
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}:{value:%M}{suffix}" if value.minute else f"{hour}{suffix}"


def format_p(value: float | None) -> str:
    """A p-value as people read it: 'p = 0.0123', or 'p < 0.0001' when smaller."""
    if value is None:
        return "not available"
    return "p < 0.0001" if value < 0.0001 else f"p = {value:.4f}"


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """Build a query string from filter values, dropping blanks; lists repeat their key."""
    from urllib.parse import urlencode

    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value in (None, "", [], False):
            continue
        if isinstance(value, (list, tuple, set)):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=format_pence,
        money_input=pence_to_input,
        date=format_date,
        datetime=format_datetime,
        time=format_time,
        pvalue=format_p,
        as_choices=lambda items: [(item, item) for item in items],
        labels=lambda values, mapping: [mapping.get(value, value) for value in values],
    )
    env.globals.update(query_string=query_string)
    return env


def make_template_config() -> TemplateConfig:
    env = make_environment()
    return TemplateConfig(instance=Engine.from_environment(env))
