"""Helpers for tests: make people, partners and projects; sign in through the real login form."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from creative_minds.accounts.models import Role, User
from creative_minds.accounts.service import create_user
from creative_minds.localities import Locality
from creative_minds.timeutil import today
from partners.forms import PartnerInput
from partners.models import Partner
from partners.service import create_partner
from projects.forms import ProjectInput
from projects.models import Project
from projects.service import create_project

PASSWORD = "a-long-test-password"


def at_once(engine: Engine, work: Callable[[Session, Callable[[], object]], Any], times: int = 2) -> tuple[list, list]:
    """Run `work(session, go)` in `times` threads at once, each with its own session, and commit each.
    Each thread calls go() when it is ready, and all carry on together from there. Returns what the
    threads returned and what they raised (those sessions rolled back)."""
    barrier, results, errors = threading.Barrier(times), [], []

    def run() -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                result = work(session, barrier.wait)
                session.commit()
                results.append(result)
            except Exception as exc:  # noqa: BLE001 - the caller reports any failure
                session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def locality_id(session: Session, slug: str = "kirklees") -> int:
    locality = session.exec(select(Locality).where(Locality.slug == slug)).one()
    assert locality.id is not None
    return locality.id


def make_user(session: Session, role: Role = Role.COORDINATOR, *, email: str | None = None, **extra: Any) -> User:
    count = session.exec(select(func.count()).select_from(User)).one()
    user = create_user(
        session,
        email=email or f"{role.value}{count}@example.org",
        full_name=extra.pop("full_name", f"Test {role.value} {count}"),
        password=PASSWORD,
        role=role,
        **extra,
    )
    session.commit()
    return user


def partner_data(session: Session, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Holmfirth Knit and Natter",
        "kind": "community_group",
        "description": "Knitting and a chat.",
        "locality_ids": [locality_id(session)],
        "contact_name": "Jo Bloggs",
        "contact_email": "jo@example.org",
        "address": "1 Market Street, Holmfirth",
        "postcode": "HD9 7AB",
        "agreement_status": "signed",
        "agreement_signed_on": (today() - timedelta(days=30)).isoformat(),
        "insurance_expires_on": (today() + timedelta(days=200)).isoformat(),
        "safeguarding_review_due_on": (today() + timedelta(days=200)).isoformat(),
    }
    data.update(changes)
    return data


def make_partner(session: Session, coordinator: User | None = None, **changes: Any) -> Partner:
    coordinator = (
        coordinator or session.exec(select(User).where(User.role == Role.COORDINATOR)).first() or make_user(session)
    )
    partner = create_partner(session, PartnerInput.model_validate(partner_data(session, **changes)), by=coordinator)
    session.commit()
    return partner


def project_data(session: Session, partner_id: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "partner_id": partner_id,
        "locality_id": locality_id(session),
        "title": "Walking Football for Wellbeing",
        "description": "Gentle football for all abilities.",
        "categories": ["football"],
        "postcode": "HD1 2AB",
        "day_of_week": "TU",
        "starts_at": "10:00",
        "ends_at": "12:00",
        "frequency": "weekly",
        "start_date": date(2027, 1, 5).isoformat(),
        "total_cost_pence": 500_000,
        "match_pence": 200_000,
        "requested_pence": 300_000,
    }
    data.update(changes)
    return data


def make_project(session: Session, partner: Partner, by: User, **changes: Any) -> Project:
    project = create_project(session, ProjectInput.model_validate(project_data(session, partner.id, **changes)), by=by)
    session.commit()
    return project


def csrf_token(client: TestClient) -> str:
    """The CSRF token the browser would hold (visiting any page sets it)."""
    token = client.cookies.get("csrftoken")
    if not token:
        client.get("/login")
        token = client.cookies.get("csrftoken")
    assert token, "no CSRF cookie was set"
    return token


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def post_form(client: TestClient, url: str, data: dict[str, Any], **kwargs: Any):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "_csrf_token": csrf_token(client)}, follow_redirects=False, **kwargs)


def api(client: TestClient, method: str, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    headers = {"x-csrftoken": csrf_token(client), **kwargs.pop("headers", {})}
    return client.request(method, url, headers=headers, **kwargs)


def field_error(html: str, field: str) -> str | None:
    """The error message shown beside a form field, or None."""
    match = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</p>', html, re.S)
    if not match:
        return None
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Error:", "").strip()
