"""The ASAG benchmark on a tiny synthetic CSV (the real data is only read by the benchmark)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from bot.bench import asag

ROWS = [
    (
        "What is a stack?",
        "A last in first out data structure.",
        "A LIFO data structure: last in, first out.",
        5.0,
    ),
    (
        "What is a stack?",
        "A last in first out data structure.",
        "A structure where the last item in is the first out.",
        4.5,
    ),
    ("What is a stack?", "A last in first out data structure.", "A data structure.", 2.5),
    (
        "What is a stack?",
        "A last in first out data structure.",
        "First in first out, like a queue.",
        1.0,
    ),
    ("What is a stack?", "A last in first out data structure.", "I do not know.", 0.0),
]


def _write(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "question", "desired_answer", "student_answer", "score_avg"])
        for i, row in enumerate(ROWS):
            writer.writerow([i, *row])


def test_pearson_and_spearman() -> None:
    assert asag.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert asag.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert asag.spearman([1, 2, 3, 4], [10, 20, 30, 1000]) == pytest.approx(1.0)
    assert asag.ranks([3, 1, 3]) == [2.5, 1.0, 2.5]
    assert math.isnan(asag.pearson([1, 1, 1], [1, 2, 3]))


def test_run_on_synthetic_csv(tmp_path: Path) -> None:
    data = tmp_path / "mini.csv"
    _write(data)
    result = asag.run(str(data))
    assert result["n"] == len(ROWS)
    assert result["pearson"] > 0.5
    assert result["spearman"] > 0.5


def test_main_prints_table_and_json_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "mini.csv"
    _write(data)
    assert asag.main(["--data", str(data)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert any("Sultan" in line for line in lines)
    last = json.loads(lines[-1])
    assert set(last) == {"pearson", "spearman", "n"} and last["n"] == len(ROWS)


def test_main_missing_file(tmp_path: Path) -> None:
    assert asag.main(["--data", str(tmp_path / "nope.csv")]) == 2
