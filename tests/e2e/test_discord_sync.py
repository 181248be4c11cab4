"""Command sync: `prepbot discord sync [--guild ID]`, and start-up syncing only when the
command tree changed."""

from __future__ import annotations

from adapters.discord.app import hash_file, sync_only
from adapters.discord.testing.server import FakeDiscord
from bot.commands import COMMANDS
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
