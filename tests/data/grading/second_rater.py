"""Blind second rating of human.jsonl.

    python tests/data/grading/second_rater.py show [N]       # questions and answers, no scores
    python tests/data/grading/second_rater.py save SCORES [N]  # write second_rater.jsonl
    python tests/data/grading/second_rater.py agree          # compare with the first rater

`show` prints each question's prompt (and options, for choice questions) followed by its
answers in a shuffled order, each with the first 10 hex digits of its sha1. It prints neither
the first rater's score, band nor category, so the second rater can score blind. Only the
first N rows of the file are shown when N is given (the set as it was before an addition).

`save` reads a text file of lines `<sha1 prefix> <score>` (blank lines and `#` comments
ignored) and writes second_rater.jsonl: one {"question_id", "answer_sha1", "score"} per row
(of the first N rows, when given) of human.jsonl in file order, refusing to write unless every
one of those answers has exactly one score and no other answer has one.

`agree` is run only after second_rater.jsonl is saved: it prints the Spearman rank
correlation between the two raters, their band agreement and the rows they disagree on most.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bot.bench.asag import spearman

HERE = Path(__file__).resolve().parent
HUMAN = HERE / "human.jsonl"
SECOND = HERE / "second_rater.jsonl"


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def band(score: float) -> str:
    return "correct" if score >= 70 else "partial" if score >= 35 else "incorrect"


def load_rows(limit: int | None = None) -> list[dict[str, Any]]:
    with HUMAN.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return rows[:limit] if limit is not None else rows


def show(limit: int | None) -> None:
    root = HERE.parents[2]
    sys.path.insert(0, str(root))
    from bot.content.loader import load_packs

    bank = {q.id: q for q in load_packs(root / "content").questions}
    by_question: dict[str, list[str]] = defaultdict(list)
    for row in load_rows(limit):
        by_question[row["question_id"]].append(row["answer"])
    rng = random.Random(20261202)
    for qid, answers in by_question.items():
        q = bank[qid]
        print(f"=== {qid} ({q.kind.value}, {q.level})")
        print(q.prompt)
        for letter, choice in zip("ABCDEFGH", q.choices, strict=False):
            print(f"  {letter}. {choice.text}")
        shuffled = answers[:]
        rng.shuffle(shuffled)
        for answer in shuffled:
            print(f"--- {sha1(answer)[:10]}")
            print(answer)
        print()


def save(scores_path: Path, limit: int | None) -> None:
    scores: dict[str, int] = {}
    for line in scores_path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        prefix, value = line.split()
        if prefix in scores:
            raise SystemExit(f"scored twice: {prefix}")
        score = int(value)
        if not 0 <= score <= 100:
            raise SystemExit(f"score out of range: {line}")
        scores[prefix] = score
    out = []
    for row in load_rows(limit):
        digest = sha1(row["answer"])
        if digest[:10] not in scores:
            raise SystemExit(f"no score for {digest[:10]} ({row['question_id']})")
        item = {"question_id": row["question_id"], "answer_sha1": digest}
        out.append({**item, "score": scores.pop(digest[:10])})
    if scores:
        raise SystemExit(f"scores for answers not shown: {sorted(scores)}")
    with SECOND.open("w", encoding="utf-8") as f:
        for item in out:
            f.write(json.dumps(item) + "\n")
    print(f"wrote {len(out)} scores to {SECOND.name}")


def agree() -> None:
    with SECOND.open(encoding="utf-8") as f:
        second = [json.loads(line) for line in f if line.strip()]
    first = {sha1(r["answer"]): r for r in load_rows()}
    pairs = [(first[s["answer_sha1"]], s["score"]) for s in second]
    a = [float(r["score"]) for r, _ in pairs]
    b = [float(s) for _, s in pairs]
    same_band = sum(band(x) == band(y) for x, y in zip(a, b, strict=True))
    mad = sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
    print(
        f"n={len(pairs)} spearman={spearman(a, b):.3f} band_agreement={same_band / len(a):.3f}"
        f" mean_abs_diff={mad:.1f}"
    )
    for split in ("dev", "test"):
        idx = [i for i, (r, _) in enumerate(pairs) if r["split"] == split]
        sa, sb = [a[i] for i in idx], [b[i] for i in idx]
        sband = sum(band(a[i]) == band(b[i]) for i in idx) / len(idx)
        print(f"  {split}: n={len(idx)} spearman={spearman(sa, sb):.3f} band_agreement={sband:.3f}")
    confusion: dict[tuple[str, str], int] = defaultdict(int)
    for x, y in zip(a, b, strict=True):
        confusion[(band(x), band(y))] += 1
    print("bands (first -> second):", dict(sorted(confusion.items())))
    worst = sorted(range(len(pairs)), key=lambda i: -abs(a[i] - b[i]))[:15]
    for i in worst:
        r = pairs[i][0]
        print(f"  {a[i]:>5.0f} {b[i]:>5.0f} {r['category']:<26} {r['question_id']}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["show"]:
        show(int(argv[1]) if len(argv) > 1 else None)
    elif argv[:1] == ["save"] and len(argv) in (2, 3):
        save(Path(argv[1]), int(argv[2]) if len(argv) > 2 else None)
    elif argv[:1] == ["agree"]:
        agree()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
