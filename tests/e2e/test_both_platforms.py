"""`prepbot run` with Discord and Slack settings at once: one process, one event loop, one
core, serving a Discord server and a Slack workspace side by side, each its own community."""

from __future__ import annotations

import asyncio
import signal

from adapters.discord.testing import FakeDiscord
from adapters.slack.testing import FakeSlack
from tests.e2e.slack_setup import blocks_text
from tests.e2e.test_slack_run import environment, free_port, healthy, start


async def test_one_process_serves_discord_and_slack(tmp_path):
    async with FakeSlack() as slack, FakeDiscord() as discord:
        team = slack.add_team("Acme")
        alice = slack.add_user(team, "alice")
        guild = await discord.add_guild("Study group")
        await discord.add_channel(guild, "study")
        bob = discord.add_member(guild, "bob", display_name="Bob")
        port = free_port()
        env = environment(tmp_path, slack, team.bot_token, port)
        env.update(
            DISCORD_TOKEN=discord.token,
            DISCORD_API_URL=discord.api_url,
            DISCORD_GATEWAY_URL=discord.gateway_url,
        )
        process = await start(env)
        try:
            await healthy(port, process)
            await discord.wait_until_ready(within=60)
            slack.point_at(f"http://127.0.0.1:{port}/slack/events")
            assert (await slack.command(alice, "/prep", "quiz choice")).ok
            asked = await discord.slash(bob, "quiz", kind="choice", within=30)
            assert "GPT-3" in asked.text and asked.ephemeral
            pick = next(b["custom_id"] for b in asked.buttons() if b["label"] == "A")
            graded = await discord.click(bob, asked.message_with(pick), pick, within=30)
            assert "Correct: 100/100" in graded.text
            for _ in range(200):
                if slack.seen_by(alice):
                    break
                await asyncio.sleep(0.05)
            assert "GPT-3" in blocks_text(slack.seen_by(alice)[-1])
            # Each platform is its own community: Bob's points are not on Slack's board.
            assert (await slack.command(alice, "/prep", "leaderboard")).ok
            for _ in range(200):
                if "leaderboard" in blocks_text(slack.seen_by(alice)[-1]).casefold():
                    break
                await asyncio.sleep(0.05)
            board = blocks_text(slack.seen_by(alice)[-1])
            assert "Bob" not in board
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, err.decode()[-2000:]
        assert b"Traceback" not in err
        log = err.decode()
        assert "discord adapter started" in log and "slack adapter started" in log
