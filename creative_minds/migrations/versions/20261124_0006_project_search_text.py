"""projects: normalised search text and title sort key (word search, same order on both databases); data_version

Revision ID: 0006
Revises: 0008
Create Date: 2026-11-24 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sort_type = sa.String(length=400).with_variant(sa.String(length=400, collation="C"), "postgresql")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("sort_title", sort_type, nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_project_sort_title"), ["sort_title"], unique=False)
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.alter_column("search_text", server_default=None)
        batch_op.alter_column("sort_title", server_default=None)
    _fill()
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(sa.text("INSERT INTO data_version (id, token) VALUES (1, 'initial')"))


def _fill() -> None:
    """Work out every existing project's search text, as saving it would."""
    from projects.search_text import search_text, sort_title

    bind = op.get_bind()
    project, partner, locality = (
        sa.table(
            "project",
            *(
                sa.column(c)
                for c in (
                    "id",
                    "title",
                    "description",
                    "venue_name",
                    "venue_address",
                    "postcode",
                    "partner_id",
                    "locality_id",
                    "search_text",
                    "sort_title",
                )
            ),
        ),
        sa.table("partner", sa.column("id"), sa.column("name")),
        sa.table("locality", sa.column("id"), sa.column("name")),
    )
    link = sa.table("project_category", sa.column("project_id"), sa.column("category"))
    categories: dict[int, list[str]] = {}
    for project_id, category in bind.execute(sa.select(link.c.project_id, link.c.category).order_by(link.c.category)):
        categories.setdefault(project_id, []).append(category)
    rows = bind.execute(
        sa.select(
            project.c.id,
            project.c.title,
            project.c.description,
            project.c.venue_name,
            project.c.venue_address,
            project.c.postcode,
            partner.c.name,
            locality.c.name,
        )
        .select_from(project)
        .join(partner, partner.c.id == project.c.partner_id)
        .join(locality, locality.c.id == project.c.locality_id)
    ).all()
    updates = [
        {
            "pid": row[0],
            "text": search_text(
                title=row[1],
                description=row[2] or "",
                venue_name=row[3] or "",
                venue_address=row[4] or "",
                postcode=row[5] or "",
                partner_name=row[6],
                locality_name=row[7],
                categories=categories.get(row[0], []),
            ),
            "key": sort_title(row[1]),
        }
        for row in rows
    ]
    if updates:
        bind.execute(
            project.update()
            .where(project.c.id == sa.bindparam("pid"))
            .values(search_text=sa.bindparam("text"), sort_title=sa.bindparam("key")),
            updates,
        )


def downgrade() -> None:
    op.drop_table("data_version")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_sort_title"))
        batch_op.drop_column("sort_title")
        batch_op.drop_column("search_text")
