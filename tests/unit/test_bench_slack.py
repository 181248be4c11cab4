"""`prepbot bench slack` runs end to end (the bot in its own process) on a small load and
reports every figure."""

from __future__ import annotations

import json

from adapters.slack import bench
from tests.conftest import SAMPLE_PACKS


def test_small_slack_bench_reports_acks_late_and_lost(capsys):
    status = bench.main(
        ["--members", "4", "--requests", "24", "--arrival", "0.2", "--content", str(SAMPLE_PACKS)]
    )
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["requests"] == 24
    for key in ("ack_p50_ms", "ack_p99_ms", "ack_limit_ms", "late", "lost", "errors"):
        assert key in result
    assert result["ack_limit_ms"] == 3000
    assert result["lost"] == 0 and result["errors"] == 0 and result["late"] == 0
    assert status == 0 and "target" in out
