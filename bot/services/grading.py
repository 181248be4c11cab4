"""The default `Grader`: the pure claims grader (`bot.services.scoring.grade`) behind the
async port, so the services can hold either it or the optional LLM judge."""

from __future__ import annotations

from bot.domain import Grade, Question
from bot.services.scoring import grade


class ClaimsGrader:
    """Grades on the claims an answer asserts; pure CPU work, never waits on I/O."""

    remote = False

    def consults(self, question: Question) -> bool:
        return False

    async def grade(self, question: Question, answer: str, level: str | None) -> Grade:
        return grade(question, answer, level)

    async def close(self) -> None:
        return None
