"""connections: champions' connections, attendance, session registers, referral sources, activity intake

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-24 21:42:34.577027

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "referral_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_source")),
        sa.UniqueConstraint("name", name="uq_referral_source_name"),
    )
    op.create_table(
        "activity_intake",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("intake", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("confirmed_on", sa.Date(), nullable=True),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"], ["user.id"], name=op.f("fk_activity_intake_confirmed_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_activity_intake_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_activity_intake")),
    )
    op.create_table(
        "connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("champion_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("connected_on", sa.Date(), nullable=False),
        sa.Column("how", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("waiting_list", sa.Boolean(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("contact_consent", sa.Boolean(), nullable=False),
        sa.Column("contact_preference", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("first_attended_on", sa.Date(), nullable=True),
        sa.Column("did_not_come_on", sa.Date(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("stop_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("form_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("contact_preference IS NULL OR contact_consent", name="ck_connection_contact_needs_consent"),
        sa.CheckConstraint(
            "first_attended_on IS NULL OR first_attended_on >= connected_on", name="ck_connection_came_after_connected"
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR first_attended_on IS NOT NULL", name="ck_connection_outcome_needs_visit"
        ),
        sa.ForeignKeyConstraint(
            ["champion_id"], ["user.id"], name=op.f("fk_connection_champion_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_connection_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_connection_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["referral_source.id"], name=op.f("fk_connection_source_id_referral_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connection")),
        sa.UniqueConstraint("form_key", name="uq_connection_form_key"),
        sa.UniqueConstraint("participant_id", "project_id", "connected_on", name="uq_connection_person_activity_day"),
    )
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connection_champion_id"), ["champion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_connection_participant_id"), ["participant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_connection_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            "ix_connection_project_stage", ["project_id", "first_attended_on", "outcome"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_connection_source_id"), ["source_id"], unique=False)

    op.create_table(
        "session_register",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("headcount >= 0", name="ck_session_register_headcount_not_negative"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_session_register_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_session_register_recorded_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_register")),
        sa.UniqueConstraint("project_id", "held_on", name="uq_session_register_project_day"),
    )
    with op.batch_alter_table("session_register", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_register_project_id"), ["project_id"], unique=False)

    op.create_table(
        "register_attendee",
        sa.Column("register_id", sa.Integer(), nullable=False),
        sa.Column("connection_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connection.id"],
            name=op.f("fk_register_attendee_connection_id_connection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["register_id"],
            ["session_register.id"],
            name=op.f("fk_register_attendee_register_id_session_register"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("register_id", "connection_id", name=op.f("pk_register_attendee")),
    )
    with op.batch_alter_table("register_attendee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_register_attendee_connection_id"), ["connection_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("register_attendee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_register_attendee_connection_id"))

    op.drop_table("register_attendee")
    with op.batch_alter_table("session_register", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_register_project_id"))

    op.drop_table("session_register")
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_connection_source_id"))
        batch_op.drop_index("ix_connection_project_stage")
        batch_op.drop_index(batch_op.f("ix_connection_project_id"))
        batch_op.drop_index(batch_op.f("ix_connection_participant_id"))
        batch_op.drop_index(batch_op.f("ix_connection_champion_id"))

    op.drop_table("connection")
    op.drop_table("activity_intake")
    op.drop_table("referral_source")
