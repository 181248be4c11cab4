"""SQLAlchemy implementations of the repository ports. One session per unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, case, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import Attempt, Channel, Community, LeaderboardRow, Member, Question, Verdict
from bot.ports import (
    NewAttempt,
    PendingQuestion,
    PoolFilter,
    SyncReport,
    TopicAccuracy,
    TopicCount,
)
from bot.storage.codec import content_hash, question_from_dict, question_to_dict
from bot.storage.tables import (
    AttemptRow,
    ChannelRow,
    CommunityRow,
    MemberRow,
    MemberTotalRow,
    PendingQuestionRow,
    QuestionRow,
    SeenQuestionRow,
)


def insert_for(session: AsyncSession, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT on both SQLite and PostgreSQL."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class SqlCommunityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(
        self, platform: str, external_id: str, name: str, timezone: str, now: datetime
    ) -> Community:
        table = CommunityRow.__table__
        stmt = (
            insert_for(self.session, table)
            .values(
                platform=platform,
                external_id=external_id,
                name=name,
                timezone=timezone,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        )
        await self.session.execute(stmt)
        row = (
            await self.session.execute(
                select(CommunityRow).where(
                    CommunityRow.platform == platform, CommunityRow.external_id == external_id
                )
            )
        ).scalar_one()
        return _community(row)

    async def get(self, community_id: int) -> Community | None:
        row = await self.session.get(CommunityRow, community_id)
        return _community(row) if row else None


def _community(row: CommunityRow) -> Community:
    return Community(row.id, row.platform, row.external_id, row.name, row.timezone)


class SqlChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(self, community_id: int, external_id: str, name: str) -> Channel:
        stmt = (
            insert_for(self.session, ChannelRow.__table__)
            .values(community_id=community_id, external_id=external_id, name=name)
            .on_conflict_do_nothing(index_elements=["community_id", "external_id"])
        )
        await self.session.execute(stmt)
        row = (
            await self.session.execute(
                select(ChannelRow).where(
                    ChannelRow.community_id == community_id, ChannelRow.external_id == external_id
                )
            )
        ).scalar_one()
        return Channel(row.id, row.community_id, row.external_id, row.name)


class SqlMemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(
        self, community_id: int, external_id: str, display_name: str, now: datetime
    ) -> Member:
        table = MemberRow.__table__
        insert = insert_for(self.session, table).values(
            community_id=community_id,
            external_id=external_id,
            display_name=display_name,
            created_at=now,
        )
        # Display names change on the platform; keep the latest one.
        stmt = insert.on_conflict_do_update(
            index_elements=["community_id", "external_id"],
            set_={"display_name": insert.excluded.display_name},
        )
        await self.session.execute(stmt)
        row = (
            await self.session.execute(
                select(MemberRow).where(
                    MemberRow.community_id == community_id, MemberRow.external_id == external_id
                )
            )
        ).scalar_one()
        return Member(row.id, row.community_id, row.external_id, row.display_name)

    async def get(self, member_id: int) -> Member | None:
        row = await self.session.get(MemberRow, member_id)
        return Member(row.id, row.community_id, row.external_id, row.display_name) if row else None


class SqlQuestionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sync(
        self, questions: Sequence[Question], now: datetime, community_id: int | None = None
    ) -> SyncReport:
        scope = (
            QuestionRow.community_id.is_(None)
            if community_id is None
            else QuestionRow.community_id == community_id
        )
        existing = {
            row.id: row
            for row in (await self.session.execute(select(QuestionRow).where(scope))).scalars()
        }
        added = updated = unchanged = 0
        incoming: set[str] = set()
        for question in questions:
            incoming.add(question.id)
            data = question_to_dict(question)
            digest = content_hash(data)
            row = existing.get(question.id)
            if row is None:
                other = await self.session.get(QuestionRow, question.id)
                if other is not None:
                    raise ValueError(f"question id {question.id} is already used elsewhere")
                self.session.add(
                    QuestionRow(
                        id=question.id,
                        community_id=community_id,
                        topic=question.topic,
                        kind=question.kind.value,
                        level=question.level,
                        levels="," + ",".join(question.askable_levels) + ",",
                        difficulty=question.difficulty,
                        prompt=question.prompt,
                        data=data,
                        content_hash=digest,
                        active=True,
                        updated_at=now,
                    )
                )
                added += 1
            elif row.content_hash != digest or not row.active:
                row.topic = question.topic
                row.kind = question.kind.value
                row.level = question.level
                row.levels = "," + ",".join(question.askable_levels) + ","
                row.difficulty = question.difficulty
                row.prompt = question.prompt
                row.data = data
                row.content_hash = digest
                row.active = True
                row.updated_at = now
                updated += 1
            else:
                unchanged += 1
        retired_ids = [qid for qid, row in existing.items() if qid not in incoming and row.active]
        if retired_ids:
            await self.session.execute(
                update(QuestionRow)
                .where(QuestionRow.id.in_(retired_ids))
                .values(active=False, updated_at=now)
            )
        await self.session.flush()
        return SyncReport(added, updated, len(retired_ids), unchanged)

    async def get(self, question_id: str) -> Question | None:
        row = await self.session.get(QuestionRow, question_id)
        return question_from_dict(row.data, row.community_id) if row else None

    async def pool(self, pool: PoolFilter) -> list[str]:
        conditions = [
            QuestionRow.active.is_(True),
            or_(QuestionRow.community_id.is_(None), QuestionRow.community_id == pool.community_id),
        ]
        if pool.topic:
            conditions.append(QuestionRow.topic == pool.topic)
        if pool.level:
            conditions.append(QuestionRow.levels.contains(f",{pool.level},"))
        if pool.kind:
            conditions.append(QuestionRow.kind == pool.kind)
        rows = await self.session.execute(
            select(QuestionRow.id).where(and_(*conditions)).order_by(QuestionRow.id)
        )
        return list(rows.scalars())

    async def counts(self, community_id: int | None) -> list[TopicCount]:
        scope = (
            QuestionRow.community_id.is_(None)
            if community_id is None
            else or_(QuestionRow.community_id.is_(None), QuestionRow.community_id == community_id)
        )
        rows = await self.session.execute(
            select(QuestionRow.topic, QuestionRow.level, QuestionRow.kind, func.count())
            .where(QuestionRow.active.is_(True), scope)
            .group_by(QuestionRow.topic, QuestionRow.level, QuestionRow.kind)
        )
        return [TopicCount(t, lv, k, int(n)) for t, lv, k, n in rows]


class SqlAttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, attempt: NewAttempt) -> Attempt:
        row = AttemptRow(
            community_id=attempt.community_id,
            member_id=attempt.member_id,
            channel_id=attempt.channel_id,
            question_id=attempt.question_id,
            topic=attempt.topic,
            answer=attempt.answer,
            score=attempt.score,
            verdict=attempt.verdict,
            points=attempt.points,
            counted=attempt.counted,
            context=attempt.context,
            local_date=attempt.local_date,
            created_at=attempt.created_at,
        )
        self.session.add(row)
        await self.session.flush()
        if attempt.counted:
            correct = 1 if attempt.verdict == Verdict.CORRECT.value else 0
            insert = insert_for(self.session, MemberTotalRow.__table__).values(
                member_id=attempt.member_id,
                community_id=attempt.community_id,
                points=attempt.points,
                answers=1,
                correct=correct,
            )
            table = MemberTotalRow.__table__
            await self.session.execute(
                insert.on_conflict_do_update(
                    index_elements=["member_id"],
                    set_={
                        "points": table.c.points + insert.excluded.points,
                        "answers": table.c.answers + 1,
                        "correct": table.c.correct + insert.excluded.correct,
                    },
                )
            )
        return Attempt(
            id=row.id,
            community_id=row.community_id,
            member_id=row.member_id,
            question_id=row.question_id,
            answer=row.answer,
            score=row.score,
            verdict=Verdict(row.verdict),
            points=row.points,
            counted=row.counted,
            created_at=row.created_at,
            channel_id=row.channel_id,
        )

    async def has_counted(self, member_id: int, question_id: str, local_date: date) -> bool:
        found = await self.session.execute(
            select(literal(1))
            .where(
                AttemptRow.member_id == member_id,
                AttemptRow.question_id == question_id,
                AttemptRow.local_date == local_date,
                AttemptRow.counted.is_(True),
            )
            .limit(1)
        )
        return found.first() is not None

    async def accuracy_by_topic(self, member_id: int) -> list[TopicAccuracy]:
        correct = func.sum(case((AttemptRow.verdict == Verdict.CORRECT.value, 1), else_=0))
        rows = await self.session.execute(
            select(AttemptRow.topic, func.count(), correct)
            .where(AttemptRow.member_id == member_id, AttemptRow.counted.is_(True))
            .group_by(AttemptRow.topic)
            .order_by(AttemptRow.topic)
        )
        return [TopicAccuracy(t, int(n), int(c or 0)) for t, n, c in rows]


class SqlLeaderboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def top(self, community_id: int, limit: int) -> list[LeaderboardRow]:
        rows = await self.session.execute(
            select(
                MemberTotalRow.member_id,
                MemberRow.display_name,
                MemberTotalRow.points,
                MemberTotalRow.answers,
                MemberTotalRow.correct,
            )
            .join(MemberRow, MemberRow.id == MemberTotalRow.member_id)
            .where(MemberTotalRow.community_id == community_id)
            .order_by(MemberTotalRow.points.desc(), MemberRow.display_name)
            .limit(limit)
        )
        board: list[LeaderboardRow] = []
        previous_points: int | None = None
        rank = 0
        for position, (member_id, name, points, answers, correct) in enumerate(rows, start=1):
            if points != previous_points:
                rank, previous_points = position, points
            board.append(LeaderboardRow(rank, member_id, name, points, answers, correct))
        return board

    async def row_for(self, community_id: int, member_id: int) -> LeaderboardRow | None:
        found = (
            await self.session.execute(
                select(MemberTotalRow, MemberRow.display_name)
                .join(MemberRow, MemberRow.id == MemberTotalRow.member_id)
                .where(
                    MemberTotalRow.community_id == community_id,
                    MemberTotalRow.member_id == member_id,
                )
            )
        ).first()
        if found is None:
            return None
        total, name = found
        ahead = await self.session.scalar(
            select(func.count()).where(
                MemberTotalRow.community_id == community_id, MemberTotalRow.points > total.points
            )
        )
        return LeaderboardRow(
            int(ahead or 0) + 1, member_id, name, total.points, total.answers, total.correct
        )


class SqlPendingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, pending: PendingQuestion) -> None:
        insert = insert_for(self.session, PendingQuestionRow.__table__).values(
            member_id=pending.member_id,
            question_id=pending.question_id,
            channel_id=pending.channel_id,
            level=pending.level,
            context=pending.context,
            asked_at=pending.asked_at,
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["member_id"],
                set_={
                    "question_id": insert.excluded.question_id,
                    "channel_id": insert.excluded.channel_id,
                    "level": insert.excluded.level,
                    "context": insert.excluded.context,
                    "asked_at": insert.excluded.asked_at,
                },
            )
        )

    async def get(self, member_id: int) -> PendingQuestion | None:
        row = await self.session.get(PendingQuestionRow, member_id)
        if row is None:
            return None
        return PendingQuestion(
            row.member_id, row.question_id, row.asked_at, row.channel_id, row.level, row.context
        )

    async def clear(self, member_id: int) -> bool:
        result = await self.session.execute(
            delete(PendingQuestionRow).where(PendingQuestionRow.member_id == member_id)
        )
        return bool(getattr(result, "rowcount", 0))


class SqlSeenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark(self, member_id: int, question_id: str, now: datetime) -> None:
        insert = insert_for(self.session, SeenQuestionRow.__table__).values(
            member_id=member_id, question_id=question_id, seen_at=now
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["member_id", "question_id"], set_={"seen_at": now}
            )
        )

    async def seen(self, member_id: int) -> set[str]:
        rows = await self.session.execute(
            select(SeenQuestionRow.question_id).where(SeenQuestionRow.member_id == member_id)
        )
        return set(rows.scalars())

    async def forget(self, member_id: int, question_ids: Sequence[str]) -> None:
        if question_ids:
            await self.session.execute(
                delete(SeenQuestionRow).where(
                    SeenQuestionRow.member_id == member_id,
                    SeenQuestionRow.question_id.in_(list(question_ids)),
                )
            )
