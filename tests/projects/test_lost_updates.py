"""Two people editing the same project or partner: nobody's change is lost without being told."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from litestar.testing import TestClient

from creative_minds.accounts.models import Role
from projects.models import Project
from tests.projects.test_routes import form
from tests.utils import api, login, make_partner, make_project, make_user, post_form


def _edit_form_version(client, url: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', client.get(url).text)
    assert match, "the edit form carries the version it was opened at"
    return match.group(1)


def test_a_save_from_a_stale_form_is_refused_with_both_versions_shown(app, db, client):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    owner = make_user(db, Role.PARTNER, partner_id=partner.id)
    project = make_project(db, partner, owner, title="Clay and Calm")
    with TestClient(app=app, base_url="http://testserver.local") as other:
        login(client, owner.email)
        login(other, coordinator.email)
        stale = _edit_form_version(client, f"/projects/{project.id}/edit")
        fresh = _edit_form_version(other, f"/projects/{project.id}/edit")
        saved = post_form(
            other,
            f"/projects/{project.id}/edit",
            form(db, title="Clay and Calm (Tuesdays)", version=fresh, partner_id=str(partner.id)),
        )
        assert saved.status_code == 303
        mine = post_form(client, f"/projects/{project.id}/edit", form(db, title="Clay for Everyone", version=stale))
    assert mine.status_code == 409
    assert "Someone else changed this while you were editing" in mine.text
    assert 'value="Clay for Everyone"' in mine.text  # what I typed is kept
    notice = mine.text.split('id="stale-edit"')[1].split("</div>")[0]
    assert "Clay and Calm (Tuesdays)" in notice  # their change is shown
    db.expire_all()
    assert db.get(Project, project.id).title == "Clay and Calm (Tuesdays)"
    # Saving again from the form as shown (which now carries the newer version) goes through.
    again = _version_in(mine.text)
    assert (
        post_form(
            client, f"/projects/{project.id}/edit", form(db, title="Clay for Everyone", version=again)
        ).status_code
        == 303
    )
    db.expire_all()
    assert db.get(Project, project.id).title == "Clay for Everyone"


def _version_in(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_concurrent_saves_from_the_same_version_never_both_succeed(live_server, db):
    """Two people press Save at the same moment, ten times over, against a real server."""
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    project = make_project(db, partner, coordinator, title="Start")
    clients = [httpx.Client(base_url=live_server) for _ in range(2)]
    try:
        for c in clients:
            login(c, coordinator.email)
        for pair in range(10):
            version = _edit_form_version(clients[0], f"/projects/{project.id}/edit")
            # Forms are built here: the test's own database session is not shared with the threads.
            jobs = [
                (c, form(db, title=f"Pair {pair} by {who}", version=version, partner_id=str(partner.id)))
                for c, who in ((clients[0], "A"), (clients[1], "B"))
            ]
            with ThreadPoolExecutor(max_workers=2) as pool:
                answers = list(pool.map(_save, jobs, [project.id] * 2))
            assert sorted(answers) == [303, 409], answers  # one saved, the other told
            db.expire_all()
            winner = "A" if answers[0] == 303 else "B"
            assert db.get(Project, project.id).title == f"Pair {pair} by {winner}"
    finally:
        for c in clients:
            c.close()


def _save(job, project_id):
    client, data = job
    return post_form(client, f"/projects/{project_id}/edit", data).status_code


def test_the_api_refuses_a_stale_if_match_with_409(client, db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator)
    login(client, coordinator.email)
    body = client.get(f"/api/partners/{partner.id}").json()
    assert body["version"] == 1
    payload = {
        k: v for k, v in body.items() if k not in {"id", "status", "localities", "preferred_supplier", "version"}
    }
    payload["locality_ids"] = [loc.id for loc in partner.localities]
    ok = api(client, "PUT", f"/api/partners/{partner.id}", json={**payload, "name": "First"}, headers={"If-Match": "1"})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api(
        client, "PUT", f"/api/partners/{partner.id}", json={**payload, "name": "Second"}, headers={"If-Match": "1"}
    )
    assert stale.status_code == 409
    assert "Someone else saved changes" in stale.json()["detail"]
