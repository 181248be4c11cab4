"""Working in-memory twins of the ports, for unit tests and benchmarks.

`FakeUnitOfWork` keeps real transactional behaviour: each unit of work edits a private copy
of the store and publishes it only on a clean exit, so a failing service call leaves
nothing behind, exactly as with the database.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Self

from bot.domain import Attempt, Channel, Community, LeaderboardRow, Member, Question, Verdict
from bot.ports import (
    NewAttempt,
    PendingQuestion,
    PoolFilter,
    SentMessage,
    SyncReport,
    Target,
    TopicAccuracy,
    TopicCount,
)
from bot.storage.codec import content_hash, question_to_dict
from bot.views import Reply


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self.current.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


@dataclass
class _Totals:
    community_id: int
    points: int = 0
    answers: int = 0
    correct: int = 0


@dataclass
class InMemoryStore:
    communities: dict[int, Community] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    questions: dict[str, tuple[Question, str, bool]] = field(default_factory=dict)
    attempts: list[Attempt] = field(default_factory=list)
    attempt_meta: dict[int, tuple[str, date]] = field(default_factory=dict)
    totals: dict[int, _Totals] = field(default_factory=dict)
    pending: dict[int, PendingQuestion] = field(default_factory=dict)
    seen: dict[int, dict[str, datetime]] = field(default_factory=dict)
    next_id: dict[str, int] = field(default_factory=dict)

    def new_id(self, kind: str) -> int:
        self.next_id[kind] = self.next_id.get(kind, 0) + 1
        return self.next_id[kind]


class _Repo:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def store(self) -> InMemoryStore:
        return self._uow.working


class FakeCommunityRepository(_Repo):
    async def get_or_create(
        self, platform: str, external_id: str, name: str, timezone: str, now: datetime
    ) -> Community:
        for community in self.store.communities.values():
            if (community.platform, community.external_id) == (platform, external_id):
                return community
        community = Community(self.store.new_id("community"), platform, external_id, name, timezone)
        self.store.communities[community.id] = community
        return community

    async def get(self, community_id: int) -> Community | None:
        return self.store.communities.get(community_id)


class FakeChannelRepository(_Repo):
    async def get_or_create(self, community_id: int, external_id: str, name: str) -> Channel:
        for channel in self.store.channels.values():
            if (channel.community_id, channel.external_id) == (community_id, external_id):
                return channel
        channel = Channel(self.store.new_id("channel"), community_id, external_id, name)
        self.store.channels[channel.id] = channel
        return channel


class FakeMemberRepository(_Repo):
    async def get_or_create(
        self, community_id: int, external_id: str, display_name: str, now: datetime
    ) -> Member:
        for member in self.store.members.values():
            if (member.community_id, member.external_id) == (community_id, external_id):
                if member.display_name != display_name:
                    member = replace(member, display_name=display_name)
                    self.store.members[member.id] = member
                return member
        member = Member(self.store.new_id("member"), community_id, external_id, display_name)
        self.store.members[member.id] = member
        return member

    async def get(self, member_id: int) -> Member | None:
        return self.store.members.get(member_id)


class FakeQuestionRepository(_Repo):
    async def sync(
        self, questions: Sequence[Question], now: datetime, community_id: int | None = None
    ) -> SyncReport:
        added = updated = unchanged = 0
        incoming = set()
        for question in questions:
            question = replace(question, community_id=community_id)
            incoming.add(question.id)
            digest = content_hash(question_to_dict(question))
            existing = self.store.questions.get(question.id)
            if existing is None:
                added += 1
            elif existing[0].community_id != community_id:
                raise ValueError(f"question id {question.id} is already used elsewhere")
            elif existing[1] == digest and existing[2]:
                unchanged += 1
                continue
            else:
                updated += 1
            self.store.questions[question.id] = (question, digest, True)
        retired = 0
        for qid, (question, digest, active) in list(self.store.questions.items()):
            if question.community_id == community_id and qid not in incoming and active:
                self.store.questions[qid] = (question, digest, False)
                retired += 1
        return SyncReport(added, updated, retired, unchanged)

    async def get(self, question_id: str) -> Question | None:
        found = self.store.questions.get(question_id)
        return found[0] if found else None

    async def pool(self, pool: PoolFilter) -> list[str]:
        return sorted(
            q.id
            for q, _, active in self.store.questions.values()
            if active
            and q.community_id in (None, pool.community_id)
            and (pool.topic is None or q.topic == pool.topic)
            and (pool.level is None or pool.level in q.askable_levels)
            and (pool.kind is None or q.kind.value == pool.kind)
        )

    async def counts(self, community_id: int | None) -> list[TopicCount]:
        tally: dict[tuple[str, str, str], int] = {}
        for q, _, active in self.store.questions.values():
            if active and q.community_id in (None, community_id):
                key = (q.topic, q.level, q.kind.value)
                tally[key] = tally.get(key, 0) + 1
        return [TopicCount(t, lv, k, n) for (t, lv, k), n in sorted(tally.items())]


class FakeAttemptRepository(_Repo):
    async def add(self, attempt: NewAttempt) -> Attempt:
        stored = Attempt(
            id=self.store.new_id("attempt"),
            community_id=attempt.community_id,
            member_id=attempt.member_id,
            question_id=attempt.question_id,
            answer=attempt.answer,
            score=attempt.score,
            verdict=Verdict(attempt.verdict),
            points=attempt.points,
            counted=attempt.counted,
            created_at=attempt.created_at,
            channel_id=attempt.channel_id,
        )
        self.store.attempts.append(stored)
        self.store.attempt_meta[stored.id] = (attempt.topic, attempt.local_date)
        if attempt.counted:
            totals = self.store.totals.setdefault(attempt.member_id, _Totals(attempt.community_id))
            totals.points += attempt.points
            totals.answers += 1
            totals.correct += attempt.verdict == Verdict.CORRECT.value
        return stored

    async def has_counted(self, member_id: int, question_id: str, local_date: date) -> bool:
        return any(
            a.member_id == member_id
            and a.question_id == question_id
            and a.counted
            and self.store.attempt_meta[a.id][1] == local_date
            for a in self.store.attempts
        )

    async def accuracy_by_topic(self, member_id: int) -> list[TopicAccuracy]:
        tally: dict[str, list[int]] = {}
        for a in self.store.attempts:
            if a.member_id == member_id and a.counted:
                counts = tally.setdefault(self.store.attempt_meta[a.id][0], [0, 0])
                counts[0] += 1
                counts[1] += a.verdict is Verdict.CORRECT
        return [TopicAccuracy(t, n, c) for t, (n, c) in sorted(tally.items())]


class FakeLeaderboardRepository(_Repo):
    def _ranked(self, community_id: int) -> list[LeaderboardRow]:
        rows = [
            (member_id, self.store.members[member_id].display_name, t)
            for member_id, t in self.store.totals.items()
            if t.community_id == community_id
        ]
        rows.sort(key=lambda r: (-r[2].points, r[1]))
        ranked: list[LeaderboardRow] = []
        for position, (member_id, name, t) in enumerate(rows, start=1):
            rank = position
            if ranked and ranked[-1].points == t.points:
                rank = ranked[-1].rank
            ranked.append(LeaderboardRow(rank, member_id, name, t.points, t.answers, t.correct))
        return ranked

    async def top(self, community_id: int, limit: int) -> list[LeaderboardRow]:
        return self._ranked(community_id)[:limit]

    async def row_for(self, community_id: int, member_id: int) -> LeaderboardRow | None:
        return next((r for r in self._ranked(community_id) if r.member_id == member_id), None)


class FakePendingRepository(_Repo):
    async def put(self, pending: PendingQuestion) -> None:
        self.store.pending[pending.member_id] = pending

    async def get(self, member_id: int) -> PendingQuestion | None:
        return self.store.pending.get(member_id)

    async def clear(self, member_id: int) -> bool:
        return self.store.pending.pop(member_id, None) is not None


class FakeSeenRepository(_Repo):
    async def mark(self, member_id: int, question_id: str, now: datetime) -> None:
        self.store.seen.setdefault(member_id, {})[question_id] = now

    async def seen(self, member_id: int) -> set[str]:
        return set(self.store.seen.get(member_id, {}))

    async def forget(self, member_id: int, question_ids: Sequence[str]) -> None:
        mine = self.store.seen.get(member_id, {})
        for qid in question_ids:
            mine.pop(qid, None)


class FakeUnitOfWork:
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.working = store
        self.communities = FakeCommunityRepository(self)
        self.channels = FakeChannelRepository(self)
        self.members = FakeMemberRepository(self)
        self.questions = FakeQuestionRepository(self)
        self.attempts = FakeAttemptRepository(self)
        self.leaderboard = FakeLeaderboardRepository(self)
        self.pending = FakePendingRepository(self)
        self.seen = FakeSeenRepository(self)

    async def __aenter__(self) -> Self:
        self.working = copy.deepcopy(self.store)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            # Publish the transaction's state into the shared store object.
            self.store.__dict__.update(self.working.__dict__)
        self.working = self.store


class FakeUnitOfWorkFactory:
    def __init__(self, store: InMemoryStore | None = None) -> None:
        self.store = store or InMemoryStore()
        self.transactions = itertools.count()

    def __call__(self) -> FakeUnitOfWork:
        next(self.transactions)
        return FakeUnitOfWork(self.store)


@dataclass
class FakeChat:
    """An in-memory chat platform: keeps every message per target, supports edits and
    threads, and can be told that a channel has vanished."""

    messages: dict[str, Reply] = field(default_factory=dict)
    sent: list[tuple[Target, str]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        if target.channel in self.gone:
            raise LookupError(f"channel {target.channel} is gone")
        message_id = str(next(self._ids))
        self.messages[message_id] = reply
        self.sent.append((target, message_id))
        return SentMessage(target, message_id)

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        if message.message_id not in self.messages:
            raise LookupError(f"message {message.message_id} does not exist")
        self.messages[message.message_id] = reply

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        return replace(message.target, thread=f"thread-{message.message_id}")

    def texts(self, channel: str) -> list[str]:
        return [self.messages[mid].plain_text() for t, mid in self.sent if t.channel == channel]
