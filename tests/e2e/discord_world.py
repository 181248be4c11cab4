"""The Discord end-to-end harness: the fake Discord (adapters/discord/testing), the real
core on SQLite (or PostgreSQL), and the unmodified discord.py client in this process,
started the way `prepbot run` starts it (adapters/launch.py's ChatRouter, the rate-limited
chat port, the QOTD platforms filter)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.discord.app import DiscordAdapter
from adapters.discord.testing.server import FakeDiscord
from adapters.discord.testing.state import FakeChannel, FakeGuild, FakeMember, FakeMessage
from adapters.launch import ChatRouter, LateChat
from bot.bootstrap import Runtime, start
from bot.config import Settings
from bot.testing import FakeClock
from tests.conftest import SAMPLE_PACKS

# Monday 5 January 2026, 07:00 UTC: before a 09:00 question of the day.
MONDAY_7AM = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


def settings_for(
    fake: FakeDiscord,
    data_dir: Path,
    *,
    content_dir: Path = SAMPLE_PACKS,
    database_url: str | None = None,
    **extra: Any,
) -> Settings:
    values: dict[str, Any] = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "PREPBOT_DATA_DIR": str(data_dir),
        "PREPBOT_CONTENT_DIR": str(content_dir),
        **extra,
    }
    if database_url:
        values["DATABASE_URL"] = database_url
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Bot:
    """One running bot process, in-process: its runtime and its Discord adapter."""

    runtime: Runtime
    adapter: DiscordAdapter

    @property
    def core(self):  # noqa: ANN201 - the Prepbot facade
        return self.runtime.core

    async def tick(self, now: datetime) -> Any:
        assert self.runtime.core.qotd is not None
        return await self.runtime.core.qotd.tick(now)

    async def stop(self) -> None:
        await self.adapter.close()
        await self.runtime.close()


async def start_bot(settings: Settings, clock: FakeClock | None = None) -> Bot:
    adapter = DiscordAdapter(settings)
    router = ChatRouter({"discord": LateChat(adapter)})
    runtime = await start(settings, clock=clock, chat=router, platforms=frozenset({"discord"}))
    try:
        await adapter.start(runtime)
    except BaseException:
        await adapter.close()
        await runtime.close()
        raise
    return Bot(runtime, adapter)


@dataclass
class World:
    """A fake Discord with one guild (#general, #study), an admin and two members, and a bot
    connected to it."""

    fake: FakeDiscord
    data_dir: Path
    clock: FakeClock
    guild: FakeGuild
    study: FakeChannel
    admin: FakeMember
    alice: FakeMember
    bob: FakeMember
    bot: Bot | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def settings(self, **extra: Any) -> Settings:
        return settings_for(self.fake, self.data_dir, **{**self.extra, **extra})

    async def start(self) -> Bot:
        self.bot = await start_bot(self.settings(), self.clock)
        await self.fake.wait_until_ready()
        return self.bot

    async def restart(self) -> Bot:
        assert self.bot is not None
        await self.bot.stop()
        return await self.start()

    def posts(self, channel: FakeChannel | None = None) -> list[FakeMessage]:
        return self.fake.messages(channel or self.study)


@contextlib.asynccontextmanager
async def discord_world(tmp_path: Path, **extra: Any) -> AsyncIterator[World]:
    async with FakeDiscord() as fake:
        guild = await fake.add_guild("Study group")
        study = await fake.add_channel(guild, "study")
        admin = fake.add_member(guild, "ada", admin=True, display_name="Ada")
        alice = fake.add_member(guild, "alice", display_name="Alice")
        bob = fake.add_member(guild, "bob", display_name="Bob")
        world = World(
            fake, tmp_path / "data", FakeClock(MONDAY_7AM), guild, study, admin, alice, bob
        )
        world.extra = extra
        await world.start()
        try:
            yield world
        finally:
            if world.bot is not None:
                await world.bot.stop()
