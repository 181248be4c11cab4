"""`prepbot bench discord` runs end to end on a small scale and reports its figures."""

from __future__ import annotations

import json

import pytest

from adapters.discord import bench
from bot.cli import ADAPTER_BENCHES, BENCHES
from tests.conftest import SAMPLE_PACKS


@pytest.mark.parametrize("mode", [["--in-process"], []])
def test_bench_reports_acks_and_loses_nothing(capsys, mode):
    bench.main(["--members", "4", "--interactions", "30", "--content", str(SAMPLE_PACKS), *mode])
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    for key in ("interactions", "ack_p50_ms", "ack_p99_ms", "ack_limit_ms", "late", "lost"):
        assert key in result
    assert result["interactions"] == 30 and result["ack_limit_ms"] == 3000
    assert result["late"] == 0 and result["lost"] == 0 and result["errors"] == 0
    assert result["answers"] == result["recorded"] > 0
    assert any(line.startswith("ack p99 ms") for line in lines)


def test_the_cli_knows_the_discord_bench():
    assert "discord" in BENCHES and ADAPTER_BENCHES["discord"] == "adapters.discord.bench"
