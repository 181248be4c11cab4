"""The world a `FakeDiscord` serves: the application and its bot user, guilds, channels,
members, commands, interactions, the deadline clock, and the request log.

Layers, each a subclass of the one before: `World` (here) -> `MessageRules` (messages.py)
-> `Puppet` (puppet.py) -> `FakeDiscord` (server.py, the aiohttp app).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from adapters.discord.testing.gateway import Gateway
from adapters.discord.testing.interactions import AckStats, InteractionRecord, Refusal, ack_stats
from adapters.discord.testing.ratelimits import RateLimits
from adapters.discord.testing.rest import DiscordError, RestApi
from adapters.discord.testing.state import (
    ADMINISTRATOR,
    BOT_PERMISSIONS,
    GUILD_TEXT,
    MEMBER_PERMISSIONS,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    Snowflakes,
    shard_of,
)


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    route: str | None
    status: int
    at: float


class World:
    """Everything the fake Discord knows. Deadlines follow Discord: the initial interaction
    callback within `callback_deadline` seconds (3), follow-ups while the token lives
    (`token_lifetime`, 15 minutes); `advance(seconds)` ages them without sleeping."""

    def __init__(
        self,
        *,
        token: str | None = None,
        shard_count: int = 1,
        application_name: str = "prepbot",
        heartbeat_interval_ms: int = 41_250,
        callback_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        nonce_window: float = 5 * 60.0,
        privileged_intents: Iterable[str] = (),
        natural_rate_limits: bool = True,
    ) -> None:
        self.ids = Snowflakes()
        self.token = token or f"fake.{secrets.token_urlsafe(24)}"
        self.shard_count = shard_count
        self.application_id = self.ids.next()
        self.application_name = application_name
        self.application_flags = 0
        self.bot_user = FakeUser(self.application_id, application_name, None, bot=True)
        self.owner_user = FakeUser(self.ids.next(), "app-owner", "App Owner")
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.callback_deadline = callback_deadline
        self.token_lifetime = token_lifetime
        self.nonce_window = nonce_window
        self.privileged_intents = frozenset(privileged_intents)
        self.rate_limits = RateLimits(natural=natural_rate_limits)

        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.bot_members: dict[int, FakeMember] = {}
        self.messages_by_id: dict[int, FakeMessage] = {}
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}
        self.open_modals: dict[int, InteractionRecord] = {}  # member id -> who opened it
        # message id -> interactions acknowledged with DEFERRED_UPDATE_MESSAGE on it
        self.deferred_updates: dict[int, list[InteractionRecord]] = {}
        self.global_commands: dict[tuple[int, str], dict[str, Any]] = {}
        self.guild_commands: dict[int, dict[tuple[int, str], dict[str, Any]]] = {}
        self.command_syncs: list[tuple[int | None, int]] = []  # (guild id or None, command count)
        self.unknown_routes: list[str] = []
        self.refusals: list[Refusal] = []
        self.request_log: list[RequestLogEntry] = []
        self._nonces: dict[tuple[int, str], tuple[float, FakeMessage]] = {}
        self._clock_offset = 0.0

        self.gateway = Gateway(self)
        self.rest = RestApi(self)
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """For `DISCORD_API_URL` / `discord.http.Route.BASE` (no trailing slash)."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """For `DISCORD_GATEWAY_URL` / `DiscordWebSocket.DEFAULT_GATEWAY`."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        # A different path than the first connection, so a test sees the client use READY's
        # resume_gateway_url as Discord requires.
        return f"ws://127.0.0.1:{self.port}/gateway/resume"

    # -- clock ---------------------------------------------------------------------------------

    def now(self) -> float:
        """The fake's clock for deadlines (monotonic seconds, moved by `advance`)."""
        return time.monotonic() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Move the deadline clock: interaction tokens and nonces age without waiting."""
        self._clock_offset += seconds

    # -- world ---------------------------------------------------------------------------------

    async def add_guild(
        self, name: str = "Study group", *, shard_id: int | None = None, locale: str = "en-US"
    ) -> FakeGuild:
        """A guild the bot is in, with an owner, roles (@everyone, Admin, the bot's role) and a
        #general channel. If its shard is connected, the bot gets GUILD_CREATE (it joined)."""
        shard = (shard_id, self.shard_count) if shard_id is not None else None
        guild_id = self.ids.next(shard=shard)
        owner = FakeUser(self.ids.next(), f"{name.lower().replace(' ', '-')}-owner", None)
        guild = FakeGuild(guild_id, name, owner.id, locale)
        guild.roles = [
            FakeRole(guild_id, "@everyone", MEMBER_PERMISSIONS),
            FakeRole(self.ids.next(), "Admin", ADMINISTRATOR | MEMBER_PERMISSIONS, position=2),
            FakeRole(self.ids.next(), self.application_name, BOT_PERMISSIONS, 1, managed=True),
        ]
        self.guilds[guild_id] = guild
        self.users[owner.id] = owner
        guild.members[owner.id] = FakeMember(owner, guild, admin=True)
        self.bot_members[guild_id] = FakeMember(self.bot_user, guild, role_ids=[guild.bot_role.id])
        self._new_channel(guild, "general", GUILD_TEXT)
        await self._joined(guild)
        return guild

    async def rejoin_guild(self, guild: FakeGuild) -> None:
        """The bot is invited back into a guild it was removed from."""
        if guild.removed:
            guild.removed = False
            guild.joined_at = time.time()
            await self._joined(guild)

    async def _joined(self, guild: FakeGuild) -> None:
        # A join carries no `unavailable` key: that is how clients tell it from a guild coming
        # back after an outage (`unavailable: false`).
        payload = self.guild_create_payload(guild)
        del payload["unavailable"]
        await self._dispatch_guild(guild, "GUILD_CREATE", payload)

    def add_member(
        self,
        guild: FakeGuild,
        name: str = "member",
        *,
        admin: bool = False,
        display_name: str | None = None,
        nick: str | None = None,
        permissions: int = 0,
    ) -> FakeMember:
        """A human member. Admins carry the Admin role (ADMINISTRATOR); `permissions` grants
        more through a role of their own (e.g. MANAGE_GUILD without being an admin). Members
        produce no gateway event: the bot has no GUILD_MEMBERS intent."""
        user = FakeUser(self.ids.next(), name, display_name)
        self.users[user.id] = user
        member = FakeMember(user, guild, admin=admin, nick=nick)
        if admin:
            member.role_ids.append(guild.admin_role.id)
        if permissions:
            role = FakeRole(self.ids.next(), f"{name}-role", permissions, position=1)
            guild.roles.append(role)
            member.role_ids.append(role.id)
        guild.members[user.id] = member
        return member

    async def add_channel(
        self,
        guild: FakeGuild,
        name: str = "study",
        *,
        type: int = GUILD_TEXT,
        forbidden: bool = False,
    ) -> FakeChannel:
        channel = self._new_channel(guild, name, type, forbidden=forbidden)
        await self._dispatch_guild(guild, "CHANNEL_CREATE", channel.payload())
        return channel

    def _new_channel(
        self, guild: FakeGuild, name: str, type: int, *, forbidden: bool = False
    ) -> FakeChannel:
        channel = FakeChannel(
            self.ids.next(), guild, name, type, position=len(guild.channels), forbidden=forbidden
        )
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    async def delete_channel(self, channel: FakeChannel) -> None:
        """The channel is deleted: posting to it is 404 Unknown Channel (10003)."""
        channel.deleted = True
        await self._dispatch_guild(channel.guild, "CHANNEL_DELETE", channel.payload())

    async def forbid_channel(self, channel: FakeChannel, forbidden: bool = True) -> None:
        """An overwrite hides the channel from the bot: posting is 403 Missing Access (50001)."""
        channel.forbidden = forbidden
        await self._dispatch_guild(channel.guild, "CHANNEL_UPDATE", channel.payload())

    async def dispatch_thread_create(self, thread: FakeChannel) -> None:
        await self._dispatch_guild(
            thread.guild, "THREAD_CREATE", thread.payload() | {"newly_created": True}
        )

    async def remove_guild(self, guild: FakeGuild) -> None:
        """The bot is kicked (or the guild deleted): GUILD_DELETE without `unavailable`."""
        if guild.removed:
            return
        guild.removed = True
        await self._dispatch_guild(guild, "GUILD_DELETE", {"id": str(guild.id)}, even_removed=True)

    async def guild_outage(self, guild: FakeGuild) -> None:
        """Discord loses the guild for a while: GUILD_DELETE with `unavailable: true`. The bot
        is still in it, so nothing about the guild should be paused or forgotten."""
        await self._dispatch_guild(
            guild, "GUILD_DELETE", {"id": str(guild.id), "unavailable": True}
        )

    async def guild_recovered(self, guild: FakeGuild) -> None:
        """The guild is back after an outage: GUILD_CREATE with `unavailable: false`."""
        await self._dispatch_guild(guild, "GUILD_CREATE", self.guild_create_payload(guild))

    async def _dispatch_guild(
        self, guild: FakeGuild, event: str, data: Any, *, even_removed: bool = False
    ) -> None:
        if guild.removed and not even_removed:
            return
        session = self.gateway.session_for_guild(guild.id)
        if session is not None and session.guilds_sent.is_set():
            await session.dispatch(event, data)

    def guilds_on_shard(self, shard_id: int, shard_count: int) -> list[FakeGuild]:
        return [
            g
            for g in self.guilds.values()
            if not g.removed and shard_of(g.id, shard_count) == shard_id
        ]

    def guild_create_payload(self, guild: FakeGuild) -> dict[str, Any]:
        return guild.payload(self.bot_members[guild.id])

    def bot_permissions(self, channel: FakeChannel | None) -> int:
        if channel is None:
            return BOT_PERMISSIONS
        if channel.forbidden:
            return 0
        return BOT_PERMISSIONS

    # -- lookups for the REST handlers ---------------------------------------------------------

    def channel_for_bot(self, channel_id: int) -> FakeChannel:
        channel = self.channels.get(channel_id)
        if channel is None or channel.deleted or channel.guild.removed:
            raise DiscordError(404, 10003, "Unknown Channel")
        parent = self.channels.get(channel.parent_id or 0)
        if channel.forbidden or (parent is not None and parent.forbidden):
            raise DiscordError(403, 50001, "Missing Access")
        return channel

    def message_in(self, channel: FakeChannel, message_id: int) -> FakeMessage:
        message = self.messages_by_id.get(message_id)
        if (
            message is None
            or message.deleted
            or message.channel_id != channel.id
            or message.visible_to is not None
        ):
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    # -- bookkeeping ---------------------------------------------------------------------------

    def log_request(self, method: str, path: str, route: str | None, status: int) -> None:
        self.request_log.append(RequestLogEntry(method, path, route, status, time.monotonic()))

    @property
    def invalid_requests(self) -> int:
        """401, 403 and 429 answers: Discord bans an IP for an hour after 10,000 of these in
        10 minutes (counted here, not enforced)."""
        return sum(1 for entry in self.request_log if entry.status in (401, 403, 429))

    def record_refusal(
        self, method: str, path: str, params: dict[str, str], error: DiscordError
    ) -> None:
        refusal = Refusal(method, path, error.status, error.code, error.message)
        self.refusals.append(refusal)
        record = None
        if "interaction_id" in params and params["interaction_id"].isdigit():
            record = self.interactions.get(int(params["interaction_id"]))
        elif "token" in params:
            record = self.interactions_by_token.get(params["token"])
        if record is not None:
            record.refusals.append(refusal)

    def ack_stats(self, records: Iterable[InteractionRecord] | None = None) -> AckStats:
        """Ack latency (dispatch to initial callback) over all interactions, or `records`."""
        chosen = list(self.interactions.values()) if records is None else list(records)
        return ack_stats(chosen, self.callback_deadline)

    def requests_to(self, route: str) -> list[RequestLogEntry]:
        """Logged requests to a route, e.g. "PUT /applications/{application_id}/commands"."""
        return [entry for entry in self.request_log if entry.route == route]
