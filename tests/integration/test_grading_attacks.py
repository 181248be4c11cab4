"""Attacks as tests: every open, scenario and coding question of content/ resists gaming.

For each question (`bot.bench.attacks`): every key point dismissed, every key point denied,
the key phrases as a bare list, the prompt restated, another question's model answer of the
same topic and the model answer with its comparisons reversed must never be graded correct,
and the dismissed, denied, restated and off-topic ones must be incorrect; the model answer
itself, and for a question with core marks one sentence stating its core points, must be
correct.

Questions that cannot pass without their content being rewritten are listed, per family, in
tests/data/grading/attack_allowlist.txt. The list can only shrink: the test fails when a
listed pair now passes (delete the line) and when an unlisted pair fails (fix the grader or
the question; do not add lines to make it pass).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.bench.attacks import EXPECTED, attacks, open_questions
from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs
from bot.domain import Question
from bot.services.scoring import grade

ALLOWLIST = Path(__file__).resolve().parents[1] / "data" / "grading" / "attack_allowlist.txt"
TESTED = (
    "dismissive",
    "negated",
    "list",
    "restated",
    "off_topic",
    "reversed",
    "model",
    "core_sentence",
)


def read_allowlist(path: Path = ALLOWLIST) -> set[tuple[str, str]]:
    entries: set[tuple[str, str]] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            family, question_id = line.split()
            entries.add((family, question_id))
    return entries


@cache
def _bank() -> tuple[Question, ...]:
    return tuple(load_packs(PROJECT_ROOT / "content").questions)


@cache
def failures() -> frozenset[tuple[str, str]]:
    """(family, question id) of every attack that got a verdict it must not get."""
    bank = _bank()
    failed: set[tuple[str, str]] = set()
    for question in open_questions(bank):
        for family, answer in attacks(question, bank).items():
            if family in TESTED and grade(question, answer).verdict not in EXPECTED[family]:
                failed.add((family, question.id))
    return frozenset(failed)


def test_the_bank_has_open_questions_to_attack() -> None:
    assert len(open_questions(_bank())) >= 200


@pytest.mark.parametrize("family", TESTED)
def test_no_unlisted_question_falls_to_the_attack(family: str) -> None:
    allowed = read_allowlist()
    new = sorted(qid for fam, qid in failures() if fam == family and (fam, qid) not in allowed)
    assert not new, f"{family}: graded {sorted(EXPECTED[family])} expected, failed on {new}"


def test_the_allowlist_only_shrinks() -> None:
    fixed = sorted(read_allowlist() - failures())
    assert not fixed, f"these now pass: remove them from {ALLOWLIST.name}: {fixed}"


def test_the_allowlist_names_real_questions_and_families() -> None:
    ids = {q.id for q in open_questions(_bank())}
    for family, question_id in read_allowlist():
        assert family in TESTED, family
        assert question_id in ids, question_id
