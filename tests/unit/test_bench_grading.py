"""The grading throughput benchmark runs and reports every kind."""

from __future__ import annotations

import json

import pytest

from bot.bench import grading


def test_main_reports_every_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert grading.main(["--seconds", "0.01", "--no-quality"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    for kind in ("choice", "short", "open", "scenario", "coding", "behavioral"):
        assert result[kind] > 0
        assert result[f"{kind}_cost_vs_ratio"] > 0
    assert result["baseline_ratio"] > result["open"]
