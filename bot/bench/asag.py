"""ASAG benchmark: the open-answer grader on a Mohler-style short-answer data set.

Reads a CSV with columns ``question``, ``desired_answer``, ``student_answer`` and
``score_avg`` (0-5). For each row it builds an open `Question` whose key points are cut
automatically from the desired answer (`split_key_points`: clauses and prepositional phrases,
fixed rules, no training), grades the student answer, and correlates the grader's score with
the human average. Because auto-derived key points are a rough rubric, the score used here
blends the key-point grade with a generic content-word similarity to the desired answer
(`similarity`, question words demoted); both are fixed formulas, nothing is fitted to the data.

Usage: ``prepbot bench asag [PATH] [--limit N]``. The last line printed is one JSON object:
``{"pearson": ..., "spearman": ..., "n": ...}``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.domain import Kind, Question
from bot.services.scoring import grade, similarity, split_key_points

KEYPOINT_WEIGHT = 0.5
"""Share of the key-point grade in the benchmark score; the rest is `similarity` (0-100)."""

PUBLISHED: tuple[tuple[str, float], ...] = (
    ("tf-idf + SVR", 0.327),
    ("bag of words + SVMRank", 0.480),
    ("ELMo cosine", 0.485),
    ("Sultan et al. 2016", 0.592),
)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    if n != len(ys) or n < 2:
        return float("nan")
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return float("nan")
    return sxy / math.sqrt(sxx * syy)


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties given their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            out[order[k]] = rank
        i = j + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    return pearson(ranks(xs), ranks(ys))


def question_for(prompt: str, reference: str, qid: str = "asag") -> Question:
    return Question(
        id=qid,
        prompt=prompt,
        kind=Kind.OPEN,
        topic="asag",
        level="junior",
        model_answer=reference,
        key_points=split_key_points(reference),
    )


def score_row(question: Question, answer: str) -> float:
    """The benchmark score (0-100) of one answer."""
    graded = grade(question, answer).score
    sim = 100.0 * similarity(answer, question.model_answer, question.prompt)
    return KEYPOINT_WEIGHT * graded + (1 - KEYPOINT_WEIGHT) * sim


def load(path: str | Path, limit: int | None = None) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows[:limit] if limit else rows


def run(data_path: str, limit: int | None = None) -> dict[str, float | int]:
    rows = load(data_path, limit)
    questions: dict[tuple[str, str], Question] = {}
    ours: list[float] = []
    human: list[float] = []
    started = time.perf_counter()
    for row in rows:
        try:
            target = float(row["score_avg"])
        except (KeyError, ValueError):
            continue
        key = (row["question"], row["desired_answer"])
        question = questions.get(key)
        if question is None:
            question = question_for(*key, qid=f"asag-{len(questions)}")
            questions[key] = question
        ours.append(score_row(question, row["student_answer"]))
        human.append(target)
    elapsed = time.perf_counter() - started
    return {
        "pearson": round(pearson(ours, human), 4),
        "spearman": round(spearman(ours, human), 4),
        "n": len(ours),
        "questions": len(questions),
        "seconds": round(elapsed, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="prepbot bench asag", description=__doc__)
    parser.add_argument(
        "--data", required=True, help="a Mohler-style CSV (question, desired_answer, ...)"
    )
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    if not Path(args.data).is_file():
        print(f"ASAG data not found: {args.data}", file=sys.stderr)
        return 2
    result = run(args.data, args.limit)
    print(
        f"ASAG benchmark: {result['n']} answers, {result['questions']} questions, "
        f"{result['seconds']} s"
    )
    print(f"{'system':<32} {'Pearson':>8} {'Spearman':>9}")
    print("-" * 51)
    for name, value in PUBLISHED:
        print(f"{name:<32} {value:>8.3f} {'-':>9}")
    print(f"{'prepbot (this grader)':<32} {result['pearson']:>8.3f} {result['spearman']:>9.3f}")
    print(
        json.dumps({"pearson": result["pearson"], "spearman": result["spearman"], "n": result["n"]})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
