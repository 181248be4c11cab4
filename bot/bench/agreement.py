"""How well the grader agrees with people, and how well it resists attacks, over the bank.

* `human_agreement`: Spearman correlation and band agreement (correct / partial / incorrect)
  between the grader and the human scores of tests/data/grading/human.jsonl, per split. The
  rubric the people followed is tests/data/grading/RUBRIC.md.
* `attack_rates`: for each attack family of `bot.bench.attacks`, the share of open, scenario
  and coding questions whose attack answer got an allowed verdict (for `model`, the share
  whose model answer is graded correct).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.bench.asag import spearman
from bot.bench.attacks import EXPECTED, FAMILIES, attacks, open_questions
from bot.config import PROJECT_ROOT
from bot.domain import Question, Verdict
from bot.services.scoring import grade

HUMAN_SET = PROJECT_ROOT / "tests" / "data" / "grading" / "human.jsonl"


@dataclass(frozen=True, slots=True)
class HumanAnswer:
    question_id: str
    answer: str
    score: int
    band: str
    split: str
    category: str


def load_human(path: Path = HUMAN_SET) -> list[HumanAnswer]:
    rows: list[HumanAnswer] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            rows.append(
                HumanAnswer(
                    data["question_id"],
                    data["answer"],
                    int(data["score"]),
                    data["band"],
                    data["split"],
                    data["category"],
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class Agreement:
    n: int
    spearman: float
    band_accuracy: float
    rows: tuple[tuple[HumanAnswer, int], ...]
    """Each answer with the grader's score."""


def human_agreement(rows: Iterable[HumanAnswer], bank: Sequence[Question], split: str) -> Agreement:
    by_id = {q.id: q for q in bank}
    graded: list[tuple[HumanAnswer, int]] = []
    for row in rows:
        question = by_id.get(row.question_id)
        if row.split != split or question is None:
            continue
        graded.append((row, grade(question, row.answer).score))
    if not graded:
        return Agreement(0, float("nan"), float("nan"), ())
    rho = spearman([float(r.score) for r, _ in graded], [float(s) for _, s in graded])
    same = sum(1 for r, s in graded if Verdict.from_score(r.score) is Verdict.from_score(s))
    return Agreement(len(graded), rho, same / len(graded), tuple(graded))


def attack_rates(bank: Sequence[Question]) -> dict[str, tuple[int, int]]:
    """family -> (questions passing, questions attacked)."""
    passed = dict.fromkeys(FAMILIES, 0)
    total = dict.fromkeys(FAMILIES, 0)
    for question in open_questions(bank):
        for family, answer in attacks(question, bank).items():
            total[family] += 1
            if grade(question, answer).verdict in EXPECTED[family]:
                passed[family] += 1
    return {f: (passed[f], total[f]) for f in FAMILIES}
