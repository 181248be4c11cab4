"""REST handlers with a bot token: identity, gateway discovery, application commands,
channels, messages (with nonce deduplication and uploads), threads, and guilds."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from adapters.discord.testing.limits import FormErrors, check_command, check_commands
from adapters.discord.testing.rest import Call, DiscordError, RestApi, unknown

if TYPE_CHECKING:
    from adapters.discord.testing.server import FakeDiscord

Result = tuple[int, Any]


def register(api: RestApi, fake: FakeDiscord) -> None:
    handlers = _Handlers(fake)
    add = api.add
    add("GET", "/users/@me", handlers.me)
    add("GET", "/users/@me/guilds", handlers.my_guilds)
    add("DELETE", "/users/@me/guilds/{guild_id}", handlers.leave_guild)
    add("GET", "/oauth2/applications/@me", handlers.application)
    add("GET", "/applications/@me", handlers.application)
    add("GET", "/gateway", handlers.gateway, bot=False)
    add("GET", "/gateway/bot", handlers.gateway_bot)

    commands = "/applications/{application_id}/commands"
    guild_commands = "/applications/{application_id}/guilds/{guild_id}/commands"
    for template in (commands, guild_commands):
        add("GET", template, handlers.list_commands)
        add("PUT", template, handlers.overwrite_commands)
        add("POST", template, handlers.upsert_command)
        add("GET", template + "/{command_id}", handlers.get_command)
        add("PATCH", template + "/{command_id}", handlers.edit_command)
        add("DELETE", template + "/{command_id}", handlers.delete_command)

    add("GET", "/guilds/{guild_id}", handlers.get_guild)
    add("GET", "/guilds/{guild_id}/channels", handlers.guild_channels)
    add("GET", "/guilds/{guild_id}/members/{user_id}", handlers.guild_member)

    add("GET", "/channels/{channel_id}", handlers.get_channel)
    add("POST", "/channels/{channel_id}/typing", handlers.typing)
    add("GET", "/channels/{channel_id}/messages", handlers.list_messages)
    add("POST", "/channels/{channel_id}/messages", handlers.send_message)
    add("GET", "/channels/{channel_id}/messages/{message_id}", handlers.get_message)
    add("PATCH", "/channels/{channel_id}/messages/{message_id}", handlers.edit_message)
    add("DELETE", "/channels/{channel_id}/messages/{message_id}", handlers.delete_message)
    add(
        "POST", "/channels/{channel_id}/messages/{message_id}/threads", handlers.thread_from_message
    )


class _Handlers:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    # -- identity and gateway ------------------------------------------------------------------

    async def me(self, call: Call) -> Result:
        return 200, self.fake.bot_user.payload() | {
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
            "email": None,
        }

    async def application(self, call: Call) -> Result:
        fake = self.fake
        return 200, {
            "id": str(fake.application_id),
            "name": fake.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": fake.bot_user.payload(),
            "owner": fake.owner_user.payload(),
            "team": None,
            "verify_key": secrets.token_hex(32),
            "flags": fake.application_flags,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len([g for g in fake.guilds.values() if not g.removed]),
        }

    async def gateway(self, call: Call) -> Result:
        return 200, {"url": self.fake.gateway_url}

    async def gateway_bot(self, call: Call) -> Result:
        return 200, {
            "url": self.fake.gateway_url,
            "shards": self.fake.shard_count,
            "session_start_limit": {
                "total": 1000,
                "remaining": max(0, 1000 - self.fake.gateway.identifies),
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    # -- guilds --------------------------------------------------------------------------------

    def _guild(self, call: Call) -> Any:
        guild_id = call.param_int("guild_id", "Guild", 10004)
        guild = self.fake.guilds.get(guild_id)
        if guild is None:
            raise unknown("Guild", 10004)
        if guild.removed:
            raise DiscordError(403, 50001, "Missing Access")
        return guild

    async def my_guilds(self, call: Call) -> Result:
        return 200, [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "owner": False,
                "permissions": str(self.fake.bot_members[g.id].permissions),
                "features": [],
            }
            for g in self.fake.guilds.values()
            if not g.removed
        ]

    async def leave_guild(self, call: Call) -> Result:
        guild = self.fake.guilds.get(call.param_int("guild_id", "Guild", 10004))
        if guild is None or guild.removed:
            raise unknown("Guild", 10004)
        await self.fake.remove_guild(guild)
        return 204, None

    async def get_guild(self, call: Call) -> Result:
        guild = self._guild(call)
        data = self.fake.guild_create_payload(guild)
        for key in ("channels", "threads", "members", "voice_states", "presences", "joined_at"):
            data.pop(key, None)
        return 200, data

    async def guild_channels(self, call: Call) -> Result:
        guild = self._guild(call)
        return 200, [c.payload() for c in guild.text_channels()]

    async def guild_member(self, call: Call) -> Result:
        guild = self._guild(call)
        user_id = call.param_int("user_id", "User", 10013)
        if user_id == self.fake.bot_user.id:
            return 200, self.fake.bot_members[guild.id].payload()
        member = guild.members.get(user_id)
        if member is None:
            raise unknown("Member", 10007)
        return 200, member.payload()

    # -- application commands ------------------------------------------------------------------

    def _command_store(
        self, call: Call
    ) -> tuple[dict[tuple[int, str], dict[str, Any]], int | None]:
        if call.param_int("application_id", "Application", 10002) != self.fake.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return self.fake.global_commands, None
        guild = self._guild(call)
        return self.fake.guild_commands.setdefault(guild.id, {}), guild.id

    def _stored(
        self, data: dict[str, Any], guild_id: int | None, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        kind = int(data.get("type", 1))
        permissions = data.get("default_member_permissions")
        command: dict[str, Any] = {
            "id": previous["id"] if previous else str(self.fake.ids.next()),
            "application_id": str(self.fake.application_id),
            "version": str(self.fake.ids.next()),
            "type": kind,
            "name": data["name"],
            "name_localizations": data.get("name_localizations"),
            "description": data.get("description", "") if kind == 1 else "",
            "description_localizations": data.get("description_localizations"),
            "options": data.get("options") or [],
            "default_member_permissions": None if permissions is None else str(permissions),
            "dm_permission": data.get("dm_permission", True),
            "contexts": data.get("contexts"),
            "integration_types": data.get("integration_types") or [0],
            "nsfw": bool(data.get("nsfw", False)),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    async def list_commands(self, call: Call) -> Result:
        store, _ = self._command_store(call)
        return 200, list(store.values())

    async def overwrite_commands(self, call: Call) -> Result:
        store, guild_id = self._command_store(call)
        errors = FormErrors()
        check_commands(call.body, errors)
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        fresh: dict[tuple[int, str], dict[str, Any]] = {}
        for data in call.body:
            key = (int(data.get("type", 1)), data["name"])
            # Discord keeps a command's id when an overwrite names it again.
            fresh[key] = self._stored(data, guild_id, store.get(key))
        store.clear()
        store.update(fresh)
        self.fake.command_syncs.append((guild_id, len(fresh)))
        return 200, list(fresh.values())

    async def upsert_command(self, call: Call) -> Result:
        store, guild_id = self._command_store(call)
        errors = FormErrors()
        if not isinstance(call.body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        check_command(call.body, errors, ())
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        key = (int(call.body.get("type", 1)), call.body["name"])
        existed = key in store
        store[key] = self._stored(call.body, guild_id, store.get(key))
        return (200 if existed else 201), store[key]

    def _find_command(
        self, call: Call
    ) -> tuple[dict[tuple[int, str], dict[str, Any]], tuple[int, str]]:
        store, _ = self._command_store(call)
        command_id = call.params["command_id"]
        for key, command in store.items():
            if command["id"] == command_id:
                return store, key
        raise unknown("application command", 10063)

    async def get_command(self, call: Call) -> Result:
        store, key = self._find_command(call)
        return 200, store[key]

    async def edit_command(self, call: Call) -> Result:
        store, key = self._find_command(call)
        if not isinstance(call.body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        merged = {**store[key], **call.body}
        errors = FormErrors()
        check_command(merged, errors, ())
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        _, guild_id = self._command_store(call)
        updated = self._stored(merged, guild_id, store[key])
        del store[key]
        store[(updated["type"], updated["name"])] = updated
        return 200, updated

    async def delete_command(self, call: Call) -> Result:
        store, key = self._find_command(call)
        del store[key]
        return 204, None

    # -- channels and messages -----------------------------------------------------------------

    def _channel(self, call: Call) -> Any:
        return self.fake.channel_for_bot(call.param_int("channel_id", "Channel", 10003))

    async def get_channel(self, call: Call) -> Result:
        return 200, self._channel(call).payload()

    async def typing(self, call: Call) -> Result:
        self._channel(call)
        return 204, None

    async def list_messages(self, call: Call) -> Result:
        channel = self._channel(call)
        limit = min(max(int(call.query.get("limit", 50)), 1), 100)
        found = [
            m
            for m in self.fake.messages_by_id.values()
            if m.channel_id == channel.id and not m.deleted and m.visible_to is None
        ]
        found.sort(key=lambda m: m.id, reverse=True)
        return 200, [m.data for m in found[:limit]]

    async def send_message(self, call: Call) -> Result:
        channel = self._channel(call)
        body = call.body
        if not isinstance(body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        nonce = None if body.get("nonce") is None else str(body["nonce"])
        self.fake.validate_message(body, call.files, require_content=True)
        duplicate = self.fake.dedupe(nonce, bool(body.get("enforce_nonce")))
        if duplicate is not None:
            return 200, duplicate.data
        message = self.fake.create_message(channel, body, call.files)
        self.fake.remember_nonce(nonce, message)
        return 200, message.data

    async def get_message(self, call: Call) -> Result:
        channel = self._channel(call)
        message = self.fake.message_in(channel, call.param_int("message_id", "Message", 10008))
        return 200, message.data

    async def edit_message(self, call: Call) -> Result:
        channel = self._channel(call)
        message = self.fake.message_in(channel, call.param_int("message_id", "Message", 10008))
        if message.data["author"]["id"] != str(self.fake.bot_user.id):
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        self.fake.edit_message(message, call.body, call.files)
        return 200, message.data

    async def delete_message(self, call: Call) -> Result:
        channel = self._channel(call)
        message = self.fake.message_in(channel, call.param_int("message_id", "Message", 10008))
        if message.data["author"]["id"] != str(self.fake.bot_user.id):
            raise DiscordError(403, 50013, "Missing Permissions")
        message.deleted = True
        return 204, None

    async def thread_from_message(self, call: Call) -> Result:
        channel = self._channel(call)
        message = self.fake.message_in(channel, call.param_int("message_id", "Message", 10008))
        thread = self.fake.start_thread(channel, message, call.body)
        await self.fake.dispatch_thread_create(thread)
        return 201, thread.payload()
