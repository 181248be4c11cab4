"""Working in-memory twins of the ports, for unit tests and benchmarks.

`FakeUnitOfWork` keeps real transactional behaviour: each unit of work edits a private copy
of the store and publishes it only on a clean exit, so a failing service call leaves
nothing behind, exactly as with the database.
"""

from __future__ import annotations

import copy
import itertools
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from bot.domain import (
    Attempt,
    Channel,
    Cohort,
    Community,
    LeaderboardRow,
    LeaderboardScope,
    Member,
    Question,
    Verdict,
)
from bot.ports import (
    AttemptSummary,
    BoardKey,
    ChannelGone,
    ChatError,
    Interview,
    InterviewStep,
    MemberProgress,
    NewAttempt,
    NewQotdPost,
    PendingQuestion,
    PoolFilter,
    PracticeCard,
    QotdAnswer,
    QotdPost,
    QotdSettings,
    RateLimited,
    SentMessage,
    Subscription,
    SyncReport,
    Target,
    TopicAccuracy,
    TopicCount,
)
from bot.storage.codec import content_hash, question_to_dict
from bot.storage.repositories import next_streak
from bot.testing.interviews import FakeInterviewRepository
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
    skips: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    seen: dict[int, dict[str, datetime]] = field(default_factory=dict)
    cohorts: dict[int, Cohort] = field(default_factory=dict)
    cohort_members: dict[int, set[int]] = field(default_factory=dict)
    cohort_channels: dict[int, set[int]] = field(default_factory=dict)
    left: dict[int, datetime] = field(default_factory=dict)
    streaks: dict[int, tuple[int, int, date | None]] = field(default_factory=dict)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    qotd_posts: dict[int, QotdPost] = field(default_factory=dict)
    qotd_reveal_claims: dict[int, datetime] = field(default_factory=dict)
    qotd_answers: dict[tuple[int, int], QotdAnswer] = field(default_factory=dict)
    cards: dict[tuple[int, str], PracticeCard] = field(default_factory=dict)
    interviews: dict[int, Interview] = field(default_factory=dict)
    interview_steps: dict[tuple[int, int, int], InterviewStep] = field(default_factory=dict)
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

    async def find(self, platform: str, external_id: str) -> Community | None:
        return next(
            (
                c
                for c in self.store.communities.values()
                if (c.platform, c.external_id) == (platform, external_id)
            ),
            None,
        )

    async def update_settings(
        self,
        community_id: int,
        *,
        timezone: str | None = None,
        hide_departed: bool | None = None,
        qotd_show_best: bool | None = None,
    ) -> Community:
        community = self.store.communities[community_id]
        if timezone is not None:
            community = replace(community, timezone=timezone)
        if hide_departed is not None:
            community = replace(community, hide_departed=hide_departed)
        if qotd_show_best is not None:
            community = replace(community, qotd_show_best=qotd_show_best)
        self.store.communities[community_id] = community
        return community


class FakeChannelRepository(_Repo):
    async def get_or_create(self, community_id: int, external_id: str, name: str) -> Channel:
        for channel in self.store.channels.values():
            if (channel.community_id, channel.external_id) == (community_id, external_id):
                return channel
        channel = Channel(self.store.new_id("channel"), community_id, external_id, name)
        self.store.channels[channel.id] = channel
        return channel

    async def get_or_create_many(
        self, community_id: int, external_ids: Sequence[str]
    ) -> dict[str, Channel]:
        return {ext: await self.get_or_create(community_id, ext, "") for ext in external_ids}


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

    async def get_or_create_many(
        self, community_id: int, names: dict[str, str], now: datetime
    ) -> dict[str, Member]:
        return {
            ext: await self.get_or_create(community_id, ext, name, now)
            for ext, name in names.items()
        }

    async def get(self, member_id: int) -> Member | None:
        return self.store.members.get(member_id)

    async def find(self, community_id: int, external_id: str) -> Member | None:
        return next(
            (
                m
                for m in self.store.members.values()
                if (m.community_id, m.external_id) == (community_id, external_id)
            ),
            None,
        )

    async def set_left(self, member_id: int, left_at: datetime | None) -> None:
        if left_at is None:
            self.store.left.pop(member_id, None)
        else:
            self.store.left[member_id] = left_at

    async def delete(self, member_id: int) -> None:
        store = self.store
        store.members.pop(member_id, None)
        kept = [a for a in store.attempts if a.member_id != member_id]
        for attempt in store.attempts:
            if attempt.member_id == member_id:
                store.attempt_meta.pop(attempt.id, None)
        store.attempts = kept
        store.totals.pop(member_id, None)
        store.streaks.pop(member_id, None)
        store.pending.pop(member_id, None)
        store.skips.pop(member_id, None)
        store.seen.pop(member_id, None)
        store.left.pop(member_id, None)
        for key in [k for k in store.cards if k[0] == member_id]:
            del store.cards[key]
        FakeInterviewRepository(self._uow).delete_member(member_id)
        for members in store.cohort_members.values():
            members.discard(member_id)
        for cohort_id, cohort in list(store.cohorts.items()):
            if cohort.owner_id == member_id:
                store.cohorts[cohort_id] = replace(cohort, owner_id=None)


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

    async def get_many(self, question_ids: Sequence[str]) -> dict[str, Question]:
        found = {qid: self.store.questions.get(qid) for qid in question_ids}
        return {qid: entry[0] for qid, entry in found.items() if entry}

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

    async def community_questions(self, community_id: int | None) -> list[Question]:
        return sorted(
            (
                q
                for q, _, active in self.store.questions.values()
                if active and q.community_id == community_id
            ),
            key=lambda q: q.id,
        )


class FakeAttemptRepository(_Repo):
    async def add(self, attempt: NewAttempt) -> Attempt:
        stored = attempt.stored(self.store.new_id("attempt"))
        self.store.attempts.append(stored)
        self.store.attempt_meta[stored.id] = (attempt.topic, attempt.local_date)
        current, longest, last = self.store.streaks.get(attempt.member_id, (0, 0, None))
        current, longest = next_streak(current, longest, last, attempt.local_date)
        last = max(attempt.local_date, last or attempt.local_date)
        self.store.streaks[attempt.member_id] = (current, longest, last)
        if attempt.counted:
            totals = self.store.totals.setdefault(attempt.member_id, _Totals(attempt.community_id))
            totals.points += attempt.points
            totals.answers += 1
            totals.correct += attempt.verdict == Verdict.CORRECT.value
        return stored

    async def add_many(self, attempts: Sequence[NewAttempt]) -> list[Attempt]:
        return [await self.add(attempt) for attempt in attempts]

    async def lock_member(self, member_id: int, community_id: int) -> None:
        # One event loop, and each unit of work publishes atomically: nothing to lock.
        return None

    async def lock_members(self, members: Sequence[tuple[int, int]]) -> None:
        return None

    async def counted_keys(
        self, keys: Sequence[tuple[int, str, date]]
    ) -> set[tuple[int, str, date]]:
        return {key for key in keys if await self.has_counted(*key)}

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

    async def progress(self, member_id: int) -> MemberProgress | None:
        if member_id not in self.store.streaks:
            return None
        totals = self.store.totals.get(member_id, _Totals(0))
        current, longest, last = self.store.streaks[member_id]
        return MemberProgress(totals.points, totals.answers, totals.correct, current, longest, last)

    async def for_members(
        self, member_ids: Sequence[int], since: date | None, until: date | None
    ) -> list[AttemptSummary]:
        wanted = set(member_ids)
        result = []
        for a in self.store.attempts:
            topic, local_date = self.store.attempt_meta[a.id]
            if a.member_id not in wanted:
                continue
            if (since and local_date < since) or (until and local_date > until):
                continue
            result.append(
                AttemptSummary(
                    a.member_id,
                    a.question_id,
                    topic,
                    a.score,
                    a.verdict.value,
                    a.points,
                    a.counted,
                    local_date,
                    a.created_at,
                    a.answer,
                )
            )
        return result


class FakeLeaderboardRepository(_Repo):
    """Boards computed from the attempts on every read: slow, obviously right, and so an
    independent check on the SQL aggregates."""

    def _ranked(self, board: BoardKey, hide_departed: bool) -> list[LeaderboardRow]:
        store = self.store
        cohort = (
            store.cohorts.get(board.scope_id) if board.scope is LeaderboardScope.COHORT else None
        )
        tally: dict[int, list[int]] = {}
        for a in store.attempts:
            local_date = store.attempt_meta[a.id][1]
            if not a.counted or a.community_id != board.community_id:
                continue
            if board.window.start(local_date) != board.period_start:
                continue
            if board.scope is LeaderboardScope.CHANNEL and a.channel_id != board.scope_id:
                continue
            if board.scope is LeaderboardScope.COHORT and (
                cohort is None
                or a.member_id not in store.cohort_members.get(cohort.id, set())
                or not cohort.covers(local_date)
            ):
                continue
            if hide_departed and a.member_id in store.left:
                continue
            cell = tally.setdefault(a.member_id, [0, 0, 0])
            cell[0] += a.points
            cell[1] += 1
            cell[2] += a.verdict is Verdict.CORRECT
        rows: list[tuple[int, str, int, int, int]] = sorted(
            (
                (mid, store.members[mid].display_name, cell[0], cell[1], cell[2])
                for mid, cell in tally.items()
            ),
            key=lambda r: (-r[2], r[1], r[0]),
        )
        ranked: list[LeaderboardRow] = []
        for position, (member_id, name, points, answers, correct) in enumerate(rows, start=1):
            rank = ranked[-1].rank if ranked and ranked[-1].points == points else position
            ranked.append(LeaderboardRow(rank, member_id, name, points, answers, correct))
        return ranked

    async def top(
        self, board: BoardKey, limit: int, hide_departed: bool = True
    ) -> list[LeaderboardRow]:
        return self._ranked(board, hide_departed)[:limit]

    async def row_for(
        self, board: BoardKey, member_id: int, hide_departed: bool = True
    ) -> LeaderboardRow | None:
        return next(
            (r for r in self._ranked(board, hide_departed) if r.member_id == member_id), None
        )

    async def rebuild_cohort(self, cohort: Cohort) -> None:
        # Nothing is cached: boards are computed on read.
        return None


class FakeCohortRepository(_Repo):
    async def create(self, cohort: Cohort, now: datetime) -> Cohort:
        created = replace(cohort, id=self.store.new_id("cohort"))
        self.store.cohorts[created.id] = created
        return created

    async def by_name(self, community_id: int, name: str) -> Cohort | None:
        return next(
            (
                c
                for c in self.store.cohorts.values()
                if c.community_id == community_id and c.name.casefold() == name.casefold()
            ),
            None,
        )

    async def in_community(self, community_id: int) -> list[Cohort]:
        return sorted(
            (c for c in self.store.cohorts.values() if c.community_id == community_id),
            key=lambda c: c.name,
        )

    async def update(self, cohort: Cohort) -> None:
        if cohort.id in self.store.cohorts:
            self.store.cohorts[cohort.id] = cohort

    async def delete(self, cohort_id: int) -> None:
        self.store.cohorts.pop(cohort_id, None)
        self.store.cohort_members.pop(cohort_id, None)
        self.store.cohort_channels.pop(cohort_id, None)

    async def add_member(self, cohort_id: int, member_id: int, now: datetime) -> bool:
        members = self.store.cohort_members.setdefault(cohort_id, set())
        if member_id in members:
            return False
        members.add(member_id)
        return True

    async def remove_member(self, cohort_id: int, member_id: int) -> bool:
        members = self.store.cohort_members.get(cohort_id, set())
        if member_id not in members:
            return False
        members.discard(member_id)
        return True

    async def member_ids(self, cohort_id: int) -> list[int]:
        return sorted(self.store.cohort_members.get(cohort_id, set()))

    async def of_member(self, member_id: int) -> list[Cohort]:
        return sorted(
            (
                c
                for c in self.store.cohorts.values()
                if member_id in self.store.cohort_members.get(c.id, set())
            ),
            key=lambda c: c.name,
        )

    async def bind_channel(self, cohort_id: int, channel_id: int) -> None:
        self.store.cohort_channels.setdefault(cohort_id, set()).add(channel_id)

    async def channel_ids(self, cohort_id: int) -> list[int]:
        return sorted(self.store.cohort_channels.get(cohort_id, set()))


class FakePendingRepository(_Repo):
    async def put(self, pending: PendingQuestion) -> None:
        self.store.pending[pending.member_id] = pending

    async def get(self, member_id: int) -> PendingQuestion | None:
        return self.store.pending.get(member_id)

    async def get_many(self, member_ids: Sequence[int]) -> dict[int, PendingQuestion]:
        found = {mid: self.store.pending.get(mid) for mid in member_ids}
        return {mid: pending for mid, pending in found.items() if pending}

    async def clear(self, member_id: int) -> bool:
        return self.store.pending.pop(member_id, None) is not None

    async def clear_many(self, member_ids: Sequence[int]) -> None:
        for member_id in member_ids:
            self.store.pending.pop(member_id, None)

    async def note_skip(self, member_id: int, question_id: str, at: datetime) -> None:
        if member_id not in self.store.members:
            raise LookupError(f"no member {member_id}")  # the foreign key refuses it too
        self.store.skips[member_id] = (question_id, at)

    async def last_skip(self, member_id: int) -> tuple[str, datetime] | None:
        return self.store.skips.get(member_id)


class FakeSeenRepository(_Repo):
    async def mark(self, member_id: int, question_id: str, now: datetime) -> None:
        self.store.seen.setdefault(member_id, {})[question_id] = now

    async def seen(self, member_id: int) -> set[str]:
        return set(self.store.seen.get(member_id, {}))

    async def forget(self, member_id: int, question_ids: Sequence[str]) -> None:
        mine = self.store.seen.get(member_id, {})
        for qid in question_ids:
            mine.pop(qid, None)


class FakeSubscriptionRepository(_Repo):
    def _fill(self, sub: Subscription) -> Subscription:
        community = self.store.communities[sub.community_id]
        channel = self.store.channels[sub.channel_id]
        return replace(
            sub,
            platform=community.platform,
            channel=channel.external_id,
            community=community.external_id,
        )

    async def upsert(
        self, community_id: int, channel_id: int, settings: QotdSettings, now: datetime
    ) -> Subscription:
        settings = replace(settings, days=tuple(sorted(set(settings.days))))
        existing = next(
            (s for s in self.store.subscriptions.values() if s.channel_id == channel_id), None
        )
        sub_id = existing.id if existing else self.store.new_id("subscription")
        sub = Subscription(sub_id, community_id, channel_id, "", "", settings, now)
        self.store.subscriptions[sub_id] = sub
        return self._fill(sub)

    async def for_channel(self, channel_id: int) -> Subscription | None:
        found = next(
            (s for s in self.store.subscriptions.values() if s.channel_id == channel_id), None
        )
        return self._fill(found) if found else None

    async def active(self) -> list[Subscription]:
        return [self._fill(s) for _, s in sorted(self.store.subscriptions.items()) if not s.paused]

    async def set_paused(
        self, subscription_id: int, paused: bool, reason: str | None, now: datetime
    ) -> None:
        sub = self.store.subscriptions.get(subscription_id)
        if sub is None:
            return
        changed = replace(sub, paused=paused, paused_reason=reason)
        if not paused:
            changed = replace(changed, active_since=now)
        self.store.subscriptions[subscription_id] = changed


class FakeQotdRepository(_Repo):
    """The qotd_posts / qotd_answers tables, with their unique keys."""

    async def claim(
        self, post: NewQotdPost, retry_before: datetime, max_attempts: int
    ) -> QotdPost | None:
        key = (post.subscription_id, post.local_date, post.kind)
        for existing in self.store.qotd_posts.values():
            if (existing.subscription_id, existing.local_date, existing.kind) != key:
                continue
            stale = existing.status == "claimed" and existing.claimed_at < retry_before
            if existing.attempts >= max_attempts or not (existing.status == "failed" or stale):
                return None
            taken = replace(
                existing,
                status=post.status,
                claimed_at=post.claimed_at,
                attempts=existing.attempts + 1,
                question_id=post.question_id,
                error=post.error,
            )
            self.store.qotd_posts[existing.id] = taken
            return taken
        created = QotdPost(
            id=self.store.new_id("qotd_post"),
            subscription_id=post.subscription_id,
            community_id=post.community_id,
            channel_id=post.channel_id,
            kind=post.kind,
            local_date=post.local_date,
            slot_at=post.slot_at,
            status=post.status,
            claimed_at=post.claimed_at,
            question_id=post.question_id,
            error=post.error,
        )
        self.store.qotd_posts[created.id] = created
        return created

    async def since(self, local_date: date) -> list[QotdPost]:
        return [p for p in self.store.qotd_posts.values() if p.local_date >= local_date]

    async def get(self, post_id: int) -> QotdPost | None:
        return self.store.qotd_posts.get(post_id)

    async def update(self, post_id: int, **values: Any) -> None:
        if post_id in self.store.qotd_posts:
            self.store.qotd_posts[post_id] = replace(self.store.qotd_posts[post_id], **values)

    async def posted_questions(self, channel_id: int) -> list[str]:
        return [
            p.question_id
            for p in self.store.qotd_posts.values()
            if p.channel_id == channel_id
            and p.kind == "question"
            and p.status in ("posted", "claimed")
            and p.question_id
        ]

    async def open_in_channel(self, channel_id: int, now: datetime) -> QotdPost | None:
        open_posts = [
            p
            for p in self.store.qotd_posts.values()
            if p.channel_id == channel_id
            and p.kind == "question"
            and p.status == "posted"
            and p.reveal_status == "pending"
            and p.reveal_at is not None
            and p.reveal_at > now
        ]
        return max(open_posts, key=lambda p: (p.posted_at or p.claimed_at, p.id), default=None)

    async def recent(self, subscription_id: int, limit: int) -> list[QotdPost]:
        mine = [p for p in self.store.qotd_posts.values() if p.subscription_id == subscription_id]
        return sorted(mine, key=lambda p: (p.local_date, p.id), reverse=True)[:limit]

    def _reveal_due(self, post: QotdPost, retry_before: datetime) -> bool:
        if post.reveal_status in ("pending", "failed"):
            return True
        claimed = self.store.qotd_reveal_claims.get(post.id)
        return post.reveal_status == "claimed" and claimed is not None and claimed < retry_before

    async def due_reveals(self, now: datetime, retry_before: datetime) -> list[QotdPost]:
        due = [
            p
            for p in self.store.qotd_posts.values()
            if p.kind == "question"
            and p.status == "posted"
            and p.reveal_at is not None
            and p.reveal_at <= now
            and self._reveal_due(p, retry_before)
        ]
        return sorted(due, key=lambda p: (p.reveal_at or now, p.id))

    async def claim_reveal(
        self, post_id: int, now: datetime, retry_before: datetime, max_attempts: int
    ) -> bool:
        post = self.store.qotd_posts.get(post_id)
        if post is None or post.reveal_attempts >= max_attempts:
            return False
        if not self._reveal_due(post, retry_before):
            return False
        self.store.qotd_posts[post_id] = replace(
            post, reveal_status="claimed", reveal_attempts=post.reveal_attempts + 1
        )
        self.store.qotd_reveal_claims[post_id] = now
        return True

    async def add_answer(self, answer: QotdAnswer) -> bool:
        key = (answer.post_id, answer.member_id)
        if key in self.store.qotd_answers:
            return False
        self.store.qotd_answers[key] = answer
        return True

    def _named(self, answer: QotdAnswer) -> QotdAnswer:
        member = self.store.members.get(answer.member_id)
        return replace(answer, display_name=member.display_name) if member else answer

    async def answer_for(self, post_id: int, member_id: int) -> QotdAnswer | None:
        found = self.store.qotd_answers.get((post_id, member_id))
        return self._named(found) if found else None

    async def answers(self, post_id: int) -> list[QotdAnswer]:
        mine = [self._named(a) for (pid, _), a in self.store.qotd_answers.items() if pid == post_id]
        return sorted(mine, key=lambda a: (-a.score, a.created_at))


class FakeCardRepository(_Repo):
    """practice_cards, joined to the questions for `active` and `topic` as the SQL is."""

    def _active(self, member_id: int, topic: str | None) -> list[PracticeCard]:
        mine = []
        for (owner, question_id), card in self.store.cards.items():
            found = self.store.questions.get(question_id)
            if owner != member_id or found is None or not found[2]:
                continue
            if topic is None or found[0].topic == topic:
                mine.append(card)
        return sorted(mine, key=lambda c: (c.due, c.question_id))

    async def get(self, member_id: int, question_id: str) -> PracticeCard | None:
        return self.store.cards.get((member_id, question_id))

    async def get_many(
        self, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], PracticeCard]:
        return {key: self.store.cards[key] for key in keys if key in self.store.cards}

    async def put(self, card: PracticeCard) -> None:
        self.store.cards[(card.member_id, card.question_id)] = card

    async def put_many(self, cards: Sequence[PracticeCard]) -> None:
        for card in cards:
            await self.put(card)

    async def for_member(
        self, member_id: int, topic: str | None = None, due_by: datetime | None = None
    ) -> list[PracticeCard]:
        cards = self._active(member_id, topic)
        return [c for c in cards if due_by is None or c.due <= due_by]

    async def count_due(self, member_id: int, before: datetime) -> int:
        return sum(c.due < before for c in self._active(member_id, None))

    async def reviewed_by(self, member_id: int, attempt_id: int | None) -> PracticeCard | None:
        reviewed = [
            c
            for (owner, _), c in self.store.cards.items()
            if owner == member_id
            and c.attempt_id is not None
            and (attempt_id is None or c.attempt_id == attempt_id)
        ]
        return max(reviewed, key=lambda c: c.attempt_id or 0, default=None)


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
        self.cohorts = FakeCohortRepository(self)
        self.pending = FakePendingRepository(self)
        self.seen = FakeSeenRepository(self)
        self.subscriptions = FakeSubscriptionRepository(self)
        self.qotd = FakeQotdRepository(self)
        self.cards = FakeCardRepository(self)
        self.interviews = FakeInterviewRepository(self)

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
    threads, and can be told that a channel has vanished (`gone`: ChannelGone, as for a
    deleted or forbidden channel) or that the next sends fail transiently (`fail_next`)."""

    messages: dict[str, Reply] = field(default_factory=dict)
    sent: list[tuple[Target, str]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    fail_next: int = 0
    threads: bool = True
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        if target.channel in self.gone:
            raise ChannelGone(f"channel {target.channel} is gone")
        if self.fail_next > 0:
            self.fail_next -= 1
            raise ChatError("503 service unavailable")
        message_id = str(next(self._ids))
        self.messages[message_id] = reply
        self.sent.append((target, message_id))
        return SentMessage(target, message_id)

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        if message.message_id not in self.messages:
            raise LookupError(f"message {message.message_id} does not exist")
        self.messages[message.message_id] = reply

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        if not self.threads:
            return None
        return replace(message.target, thread=f"thread-{message.message_id}")

    def texts(self, channel: str) -> list[str]:
        return [self.messages[mid].plain_text() for t, mid in self.sent if t.channel == channel]


class ThrottledFakeChat(FakeChat):
    """A FakeChat that enforces a platform rate limit the way Discord does: a bucket of
    `rate` requests per second (bursts up to `rate`); beyond it the request is refused with
    `RateLimited(retry_after)` (a 429) and nothing is sent."""

    def __init__(
        self, rate: float = 50.0, monotonic: Callable[[], float] = _time.monotonic
    ) -> None:
        super().__init__()
        self.rate = rate
        self.capacity = rate
        self._monotonic = monotonic
        self._tokens = rate
        self._last = monotonic()
        self.refused = 0
        self.accepted = 0

    def _take(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1 - 1e-9:  # float dust is not a second request
            self.refused += 1
            raise RateLimited((1 - self._tokens) / self.rate)
        self._tokens -= 1
        self.accepted += 1

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        self._take()
        return await super().send(target, reply)

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        self._take()
        await super().edit(message, reply)

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        self._take()
        return await super().open_thread(message, title)
