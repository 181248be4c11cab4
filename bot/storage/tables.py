"""Database tables (SQLAlchemy 2 declarative). Alembic migrations are written against these.

Conventions: every time is timezone-aware UTC (`UTCDateTime`); every platform id is stored
beside its tenant (community) so that no query can cross tenants by accident; a member's
local calendar day is stored on the attempt (`local_date`) because "today" depends on the
community's timezone at the moment of answering.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes.

    SQLite has no timezone type and returns naive values; PostgreSQL returns aware ones.
    Normalising here keeps every comparison in the services honest on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CommunityRow(Base):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hide_departed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    qotd_show_best: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class ChannelRow(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("community_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("community_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the platform says the member left; boards can hide departed members.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class QuestionRow(Base):
    """A question as loaded from a pack. `data` holds the whole question; the other columns
    exist to filter on. Retired questions stay (active = false) so old attempts keep their
    question."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_pool", "active", "community_id", "topic"),)

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), nullable=True
    )
    topic: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))
    # Comma-framed list (",junior,mid,") so a level filter is a portable LIKE.
    levels: Mapped[str] = mapped_column(String(32))
    difficulty: Mapped[int] = mapped_column(Integer, default=2)
    prompt: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AttemptRow(Base):
    """One graded answer. Never updated; removed only when the member's data is deleted."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_member_question", "member_id", "question_id", "local_date"),
        Index("ix_attempts_community_created", "community_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), nullable=True
    )
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"))
    topic: Mapped[str] = mapped_column(String(40))
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(Integer)
    # False when the member already had a counted attempt at this question that day.
    counted: Mapped[bool] = mapped_column(Boolean)
    context: Mapped[str] = mapped_column(String(16), default="quiz")
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberTotalRow(Base):
    """Lifetime totals and streaks per member, updated in the attempt's transaction."""

    __tablename__ = "member_totals"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    # Consecutive community-local days with at least one graded answer.
    current_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    longest_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_active_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    __table_args__ = (Index("ix_member_totals_board", "community_id", "points"),)


class BoardTotalRow(Base):
    """One member's points on one board: (scope, period) of a community.

    scope is "community" (scope_id 0), "channel" (a channel id) or "cohort" (a cohort id);
    period is "day", "week", "month" or "all", and period_start is the first local day of the
    period ("all" uses 1970-01-01). Updated in the attempt's transaction, so reading a board
    is one index range scan however many attempts there are.
    """

    __tablename__ = "board_totals"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        Index(
            "ix_board_totals_rank",
            "community_id",
            "scope",
            "scope_id",
            "period",
            "period_start",
            "points",
        ),
        Index("ix_board_totals_member", "member_id"),
    )


class BoardPointCountRow(Base):
    """How many members of one board have exactly `points` points, and how many of those
    have left the community: a histogram of the board.

    A member's rank is one more than the members ahead of them, and the members ahead are
    the sum of the buckets above their points: a short range scan over distinct point
    values, however many members the board has. Kept in step with board_totals in the same
    transaction (answers, cohort rebuilds, members leaving, returning or being deleted).
    """

    __tablename__ = "board_point_counts"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(6), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(Integer, primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)
    departed: Mapped[int] = mapped_column(Integer, default=0)


class CohortRow(Base):
    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CohortMemberRow(Base):
    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CohortChannelRow(Base):
    __tablename__ = "cohort_channels"

    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )


class PendingQuestionRow(Base):
    """The question a member has been asked and not yet answered: one per member. Kept in
    the database so an answer after a restart still finds its question."""

    __tablename__ = "pending_questions"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"))
    channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("channels.id", ondelete="SET NULL"), nullable=True
    )
    level: Mapped[str | None] = mapped_column(String(8), nullable=True)
    context: Mapped[str] = mapped_column(String(16), default="quiz")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SkippedQuestionRow(Base):
    """The question a member skipped last, so /rate can say it has no answer to rate."""

    __tablename__ = "skipped_questions"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(80))
    skipped_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SeenQuestionRow(Base):
    """Which questions a member has been served, so they see no repeat until the pool is
    exhausted."""

    __tablename__ = "seen_questions"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QotdSubscriptionRow(Base):
    """A channel's question-of-the-day schedule: the source of truth the scheduler's jobs
    are rebuilt from. One per channel."""

    __tablename__ = "qotd_subscriptions"
    __table_args__ = (
        UniqueConstraint("channel_id"),
        Index("ix_qotd_subscriptions_paused", "paused"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    # Local wall-clock time "HH:MM" in `timezone`; days are "0,1,2" with 0 = Monday.
    post_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    days: Mapped[str] = mapped_column(String(16))
    topics: Mapped[str] = mapped_column(String(400), default="")
    levels: Mapped[str] = mapped_column(String(32), default="")
    reveal_minutes: Mapped[int] = mapped_column(Integer)
    digest_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    show_best: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Cohorts arrive in another change: a plain column until then, no foreign key yet.
    cohort_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Slots before this moment are never posted late (set up or resumed after them).
    active_since: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QotdPostRow(Base):
    """One (subscription, local date, kind) slot. Inserted *before* sending, in its own
    transaction: the unique key is what makes a post happen at most once across restarts
    and processes."""

    __tablename__ = "qotd_posts"
    __table_args__ = (
        UniqueConstraint("subscription_id", "local_date", "kind"),
        Index("ix_qotd_posts_channel", "channel_id", "kind", "local_date"),
        Index("ix_qotd_posts_reveal", "reveal_status", "reveal_at"),
        Index("ix_qotd_posts_local_date", "local_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("qotd_subscriptions.id", ondelete="CASCADE")
    )
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    local_date: Mapped[date] = mapped_column(Date)
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    question_id: Mapped[str | None] = mapped_column(ForeignKey("questions.id"), nullable=True)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reveal_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reveal_status: Mapped[str] = mapped_column(String(10), default="none")
    reveal_attempts: Mapped[int] = mapped_column(Integer, default=0)
    reveal_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class QotdAnswerRow(Base):
    """A member's one graded answer to a daily question (the attempt itself, with its
    points, is in `attempts` with context "qotd")."""

    __tablename__ = "qotd_answers"
    __table_args__ = (UniqueConstraint("post_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("qotd_posts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(10))
    points: Mapped[int] = mapped_column(Integer)
    grade: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PracticeCardRow(Base):
    """A member's spaced-repetition (FSRS) card for one question. `card` is the scheduler's
    JSON; due, state and last_review repeat it to be queried. `before` is the card before
    the review by graded attempt `attempt_id`, so a self-rating can replace that review."""

    __tablename__ = "practice_cards"
    __table_args__ = (Index("ix_practice_cards_member_due", "member_id", "due"),)

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    due: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[int] = mapped_column(Integer)
    last_review: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    card: Mapped[dict[str, Any]] = mapped_column(JSON)
    # A plain column: attempts are deleted with the member, never on their own.
    attempt_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    self_rated: Mapped[bool] = mapped_column(Boolean, default=False)


class InterviewRow(Base):
    """A member's mock interview. At most one active per member (a partial unique index:
    the database itself refuses a second, even from a racing request or process); closed
    ones keep their scorecard JSON and one-line readout for history and rosters."""

    __tablename__ = "interviews"
    __table_args__ = (
        Index(
            "uq_interviews_active_member",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_interviews_member_started", "member_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(8))
    level_source: Mapped[str] = mapped_column(String(10), default="chosen")
    track: Mapped[str] = mapped_column(String(10))
    length: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    scorecard: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    readout: Mapped[str | None] = mapped_column(String(200), nullable=True)


class InterviewStepRow(Base):
    """One question of an interview: main question `number`, or (follow_up = 1) the
    follow-up asked after it. Planned steps are stored when the interview starts, so a
    restart resumes exactly where the member was."""

    __tablename__ = "interview_steps"

    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    follow_up: Mapped[int] = mapped_column(Integer, primary_key=True)
    section: Mapped[str] = mapped_column(String(12))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"))
    follow_up_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    suggested_seconds: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    grade: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
