"""Templates: the Jinja environment, its filters and the labels every page can use."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine as Engine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from creative_minds import TEMPLATE_DIR
from creative_minds.formatting import (
    format_date,
    format_datetime,
    format_iso_datetime,
    format_p,
    format_percent,
    format_signed,
    format_time,
    half_up,
    query_string,
)
from creative_minds.money import format_pence, format_pence_exact, pence_to_input
from creative_minds.once import new_token
from projects import wording


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
        figure=half_up,
        signed=format_signed,
        percent=format_percent,
        as_choices=lambda items: [(item, item) for item in items],
        labels=lambda values, mapping: [mapping.get(value, value) for value in values],
        name_questions=name_questions,
    )
    env.filters.update(activity_when=wording.when, activity_cost=wording.cost, activity_access=wording.access)
    env.globals.update(query_string=query_string, once_token=new_token)
    return env


_SUMMARY_RE = re.compile(r'<div class="error-summary"[^>]*id="error-summary">.*?</ul>', re.S)
_SUMMARY_LINK_RE = re.compile(r'<li><a href="#([\w-]+)">(.*?)</a></li>', re.S)
_LABEL_RE = re.compile(r'<label for="([\w-]+)">(.*?)</label>', re.S)
_LEGEND_RE = re.compile(r'<legend id="([\w-]+)-legend">(.*?)</legend>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def _question(markup: str) -> str:
    return " ".join(_TAG_RE.sub("", markup).replace("(optional)", "").split())


def name_questions(html: str) -> Markup:
    """Each line of a form's error summary names its question ("Postcode: Enter a postcode.", not nine
    times "This is required."), using the labels the page itself shows; a group of tick boxes links to its
    first box. Pages without an error summary pass through untouched."""
    if 'id="error-summary"' not in html:
        return Markup(html)
    questions = {name: _question(text) for name, text in _LABEL_RE.findall(html)}
    groups = {name: _question(text) for name, text in _LEGEND_RE.findall(html)}

    def link(match: re.Match[str]) -> str:
        name, message = match.group(1), match.group(2)
        target, question = name, questions.get(name)
        if question is None and name in groups:
            target = f"{name}-1" if f'id="{name}-1"' in html else name
            question = groups[name]
        if not question or message.startswith(question):
            return match.group(0)
        return f'<li><a href="#{target}">{question}: {message}</a></li>'

    return Markup(_SUMMARY_RE.sub(lambda summary: _SUMMARY_LINK_RE.sub(link, summary.group(0)), html, count=1))


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
