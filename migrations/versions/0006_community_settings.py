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
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("qotd_show_best", sa.Boolean(), server_default=sa.true(), nullable=False)
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
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("qotd_show_best")
