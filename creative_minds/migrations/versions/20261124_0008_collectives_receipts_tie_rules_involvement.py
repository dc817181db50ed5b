"""collectives: ballot receipts, tie rules with lots drawn when voting opens, members' involvement

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-24 18:48:48.844665

- ballot.receipt: every ballot gets a receipt code (existing ballots get one now).
- funding_round.tie_rule and lots_drawn_at replace the hidden lot_seed; application.lot holds each
  application's place in the lots. Rounds already voting or decided keep the lots their seed gave.
- membership.payment_choice, collective_meeting, meeting_attendance and expense_claim record the
  time members give, how they want to be paid for it, and their expenses.
"""

import random
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
COUNTED_STATUSES = ("eligible", "funded", "not_funded")

ballot = sa.table("ballot", sa.column("id", sa.Integer), sa.column("receipt", sa.String))
funding_round = sa.table(
    "funding_round", sa.column("id", sa.Integer), sa.column("phase", sa.String), sa.column("lot_seed", sa.Integer)
)
application = sa.table(
    "application",
    sa.column("id", sa.Integer),
    sa.column("round_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("lot", sa.Integer),
)


def _receipt() -> str:
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def upgrade() -> None:
    op.create_table(
        "collective_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("payment_pence", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("payment_pence >= 0", name="ck_collective_meeting_payment_not_negative"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_collective_meeting_created_by_id_user")),
        sa.ForeignKeyConstraint(
            ["locality_id"], ["locality.id"], name=op.f("fk_collective_meeting_locality_id_locality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collective_meeting")),
    )
    with op.batch_alter_table("collective_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collective_meeting_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_collective_meeting_locality_id"), ["locality_id"], unique=False)

    op.create_table(
        "expense_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("locality_id", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount_pence > 0", name="ck_expense_claim_amount_positive"),
        sa.ForeignKeyConstraint(["locality_id"], ["locality.id"], name=op.f("fk_expense_claim_locality_id_locality")),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["collective_meeting.id"], name=op.f("fk_expense_claim_meeting_id_collective_meeting")
        ),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], name=op.f("fk_expense_claim_recorded_by_id_user")),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_expense_claim_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claim")),
    )
    with op.batch_alter_table("expense_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expense_claim_locality_id"), ["locality_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_spent_on"), ["spent_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_user_id"), ["user_id"], unique=False)

    op.create_table(
        "meeting_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("payment_choice", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("payment_pence", sa.Integer(), nullable=False),
        sa.CheckConstraint("payment_pence >= 0", name="ck_meeting_attendance_payment_not_negative"),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["collective_meeting.id"],
            name=op.f("fk_meeting_attendance_meeting_id_collective_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_meeting_attendance_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_attendance")),
        sa.UniqueConstraint("meeting_id", "user_id", name="uq_meeting_attendance_meeting_user"),
    )
    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_attendance_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_attendance_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "payment_choice", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="none"
            )
        )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.alter_column("payment_choice", server_default=None)

    # Receipts: existing ballots get one each, then the column is required and unique.
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    connection = op.get_bind()
    for (ballot_id,) in connection.execute(sa.select(ballot.c.id)).all():
        connection.execute(sa.update(ballot).where(ballot.c.id == ballot_id).values(receipt=_receipt()))
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.alter_column("receipt", existing_type=sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False)
        batch_op.create_unique_constraint("uq_ballot_receipt", ["receipt"])

    # Tie rules: rounds already voting or decided keep the lots their hidden seed gave (as the old
    # code drew them: the eligible applications by id, shuffled by the seed), now stored and shown.
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot", sa.Integer(), nullable=True))
    rounds = connection.execute(
        sa.select(funding_round.c.id, funding_round.c.lot_seed).where(
            funding_round.c.phase.in_(("voting", "decided", "closed"))
        )
    ).all()
    for round_id, seed in rounds:
        ids = sorted(
            connection.execute(
                sa.select(application.c.id).where(
                    application.c.round_id == round_id, application.c.status.in_(COUNTED_STATUSES)
                )
            ).scalars()
        )
        random.Random(seed).shuffle(ids)
        for position, application_id in enumerate(ids, start=1):
            connection.execute(sa.update(application).where(application.c.id == application_id).values(lot=position))
    with op.batch_alter_table("funding_round", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tie_rule", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="lot")
        )
        batch_op.add_column(sa.Column("lots_drawn_at", sa.DateTime(), nullable=True))
        batch_op.drop_column("lot_seed")
    with op.batch_alter_table("funding_round", schema=None) as batch_op:
        batch_op.alter_column("tie_rule", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("funding_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_seed", sa.INTEGER(), nullable=True))
        batch_op.drop_column("lots_drawn_at")
        batch_op.drop_column("tie_rule")
    connection = op.get_bind()
    for (round_id,) in connection.execute(sa.select(funding_round.c.id)).all():
        connection.execute(
            sa.update(funding_round).where(funding_round.c.id == round_id).values(lot_seed=secrets.randbelow(2**31))
        )
    with op.batch_alter_table("funding_round", schema=None) as batch_op:
        batch_op.alter_column("lot_seed", existing_type=sa.INTEGER(), nullable=False)

    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ballot_receipt", type_="unique")
        batch_op.drop_column("receipt")

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("lot")

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("payment_choice")

    with op.batch_alter_table("meeting_attendance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_attendance_user_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_attendance_meeting_id"))

    op.drop_table("meeting_attendance")
    with op.batch_alter_table("expense_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expense_claim_user_id"))
        batch_op.drop_index(batch_op.f("ix_expense_claim_spent_on"))
        batch_op.drop_index(batch_op.f("ix_expense_claim_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_expense_claim_locality_id"))

    op.drop_table("expense_claim")
    with op.batch_alter_table("collective_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collective_meeting_locality_id"))
        batch_op.drop_index(batch_op.f("ix_collective_meeting_held_on"))

    op.drop_table("collective_meeting")
