"""The judge's reply: validated strictly, then scored by the claims grader's own formula.

The judge only says, per key point, asserted / missing / contradicted, and which listed
misconceptions the answer asserts. The score comes from `scoring.open.score_of` (core share,
supporting share, contradiction penalty, misconception caps) and the feedback from
`scoring.open.feedback_for`, so a misconception is corrected with the rubric's own
correction, never a model-written one. The judge's free feedback is only appended, cleaned
of control characters and cut to the room left.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.domain import Grade
from bot.services.judge.prompt import MAX_FEEDBACK, Rubric
from bot.services.scoring._common import MAX_FEEDBACK as GRADE_FEEDBACK
from bot.services.scoring._common import make_grade, one_line
from bot.services.scoring.keypoints import PointResult
from bot.services.scoring.open import JUDGED, Assessment, feedback_for, score_of, shares
from bot.text.control import strip_controls

Status = Literal["asserted", "missing", "contradicted"]

MIN_NOTE = 40
"""The judge's note is appended only when at least this many characters of it fit."""

_FENCED = re.compile(r"^\s*```[A-Za-z]*[ \t]*\n?(.*?)\n?[ \t]*```\s*$", re.DOTALL)


class InvalidReply(ValueError):
    """The judge's reply is not the JSON object the protocol asks for."""


class PointVerdict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    id: str
    status: Status


class JudgeReply(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    points: list[PointVerdict]
    misconceptions: list[str]
    feedback: str = Field(max_length=MAX_FEEDBACK)


def unfence(content: str) -> str:
    """The text inside a ```json ... ``` fence (a habit of chat models), else as it is."""
    fenced = _FENCED.match(content)
    return fenced.group(1) if fenced else content


def parse(content: str, rubric: Rubric) -> JudgeReply:
    """The judge's reply checked against the schema and the rubric: every key point id
    exactly once, only known ids, known statuses, feedback within its length."""
    try:
        data = json.loads(unfence(content))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InvalidReply("not JSON") from exc
    try:
        reply = JudgeReply.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "reply"
        raise InvalidReply(f"schema: {where}: {first['type']}") from exc
    ids = [verdict.id for verdict in reply.points]
    if len(set(ids)) != len(ids):
        raise InvalidReply("a key point id twice")
    if set(ids) != set(rubric.points):
        raise InvalidReply("key point ids differ from the rubric's")
    if len(set(reply.misconceptions)) != len(reply.misconceptions):
        raise InvalidReply("a misconception id twice")
    if not set(reply.misconceptions) <= set(rubric.misconceptions):
        raise InvalidReply("an unknown misconception id")
    return reply


def assessment_of(reply: JudgeReply, rubric: Rubric) -> Assessment:
    """The judge's statuses as the claims grader's `Assessment` (full credit for asserted,
    none for missing, a contradiction for contradicted; prose and shape are the judge's
    business, so no penalty for them)."""
    status = {verdict.id: verdict.status for verdict in reply.points}
    results = tuple(
        PointResult(
            point,
            coverage=1.0 if status[pid] == "asserted" else 0.0,
            credit=1.0 if status[pid] == "asserted" else 0.0,
            contradiction=JUDGED if status[pid] == "contradicted" else None,
        )
        for pid, point in rubric.points.items()
    )
    coverage, raw = shares(results)
    found = set(reply.misconceptions)
    return Assessment(
        results,
        coverage,
        prose=1.0,
        raw=raw,
        misconceptions=tuple(m for mid, m in rubric.misconceptions.items() if mid in found),
    )


def judge_note(feedback: str, room: int) -> str:
    """The judge's own feedback, one clean line cut to `room` characters ("" if little
    fits)."""
    text = one_line(strip_controls(feedback))
    if not text or room < MIN_NOTE:
        return ""
    return one_line(text, room)


def grade_of(reply: JudgeReply, rubric: Rubric) -> Grade:
    """The grade for a valid reply, by the claims grader's formula and feedback."""
    assessment = assessment_of(reply, rubric)
    points = tuple(rubric.points.values())
    feedback = one_line(feedback_for(assessment, points))
    note = judge_note(reply.feedback, GRADE_FEEDBACK - len(feedback) - 1)
    return make_grade(
        score_of(assessment),
        f"{feedback} {note}".strip(),
        covered=assessment.covered,
        missed=assessment.missed,
        contradicted=tuple(r.point.text for r in assessment.contradicted),
    )
