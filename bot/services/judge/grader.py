"""`JudgeGrader`: the optional LLM judge, with the claims grader always standing by.

Only open, scenario and coding answers go to the judge (choice and short answers have
exact graders; behavioral answers keep the STAR grader). Anything short of a valid reply
in time (a timeout, a refused connection, an HTTP error, a reply that is not the JSON the
protocol asks for) gives the claims grade instead, and is logged once per kind until the
judge answers well again. After `failures` failures in a row a circuit breaker skips the
judge for `cooldown` seconds, so a dead endpoint does not add a timeout to every answer;
then one answer tries it again (half-open), and its success closes the breaker.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

from bot.domain import Grade, Kind, Question
from bot.ports import Grader
from bot.services.grading import ClaimsGrader
from bot.services.judge.client import ChatCompletions, JudgeFailure
from bot.services.judge.prompt import messages, rubric_for
from bot.services.judge.verdict import InvalidReply, grade_of, parse
from bot.services.scoring._common import is_blank

log = logging.getLogger(__name__)

JUDGED_KINDS = frozenset({Kind.OPEN, Kind.SCENARIO, Kind.CODING})
BREAKER_FAILURES = 5
BREAKER_COOLDOWN = 60.0


class Breaker:
    """Closed (calls go through), open (skipped until the cool-down ends) or half-open
    (one trial call; its outcome closes or reopens it)."""

    def __init__(
        self,
        failures: int = BREAKER_FAILURES,
        cooldown: float = BREAKER_COOLDOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failures < 1:
            raise ValueError("failures must be at least 1")
        self.failures = failures
        self.cooldown = cooldown
        self._clock = clock
        self._streak = 0
        self._open_until: float | None = None
        self._trial = False

    @property
    def streak(self) -> int:
        """Failures since the last success."""
        return self._streak

    @property
    def state(self) -> str:
        if self._open_until is None:
            return "closed"
        if self._trial or self._clock() >= self._open_until:
            return "half-open"
        return "open"

    def allow(self) -> bool:
        """Whether to call now (in half-open, only the one trial call is let through)."""
        if self._open_until is None:
            return True
        if self._trial or self._clock() < self._open_until:
            return False
        self._trial = True
        return True

    def succeeded(self) -> None:
        self._streak = 0
        self._open_until = None
        self._trial = False

    def failed(self) -> bool:
        """Record a failure; True when this one opened the breaker."""
        self._streak += 1
        was_trial = self._trial
        self._trial = False
        if was_trial or self._streak >= self.failures:
            opened = self._open_until is None or was_trial
            self._open_until = self._clock() + self.cooldown
            return opened
        return False

    def abandoned(self) -> None:
        """A call ended with neither outcome (cancelled): let the next one try."""
        self._trial = False


class JudgeGrader:
    """Grades open answers with an OpenAI-compatible chat model, falling back to the
    claims grader (see the module docstring)."""

    remote = True

    def __init__(
        self,
        client: ChatCompletions,
        fallback: Grader | None = None,
        breaker: Breaker | None = None,
    ) -> None:
        self.client = client
        self.fallback: Grader = fallback or ClaimsGrader()
        self.breaker = breaker or Breaker()
        self.judged = 0
        """Answers graded from a valid judge reply."""
        self.failures: Counter[str] = Counter()
        """Failed judge calls by kind (each gave the claims grade)."""
        self.skipped = 0
        """Answers given the claims grade without asking, while the breaker was open."""
        self._logged: set[str] = set()

    def consults(self, question: Question) -> bool:
        return question.kind in JUDGED_KINDS

    async def grade(self, question: Question, answer: str, level: str | None) -> Grade:
        if not self.consults(question) or is_blank(answer):
            return await self.fallback.grade(question, answer, level)
        rubric = rubric_for(question, level)
        if not rubric.points:
            return await self.fallback.grade(question, answer, level)
        if not self.breaker.allow():
            self.skipped += 1
            return await self.fallback.grade(question, answer, level)
        try:
            content = await self.client.complete(messages(question, answer, level, rubric))
            reply = parse(content, rubric)
        except JudgeFailure as exc:
            self._failed(exc.kind, exc.detail)
            return await self.fallback.grade(question, answer, level)
        except InvalidReply as exc:
            self._failed("invalid reply", str(exc))
            return await self.fallback.grade(question, answer, level)
        except Exception as exc:  # noqa: BLE001 - whatever broke, the answer gets its grade
            self._failed("error", type(exc).__name__)
            return await self.fallback.grade(question, answer, level)
        except BaseException:
            self.breaker.abandoned()
            raise
        self._succeeded()
        return grade_of(reply, rubric)

    def _failed(self, kind: str, detail: str) -> None:
        self.failures[kind] += 1
        if kind not in self._logged:
            # Once per kind until the judge answers well again: a dead endpoint must not
            # fill the log. The detail never holds the member's answer.
            self._logged.add(kind)
            log.warning(
                "grader: the LLM judge failed (%s%s); the claims grade stands in",
                kind,
                f": {detail}" if detail else "",
            )
        if self.breaker.failed():
            log.warning(
                "grader: %d judge failures in a row; claims grades only for the next %gs",
                self.breaker.streak,
                self.breaker.cooldown,
            )

    def _succeeded(self) -> None:
        self.judged += 1
        if self._logged:
            log.info("grader: the LLM judge answers again")
            self._logged.clear()
        self.breaker.succeeded()

    async def close(self) -> None:
        await self.client.close()
