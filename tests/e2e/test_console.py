"""The console adapter end to end: the real `prepbot` process, scripted through stdin."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.discord.testing.server import FakeDiscord
from tests.conftest import ROOT, SAMPLE_PACKS


def run_console(script: str, data_dir: Path, content_dir: Path | None = None, **env: str):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DATABASE_URL"}
    }
    environment.update(PREPBOT_DATA_DIR=str(data_dir), PREPBOT_LOG_LEVEL="WARNING")
    environment.update(env)
    if content_dir is not None:
        environment["PREPBOT_CONTENT_DIR"] = str(content_dir)
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )


@pytest.fixture
def sample_content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SAMPLE_PACKS, target)
    return target


def test_scripted_session_grades_and_leaderboard_survives_restart(tmp_path, sample_content):
    first = run_console(
        "/as alice\n/quiz choice\nA\n/leaderboard\n", tmp_path / "data", sample_content
    )
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "You are now alice (an admin)." in out
    assert "Which transformer layout does GPT-3 use?" in out
    assert "Correct: 100/100 (+10 points)" in out
    assert "Model answer: GPT-3 is a decoder-only transformer" in out
    assert "1. alice — 10 pts, 1 answered, 100% correct" in out
    assert "Traceback" not in first.stderr

    second = run_console("/as bob\n/leaderboard\n", tmp_path / "data", sample_content)
    assert second.returncode == 0, second.stderr
    assert "1. alice — 10 pts" in second.stdout


def test_shipped_content_session(tmp_path):
    result = run_console("/as alice\n/quiz\n/skip\n/topics\n/stats\n", tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert "Skipped." in result.stdout
    assert "`llms`" in result.stdout or "`nlp-basics`" in result.stdout


def test_bad_input_gets_clear_messages_never_a_traceback(tmp_path, sample_content):
    huge = "attention " * 1000
    script = (
        "\n".join(
            [
                "",
                "   ",
                "/frobnicate",
                "/quiz astrology",
                "an answer with no question",
                "/quiz open",
                huge,
                "/as",
                "/as " + "z" * 50,
                "/skip",
                "/skip",
            ]
        )
        + "\n"
    )
    result = run_console(script, tmp_path / "data", sample_content)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Unknown command /frobnicate" in out
    assert "I don't know the topic `astrology`" in out
    assert "You have no question waiting" in out
    assert "the limit is 6,000" in out
    assert "Usage: /as NAME" in out
    assert "Skipped." in out and "Nothing to skip" in out
    assert "Traceback" not in result.stderr
    assert out.rstrip().endswith("Bye.")


def test_broken_pack_refuses_to_start_and_changes_nothing(tmp_path, sample_content):
    (sample_content / "broken.yaml").write_text("topic: llms\nquestions: [\n", encoding="utf-8")
    result = run_console("/quiz\n", tmp_path / "data", sample_content)
    assert result.returncode == 1
    assert "broken.yaml" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "prepbot.db").exists()


async def _run_bot(data_dir: Path, *, stop_when=None, **env: str):
    """`prepbot run` as a process; with `stop_when`, stopped by SIGTERM once it holds."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DISCORD_", "SLACK_")) and key != "DATABASE_URL"
    }
    environment.update(PREPBOT_DATA_DIR=str(data_dir), PREPBOT_CONTENT_DIR=str(SAMPLE_PACKS), **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    if stop_when is not None:
        for _ in range(600):
            if stop_when() or process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode() + err.decode()


async def test_secret_tokens_never_printed(tmp_path):
    secret = "super-secret-token-value"
    # Unreachable Discord: one clear line, no traceback, no token.
    code, output = await _run_bot(
        tmp_path / "a",
        DISCORD_TOKEN=secret,
        DISCORD_API_URL="http://127.0.0.1:9/api/v10",
        PREPBOT_LOG_LEVEL="DEBUG",
    )
    assert code == 1
    assert "could not start the discord adapter" in output
    assert secret not in output and "Traceback" not in output
    async with FakeDiscord() as fake:
        endpoints = {"DISCORD_API_URL": fake.api_url, "DISCORD_GATEWAY_URL": fake.gateway_url}
        # A token Discord refuses (401), with every debug log on.
        code, output = await _run_bot(
            tmp_path / "b", DISCORD_TOKEN=secret, PREPBOT_LOG_LEVEL="DEBUG", **endpoints
        )
        assert code == 1 and "could not start the discord adapter" in output
        assert secret not in output and "Traceback" not in output
        # The right token: the bot connects, runs, and stops without ever printing it.
        code, output = await _run_bot(
            tmp_path / "c",
            stop_when=lambda: fake.command_syncs,
            DISCORD_TOKEN=fake.token,
            PREPBOT_LOG_LEVEL="DEBUG",
            **endpoints,
        )
        assert code == 0 and fake.command_syncs, output[-2000:]
        assert fake.token not in output
        assert fake.token.split(".")[-1] not in output
    bad_tz = run_console("", tmp_path / "data", PREPBOT_TIMEZONE="Mars/Olympus")
    assert bad_tz.returncode == 1
    assert "invalid configuration: PREPBOT_TIMEZONE" in bad_tz.stderr
