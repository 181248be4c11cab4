"""Start-up: the discord.py client, wired to the core.

`build(settings)` returns the adapter `prepbot run` starts (adapters/launch.py). The client
asks for the `guilds` intent alone (every input arrives as an interaction, so no
privileged intent is needed), mentions nobody whatever a message contains, and talks to
the Discord given by DISCORD_API_URL / DISCORD_GATEWAY_URL (tests and proxies). With
DISCORD_SHARD_COUNT it is an AutoShardedClient, and DISCORD_SHARD_IDS lets several
processes split the shards over one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.chat import DiscordChat
from adapters.discord.commands import build_tree, tree_hash
from adapters.discord.components import DYNAMIC_ITEMS, attach
from adapters.discord.interactions import APOLOGY, Handler, on_interaction
from bot.app import Prepbot
from bot.bootstrap import Runtime
from bot.config import Settings
from bot.ports import ChatPort
from bot.services.qotd import UnconnectedChat

log = logging.getLogger(__name__)

PLATFORM = "discord"
READY_TIMEOUT = 60.0
GUILD_REMOVED = "the bot was removed from the server"


class ConfigurationError(ValueError):
    """Discord settings that cannot work; the message names the setting."""


def configure_endpoints(settings: Settings) -> None:
    """Point the unmodified discord.py at another Discord-compatible endpoint. Both are
    class attributes, so this must run before the client logs in."""
    if settings.discord_api_url:
        Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def shard_ids(settings: Settings) -> list[int] | None:
    """DISCORD_SHARD_IDS ("0,1") checked against DISCORD_SHARD_COUNT."""
    raw = (settings.discord_shard_ids or "").strip()
    if not raw:
        return None
    if settings.discord_shard_count is None:
        raise ConfigurationError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
    try:
        ids = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        raise ConfigurationError("DISCORD_SHARD_IDS must be shard numbers, e.g. 0,1") from None
    if not ids or ids[0] < 0 or ids[-1] >= settings.discord_shard_count:
        raise ConfigurationError(
            f"DISCORD_SHARD_IDS must lie in 0..{settings.discord_shard_count - 1}"
        )
    return ids


def make_client(settings: Settings) -> discord.Client:
    """The client as prepbot runs it: guilds intent only, no mentions, maybe sharded."""
    intents = discord.Intents.none()
    intents.guilds = True
    options: dict[str, Any] = {
        "intents": intents,
        "allowed_mentions": discord.AllowedMentions.none(),
        # The bot reads no messages, so a message cache would only hold memory.
        "max_messages": None,
    }
    ids = shard_ids(settings)
    if settings.discord_shard_count is not None:
        if ids is not None:
            options["shard_ids"] = ids
        return discord.AutoShardedClient(shard_count=settings.discord_shard_count, **options)
    return discord.Client(**options)


def guard_parsers(client: discord.Client, on_guild_gone: Callable[[str], None]) -> None:
    """Wrap discord.py's gateway event parsers so a malformed event is logged and dropped
    instead of ending the connection (discord.py lets a parser's exception escape the
    client), and watch GUILD_DELETE for the bot being removed from a server."""
    state = client._connection
    parsers: dict[str, Callable[[Any], None]] = state.parsers

    def guarded(name: str, parser: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(data: Any) -> None:
            if name == "GUILD_DELETE" and isinstance(data, dict) and not data.get("unavailable"):
                # Removed (not an outage): the guild may not even be cached.
                guild_id = data.get("id")
                if isinstance(guild_id, str | int) and str(guild_id).isdigit():
                    on_guild_gone(str(guild_id))
            try:
                parser(data)
            except Exception:  # noqa: BLE001 - a bad event must not end the connection
                log.exception("discord: dropped a malformed %s event", name)
                if name == "INTERACTION_CREATE":
                    _apologise_raw(client, data)

        return run

    for name, parser in list(parsers.items()):
        parsers[name] = guarded(name, parser)


_background: set[asyncio.Task[Any]] = set()


def _spawn(coro: Any) -> None:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)


def _apologise_raw(client: discord.Client, data: Any) -> None:
    """Answer an interaction discord.py could not parse, from its id and token alone."""
    if not isinstance(data, dict):
        return
    interaction_id, token = data.get("id"), data.get("token")
    if not (isinstance(interaction_id, str) and interaction_id.isdigit()):
        return
    if not (isinstance(token, str) and 0 < len(token) <= 500):
        return
    route = Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=interaction_id,
        interaction_token=token,
    )
    payload = {"type": 4, "data": {"content": APOLOGY, "flags": 64}}

    async def send() -> None:
        try:
            await client.http.request(route, json=payload)
        except Exception as exc:  # noqa: BLE001
            log.info("discord: could not answer a malformed interaction: %s", exc)

    _spawn(send())


def hash_file(settings: Settings, application_id: int | None) -> Path:
    return settings.data_dir / f"discord-commands-{application_id or 'unknown'}.sha256"


async def sync_commands(
    tree: app_commands.CommandTree[Any],
    settings: Settings,
    application_id: int | None,
    *,
    guild_id: int | None = None,
    force: bool = False,
) -> bool:
    """Upload the command tree when it changed since the last sync (or when forced, or
    for one guild). Returns whether it synced."""
    digest = tree_hash(tree)
    marker = hash_file(settings, application_id)
    if guild_id is None and not force:
        with contextlib.suppress(OSError):
            if marker.read_text().strip() == digest:
                log.info("discord: commands unchanged since the last sync")
                return False
    if guild_id is not None:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        synced = await tree.sync(guild=guild)
    else:
        synced = await tree.sync()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(digest + "\n")
    log.info("discord: synced %d commands%s", len(synced), f" to {guild_id}" if guild_id else "")
    return True


class DiscordAdapter:
    """The Discord side of `prepbot run` (the ChatAdapter protocol)."""

    platform: str = PLATFORM

    def __init__(self, settings: Settings, *, defer_after: float | None = None) -> None:
        if settings.discord_token is None:
            raise ConfigurationError("DISCORD_TOKEN is not set")
        shard_ids(settings)  # refuse bad shard settings before anything starts
        self.settings = settings
        self.defer_after = defer_after
        self.client: discord.Client | None = None
        self.handler: Handler | None = None
        self.tree: app_commands.CommandTree[Any] | None = None
        # Where the core's posts go: nowhere until `start` connected the client.
        self.chat: ChatPort = UnconnectedChat()
        self._connection: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self, runtime: Runtime) -> None:
        configure_endpoints(self.settings)
        client = make_client(self.settings)
        handler = Handler(runtime.core, timezone=self.settings.default_timezone)
        if self.defer_after is not None:
            handler.defer_after = self.defer_after
        attach(client, handler)
        self.client, self.handler = client, handler
        self.tree = build_tree(client, handler)
        client.add_dynamic_items(*DYNAMIC_ITEMS)
        self.chat = DiscordChat(client)
        core = runtime.core

        def guild_gone(guild_id: str) -> None:
            _spawn(core.community_removed(PLATFORM, guild_id, GUILD_REMOVED))

        guard_parsers(client, guild_gone)

        async def on_ready() -> None:
            self._ready.set()

        client.event(on_ready)
        client.event(on_interaction)
        assert self.settings.discord_token is not None
        await client.login(self.settings.discord_token.get_secret_value())
        self._connection = asyncio.ensure_future(client.connect(reconnect=True))
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            done, _ = await asyncio.wait(
                {ready, self._connection}, timeout=READY_TIMEOUT, return_when="FIRST_COMPLETED"
            )
        finally:
            ready.cancel()
        if self._connection in done:
            self._connection.result()  # raises what ended the connection
            raise ConnectionError("the Discord connection closed during start-up")
        if not done:
            raise TimeoutError(f"Discord did not become ready within {READY_TIMEOUT:.0f}s")
        try:
            await sync_commands(self.tree, self.settings, client.application_id)
        except discord.HTTPException as exc:
            # Commands already registered keep working; the next start tries again.
            log.warning("discord: syncing commands failed: %s", exc)

    async def wait_closed(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._connection

    async def close(self) -> None:
        if self.client is not None and not self.client.is_closed():
            await self.client.close()
        if self._connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._connection, 10)


def build(settings: Settings) -> DiscordAdapter:
    """The adapter `prepbot run` starts when DISCORD_TOKEN is set."""
    return DiscordAdapter(settings)


async def sync_only(settings: Settings, guild_id: int | None) -> int:
    """`prepbot discord sync [--guild ID]`: log in, upload the commands, log out."""
    configure_endpoints(settings)
    client = make_client(settings)
    # No command runs during a sync: the handler only gives the commands their shape.
    handler = Handler(core=cast(Prepbot, None))
    tree = build_tree(client, handler)
    assert settings.discord_token is not None
    try:
        await client.login(settings.discord_token.get_secret_value())
        await sync_commands(tree, settings, client.application_id, guild_id=guild_id, force=True)
    finally:
        await client.close()
    return len(tree.get_commands())
