"""The yardstick for benchmarks/load.py: a bare Litestar app that renders a 50-row Jinja2 list.

No database, no middleware: what one uvicorn worker can do for a small server-rendered page.
Run with `uvicorn --factory benchmarks.bare_app:create_app`.
"""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

LIST = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Activities</title></head>
<body><main><h1>Activities</h1>
<ol>
{% for row in rows %}
  <li class="activity"><h3><a href="/activities/{{ row.id }}">{{ row.title }}</a></h3>
  <p>{{ row.partner }} · {{ row.locality }} · {{ row.when }} · {{ row.cost }}</p></li>
{% endfor %}
</ol></main></body></html>
"""
ROWS = [
    {
        "id": i,
        "title": f"Activity number {i}",
        "partner": f"Partner group {i % 7}",
        "locality": "Kirklees",
        "when": "Tuesday 10am, every week",
        "cost": "Free" if i % 3 else "£2.00",
    }
    for i in range(1, 51)
]


@get("/", sync_to_thread=False)
def activities() -> Template:
    return Template(template_name="list.html", context={"rows": ROWS})


def create_app() -> Litestar:
    env = Environment(loader=DictLoader({"list.html": LIST}), autoescape=select_autoescape(default=True))
    return Litestar(
        route_handlers=[activities],
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
    )
