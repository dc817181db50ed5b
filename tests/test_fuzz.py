"""No input breaks anything: every form and filter, fuzzed with what breaks software, answers 4xx at worst.

Each role signs in to a small demo network and crawls the pages it can reach. Every GET query
parameter in a link and every field of every form it finds is then sent with hostile values (ids
beyond PostgreSQL's integer range, NUL bytes, invalid UTF-8, Unicode digits, a megabyte of text) while
the other fields keep their defaults. Not one answer may be a server error, and every refusal says why.
"""

from __future__ import annotations

import re
from collections import deque
from html import unescape
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest

from creative_minds.demo import DEMO_PASSWORD, load_demo
from tests.utils import csrf_token, login

NASTY = {
    "huge id": "99999999999999999999",
    "just past int32": "2147483648",
    "negative": "-1",
    "NUL byte": "a\x00b",
    "Unicode digits": "¹³",
    "megabyte": "x" * 1_000_000,
    "markup": "<script>alert(1)</script>",
    "formula": '=HYPERLINK("http://x")',
    "blank": "",
}
RAW_NASTY = {"invalid UTF-8": "%FF%FE%FD"}  # sent as-is in the encoded body or query
ROLES = [
    "coordinator@example.org",
    "group@example.org",
    "member.kirklees@example.org",
    "reporter@example.org",
    "champion1@example.org",
]
SKIP_LINKS = ("/logout", "/static/", "/schema", ".ics", ".csv", ".geojson", ".json")
MAX_PAGES_PER_SHAPE = 1
STATS = {"requests": 0, "server_errors": 0}


def _shape(path: str) -> str:
    return re.sub(r"/\d+", "/{id}", path)


def _crawl(client) -> tuple[set[str], list[tuple[str, dict[str, str]]]]:
    """GET links with their query strings, and POST forms with their default fields, reachable from home."""
    seen_shapes: dict[str, int] = {}
    queue: deque[str] = deque(
        [
            "/",
            "/partners",
            "/projects",
            "/activities",
            "/collectives",
            "/collectives/involvement",
            "/collectives/involvement/years",
            "/collectives/meetings?locality_id=3",
            "/participants",
            "/stories",
            "/reports/evaluation",
            "/funds",
            "/audit",
            "/accounts",
            "/applications",
        ]
    )
    visited: set[str] = set()
    links: set[str] = set()
    forms: list[tuple[str, dict[str, str]]] = []
    while queue and len(visited) < 80:
        url = queue.popleft()
        path = urlsplit(url).path
        shape = _shape(path) + ("?" if urlsplit(url).query else "")
        if url in visited or seen_shapes.get(shape, 0) >= MAX_PAGES_PER_SHAPE:
            continue
        visited.add(url)
        seen_shapes[shape] = seen_shapes.get(shape, 0) + 1
        response = client.get(url)
        STATS["requests"] += 1
        assert response.status_code < 500, f"GET {url} answered {response.status_code}"
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        html = response.text
        for raw_href in re.findall(r'href="(/[^"#]*)"', html):
            href = unescape(raw_href)
            if not href.startswith(SKIP_LINKS) and not any(s in href for s in SKIP_LINKS):
                queue.append(href)
                if "?" in href:
                    links.add(href)
        for attrs, body in re.findall(r"<form([^>]*)>(.*?)</form>", html, re.S):
            method = re.search(r'method="(\w+)"', attrs)
            action = re.search(r'action="([^"]*)"', attrs)
            if not action:
                continue
            target = unescape(action.group(1)) or path
            fields: dict[str, str] = {}
            for tag in re.findall(r"<(?:input|select|textarea)[^>]*>", body):
                name = re.search(r'name="([^"]+)"', tag)
                if not name or name.group(1) == "_csrf_token":
                    continue
                value = re.search(r'value="([^"]*)"', tag)
                fields.setdefault(name.group(1), unescape(value.group(1)) if value else "")
            if method and method.group(1).lower() == "post":
                forms.append((target, fields))
            elif fields:
                links.add(target + "?" + urlencode({k: v for k, v in fields.items()}))
    return links, forms


FAILURES: list[str] = []


def _check(response, what: str) -> None:
    STATS["requests"] += 1
    if response.status_code >= 500:
        STATS["server_errors"] += 1
        FAILURES.append(f"{what} answered {response.status_code}")
        with open("/tmp/fuzz-failures.txt", "a") as log:
            log.write(f"{what} answered {response.status_code}\n")
    elif (
        400 <= response.status_code < 500 and response.status_code not in (401, 405) and len(response.text.strip()) < 20
    ):
        FAILURES.append(f"{what}: a {response.status_code} refusal without a message")


@pytest.fixture
def demo_network(db):
    load_demo(db, partners=16, projects=60)
    db.commit()


@pytest.mark.fuzz
def test_every_form_and_filter_survives_hostile_input(client, demo_network):
    """Each role crawls what it can reach; each form and filter is fuzzed once, by the first role that finds it."""
    FAILURES.clear()
    done_params: set[tuple[str, str]] = set()
    done_forms: set[tuple[str, tuple[str, ...]]] = set()
    for email in ROLES:
        client.cookies.clear()
        login(client, email, DEMO_PASSWORD)
        links, forms = _crawl(client)
        for link in sorted(links):
            parts = urlsplit(link)
            params = parse_qsl(parts.query, keep_blank_values=True)
            for index, (key, _) in enumerate(params):
                if (_shape(parts.path), key) in done_params:
                    continue
                done_params.add((_shape(parts.path), key))
                _fuzz_query(client, parts.path, params, index, key)
        for action, fields in forms:
            shape = (_shape(action), tuple(sorted(fields)))
            if action == "/logout" or shape in done_forms:
                continue
            done_forms.add(shape)
            for name in fields:
                _fuzz_form(client, action, fields, name)
    print(
        f"\nfuzzed {STATS['requests']} requests, {len(done_forms)} forms, {len(done_params)} filters: "
        f"{STATS['server_errors']} server errors"
    )
    assert FAILURES == []


QUERY_NASTY = ("huge id", "NUL byte", "Unicode digits", "megabyte", "negative")


def _fuzz_query(client, path: str, params: list[tuple[str, str]], index: int, key: str) -> None:
    for label in QUERY_NASTY:
        nasty = NASTY[label]
        # A URL a megabyte long is refused by proxies before it arrives; 20,000 characters do arrive.
        value = "x" * 20_000 if label == "megabyte" else nasty
        mutated = [(k, value if i == index else v) for i, (k, v) in enumerate(params)]
        _check(client.get(path + "?" + urlencode(mutated)), f"GET {path} {key}={label}")
    for label, raw in RAW_NASTY.items():
        query = "&".join(f"{quote(k)}={raw if i == index else quote(v)}" for i, (k, v) in enumerate(params))
        _check(client.get(path + "?" + query), f"GET {path} {key}={label}")


def _fuzz_form(client, action: str, fields: dict[str, str], name: str) -> None:
    for label, value in NASTY.items():
        data = {**fields, name: value, "_csrf_token": csrf_token(client)}
        _check(client.post(action, data=data, follow_redirects=False), f"POST {action} {name}={label}")
    for label, raw in RAW_NASTY.items():
        body = "&".join(
            f"{quote(k)}={raw if k == name else quote(v)}"
            for k, v in {**fields, "_csrf_token": csrf_token(client)}.items()
        )
        response = client.post(
            action,
            content=body.encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        _check(response, f"POST {action} {name}={label}")


def test_huge_ids_in_paths_are_404_not_500(client, demo_network):
    FAILURES.clear()
    login(client, "coordinator@example.org", DEMO_PASSWORD)
    for path in (
        "/partners/{}",
        "/projects/{}",
        "/rounds/{}",
        "/participants/{}",
        "/stories/{}",
        "/funds/{}",
        "/activities/{}",
        "/api/partners/{}",
        "/api/projects/{}",
    ):
        for value in ("2147483648", "99999999999999999999", "0"):
            _check(client.get(path.format(value)), f"GET {path.format(value)}")
    assert FAILURES == []


def test_a_server_error_is_logged_without_what_was_typed(engine, caplog):
    """Database errors in the log name the statement, never the values someone submitted."""
    import logging

    import sqlalchemy as sa

    secret = "my-very-private-answer"
    with caplog.at_level(logging.ERROR), engine.connect() as conn:
        try:
            conn.execute(sa.text("SELECT no_such_column FROM partner WHERE name = :name"), {"name": secret})
        except sa.exc.DBAPIError as exc:
            logging.getLogger("creative_minds").exception("failed: %s", exc)
    assert caplog.records
    assert secret not in caplog.text
