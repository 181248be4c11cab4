"""SQLAlchemy implementation of the interview repository port."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Interview, InterviewStep, InterviewTally
from bot.storage.tables import InterviewRow, InterviewStepRow

WAITING = ("planned", "asked")


def _interview(row: InterviewRow) -> Interview:
    return Interview(
        id=row.id,
        community_id=row.community_id,
        member_id=row.member_id,
        level=row.level,
        track=row.track,
        length=row.length,
        status=row.status,
        started_at=row.started_at,
        level_source=row.level_source,
        finished_at=row.finished_at,
        scorecard=dict(row.scorecard) if row.scorecard is not None else None,
        readout=row.readout,
    )


def _step(row: InterviewStepRow) -> InterviewStep:
    return InterviewStep(
        interview_id=row.interview_id,
        number=row.number,
        follow_up=row.follow_up,
        section=row.section,
        question_id=row.question_id,
        suggested_seconds=row.suggested_seconds,
        status=row.status,
        follow_up_index=row.follow_up_index,
        asked_at=row.asked_at,
        answered_at=row.answered_at,
        answer=row.answer,
        grade=dict(row.grade) if row.grade is not None else None,
    )


def _step_values(step: InterviewStep) -> dict[str, Any]:
    return {
        "interview_id": step.interview_id,
        "number": step.number,
        "follow_up": step.follow_up,
        "section": step.section,
        "question_id": step.question_id,
        "follow_up_index": step.follow_up_index,
        "suggested_seconds": step.suggested_seconds,
        "status": step.status,
        "asked_at": step.asked_at,
        "answered_at": step.answered_at,
        "answer": step.answer,
        "grade": step.grade,
    }


class SqlInterviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def start(self, interview: Interview, steps: Sequence[InterviewStep]) -> int | None:
        # A savepoint, so the unique index refusing a second active interview (a racing
        # request) rolls back only this insert and the caller's transaction goes on.
        active = await self.active(interview.member_id)
        if active is not None:
            return None
        row = InterviewRow(
            community_id=interview.community_id,
            member_id=interview.member_id,
            level=interview.level,
            level_source=interview.level_source,
            track=interview.track,
            length=interview.length,
            status="active",
            started_at=interview.started_at,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
                await self.session.flush()
        except IntegrityError:
            return None
        if steps:
            await self.session.execute(
                insert(InterviewStepRow),
                [_step_values(_with_id(step, row.id)) for step in steps],
            )
        return row.id

    async def active(self, member_id: int) -> Interview | None:
        row = (
            await self.session.execute(
                select(InterviewRow)
                .where(InterviewRow.member_id == member_id, InterviewRow.status == "active")
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _interview(row) if row else None

    async def get(self, interview_id: int) -> Interview | None:
        row = await self.session.get(InterviewRow, interview_id, populate_existing=True)
        return _interview(row) if row else None

    async def steps(self, interview_id: int) -> list[InterviewStep]:
        rows = await self.session.execute(
            select(InterviewStepRow)
            .where(InterviewStepRow.interview_id == interview_id)
            .order_by(InterviewStepRow.number, InterviewStepRow.follow_up)
            .execution_options(populate_existing=True)
        )
        return [_step(row) for row in rows.scalars()]

    async def add_step(self, step: InterviewStep) -> None:
        await self.session.execute(insert(InterviewStepRow), [_step_values(step)])

    async def mark_asked(
        self, interview_id: int, number: int, follow_up: int, at: datetime
    ) -> None:
        await self.session.execute(
            update(InterviewStepRow)
            .where(
                InterviewStepRow.interview_id == interview_id,
                InterviewStepRow.number == number,
                InterviewStepRow.follow_up == follow_up,
                InterviewStepRow.status == "planned",
            )
            .values(status="asked", asked_at=at)
        )

    async def settle(
        self,
        step: InterviewStep,
        status: str,
        at: datetime,
        answer: str | None,
        grade: dict[str, Any] | None,
    ) -> bool:
        result = await self.session.execute(
            update(InterviewStepRow)
            .where(
                InterviewStepRow.interview_id == step.interview_id,
                InterviewStepRow.number == step.number,
                InterviewStepRow.follow_up == step.follow_up,
                InterviewStepRow.status.in_(WAITING),
            )
            .values(
                status=status,
                answered_at=at,
                answer=answer,
                grade=grade,
                # A step answered without ever being shown (cannot happen through the
                # service, but keep the row whole) counts from the answer itself.
                asked_at=func.coalesce(InterviewStepRow.asked_at, at),
            )
        )
        return bool(getattr(result, "rowcount", 0))

    async def finish(
        self, interview_id: int, status: str, at: datetime, scorecard: dict[str, Any], readout: str
    ) -> bool:
        result = await self.session.execute(
            update(InterviewRow)
            .where(InterviewRow.id == interview_id, InterviewRow.status == "active")
            .values(status=status, finished_at=at, scorecard=scorecard, readout=readout)
        )
        return bool(getattr(result, "rowcount", 0))

    async def history(self, member_id: int) -> list[Interview]:
        rows = await self.session.execute(
            select(InterviewRow)
            .where(InterviewRow.member_id == member_id, InterviewRow.status != "active")
            .order_by(InterviewRow.started_at, InterviewRow.id)
            .execution_options(populate_existing=True)
        )
        return [_interview(row) for row in rows.scalars()]

    async def recent_questions(self, member_id: int, interviews: int) -> set[str]:
        latest = (
            select(InterviewRow.id)
            .where(InterviewRow.member_id == member_id)
            .order_by(InterviewRow.started_at.desc(), InterviewRow.id.desc())
            .limit(interviews)
            .subquery()
        )
        rows = await self.session.execute(
            select(InterviewStepRow.question_id)
            .where(InterviewStepRow.interview_id.in_(select(latest.c.id)))
            .distinct()
        )
        return set(rows.scalars())

    async def tallies(self, member_ids: Sequence[int]) -> dict[int, InterviewTally]:
        if not member_ids:
            return {}
        rows = await self.session.execute(
            select(InterviewRow.member_id, InterviewRow.readout)
            .where(
                InterviewRow.member_id.in_(sorted(set(member_ids))),
                InterviewRow.status != "active",
            )
            .order_by(InterviewRow.member_id, InterviewRow.started_at, InterviewRow.id)
        )
        tallies: dict[int, InterviewTally] = {}
        for member_id, readout in rows:
            before = tallies.get(member_id)
            tallies[member_id] = InterviewTally((before.finished if before else 0) + 1, readout)
        return tallies

    async def delete_member(self, member_id: int) -> None:
        """Every interview of the member, with its steps (called by member deletion)."""
        theirs = select(InterviewRow.id).where(InterviewRow.member_id == member_id)
        await self.session.execute(
            delete(InterviewStepRow).where(InterviewStepRow.interview_id.in_(theirs))
        )
        await self.session.execute(delete(InterviewRow).where(InterviewRow.member_id == member_id))


def _with_id(step: InterviewStep, interview_id: int) -> InterviewStep:
    return replace(step, interview_id=interview_id)
