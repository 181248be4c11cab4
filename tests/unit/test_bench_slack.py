"""`prepbot bench slack` runs end to end on a small load and reports every figure."""

from __future__ import annotations

import json

from adapters.slack import bench


def test_small_slack_bench_reports_acks_late_and_lost(sample_questions, capsys, monkeypatch):
    monkeypatch.setattr(bench, "load_content", lambda _dir: _Loaded(sample_questions))
    status = bench.main(["--members", "4", "--requests", "24", "--arrival", "0.2"])
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["requests"] == 24
    for key in ("ack_p50_ms", "ack_p99_ms", "ack_limit_ms", "late", "lost", "errors"):
        assert key in result
    assert result["ack_limit_ms"] == 3000
    assert result["lost"] == 0 and result["errors"] == 0 and result["late"] == 0
    assert status == 0 and "target" in out


class _Loaded:
    def __init__(self, questions) -> None:
        self.questions = questions
