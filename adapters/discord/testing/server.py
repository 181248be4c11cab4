"""`FakeDiscord`: the aiohttp app (REST + gateway + attachment CDN) and the world it serves.

The puppet (members pressing things) is in `puppet.py`; the REST handlers are in
`routes.py` (channels, messages, threads, commands, guilds) and `callbacks.py`
(interaction callbacks and webhook follow-ups).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from adapters.discord.testing import callbacks, routes
from adapters.discord.testing.gateway import Gateway, GatewaySession
from adapters.discord.testing.interactions import AckStats, InteractionRecord, Refusal, ack_stats
from adapters.discord.testing.limits import FormErrors, check_message
from adapters.discord.testing.puppet import Puppet
from adapters.discord.testing.ratelimits import RateLimits
from adapters.discord.testing.rest import DiscordError, RestApi, UploadedFile
from adapters.discord.testing.state import (
    ADMINISTRATOR,
    BOT_PERMISSIONS,
    EPHEMERAL,
    GUILD_TEXT,
    HAS_THREAD,
    MEMBER_PERMISSIONS,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeRole,
    FakeUser,
    Snowflakes,
    iso,
    resolve_mentions,
    shard_of,
)

# Flags a bot may set on a message it sends (SUPPRESS_EMBEDS, EPHEMERAL via interactions,
# SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2).
_SETTABLE_FLAGS = 4 | EPHEMERAL | 4096 | 32768


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    route: str | None
    status: int
    at: float


class FakeDiscord(Puppet):
    """A local Discord for the unmodified discord.py client: REST under `api_url`, the
    gateway at `gateway_url`, and a puppet API for tests (see `Puppet`).

    Deadlines follow Discord: the initial interaction callback within `callback_deadline`
    seconds (3), follow-ups while the token lives (`token_lifetime`, 15 minutes). Use
    `advance(seconds)` to move the fake's clock for deadline tests instead of sleeping.
    """

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
        routes.register(self.rest, self)
        callbacks.register(self.rest, self)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        app.router.add_route("*", r"/api/v{version:(9|10)}/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

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
        session = self.gateway.session_for_guild(guild_id)
        if session is not None and session.guilds_sent.is_set():
            # A join carries no `unavailable` key: that is how clients tell it from a guild
            # coming back after an outage (`unavailable: false`).
            payload = self.guild_create_payload(guild)
            del payload["unavailable"]
            await session.dispatch("GUILD_CREATE", payload)
        return guild

    def add_member(
        self,
        guild: FakeGuild,
        name: str = "member",
        *,
        admin: bool = False,
        display_name: str | None = None,
        nick: str | None = None,
    ) -> FakeMember:
        """A human member. Admins carry the Admin role (ADMINISTRATOR). Members produce no
        gateway event: the bot has no GUILD_MEMBERS intent."""
        user = FakeUser(self.ids.next(), name, display_name)
        self.users[user.id] = user
        member = FakeMember(user, guild, admin=admin, nick=nick)
        if admin:
            member.role_ids.append(guild.admin_role.id)
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

    # -- messages ------------------------------------------------------------------------------

    def create_message(
        self,
        channel: FakeChannel,
        body: dict[str, Any],
        files: list[UploadedFile] | None,
        *,
        message_type: int = 0,
        interaction: InteractionRecord | None = None,
        force_flags: int = 0,
    ) -> FakeMessage:
        """Validate (50035 / 50006) and store a message the bot sends."""
        self.validate_message(body, files, require_content=True)
        message_id = self.ids.next()
        flags = (int(body.get("flags") or 0) & _SETTABLE_FLAGS) | force_flags
        if interaction is None:
            flags &= ~EPHEMERAL
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild.id),
            "author": self.bot_user.payload(),
            "content": "",
            "timestamp": iso(time.time()),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": flags,
        }
        if body.get("nonce") is not None:
            data["nonce"] = str(body["nonce"])
        message = FakeMessage(message_id, channel.id, channel.guild.id, data)
        if interaction is not None:
            message.interaction_id = interaction.id
            data["webhook_id"] = str(self.application_id)
            data["application_id"] = str(self.application_id)
            data["interaction_metadata"] = _interaction_metadata(interaction)
            if flags & EPHEMERAL and interaction.member is not None:
                message.visible_to = interaction.member.id
        self._apply(message, body, files, channel.guild)
        self.messages_by_id[message_id] = message
        if message.visible_to is None:
            channel.message_count += 1
        return message

    def edit_message(
        self, message: FakeMessage, body: dict[str, Any], files: list[UploadedFile] | None
    ) -> FakeMessage:
        self.validate_message(body, files, require_content=False)
        message.history.append(dict(message.data))
        data = dict(message.data)
        data["edited_timestamp"] = iso(time.time())
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can change on an edit; ephemeral and loading stay.
            kept = int(data.get("flags") or 0) & ~4
            data["flags"] = kept | (int(body["flags"]) & 4)
        message.data = data
        guild = self.guilds.get(message.guild_id or 0)
        self._apply(message, body, files, guild)
        return message

    def finish_loading(self, message: FakeMessage) -> None:
        flags = int(message.data.get("flags") or 0)
        message.data["flags"] = flags & ~(1 << 7)

    def validate_message(
        self, body: Any, files: list[UploadedFile] | None, *, require_content: bool
    ) -> None:
        if not isinstance(body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        errors = FormErrors()
        check_message(body, errors, files=len(files or []))
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        if require_content and not (
            body.get("content")
            or body.get("embeds")
            or body.get("components")
            or files
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message")

    def _apply(
        self,
        message: FakeMessage,
        body: dict[str, Any],
        files: list[UploadedFile] | None,
        guild: FakeGuild | None,
    ) -> None:
        data = message.data
        if "content" in body:
            data["content"] = body["content"] or ""
        if "embeds" in body:
            data["embeds"] = [{"type": "rich", **embed} for embed in body["embeds"] or []]
        if "components" in body:
            data["components"] = list(body["components"] or [])
        if "attachments" in body or files:
            data["attachments"], message.attachments = self._attachments(message, body, files)
        users, roles, everyone = resolve_mentions(
            data["content"], body.get("allowed_mentions"), guild
        )
        data["mentions"], data["mention_roles"], data["mention_everyone"] = users, roles, everyone

    def _attachments(
        self, message: FakeMessage, body: dict[str, Any], files: list[UploadedFile] | None
    ) -> tuple[list[dict[str, Any]], list[FakeAttachment]]:
        """Attachments listed in the body: kept ones by id, new ones by their `files[n]` index."""
        existing = {a.id: a for a in message.attachments}
        uploads = {f.index: f for f in files or []}
        listed = body.get("attachments")
        if listed is None:
            listed = [{"id": index} for index in sorted(uploads)]
        kept: list[FakeAttachment] = []
        for entry in listed:
            raw_id = int(entry.get("id", -1))
            if raw_id in uploads:
                upload = uploads.pop(raw_id)
                attachment_id = self.ids.next()
                filename = entry.get("filename") or upload.filename
                kept.append(
                    FakeAttachment(
                        attachment_id,
                        filename,
                        upload.data,
                        f"{self.base_url}/attachments/{message.channel_id}/{attachment_id}/{filename}",
                        _content_type(filename, upload.content_type),
                        entry.get("description"),
                    )
                )
            elif raw_id in existing:
                kept.append(existing[raw_id])
        for upload in uploads.values():
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "code": 50035,
                    "message": "Invalid Form Body",
                    "errors": {
                        f"files[{upload.index}]": {
                            "_errors": [
                                {
                                    "code": "ATTACHMENT_NOT_FOUND",
                                    "message": "Attachment data not found",
                                }
                            ]
                        }
                    },
                },
            )
        return [a.payload() for a in kept], kept

    def dedupe(self, nonce: str | None, enforce: bool) -> FakeMessage | None:
        """Discord's enforce_nonce: the same nonce from the same author within minutes gets the
        first message back instead of a second post."""
        if nonce is None or not enforce:
            return None
        found = self._nonces.get((self.bot_user.id, nonce))
        if found is None or self.now() - found[0] > self.nonce_window:
            return None
        return found[1]

    def remember_nonce(self, nonce: str | None, message: FakeMessage) -> None:
        if nonce is not None:
            message.nonce = nonce
            self._nonces[(self.bot_user.id, nonce)] = (self.now(), message)

    def start_thread(self, channel: FakeChannel, message: FakeMessage, body: Any) -> FakeChannel:
        if not isinstance(body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        if channel.is_thread or channel.type not in (GUILD_TEXT, 5):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if message.thread_id is not None:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        name = body.get("name")
        errors = FormErrors()
        if not isinstance(name, str) or not name.strip():
            errors.add(("name",), "BASE_TYPE_REQUIRED", "This field is required")
        errors.max_length(("name",), name, 100)
        duration = body.get("auto_archive_duration") or 4320
        if duration not in (60, 1440, 4320, 10080):
            errors.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                "Value must be one of {60, 1440, 4320, 10080}.",
            )
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        # A thread started from a message takes the message's id.
        thread = FakeChannel(
            message.id,
            channel.guild,
            str(name),
            11,
            parent_id=channel.id,
            owner_id=self.bot_user.id,
            starter_message_id=message.id,
            auto_archive_duration=int(duration),
        )
        channel.guild.channels.append(thread)
        self.channels[thread.id] = thread
        message.thread_id = thread.id
        message.data["flags"] = int(message.data.get("flags") or 0) | HAS_THREAD
        message.data["thread"] = thread.payload()
        return thread

    # -- bookkeeping ---------------------------------------------------------------------------

    def log_request(self, method: str, path: str, route: str | None, status: int) -> None:
        self.request_log.append(RequestLogEntry(method, path, route, status, time.monotonic()))

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

    # -- cdn -----------------------------------------------------------------------------------

    async def _cdn(self, request: web.Request) -> web.Response:
        try:
            attachment_id = int(request.match_info["attachment_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        for message in self.messages_by_id.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(
                        body=attachment.data, headers={"Content-Type": attachment.content_type}
                    )
        raise web.HTTPNotFound()


def _content_type(filename: str, given: str) -> str:
    if filename.endswith(".csv"):
        return "text/csv; charset=utf-8"
    if filename.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return given


def _interaction_metadata(record: InteractionRecord) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "id": str(record.id),
        "type": record.type,
        "authorizing_integration_owners": {"0": str(record.guild.id)} if record.guild else {},
    }
    if record.member is not None:
        metadata["user"] = record.member.user.payload()
    if record.source_message is not None:
        metadata["interacted_message_id"] = str(record.source_message.id)
    return metadata


__all__ = ["FakeDiscord", "GatewaySession", "RequestLogEntry"]
