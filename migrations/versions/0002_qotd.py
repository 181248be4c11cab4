"""Question of the day: subscriptions, posts (slots), answers.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.storage.tables

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("qotd",)
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = bot.storage.tables.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "qotd_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("post_time", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("days", sa.String(length=16), nullable=False),
        sa.Column("topics", sa.String(length=400), nullable=False),
        sa.Column("levels", sa.String(length=32), nullable=False),
        sa.Column("reveal_minutes", sa.Integer(), nullable=False),
        sa.Column("digest_day", sa.Integer(), nullable=True),
        sa.Column("show_best", sa.Boolean(), nullable=False),
        sa.Column("notify_channel", sa.String(length=64), nullable=True),
        sa.Column("cohort_id", sa.Integer(), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.String(length=300), nullable=True),
        sa.Column("active_since", UTC_DATETIME(timezone=True), nullable=False),
        sa.Column("updated_at", UTC_DATETIME(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_qotd_subscriptions_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_qotd_subscriptions_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qotd_subscriptions")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_qotd_subscriptions_channel_id")),
    )
    op.create_index("ix_qotd_subscriptions_paused", "qotd_subscriptions", ["paused"])

    op.create_table(
        "qotd_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("slot_at", UTC_DATETIME(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UTC_DATETIME(timezone=True), nullable=False),
        sa.Column("question_id", sa.String(length=80), nullable=True),
        sa.Column("posted_at", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("reveal_at", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("reveal_status", sa.String(length=10), nullable=False),
        sa.Column("reveal_attempts", sa.Integer(), nullable=False),
        sa.Column("reveal_claimed_at", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("revealed_at", UTC_DATETIME(timezone=True), nullable=True),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["qotd_subscriptions.id"],
            name=op.f("fk_qotd_posts_subscription_id_qotd_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_qotd_posts_community_id_communities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_qotd_posts_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_qotd_posts_question_id_questions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qotd_posts")),
        sa.UniqueConstraint(
            "subscription_id",
            "local_date",
            "kind",
            name=op.f("uq_qotd_posts_subscription_id_local_date_kind"),
        ),
    )
    op.create_index("ix_qotd_posts_channel", "qotd_posts", ["channel_id", "kind", "local_date"])
    op.create_index("ix_qotd_posts_reveal", "qotd_posts", ["reveal_status", "reveal_at"])
    op.create_index("ix_qotd_posts_local_date", "qotd_posts", ["local_date"])

    op.create_table(
        "qotd_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("grade", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC_DATETIME(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["qotd_posts.id"],
            name=op.f("fk_qotd_answers_post_id_qotd_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_qotd_answers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qotd_answers")),
        sa.UniqueConstraint(
            "post_id", "member_id", name=op.f("uq_qotd_answers_post_id_member_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("qotd_answers")
    op.drop_index("ix_qotd_posts_local_date", table_name="qotd_posts")
    op.drop_index("ix_qotd_posts_reveal", table_name="qotd_posts")
    op.drop_index("ix_qotd_posts_channel", table_name="qotd_posts")
    op.drop_table("qotd_posts")
    op.drop_index("ix_qotd_subscriptions_paused", table_name="qotd_subscriptions")
    op.drop_table("qotd_subscriptions")
