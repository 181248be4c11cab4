"""Spaced-repetition practice: one FSRS card per member and question.

Revision ID: 0004
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.tables

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("practice",)
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = bot.storage.tables.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "practice_cards",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("due", UTC_DATETIME(timezone=True), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("last_review", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("self_rated", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_practice_cards_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_practice_cards_question_id_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_practice_cards_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "question_id", name=op.f("pk_practice_cards")),
    )
    op.create_index("ix_practice_cards_member_due", "practice_cards", ["member_id", "due"])


def downgrade() -> None:
    op.drop_index("ix_practice_cards_member_due", table_name="practice_cards")
    op.drop_table("practice_cards")
