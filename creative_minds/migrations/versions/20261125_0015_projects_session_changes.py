"""projects: single sessions cancelled, moved or added (session_change)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 00:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("original_date", sa.Date(), nullable=True),
        sa.Column("session_date", sa.Date(), nullable=True),
        sa.Column("starts_at", sa.Time(), nullable=True),
        sa.Column("ends_at", sa.Time(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'cancelled' AND original_date IS NOT NULL AND session_date IS NULL)"
            " OR (kind = 'moved' AND original_date IS NOT NULL AND session_date IS NOT NULL AND starts_at IS NOT NULL)"
            " OR (kind = 'added' AND original_date IS NULL AND session_date IS NOT NULL AND starts_at IS NOT NULL)",
            name="ck_session_change_shape",
        ),
        sa.CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ck_session_change_ends_after_start"),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_session_change_created_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_session_change_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_change")),
        sa.UniqueConstraint("project_id", "original_date", name="uq_session_change_project_original"),
        sa.UniqueConstraint("project_id", "session_date", "starts_at", name="uq_session_change_project_slot"),
    )
    with op.batch_alter_table("session_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_change_project_id"), ["project_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_change_project_id"))
    op.drop_table("session_change")
