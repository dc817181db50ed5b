"""schemathesis over the OpenAPI schema, against a real server with a signed-in coordinator.

Every operation in /schema/openapi.json is called with generated data (examples, coverage and
fuzzing phases); no answer may be a server error, and every answer must match the schema it declares.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from creative_minds.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.api_fuzz


def _signed_in_headers(base_url: str) -> list[str]:
    with httpx.Client(base_url=base_url) as client:
        client.get("/login")
        token = client.cookies["csrftoken"]
        response = client.post(
            "/login",
            data={"email": "coordinator@example.org", "password": DEMO_PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return ["-H", f"Cookie: {cookie}", "-H", f"x-csrftoken: {client.cookies['csrftoken']}"]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(db, live_server, tmp_path):
    load_demo(db, partners=16, projects=60)
    db.commit()
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        f"{live_server}/schema/openapi.json",
        *_signed_in_headers(live_server),
        "--checks",
        "not_a_server_error,response_schema_conformance",
        # Signing out (here or everywhere) would end the session the rest of the run uses.
        "--exclude-path-regex",
        "^/accounts/(logout|sign-out-everywhere)",
        # The coverage phase sends every operation its boundary and hostile values (huge ids, NUL
        # bytes, wrong types); random fuzzing then adds a few cases per operation.
        "--max-examples",
        "5",
        "--seed",
        "20261124",
        "--rate-limit",
        "10000/m",
        # A slow answer is not a wrong one: the report pages have their own speed targets (benchmarks/).
        "--request-timeout",
        "60",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    summary = result.stdout[-4000:]
    print(result.stdout)
    assert result.returncode == 0, summary
