"""What the core needs from the outside world, as small Protocols.

Each port has a production implementation (bot/storage for the unit of work, the adapters
for ChatPort, `SystemClock`) and a working in-memory twin in `bot.testing` used by the
unit tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.domain import Attempt, Channel, Community, LeaderboardRow, Member, Question
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


@dataclass(frozen=True, slots=True)
class SentMessage:
    target: Target
    message_id: str


class ChatPort(Protocol):
    """Everything the core sends to a chat platform. Adapters implement it."""

    async def send(self, target: Target, reply: Reply) -> SentMessage: ...

    async def edit(self, message: SentMessage, reply: Reply) -> None: ...

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        """Open a discussion thread under `message`; None where the platform has none."""
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


class CommunityRepository(Protocol):
    async def get_or_create(
        self, platform: str, external_id: str, name: str, timezone: str, now: datetime
    ) -> Community: ...

    async def get(self, community_id: int) -> Community | None: ...


class ChannelRepository(Protocol):
    async def get_or_create(self, community_id: int, external_id: str, name: str) -> Channel: ...


class MemberRepository(Protocol):
    async def get_or_create(
        self, community_id: int, external_id: str, display_name: str, now: datetime
    ) -> Member: ...

    async def get(self, member_id: int) -> Member | None: ...


class QuestionRepository(Protocol):
    async def sync(
        self, questions: Sequence[Question], now: datetime, community_id: int | None = None
    ) -> SyncReport:
        """Make the active questions of `community_id` (None: the shipped packs) exactly
        `questions`: add new ones, update edited ones, retire missing ones."""
        ...

    async def get(self, question_id: str) -> Question | None: ...

    async def pool(self, pool: PoolFilter) -> list[str]:
        """Ids of active questions matching the filter, shipped or the community's own."""
        ...

    async def counts(self, community_id: int | None) -> list[TopicCount]: ...


class AttemptRepository(Protocol):
    async def add(self, attempt: NewAttempt) -> Attempt:
        """Store the attempt and fold it into the member's totals in the same transaction."""
        ...

    async def has_counted(self, member_id: int, question_id: str, local_date: date) -> bool: ...

    async def accuracy_by_topic(self, member_id: int) -> list[TopicAccuracy]: ...


class LeaderboardRepository(Protocol):
    async def top(self, community_id: int, limit: int) -> list[LeaderboardRow]: ...

    async def row_for(self, community_id: int, member_id: int) -> LeaderboardRow | None: ...


class PendingRepository(Protocol):
    async def put(self, pending: PendingQuestion) -> None: ...

    async def get(self, member_id: int) -> PendingQuestion | None: ...

    async def clear(self, member_id: int) -> bool: ...


class SeenRepository(Protocol):
    async def mark(self, member_id: int, question_id: str, now: datetime) -> None: ...

    async def seen(self, member_id: int) -> set[str]: ...

    async def forget(self, member_id: int, question_ids: Sequence[str]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. `async with uow:` commits on success, rolls back on error."""

    communities: CommunityRepository
    channels: ChannelRepository
    members: MemberRepository
    questions: QuestionRepository
    attempts: AttemptRepository
    leaderboard: LeaderboardRepository
    pending: PendingRepository
    seen: SeenRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
