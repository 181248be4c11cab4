"""Open, scenario and coding answers: weighted key-point coverage with contradiction penalties."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain import Grade, KeyPoint, Question
from bot.services.scoring._common import is_blank, make_grade, quote
from bot.services.scoring.keypoints import PointResult, assess_points, prose_factor
from bot.services.scoring.reference import split_key_points

FULL_MARKS_AT = 0.85
"""Share of key-point credit that earns 100; 0.6 (e.g. 3 of 5 points) earns 70."""
CONTRADICTION_PENALTY = 0.5
"""Per contradicted point, in key points: stating a point wrongly costs half a point."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """The details behind an open-answer grade (also used by the ASAG benchmark)."""

    results: tuple[PointResult, ...]
    coverage: float
    """Credit share in [0, 1] before penalties."""
    prose: float
    raw: float
    """Coverage less penalties, times the prose factor, in [0, 1]."""

    @property
    def covered(self) -> tuple[str, ...]:
        return tuple(r.point.text for r in self.results if r.credit >= 1.0 - 1e-9)

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(r.point.text for r in self.results if r.credit < 1.0 - 1e-9)

    @property
    def contradicted(self) -> tuple[PointResult, ...]:
        return tuple(r for r in self.results if r.contradiction)


def assess(points: Sequence[KeyPoint], answer: str, prompt: str = "") -> Assessment:
    results, index = assess_points(points, answer, prompt)
    n = max(1, len(results))
    credit = sum(r.credit for r in results)
    contradicted = sum(1 for r in results if r.contradiction)
    prose = prose_factor(index.tokens)
    raw = max(0.0, (credit - CONTRADICTION_PENALTY * contradicted) / n) * prose
    return Assessment(tuple(results), credit / n, prose, min(1.0, raw))


def points_for(question: Question, level: str | None) -> tuple[KeyPoint, ...]:
    points = question.key_points_for(level)
    if points:
        return points
    return split_key_points(question.model_answer)


def _list(texts: Sequence[str], limit: int = 3) -> str:
    shown = "; ".join(texts[:limit])
    more = len(texts) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")


def feedback_for(assessment: Assessment, points: Sequence[KeyPoint]) -> str:
    results = assessment.results
    missed = [r.point.text for r in results if r.credit < 1.0 and not r.contradiction]
    parts: list[str] = []
    if assessment.contradicted:
        first = assessment.contradicted[0]
        how = first.contradiction or ""
        if how.startswith("swapped"):
            a, _, b = how.removeprefix("swapped ").partition("/")
            detail = f" (you have {b!r} where it should be {a!r})"
        elif how == "reversed":
            detail = " (you have the comparison the wrong way round)"
        else:
            detail = " (you negated it)"
        parts.append(f"Careful: your answer contradicts {quote(first.point.text)}{detail}.")
        if len(assessment.contradicted) > 1:
            parts.append(f"{len(assessment.contradicted) - 1} more point(s) stated wrongly.")
    elif assessment.coverage == 0:
        return (
            "This doesn't address the question. A good answer covers: "
            f"{_list([p.text for p in points])}."
        )
    if assessment.prose < 0.8:
        parts.append("Explain in sentences: a list of keywords doesn't show how the ideas connect.")
    if missed:
        got = sum(1 for r in results if r.credit >= 1.0)
        lead = f"You covered {got} of {len(results)} key points." if not parts else ""
        parts.append(f"{lead} Missing: {_list(missed)}.".strip())
    elif not parts:
        parts.append(f"Strong answer: you covered all {len(results)} key points.")
    return " ".join(parts)


def grade_open(question: Question, answer: str, level: str | None = None) -> Grade:
    points = points_for(question, level)
    if is_blank(answer):
        return make_grade(
            0,
            f"No answer given. A good answer covers: {_list([p.text for p in points])}.",
            missed=tuple(p.text for p in points),
        )
    assessment = assess(points, answer, question.prompt)
    score = 100.0 * min(1.0, assessment.raw / FULL_MARKS_AT)
    return make_grade(
        score,
        feedback_for(assessment, points),
        covered=assessment.covered,
        missed=assessment.missed,
    )
