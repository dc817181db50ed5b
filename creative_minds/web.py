"""Templates: the Jinja environment, its filters and the labels every page can use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine as Engine
from litestar.template.config import TemplateConfig

from creative_minds import TEMPLATE_DIR
from creative_minds.formatting import (
    format_date,
    format_datetime,
    format_iso_datetime,
    format_p,
    format_time,
    query_string,
)
from creative_minds.money import format_pence, format_pence_exact, pence_to_input


def make_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates never change while the app runs: no file check on every page
    )
    env.filters.update(
        money=format_pence,
        money_exact=format_pence_exact,
        money_input=pence_to_input,
        date=format_date,
        datetime=format_datetime,
        iso_datetime=format_iso_datetime,
        time=format_time,
        pvalue=format_p,
        as_choices=lambda items: [(item, item) for item in items],
        labels=lambda values, mapping: [mapping.get(value, value) for value in values],
    )
    env.globals.update(query_string=query_string)
    return env


def make_template_config() -> TemplateConfig:
    env = make_environment()
    engine = Engine.from_environment(env)
    engine.register_template_callable("url_for", _url_for)
    return TemplateConfig(instance=engine)


_URLS_KEPT = 20_000


def _url_for(context: Mapping[str, Any], /, route_name: str, **path_parameters: Any) -> str:
    """Litestar's `url_for`, remembering each answer: an address depends only on the routes, which never
    change while the app runs, and working it out again is a tenth of a list page's time."""
    app = context["request"].app
    urls: dict[tuple, str] | None = app.state.get("cm_urls")
    if urls is None:
        urls = app.state["cm_urls"] = {}
    key = (route_name, *sorted(path_parameters.items()))
    url = urls.get(key)
    if url is None:
        url = app.route_reverse(route_name, **path_parameters)
        if len(urls) >= _URLS_KEPT:
            urls.clear()
        urls[key] = url
    return url
