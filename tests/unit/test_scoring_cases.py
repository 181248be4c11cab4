"""Agreement of the graders with hand-graded answers (tests/unit/data/grading_cases.jsonl).

The cases are realistic interview answers (strong paraphrases, partial answers, right words
with wrong claims, keyword lists, nonsense) scored 0-100 by a person before the grader saw them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.bench.asag import spearman
from bot.domain import Choice, KeyPoint, Kind, Question, StarRubric, Verdict
from bot.services.scoring import grade

DATA = Path(__file__).parent / "data" / "grading_cases.jsonl"
HOLDOUT = Path(__file__).parent / "data" / "grading_cases_holdout.jsonl"
"""Cases written after the grader was tuned on DATA, never used to tune it."""


def _question(spec: dict[str, Any]) -> Question:
    star = spec.get("star")
    return Question(
        id=spec["id"],
        prompt=spec["prompt"],
        kind=Kind(spec["kind"]),
        topic="cases",
        level="mid",
        model_answer=spec.get("model_answer", ""),
        choices=tuple(Choice(**c) for c in spec.get("choices", ())),
        accepted=tuple(spec.get("accepted", ())),
        key_points=tuple(
            KeyPoint(k["text"], tuple(k.get("synonyms", ()))) for k in spec.get("key_points", ())
        ),
        star=(
            StarRubric(
                star["situation"],
                star["task"],
                star["action"],
                star["result"],
                tuple(star.get("strong_signals", ())),
            )
            if star
            else None
        ),
        reference_solution=spec.get("reference_solution"),
    )


def load_cases(path: Path = DATA) -> list[tuple[Question, str, int]]:
    questions: dict[str, Question] = {}
    cases: list[tuple[Question, str, int]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record["type"] == "question":
            questions[record["id"]] = _question(record)
        else:
            cases.append((questions[record["q"]], record["answer"], int(record["human"])))
    return cases


def agreement(path: Path = DATA) -> tuple[float, float, list[tuple[str, str, int, int]]]:
    """(Spearman, verdict agreement, rows of (question id, answer, human, ours))."""
    rows = []
    for question, answer, human in load_cases(path):
        rows.append((question.id, answer, human, grade(question, answer).score))
    rho = spearman([float(r[2]) for r in rows], [float(r[3]) for r in rows])
    same = sum(1 for r in rows if Verdict.from_score(r[2]) is Verdict.from_score(r[3]))
    return rho, same / len(rows), rows


def test_hand_graded_cases_agree_with_the_grader() -> None:
    rho, verdicts, rows = agreement()
    assert len(rows) >= 40
    assert rho >= 0.80, rho
    assert verdicts >= 0.80, verdicts


def test_held_out_cases_agree_with_the_grader() -> None:
    rho, verdicts, rows = agreement(HOLDOUT)
    assert len(rows) >= 12
    assert rho >= 0.80, rho
    assert verdicts >= 0.80, verdicts


if __name__ == "__main__":  # python -m tests.unit.test_scoring_cases: print the tables
    for path in (DATA, HOLDOUT):
        rho, verdicts, rows = agreement(path)
        for qid, answer, human, ours in rows:
            same = Verdict.from_score(human) is Verdict.from_score(ours)
            flag = "" if same else "  <-- verdict"
            print(f"{qid:<15} human {human:>3} ours {ours:>3}{flag}  {answer[:70]!r}")
        print(f"{path.name}: Spearman {rho:.3f}  verdict agreement {verdicts:.0%}  n={len(rows)}")
