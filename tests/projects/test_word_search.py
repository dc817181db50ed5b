"""The project list searches by words too (issue 15), the same on SQLite and PostgreSQL."""

from __future__ import annotations

from projects.service import ProjectFilters, search_projects
from tests.utils import make_partner, make_project, make_user


def test_project_list_finds_words_in_any_order_without_accents(db):
    coordinator = make_user(db)
    partner = make_partner(db, coordinator, name="Calder Friends")
    make_project(
        db,
        partner,
        coordinator,
        title="Le Petit Café Club",
        venue_address="10 Square Road, Halifax",
        postcode="HX1 1QG",
    )
    make_project(db, partner, coordinator, title="Cafe Knitters", venue_address="2 Bank Street, Dewsbury")

    def titles(q: str) -> list[str]:
        return [p.title for p in search_projects(db, ProjectFilters(q=q), user=coordinator).items]

    assert titles("halifax cafe") == ["Le Petit Café Club"]
    assert titles("CAFÉ") == ["Cafe Knitters", "Le Petit Café Club"]
    assert titles("hx1") == ["Le Petit Café Club"]  # the postcode, as before
    assert titles("friends knitters") == ["Cafe Knitters"]  # the partner's name and the title
    assert titles("cafe leeds") == []


def test_a_partner_number_beyond_the_id_range_finds_nothing_and_is_no_error(client, db):
    from tests.utils import login

    coordinator = make_user(db)
    login(client, coordinator.email)
    for number in (str(2**40), str(-(2**40))):
        response = client.get("/projects", params={"partner_id": number})
        assert response.status_code == 200
        assert "<strong>0</strong> projects found" in response.text and "No projects match" in response.text
