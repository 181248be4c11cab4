"""What the core needs from the outside world, as small Protocols.

Each port has a production implementation (bot/storage for the unit of work, the adapters
for ChatPort, `SystemClock`) and a working in-memory twin in `bot.testing` used by the
unit tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain import (
    Attempt,
    Channel,
    Cohort,
    Community,
    Grade,
    LeaderboardRow,
    LeaderboardScope,
    LeaderboardWindow,
    Member,
    Question,
    Verdict,
)
from bot.views import Reply


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes: (platform, channel) or a member's direct messages."""

    platform: str
    channel: str
    thread: str | None = None
    # The platform's community (Slack team) the channel belongs to, for adapters that
    # hold one credential per community (a Slack app installed in many workspaces).
    community: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    target: Target
    message_id: str


class ChatError(Exception):
    """A chat platform failed or refused a request."""


class ChannelGone(ChatError, LookupError):
    """The channel no longer exists, or the bot may no longer post there (Discord 404 /
    403 Missing Access, Slack channel_not_found / not_in_channel / is_archived). Retrying
    will not help."""


class RateLimited(ChatError):
    """The platform answered 429: wait `retry_after` seconds before the next request."""

    def __init__(self, retry_after: float, scope: str = "global") -> None:
        super().__init__(f"rate limited for {retry_after:.3f}s ({scope})")
        self.retry_after = retry_after
        # "global" (the whole bot), "community" (the target's workspace) or "channel"
        # (only this target).
        self.scope = scope


class ChatPort(Protocol):
    """Everything the core sends to a chat platform. Adapters implement it.

    Failures are raised as `ChatError`s: `ChannelGone` when the target has vanished or is
    forbidden, `RateLimited` on a 429; anything else is treated as transient."""

    async def send(self, target: Target, reply: Reply) -> SentMessage: ...

    async def edit(self, message: SentMessage, reply: Reply) -> None: ...

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        """Open a discussion thread under `message`; None where the platform has none."""
        ...


class Grader(Protocol):
    """Grades an answer: `bot.services.grading.ClaimsGrader` (the pure claims grader, the
    default) or `bot.services.judge.JudgeGrader` (an LLM judge that falls back to it).

    A grader that may wait on the network says so through `consults`: the services grade
    such answers before they open a unit of work, so no transaction is held open while a
    remote model thinks."""

    @property
    def remote(self) -> bool:
        """Whether `grade` may wait on something outside the process for some question."""
        ...

    def consults(self, question: Question) -> bool:
        """Whether grading an answer to `question` may wait on something outside the
        process (False: `grade` is pure CPU work, safe inside a transaction)."""
        ...

    async def grade(self, question: Question, answer: str, level: str | None) -> Grade:
        """Grade `answer` to `question` against the rubric for `level`. Never raises for a
        failing outside service: the claims grade stands in."""
        ...

    async def close(self) -> None:
        """Release connections (at shutdown)."""
        ...


@dataclass(frozen=True, slots=True)
class NewAttempt:
    community_id: int
    member_id: int
    question_id: str
    topic: str
    answer: str
    score: int
    verdict: str
    points: int
    counted: bool
    context: str
    local_date: date
    created_at: datetime
    channel_id: int | None = None

    def stored(self, attempt_id: int) -> Attempt:
        """The attempt as stored under `attempt_id`."""
        return Attempt(
            id=attempt_id,
            community_id=self.community_id,
            member_id=self.member_id,
            question_id=self.question_id,
            answer=self.answer,
            score=self.score,
            verdict=Verdict(self.verdict),
            points=self.points,
            counted=self.counted,
            created_at=self.created_at,
            channel_id=self.channel_id,
        )


@dataclass(frozen=True, slots=True)
class PendingQuestion:
    member_id: int
    question_id: str
    asked_at: datetime
    channel_id: int | None = None
    level: str | None = None
    context: str = "quiz"


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class PoolFilter:
    community_id: int
    topic: str | None = None
    level: str | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class TopicCount:
    topic: str
    level: str
    kind: str
    count: int


@dataclass(frozen=True, slots=True)
class TopicAccuracy:
    topic: str
    answers: int
    correct: int


@dataclass(frozen=True, slots=True)
class BoardKey:
    """Which board: a scope of a community over one window starting on a local day."""

    community_id: int
    scope: LeaderboardScope
    scope_id: int
    window: LeaderboardWindow
    period_start: date


@dataclass(frozen=True, slots=True)
class MemberProgress:
    points: int
    answers: int
    correct: int
    current_streak: int
    longest_streak: int
    last_active_on: date | None


@dataclass(frozen=True, slots=True)
class AttemptSummary:
    """What a roster or a data export needs of one attempt."""

    member_id: int
    question_id: str
    topic: str
    score: int
    verdict: str
    points: int
    counted: bool
    local_date: date
    created_at: datetime
    answer: str


class CommunityRepository(Protocol):
    async def get_or_create(
        self, platform: str, external_id: str, name: str, timezone: str, now: datetime
    ) -> Community: ...

    async def get(self, community_id: int) -> Community | None: ...

    async def find(self, platform: str, external_id: str) -> Community | None: ...

    async def update_settings(
        self,
        community_id: int,
        *,
        timezone: str | None = None,
        hide_departed: bool | None = None,
        qotd_show_best: bool | None = None,
    ) -> Community:
        """Change the given settings (None leaves one as it is); returns the community."""
        ...


class ChannelRepository(Protocol):
    async def get_or_create(self, community_id: int, external_id: str, name: str) -> Channel: ...

    async def get_or_create_many(
        self, community_id: int, external_ids: Sequence[str]
    ) -> dict[str, Channel]:
        """Every named channel of the community, created where missing, by external id."""
        ...


class MemberRepository(Protocol):
    async def get_or_create(
        self, community_id: int, external_id: str, display_name: str, now: datetime
    ) -> Member: ...

    async def get_or_create_many(
        self, community_id: int, names: dict[str, str], now: datetime
    ) -> dict[str, Member]:
        """Members by external id (`names` maps external id to display name), created
        where missing; a changed display name is updated to the one given."""
        ...

    async def get(self, member_id: int) -> Member | None: ...

    async def find(self, community_id: int, external_id: str) -> Member | None: ...

    async def set_left(self, member_id: int, left_at: datetime | None) -> None: ...

    async def delete(self, member_id: int) -> None:
        """Remove the member and, in the same transaction, every row about them."""
        ...


class QuestionRepository(Protocol):
    async def sync(
        self, questions: Sequence[Question], now: datetime, community_id: int | None = None
    ) -> SyncReport:
        """Make the active questions of `community_id` (None: the shipped packs) exactly
        `questions`: add new ones, update edited ones, retire missing ones."""
        ...

    async def get(self, question_id: str) -> Question | None: ...

    async def get_many(self, question_ids: Sequence[str]) -> dict[str, Question]:
        """The stored questions among `question_ids` (active or retired), by id."""
        ...

    async def pool(self, pool: PoolFilter) -> list[str]:
        """Ids of active questions matching the filter, shipped or the community's own."""
        ...

    async def counts(self, community_id: int | None) -> list[TopicCount]: ...

    async def community_questions(self, community_id: int | None) -> list[Question]:
        """The active questions of `community_id` only (None: the shipped packs), by id."""
        ...


class AttemptRepository(Protocol):
    async def add(self, attempt: NewAttempt) -> Attempt:
        """Store the attempt and, in the same transaction, fold it into the member's totals
        and streak and into every board it belongs to (community, channel, the member's
        cohorts whose dates cover it; day, week, month and all time)."""
        ...

    async def add_many(self, attempts: Sequence[NewAttempt]) -> list[Attempt]:
        """`add` for several attempts in one go, in order (a member's streak and totals
        follow the order given); returns them stored, in the same order."""
        ...

    async def progress(self, member_id: int) -> MemberProgress | None: ...

    async def for_members(
        self, member_ids: Sequence[int], since: date | None, until: date | None
    ) -> list[AttemptSummary]: ...

    async def lock_member(self, member_id: int, community_id: int) -> None:
        """Hold off other transactions recording answers for this member until this one
        ends; call before `has_counted`."""
        ...

    async def lock_members(self, members: Sequence[tuple[int, int]]) -> None:
        """`lock_member` for several (member id, community id) pairs, in an order that
        cannot deadlock with another transaction doing the same."""
        ...

    async def has_counted(self, member_id: int, question_id: str, local_date: date) -> bool: ...

    async def counted_keys(
        self, keys: Sequence[tuple[int, str, date]]
    ) -> set[tuple[int, str, date]]:
        """Which (member id, question id, local date) keys already have a counted attempt."""
        ...

    async def accuracy_by_topic(self, member_id: int) -> list[TopicAccuracy]: ...


class LeaderboardRepository(Protocol):
    async def top(
        self, board: BoardKey, limit: int, hide_departed: bool = True
    ) -> list[LeaderboardRow]:
        """The best `limit` rows; equal points share a rank (1, 2, 2, 4)."""
        ...

    async def row_for(
        self, board: BoardKey, member_id: int, hide_departed: bool = True
    ) -> LeaderboardRow | None: ...

    async def rebuild_cohort(self, cohort: Cohort) -> None:
        """Recompute a cohort's boards from attempts (after its dates or members change)."""
        ...


class CohortRepository(Protocol):
    async def create(self, cohort: Cohort, now: datetime) -> Cohort: ...

    async def by_name(self, community_id: int, name: str) -> Cohort | None: ...

    async def in_community(self, community_id: int) -> list[Cohort]: ...

    async def update(self, cohort: Cohort) -> None: ...

    async def delete(self, cohort_id: int) -> None: ...

    async def add_member(self, cohort_id: int, member_id: int, now: datetime) -> bool: ...

    async def remove_member(self, cohort_id: int, member_id: int) -> bool: ...

    async def member_ids(self, cohort_id: int) -> list[int]: ...

    async def of_member(self, member_id: int) -> list[Cohort]: ...

    async def bind_channel(self, cohort_id: int, channel_id: int) -> None: ...

    async def channel_ids(self, cohort_id: int) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class PracticeCard:
    """One member's spaced-repetition card for one question (bot.services.practice).

    `card` is the scheduler's own JSON (fsrs `Card.to_dict()`); `due`, `state` and
    `last_review` repeat what is in it so storage can query them. `attempt_id` is the graded
    attempt whose review is the card's latest, `before` the card as it was before that
    review and `rating` the rating it applied, so a self-rating can replace that review."""

    member_id: int
    question_id: str
    community_id: int
    card: dict[str, Any]
    due: datetime
    state: int
    last_review: datetime | None
    attempt_id: int | None = None
    before: dict[str, Any] | None = None
    rating: int | None = None
    self_rated: bool = False


class CardRepository(Protocol):
    async def get(self, member_id: int, question_id: str) -> PracticeCard | None: ...

    async def get_many(
        self, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], PracticeCard]:
        """The cards among (member id, question id) keys that exist, by key."""
        ...

    async def put(self, card: PracticeCard) -> None:
        """Insert or replace the member's card for the question."""
        ...

    async def put_many(self, cards: Sequence[PracticeCard]) -> None:
        """`put` for several cards (at most one per key)."""
        ...

    async def for_member(
        self, member_id: int, topic: str | None = None, due_by: datetime | None = None
    ) -> list[PracticeCard]:
        """The member's cards on active questions (of `topic`; due at or before `due_by`),
        earliest due first."""
        ...

    async def count_due(self, member_id: int, before: datetime) -> int:
        """How many of the member's cards on active questions are due before `before`."""
        ...

    async def reviewed_by(self, member_id: int, attempt_id: int | None) -> PracticeCard | None:
        """The member's card whose latest review came from `attempt_id` (None: from their
        latest graded attempt)."""
        ...


class PendingRepository(Protocol):
    async def put(self, pending: PendingQuestion) -> None: ...

    async def get(self, member_id: int) -> PendingQuestion | None: ...

    async def get_many(self, member_ids: Sequence[int]) -> dict[int, PendingQuestion]: ...

    async def clear(self, member_id: int) -> bool: ...

    async def clear_many(self, member_ids: Sequence[int]) -> None: ...

    async def note_skip(self, member_id: int, question_id: str, at: datetime) -> None:
        """Remember the question the member skipped last (one per member)."""
        ...

    async def last_skip(self, member_id: int) -> tuple[str, datetime] | None:
        """(question id, when) of the member's latest skip, if any."""
        ...


class SeenRepository(Protocol):
    async def mark(self, member_id: int, question_id: str, now: datetime) -> None: ...

    async def seen(self, member_id: int) -> set[str]: ...

    async def forget(self, member_id: int, question_ids: Sequence[str]) -> None: ...


@dataclass(frozen=True, slots=True)
class QotdSettings:
    """What an admin chooses for a channel's question of the day."""

    post_time: time
    timezone: str
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)  # 0 = Monday, as in date.weekday()
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    reveal_minutes: int = 480
    digest_day: int | None = 6
    show_best: bool = True
    notify_channel: str | None = None
    cohort_id: int | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel subscribed to the question of the day (the database is the source of
    truth; scheduler jobs are rebuilt from these)."""

    id: int
    community_id: int
    channel_id: int
    platform: str
    channel: str  # the platform's channel id, for `Target`
    settings: QotdSettings
    active_since: datetime
    paused: bool = False
    paused_reason: str | None = None
    community: str = ""  # the platform's community id (Slack team), for `Target`


@dataclass(frozen=True, slots=True)
class NewQotdPost:
    subscription_id: int
    community_id: int
    channel_id: int
    kind: str  # "question" | "digest"
    local_date: date
    slot_at: datetime
    claimed_at: datetime
    status: str = "claimed"
    question_id: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class QotdPost:
    """One (subscription, local date, kind) slot. The row is inserted before sending, so
    the unique key makes the post happen at most once across restarts and processes.

    status: claimed -> posted | failed (retried within the grace window) | gone | empty;
    or skipped (an admin skipped the day) | missed (too late, outside the grace window).
    reveal_status: none -> pending -> claimed -> done | failed."""

    id: int
    subscription_id: int
    community_id: int
    channel_id: int
    kind: str
    local_date: date
    slot_at: datetime
    status: str
    claimed_at: datetime
    attempts: int = 1
    question_id: str | None = None
    posted_at: datetime | None = None
    message_id: str | None = None
    reveal_at: datetime | None = None
    reveal_status: str = "none"
    reveal_attempts: int = 0
    revealed_at: datetime | None = None
    thread_id: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class QotdAnswer:
    post_id: int
    member_id: int
    display_name: str
    answer: str
    score: int
    verdict: str
    points: int
    grade: dict[str, Any]
    created_at: datetime


class SubscriptionRepository(Protocol):
    async def upsert(
        self, community_id: int, channel_id: int, settings: QotdSettings, now: datetime
    ) -> Subscription:
        """Create or replace the channel's subscription; it becomes active (unpaused)
        from `now`."""
        ...

    async def for_channel(self, channel_id: int) -> Subscription | None: ...

    async def active(self) -> list[Subscription]:
        """Every subscription that is not paused."""
        ...

    async def set_paused(
        self, subscription_id: int, paused: bool, reason: str | None, now: datetime
    ) -> None: ...


class QotdRepository(Protocol):
    """Posts (slots) and answers of the question of the day."""

    async def claim(
        self, post: NewQotdPost, retry_before: datetime, max_attempts: int
    ) -> QotdPost | None:
        """Take the slot: insert the row, or take over a failed row (or one claimed before
        `retry_before` by a process that died) with fewer than `max_attempts`. None when
        the slot belongs to someone else: then do not send."""
        ...

    async def since(self, local_date: date) -> list[QotdPost]:
        """Every slot row from `local_date` on (all subscriptions)."""
        ...

    async def get(self, post_id: int) -> QotdPost | None: ...

    async def update(self, post_id: int, **values: Any) -> None:
        """Set columns of a post row (status, message_id, posted_at, reveal_at, error ...)."""
        ...

    async def posted_questions(self, channel_id: int) -> list[str]: ...

    async def open_in_channel(self, channel_id: int, now: datetime) -> QotdPost | None:
        """The latest posted question in the channel whose answer window is still open."""
        ...

    async def recent(self, subscription_id: int, limit: int) -> list[QotdPost]: ...

    async def due_reveals(self, now: datetime, retry_before: datetime) -> list[QotdPost]: ...

    async def claim_reveal(
        self, post_id: int, now: datetime, retry_before: datetime, max_attempts: int
    ) -> bool: ...

    async def add_answer(self, answer: QotdAnswer) -> bool:
        """Store the member's answer; False (and nothing stored) if they already have one."""
        ...

    async def answer_for(self, post_id: int, member_id: int) -> QotdAnswer | None: ...

    async def answers(self, post_id: int) -> list[QotdAnswer]: ...


@dataclass(frozen=True, slots=True)
class Interview:
    """A member's mock interview (bot.services.interview). `status` is active, finished
    (every question asked) or ended (the member stopped early); `scorecard` is the computed
    scorecard's JSON and `readout` its one-line summary, both set when it stops."""

    id: int
    community_id: int
    member_id: int
    level: str
    track: str
    length: str
    status: str
    started_at: datetime
    level_source: str = "chosen"
    finished_at: datetime | None = None
    scorecard: dict[str, Any] | None = None
    readout: str | None = None


@dataclass(frozen=True, slots=True)
class InterviewStep:
    """One question of an interview: main question `number` (from 1) when `follow_up` is
    0, or the follow-up asked after it when 1 (`follow_up_index` picks which of the
    question's follow-ups). status: planned -> asked -> answered | skipped."""

    interview_id: int
    number: int
    follow_up: int
    section: str
    question_id: str
    suggested_seconds: int
    status: str = "planned"
    follow_up_index: int | None = None
    asked_at: datetime | None = None
    answered_at: datetime | None = None
    answer: str | None = None
    grade: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        """How actions name the step: "3" for question 3, "3f" for its follow-up."""
        return f"{self.number}f" if self.follow_up else str(self.number)


@dataclass(frozen=True, slots=True)
class InterviewTally:
    """What a cohort roster shows of a member's interviews."""

    finished: int
    latest_readout: str | None


class InterviewRepository(Protocol):
    async def start(self, interview: Interview, steps: Sequence[InterviewStep]) -> int | None:
        """Store a new active interview (its id is assigned) with its planned steps; None,
        and nothing stored, when the member already has an active one."""
        ...

    async def active(self, member_id: int) -> Interview | None: ...

    async def get(self, interview_id: int) -> Interview | None: ...

    async def steps(self, interview_id: int) -> list[InterviewStep]:
        """The interview's steps in order: by number, a follow-up after its question."""
        ...

    async def add_step(self, step: InterviewStep) -> None: ...

    async def mark_asked(
        self, interview_id: int, number: int, follow_up: int, at: datetime
    ) -> None:
        """Set the step asked at `at` unless it already was (showing it again keeps the
        first time)."""
        ...

    async def settle(
        self,
        step: InterviewStep,
        status: str,
        at: datetime,
        answer: str | None,
        grade: dict[str, Any] | None,
    ) -> bool:
        """Answer or skip a step that is still waiting (planned or asked); False, and
        nothing changed, when it no longer waits (a double submit)."""
        ...

    async def finish(
        self, interview_id: int, status: str, at: datetime, scorecard: dict[str, Any], readout: str
    ) -> bool:
        """Close an active interview with its scorecard; False when it was not active."""
        ...

    async def history(self, member_id: int) -> list[Interview]:
        """The member's closed interviews, oldest first."""
        ...

    async def recent_questions(self, member_id: int, interviews: int) -> set[str]:
        """Questions asked in the member's latest `interviews` interviews (any status)."""
        ...

    async def tallies(self, member_ids: Sequence[int]) -> dict[int, InterviewTally]:
        """Per member with closed interviews: how many, and the latest one's readout."""
        ...


class UnitOfWork(Protocol):
    """One transaction. `async with uow:` commits on success, rolls back on error."""

    @property
    def communities(self) -> CommunityRepository: ...

    @property
    def channels(self) -> ChannelRepository: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def questions(self) -> QuestionRepository: ...

    @property
    def attempts(self) -> AttemptRepository: ...

    @property
    def leaderboard(self) -> LeaderboardRepository: ...

    @property
    def cohorts(self) -> CohortRepository: ...

    @property
    def pending(self) -> PendingRepository: ...

    @property
    def seen(self) -> SeenRepository: ...

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def qotd(self) -> QotdRepository: ...

    @property
    def cards(self) -> CardRepository: ...

    @property
    def interviews(self) -> InterviewRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
