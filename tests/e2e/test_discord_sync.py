"""Command sync: `prepbot discord sync [--guild ID]`, and start-up syncing only when the
command tree changed."""

from __future__ import annotations

import asyncio
import os
import sys

from adapters.discord.app import hash_file, sync_only
from adapters.discord.testing.server import FakeDiscord
from bot.commands import COMMANDS
from tests.conftest import ROOT
from tests.e2e.discord_world import settings_for, start_bot


async def test_sync_to_one_guild_and_globally(tmp_path):
    async with FakeDiscord() as fake:
        guild = await fake.add_guild("Try-out server")
        settings = settings_for(fake, tmp_path / "data")
        assert await sync_only(settings, guild.id) == len(COMMANDS)
        assert {c["name"] for c in fake.commands(guild)} == {c.name for c in COMMANDS}
        assert fake.commands() == []
        await sync_only(settings, None)
        assert {c["name"] for c in fake.commands()} == {c.name for c in COMMANDS}


async def test_start_up_syncs_only_when_the_tree_changed(tmp_path):
    async with FakeDiscord() as fake:
        await fake.add_guild("Server")
        settings = settings_for(fake, tmp_path / "data")
        bot = await start_bot(settings)
        await bot.stop()
        assert len(fake.command_syncs) == 1
        marker = hash_file(settings, fake.application_id)
        assert marker.exists()
        bot = await start_bot(settings)
        await bot.stop()
        assert len(fake.command_syncs) == 1
        # A different tree (here: a stale fingerprint) is uploaded at the next start.
        marker.write_text("something else\n")
        bot = await start_bot(settings)
        await bot.stop()
        assert len(fake.command_syncs) == 2


async def test_the_sync_command_line(tmp_path):
    async with FakeDiscord() as fake:
        guild = await fake.add_guild("Try-out server")
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DISCORD_", "SLACK_")) and k != "DATABASE_URL"
        }
        environment.update(
            DISCORD_TOKEN=fake.token,
            DISCORD_API_URL=fake.api_url,
            DISCORD_GATEWAY_URL=fake.gateway_url,
            PREPBOT_DATA_DIR=str(tmp_path / "data"),
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "discord",
            "sync",
            "--guild",
            str(guild.id),
            cwd=ROOT,
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
        assert process.returncode == 0, err.decode()[-2000:]
        assert f"synced {len(COMMANDS)} commands to guild {guild.id}" in out.decode()
        assert len(fake.commands(guild)) == len(COMMANDS)
        assert fake.token not in out.decode() + err.decode()
