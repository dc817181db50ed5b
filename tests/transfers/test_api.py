"""The read-only JSON API for rounds, applications, decisions and the ledger, with the pages' checks."""

from __future__ import annotations

import hashlib

from creative_minds.accounts.models import Role
from tests.transfers.test_exports import _decided_network
from tests.utils import login, make_user


def test_coordinator_reads_rounds_applications_the_sealed_decision_and_the_ledger(client, db):
    net = _decided_network(db)
    login(client, net.coordinator.email)
    listed = client.get("/api/rounds").json()
    assert [r["id"] for r in listed] == [net.round.id]
    assert len(client.get(f"/api/rounds/{net.round.id}/applications").json()) == 5
    decision = client.get(f"/api/rounds/{net.round.id}/decision").json()
    assert decision["seal_verified"] is True
    assert decision["funded_pence"] == 850_000  # allotment £3,000 + walks £3,000 + youth £2,500
    funded = sorted(line["amount_pence"] for line in decision["lines"] if line["outcome"] == "funded")
    assert funded == [250_000, 300_000, 300_000]
    ledger = client.get("/api/ledger").json()
    assert sum(e["amount_pence"] for e in ledger) == 850_000
    # Times carry their offset (RFC 3339 date-time, as the schema says): stored as UTC, said as UTC.
    times = [decision["confirmed_at"], *(e["created_at"] for e in ledger)]
    times += [a["submitted_at"] for a in client.get(f"/api/rounds/{net.round.id}/applications").json()]
    assert times and all(t.endswith(("+00:00", "Z")) for t in times), times


def test_the_seal_is_the_sha256_of_the_record_served_beside_it(client, db):
    net = _decided_network(db)
    login(client, net.coordinator.email)
    decision = client.get(f"/api/rounds/{net.round.id}/decision").json()
    sealed = client.get(f"/rounds/{net.round.id}/decision.json").content
    assert hashlib.sha256(sealed).hexdigest() == decision["seal"]


def test_members_partners_and_others_see_what_the_pages_show_them(client, db):
    net = _decided_network(db)
    login(client, net.members[0].email)
    assert client.get(f"/api/rounds/{net.round.id}/decision").status_code == 200
    assert client.get("/api/ledger").status_code == 403
    client.cookies.clear()

    owner = net.owners["cafe"]
    login(client, owner.email)
    shown = client.get(f"/api/rounds/{net.round.id}/applications").json()
    assert [a["partner_id"] for a in shown] == [owner.partner_id]
    assert client.get(f"/api/rounds/{net.round.id}/decision").status_code == 403
    client.cookies.clear()

    login(client, make_user(db, Role.CHAMPION).email)
    assert client.get("/api/rounds").json() == []
    assert client.get(f"/api/rounds/{net.round.id}").status_code == 403


def test_signed_out_callers_get_401_and_the_routes_are_in_the_openapi_schema(client, db):
    net = _decided_network(db)
    assert client.get(f"/api/rounds/{net.round.id}").status_code == 401
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in ("/api/rounds", "/api/rounds/{round_id}", "/api/rounds/{round_id}/applications",
                 "/api/rounds/{round_id}/decision", "/api/ledger"):  # fmt: skip
        assert path in paths
