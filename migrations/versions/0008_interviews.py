"""Mock interviews: one row per interview, one per question asked in it.

Revision ID: 0008
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.tables

revision: str = "0008"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("interview",)
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = bot.storage.tables.UTCDateTime
ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("level_source", sa.String(length=10), nullable=False),
        sa.Column("track", sa.String(length=10), nullable=False),
        sa.Column("length", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", UTC_DATETIME(timezone=True), nullable=False),
        sa.Column("finished_at", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("scorecard", sa.JSON(), nullable=True),
        sa.Column("readout", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_interviews_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_interviews_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    op.create_index(
        "uq_interviews_active_member",
        "interviews",
        ["member_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index("ix_interviews_member_started", "interviews", ["member_id", "started_at"])
    op.create_table(
        "interview_steps",
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("follow_up", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=12), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=False),
        sa.Column("follow_up_index", sa.Integer(), nullable=True),
        sa.Column("suggested_seconds", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("asked_at", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("answered_at", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("grade", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_steps_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_interview_steps_question_id_questions"),
        ),
        sa.PrimaryKeyConstraint(
            "interview_id", "number", "follow_up", name=op.f("pk_interview_steps")
        ),
    )


def downgrade() -> None:
    op.drop_table("interview_steps")
    op.drop_index("ix_interviews_member_started", table_name="interviews")
    op.drop_index("uq_interviews_active_member", table_name="interviews")
    op.drop_table("interviews")
