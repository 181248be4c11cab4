"""The in-memory twin of the interview repository (see `bot.storage.interviews`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.ports import Interview, InterviewStep, InterviewTally

if TYPE_CHECKING:
    from bot.testing import InMemoryStore

WAITING = ("planned", "asked")


class _HasWorkingStore(Protocol):
    working: InMemoryStore


class FakeInterviewRepository:
    def __init__(self, uow: _HasWorkingStore) -> None:
        self._uow = uow

    @property
    def store(self) -> InMemoryStore:
        return self._uow.working

    def _check_question(self, question_id: str) -> None:
        # The database's foreign key: a step must name a stored question.
        if question_id not in self.store.questions:
            raise LookupError(f"no question {question_id!r}")

    async def start(self, interview: Interview, steps: Sequence[InterviewStep]) -> int | None:
        if await self.active(interview.member_id) is not None:
            return None
        for step in steps:
            self._check_question(step.question_id)
        interview_id = self.store.new_id("interview")
        self.store.interviews[interview_id] = replace(
            interview, id=interview_id, status="active", finished_at=None
        )
        for step in steps:
            stored = replace(step, interview_id=interview_id)
            self.store.interview_steps[(interview_id, step.number, step.follow_up)] = stored
        return interview_id

    async def active(self, member_id: int) -> Interview | None:
        return next(
            (
                i
                for i in self.store.interviews.values()
                if i.member_id == member_id and i.status == "active"
            ),
            None,
        )

    async def get(self, interview_id: int) -> Interview | None:
        return self.store.interviews.get(interview_id)

    async def steps(self, interview_id: int) -> list[InterviewStep]:
        return [
            step
            for key, step in sorted(self.store.interview_steps.items())
            if key[0] == interview_id
        ]

    async def add_step(self, step: InterviewStep) -> None:
        key = (step.interview_id, step.number, step.follow_up)
        if step.interview_id not in self.store.interviews:
            raise LookupError(f"no interview {step.interview_id}")
        if key in self.store.interview_steps:
            raise KeyError(f"step {key} exists")
        self._check_question(step.question_id)
        self.store.interview_steps[key] = step

    async def mark_asked(
        self, interview_id: int, number: int, follow_up: int, at: datetime
    ) -> None:
        key = (interview_id, number, follow_up)
        step = self.store.interview_steps.get(key)
        if step is not None and step.status == "planned":
            self.store.interview_steps[key] = replace(step, status="asked", asked_at=at)

    async def settle(
        self,
        step: InterviewStep,
        status: str,
        at: datetime,
        answer: str | None,
        grade: dict[str, Any] | None,
    ) -> bool:
        key = (step.interview_id, step.number, step.follow_up)
        stored = self.store.interview_steps.get(key)
        if stored is None or stored.status not in WAITING:
            return False
        self.store.interview_steps[key] = replace(
            stored,
            status=status,
            answered_at=at,
            answer=answer,
            grade=grade,
            asked_at=stored.asked_at or at,
        )
        return True

    async def finish(
        self, interview_id: int, status: str, at: datetime, scorecard: dict[str, Any], readout: str
    ) -> bool:
        interview = self.store.interviews.get(interview_id)
        if interview is None or interview.status != "active":
            return False
        self.store.interviews[interview_id] = replace(
            interview, status=status, finished_at=at, scorecard=scorecard, readout=readout
        )
        return True

    def _of_member(self, member_id: int) -> list[Interview]:
        return sorted(
            (i for i in self.store.interviews.values() if i.member_id == member_id),
            key=lambda i: (i.started_at, i.id),
        )

    async def history(self, member_id: int) -> list[Interview]:
        return [i for i in self._of_member(member_id) if i.status != "active"]

    async def recent_questions(self, member_id: int, interviews: int) -> set[str]:
        latest = {i.id for i in self._of_member(member_id)[::-1][:interviews]}
        return {
            s.question_id for s in self.store.interview_steps.values() if s.interview_id in latest
        }

    async def tallies(self, member_ids: Sequence[int]) -> dict[int, InterviewTally]:
        tallies: dict[int, InterviewTally] = {}
        for member_id in sorted(set(member_ids)):
            closed = await self.history(member_id)
            if closed:
                tallies[member_id] = InterviewTally(len(closed), closed[-1].readout)
        return tallies

    def delete_member(self, member_id: int) -> None:
        """Drop the member's interviews and their steps (member deletion)."""
        theirs = {i.id for i in self.store.interviews.values() if i.member_id == member_id}
        for interview_id in theirs:
            del self.store.interviews[interview_id]
        for key in [k for k in self.store.interview_steps if k[0] in theirs]:
            del self.store.interview_steps[key]
