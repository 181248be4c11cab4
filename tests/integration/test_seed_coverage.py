"""Every question of the seed documents is in the bank (issue: question bank).

tests/data/seed_questions.tsv is the project's own copy of the seed list, so this test
needs nothing outside the repository.
"""

from __future__ import annotations

import csv
from collections import Counter

from rapidfuzz import fuzz

from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs
from bot.domain import Kind
from tests.conftest import TESTS


def seed_rows() -> list[dict[str, str]]:
    with (TESTS / "data" / "seed_questions.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_seed_question_is_in_the_bank_at_its_level():
    questions = load_packs(PROJECT_ROOT / "content").questions
    by_seed = {q.seed: q for q in questions if q.seed}
    missing = []
    for row in seed_rows():
        question = by_seed.get(row["question"])
        if question is None:
            missing.append(row["question"])
            continue
        # Recognisable: the prompt reads like the seed question.
        assert fuzz.token_set_ratio(question.prompt, row["question"]) >= 60, question.id
        if row["level"] in ("junior", "mid", "senior"):
            assert row["level"] in question.askable_levels, question.id
        else:
            assert set(question.askable_levels) == {"junior", "mid", "senior"}, question.id
        assert question.topic == row["topic"], question.id
    assert not missing, f"seed questions missing from content/: {missing}"


def test_bank_size_and_mix():
    questions = load_packs(PROJECT_ROOT / "content").questions
    kinds = Counter(q.kind for q in questions)
    assert len(questions) >= 400
    assert kinds[Kind.CHOICE] >= 150
    assert kinds[Kind.SHORT] >= 80


def test_seed_questions_are_graded_by_key_points():
    questions = load_packs(PROJECT_ROOT / "content").questions
    for question in (q for q in questions if q.seed):
        if question.kind is Kind.BEHAVIORAL:
            assert question.star is not None, question.id
            continue
        points = question.key_points or next(iter(question.rubrics.values()), ())
        assert 3 <= len(points) <= 7, question.id
        assert all(p.synonyms for p in points), question.id
        assert question.explanation, question.id


def test_chatbot_scenario_has_a_rubric_per_level():
    questions = load_packs(PROJECT_ROOT / "content").questions
    scenario = next(q for q in questions if q.seed and "customer support chatbot" in q.seed)
    assert set(scenario.rubrics) == {"junior", "mid", "senior"}
    assert set(scenario.askable_levels) == {"junior", "mid", "senior"}


def test_seed_mistakes_are_not_repeated():
    questions = load_packs(PROJECT_ROOT / "content").questions
    for question in questions:
        # Explanations may name a seed's mistake to correct it; model answers must not make it.
        assert "Gamma" not in question.model_answer, question.id
        lowered = question.model_answer.casefold()
        assert "gpt-3 is an encoder" not in lowered, question.id
