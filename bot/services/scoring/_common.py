"""Helpers shared by the graders."""

from __future__ import annotations

import re

from bot.domain import Grade, Verdict

MAX_FEEDBACK = 320
_SPACE = re.compile(r"\s+")


def one_line(text: str, limit: int = MAX_FEEDBACK) -> str:
    """Collapse whitespace to one line and cut at `limit` characters (with an ellipsis)."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return text


def clamp_score(value: float) -> int:
    return max(0, min(100, int(round(value))))


def make_grade(
    score: float,
    feedback: str,
    covered: tuple[str, ...] = (),
    missed: tuple[str, ...] = (),
    contradicted: tuple[str, ...] = (),
) -> Grade:
    final = clamp_score(score)
    return Grade(
        score=final,
        verdict=Verdict.from_score(final),
        covered=covered,
        missed=missed,
        feedback=one_line(feedback),
        contradicted=contradicted,
    )


def is_blank(answer: str) -> bool:
    return not answer or not any(ch.isalnum() for ch in answer[:20_000])


def quote(text: str, limit: int = 80) -> str:
    text = one_line(text, limit)
    return f"\u201c{text}\u201d"
