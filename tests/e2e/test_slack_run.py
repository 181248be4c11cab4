"""`prepbot run` with Slack settings: the real process serves the local Slack over HTTP,
answers health checks on GET /, and refuses a wrong bot token at start."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys

import aiohttp
import pytest

from adapters.slack.testing import FakeSlack
from tests.conftest import ROOT, SAMPLE_PACKS
from tests.e2e.slack_setup import blocks_text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(tmp_path, slack: FakeSlack, token: str, port: int) -> dict[str, str]:
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(SAMPLE_PACKS, content)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        PREPBOT_DATA_DIR=str(tmp_path / "data"),
        PREPBOT_CONTENT_DIR=str(content),
        PREPBOT_LOG_LEVEL="INFO",
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET=slack.signing_secret,
        SLACK_API_URL=slack.api_url,
        PORT=str(port),
    )
    return env


async def start(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def healthy(port: int, process: asyncio.subprocess.Process, within: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with aiohttp.ClientSession() as session:
        while loop.time() < deadline:
            if process.returncode is not None:
                raise AssertionError("prepbot exited early")
            try:
                async with session.get(f"http://127.0.0.1:{port}/") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("prepbot never answered GET /")


async def test_prepbot_run_serves_slack_over_http(tmp_path):
    async with FakeSlack() as slack:
        team = slack.add_team("Acme")
        alice = slack.add_user(team, "alice")
        port = free_port()
        process = await start(environment(tmp_path, slack, team.bot_token, port))
        try:
            await healthy(port, process)
            slack.point_at(f"http://127.0.0.1:{port}/slack/events")
            ack = await slack.command(alice, "/prep", "quiz choice")
            assert ack.ok
            for _ in range(200):
                if slack.seen_by(alice):
                    break
                await asyncio.sleep(0.05)
            assert "GPT-3" in blocks_text(slack.seen_by(alice)[-1])
            forged = await slack.command(alice, "/prep", "stats", signature="forged")
            assert forged.status == 401
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()[-2000:]
        assert b"Traceback" not in err


@pytest.mark.parametrize("token", ["xoxb-not-a-real-token"])
async def test_a_wrong_bot_token_stops_the_bot_with_a_clear_message(tmp_path, token):
    async with FakeSlack() as slack:
        slack.add_team("Acme")
        process = await start(environment(tmp_path, slack, token, free_port()))
        _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode != 0
    assert "Slack refused SLACK_BOT_TOKEN: invalid_auth" in err.decode(), err.decode()
    assert "Traceback" not in err.decode(), err.decode()
