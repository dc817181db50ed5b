"""connections: the funnel's kept summary (funnel_person); the form's own key gives way to one-time tokens

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-25 00:40:00

- funnel_person: each person's row per activity, partner, locality and the network (and per team or
  service there), kept by connections/summary.py in the same transaction as every change, so the
  all-dates funnel only adds rows up. Filled here from the connections already saved.
- A connection form sent twice is now caught by creative_minds/once.py like every other create form,
  so connection.form_key and its unique constraint go. Keys only mattered for two days after a form
  was shown, so none is carried over.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from stories.equality import QUESTIONS  # the options' order gives the answer codes (connections/summary.py)

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same rows as connections/summary.py works out (kept here as it is today, so the migration
# does not change when the app does).
_BASE = """
    SELECT c.participant_id AS person, c.project_id AS project, p.partner_id AS partner,
           p.locality_id AS locality, c.source_id AS source,
           CASE WHEN c.first_attended_on IS NOT NULL THEN 1 ELSE 0 END AS came,
           CASE WHEN c.outcome = 'still_going' THEN 1 ELSE 0 END AS still_going,
           CASE WHEN c.first_attended_on IS NOT NULL AND pairs.person IS NOT NULL THEN 1 ELSE 0 END AS paired,
           {answers}
    FROM connection c
    JOIN project p ON p.id = c.project_id
    JOIN participant person ON person.id = c.participant_id
    LEFT JOIN (
        SELECT participant_id AS person, project_id AS project FROM wellbeing_score
        WHERE metric_score IS NOT NULL GROUP BY participant_id, project_id HAVING count(DISTINCT kind) = 2
    ) pairs ON pairs.person = c.participant_id AND pairs.project = c.project_id
"""


def _code(question: str) -> str:
    """0: not answered; 1..: the question's options in order; -1: anything else."""
    options = QUESTIONS[question].options
    whens = " ".join(
        f"WHEN person.{question} = '{option.replace(chr(39), chr(39) * 2)}' THEN {number}"
        for number, option in enumerate(options, start=1)
    )
    return f"CASE WHEN person.{question} IS NULL THEN 0 {whens} ELSE -1 END AS {question}"


def _fill() -> None:
    base = _BASE.format(answers=", ".join(_code(q) for q in QUESTIONS))
    answers = ", ".join(f"max({q})" for q in QUESTIONS)
    parts = []
    for level, key in (("activity", "project"), ("partner", "partner"), ("locality", "locality"), ("network", None)):
        for by_source in (False, True):
            key_sql = key or "0"
            groups = ", ".join(["person"] + ([key] if key else []) + (["source"] if by_source else []))
            parts.append(
                f"SELECT '{level}', {key_sql}, {'source' if by_source else '0'}, person, "
                f"max(came), max(still_going), max(paired), {answers} FROM base GROUP BY {groups}"
            )
    op.execute(
        "INSERT INTO funnel_person (level, key, source_id, participant_id, came, still_going, paired, "
        + ", ".join(QUESTIONS)
        + f") WITH base AS ({base}) "
        + " UNION ALL ".join(parts)
    )


def upgrade() -> None:
    op.create_table(
        "funnel_person",
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("came", sa.Integer(), nullable=False),
        sa.Column("still_going", sa.Integer(), nullable=False),
        sa.Column("paired", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.Integer(), nullable=False),
        sa.Column("sex", sa.Integer(), nullable=False),
        sa.Column("gender_identity", sa.Integer(), nullable=False),
        sa.Column("ethnic_group", sa.Integer(), nullable=False),
        sa.Column("disability", sa.Integer(), nullable=False),
        sa.Column("sexual_orientation", sa.Integer(), nullable=False),
        sa.Column("religion", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_funnel_person_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("level", "source_id", "key", "participant_id", name=op.f("pk_funnel_person")),
    )
    with op.batch_alter_table("funnel_person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funnel_person_participant_id"), ["participant_id"], unique=False)
    _fill()
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.drop_constraint("uq_connection_form_key", type_="unique")
        batch_op.drop_column("form_key")


def downgrade() -> None:
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint("uq_connection_form_key", ["form_key"])
    with op.batch_alter_table("funnel_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funnel_person_participant_id"))
    op.drop_table("funnel_person")
