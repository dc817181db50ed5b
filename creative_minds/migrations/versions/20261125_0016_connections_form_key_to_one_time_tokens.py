"""connections: the connection form's own key goes; its one-time token is the app's (form_submission)

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-25 00:40:00

A connection form sent twice is now caught by creative_minds/once.py like every other create form,
so connection.form_key and its unique constraint go. Keys only mattered for two days after a form
was shown, so none is carried over.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.drop_constraint("uq_connection_form_key", type_="unique")
        batch_op.drop_column("form_key")


def downgrade() -> None:
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_connection_form_key", ["form_key"])
