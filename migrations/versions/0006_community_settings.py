"""Community settings (/settings) and the member's last skipped question.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = bot.storage.tables.UTCDateTime


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch rebuild: on SQLite a rebuild drops and recreates
    # `communities`, and with foreign keys on, dropping it cascades into every row that
    # belongs to a community.
    op.add_column(
        "communities",
        sa.Column("qotd_show_best", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.create_table(
        "skipped_questions",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("skipped_at", UTC_DATETIME(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_skipped_questions_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_skipped_questions")),
    )


def downgrade() -> None:
    op.drop_table("skipped_questions")
    # SQLite 3.35+ drops a column in place (no rebuild, so no cascade).
    op.drop_column("communities", "qotd_show_best")
