"""Dated facts and their sources: when a question's facts were checked, and where.

A question whose answer depends on a version, a default, a model family or a regulation
carries `as_of` (the month its facts were checked, YYYY-MM) and may carry `sources`.
Members see both under the model answer; `prepbot content stats` lists the questions whose
`as_of` is more than a year old, so the bank can be re-checked rather than quietly age.

The rule for sources: every open, scenario and coding question in a topic of
`SOURCES_REQUIRED` (the areas added from bank v2 on) must name at least one. Older topics
join that set once their packs have been re-checked, so the rule tightens without breaking
what is already shipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.content.quality import Finding
from bot.content.topics import SOURCES_REQUIRED
from bot.domain import Kind, Question

SOURCED_KINDS = (Kind.OPEN, Kind.SCENARIO, Kind.CODING)
STALE_AFTER_MONTHS = 12

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def month_index(as_of: str) -> int:
    """Months since year 0 for a YYYY-MM string, so two months compare by subtraction."""
    year, month = as_of.split("-")
    return int(year) * 12 + int(month) - 1


def checked_label(as_of: str) -> str:
    """`2026-12` -> `Dec 2026`, as members read it."""
    year, month = as_of.split("-")
    return f"{_MONTHS[int(month) - 1]} {year}"


def provenance_findings(question: Question) -> list[Finding]:
    """Why a question's provenance does not meet the rule, or nothing."""
    if (
        question.topic in SOURCES_REQUIRED
        and question.kind in SOURCED_KINDS
        and not question.sources
    ):
        return [
            Finding(
                question.id,
                "sources",
                f"an {question.kind.value} question in {question.topic} must name its sources "
                "(a paper, a documentation page, a regulation)",
            )
        ]
    return []


def stale(
    questions: Iterable[Question], today: date, months: int = STALE_AFTER_MONTHS
) -> list[Question]:
    """Questions whose facts were last checked more than `months` months before `today`."""
    now = today.year * 12 + today.month - 1
    return sorted(
        (q for q in questions if q.as_of and now - month_index(q.as_of) > months),
        key=lambda q: (q.as_of or "", q.id),
    )
