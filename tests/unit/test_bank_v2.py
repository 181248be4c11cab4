"""Bank v2 (issue 14): the new topic packs load, cover every area, and carry their provenance."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from functools import cache

from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs
from bot.content.provenance import SOURCED_KINDS
from bot.content.topics import SOURCES_REQUIRED, TOPICS
from bot.domain import Kind, Question

MIN_PER_AREA = 4


@cache
def _bank() -> tuple[Question, ...]:
    result = load_packs(PROJECT_ROOT / "content")
    assert result.ok, [str(p) for p in result.problems[:5]]
    return tuple(result.questions)


def test_every_new_area_is_a_registered_topic_with_a_pack() -> None:
    packs = {p.stem for p in (PROJECT_ROOT / "content").glob("*.yaml")}
    for topic in SOURCES_REQUIRED:
        assert topic in TOPICS, topic
        assert topic in packs, f"no content/{topic}.yaml"


def test_each_new_area_has_enough_questions_in_several_kinds() -> None:
    per_topic = Counter(q.topic for q in _bank())
    kinds: dict[str, set[Kind]] = {}
    for q in _bank():
        kinds.setdefault(q.topic, set()).add(q.kind)
    for topic in SOURCES_REQUIRED:
        assert per_topic[topic] >= MIN_PER_AREA, (topic, per_topic[topic])
        assert len(kinds[topic]) >= 3, (topic, kinds[topic])


def test_new_open_kinds_name_sources_and_are_graded_by_claims() -> None:
    for q in _bank():
        if q.topic not in SOURCES_REQUIRED or q.kind not in SOURCED_KINDS:
            continue
        assert q.sources, q.id
        points = q.key_points_for(q.level)
        assert points and all(p.core is not None for p in points), q.id
        assert any(p.core for p in points), q.id
        assert 1 <= len(q.misconceptions) <= 4, q.id


def test_new_choice_questions_explain_every_wrong_option() -> None:
    for q in _bank():
        if q.topic in SOURCES_REQUIRED and q.kind is Kind.CHOICE:
            wrong = [c for c in q.choices if not c.correct]
            assert wrong and all(c.why_wrong for c in wrong), q.id


def test_dated_questions_were_not_checked_in_the_future() -> None:
    this_month = datetime.now(UTC).strftime("%Y-%m")
    dated = [q for q in _bank() if q.as_of]
    assert dated
    assert all((q.as_of or "") <= this_month for q in dated)
