"""The activity map page and the filtered list for 10,000 projects (target: under 1 s server time).

Builds a temporary SQLite database with the demo network scaled to 10,000 projects, all running,
then times requests in-process (no network): the whole map page, an htmx filter, and a search
near a postcode. Prints the median of several runs and the page size.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litestar.testing import TestClient
from sqlalchemy import update

from creative_minds.app import create_app
from creative_minds.cli import run_alembic
from creative_minds.db import import_models, make_engine, session_scope
from creative_minds.demo import load_demo
from creative_minds.settings import Settings
from projects.models import Project

PROJECTS, RUNS = 10_000, 5
REQUESTS = {
    "map page, all 10,000": ("/activities", {}),
    "htmx filter: Kirklees walking": ("/activities?locality=kirklees&category=walking", {"HX-Request": "true"}),
    "htmx filter: free, Tuesday": ("/activities?free=1&day=TU", {"HX-Request": "true"}),
    "near HD1 2AB within 5 miles": ("/activities?postcode=HD1+2AB&radius=5", {"HX-Request": "true"}),
}


def main() -> None:
    import_models()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db", secret_key="benchmark" * 4)
        run_alembic(settings, "upgrade")
        engine = make_engine(settings)
        with session_scope(engine) as session:
            load_demo(session, partners=200, projects=PROJECTS)
            session.execute(update(Project).values(status="active"))
        engine.dispose()
        app = create_app(settings)
        with TestClient(app) as client:
            for label, (url, headers) in REQUESTS.items():
                times, size = [], 0
                for _ in range(RUNS):
                    start = time.perf_counter()
                    response = client.get(url, headers=headers)
                    times.append(time.perf_counter() - start)
                    assert response.status_code == 200, response.text[:300]
                    size = len(response.content)
                median = statistics.median(times)
                verdict = "met" if median < 1 else "NOT met"
                print(
                    f"{label:32} median {median:.3f} s  max {max(times):.3f} s  {size / 1024:,.0f} KB  (target under 1 s: {verdict})"
                )
        app.state.engine.dispose()


if __name__ == "__main__":
    main()
