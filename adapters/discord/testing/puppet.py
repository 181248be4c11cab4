"""The test-facing API: members run slash commands, press buttons, pick from selects, submit
modals and type into autocompleted options; tests read what the bot answered.

Each action builds the INTERACTION_CREATE payload Discord would send (snowflake strings,
member with permissions as a string, token, version 1, `data` as documented), dispatches it on
the gateway session of the guild's shard, and (unless `wait=False`) waits until the member has
seen an answer, or raises `InteractionFailed` once Discord's deadline has passed without one.
What Discord's own client would not let a member do (a command the member cannot see, a
disabled button, an option outside its choices, a modal value over max_length) raises
`ClientRefused` instead of being sent.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adapters.discord.testing.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
)
from adapters.discord.testing.messages import ATTACHMENT_SIZE_LIMIT, MessageRules
from adapters.discord.testing.options import (
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    ClientRefused,
    fill_options,
    find_option,
    submitted_components,
)
from adapters.discord.testing.ratelimits import Served429
from adapters.discord.testing.state import (
    ADMINISTRATOR,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
)


class NotConnected(RuntimeError):
    """No gateway session covers the guild's shard: the bot would not receive the event."""


class Puppet(MessageRules):
    """Everything a test does as members, and what it inspects."""

    # -- gateway control ---------------------------------------------------------------------

    async def wait_until_ready(
        self, shards: Iterable[int] | None = None, within: float = 10.0
    ) -> None:
        """Until each shard (default: all `shard_count`) has a live session that got READY and
        its GUILD_CREATEs."""
        wanted = set(range(self.shard_count) if shards is None else shards)

        def ready() -> bool:
            live = {
                s.shard_id
                for s in self.gateway.current_sessions()
                if s.live and s.guilds_sent.is_set()
            }
            return wanted <= live

        await self.gateway.wait_for(ready, within)

    async def wait_for_resume(self, shard_id: int = 0, within: float = 10.0) -> None:
        """Until the shard's session has been resumed at least once and is live again."""
        session = self.gateway.session_for_shard(shard_id)
        await self.gateway.wait_for(lambda: session.resumes > 0 and session.live, within)

    async def drop_connection(
        self,
        shard_id: int = 0,
        *,
        code: int | None = None,
        forget_session: bool = False,
    ) -> None:
        """Cut the shard's websocket (no close frame when `code` is None). The session stays
        resumable and events dispatched meanwhile are replayed on RESUME, unless
        `forget_session`: then the RESUME gets INVALID_SESSION and the client identifies."""
        await self.gateway.drop(shard_id, code, forget=forget_session)

    async def invalidate_session(self, shard_id: int = 0, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9); the client must IDENTIFY again unless `resumable`."""
        await self.gateway.invalidate(shard_id, resumable=resumable)

    async def request_reconnect(self, shard_id: int = 0) -> None:
        """Send RECONNECT (op 7): the client reconnects and resumes."""
        await self.gateway.reconnect(shard_id)

    # -- rate limits ---------------------------------------------------------------------------

    def rate_limit(
        self,
        count: int = 1,
        *,
        route: str | None = None,
        retry_after: float = 0.5,
        is_global: bool = False,
    ) -> None:
        """The next `count` requests matching `route` get 429 with `retry_after`.

        `route` is "METHOD /template" or a template, e.g.
        "POST /channels/{channel_id}/messages"; None means any bot-token request (and
        `is_global` makes it Discord's global limit: `global: true`, X-RateLimit-Global)."""
        self.rate_limits.order(route, count, retry_after, is_global)

    @property
    def rate_limited(self) -> list[Served429]:
        """Every 429 the fake has answered."""
        return list(self.rate_limits.served)

    @property
    def early_retries(self) -> list[Served429]:
        """429s answered to requests that came back before retry_after had passed."""
        return self.rate_limits.early_retries

    # -- inspection ----------------------------------------------------------------------------

    def messages(
        self, channel: FakeChannel, *, include_ephemeral: bool = False
    ) -> list[FakeMessage]:
        """Messages in a channel (or thread), oldest first, as Discord stores them now."""
        return [
            m
            for m in sorted(self.messages_by_id.values(), key=lambda m: m.id)
            if m.channel_id == channel.id
            and not m.deleted
            and (include_ephemeral or m.visible_to is None)
        ]

    def message(self, message_id: int | str) -> FakeMessage:
        return self.messages_by_id[int(message_id)]

    def threads(self, channel: FakeChannel | None = None) -> list[FakeChannel]:
        return [
            c
            for c in self.channels.values()
            if c.is_thread and (channel is None or c.parent_id == channel.id)
        ]

    def commands(self, guild: FakeGuild | None = None) -> list[dict[str, Any]]:
        """Registered commands: global, or the guild's own."""
        if guild is None:
            return list(self.global_commands.values())
        return list(self.guild_commands.get(guild.id, {}).values())

    def find_command(self, guild: FakeGuild, name: str) -> dict[str, Any]:
        for store in (self.guild_commands.get(guild.id, {}), self.global_commands):
            command = store.get((1, name))
            if command is not None:
                return command
        raise ClientRefused(f"/{name} is not a registered command in {guild.name}")

    # -- interactions ---------------------------------------------------------------------------

    async def slash(
        self,
        member: FakeMember,
        command: str,
        options: Mapping[str, Any] | None = None,
        /,
        *,
        channel: FakeChannel | None = None,
        bypass_permissions: bool = False,
        wait: bool = True,
        within: float = 10.0,
        **keyword_options: Any,
    ) -> InteractionRecord:
        """`/command [subcommand-group] [subcommand]` with options, e.g.
        `await fake.slash(alice, "cohort create", name="Spring")`.

        Options are checked against the registered command as Discord's client checks them
        (known names, required ones present, types, choices, lengths and ranges)."""
        values = {**(options or {}), **keyword_options}
        channel = channel or member.guild.text_channels()[0]
        names = command.split()
        registered = self.find_command(member.guild, names[0])
        self._check_permission(member, registered, bypass_permissions)
        built, target, option_specs = _subcommands(registered, names, command)
        resolved: dict[str, dict[str, Any]] = {}
        if any(spec.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for spec in option_specs):
            raise ClientRefused(f"/{command} needs a subcommand")
        target.extend(fill_options(option_specs, values, resolved, f"/{command}"))
        data: dict[str, Any] = {
            "id": registered["id"],
            "name": names[0],
            "type": 1,
            "options": built,
        }
        if registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return await self._interact(APPLICATION_COMMAND, member, channel, data, None, wait, within)

    async def autocomplete(
        self,
        member: FakeMember,
        command: str,
        focused: str,
        typed: str,
        options: Mapping[str, Any] | None = None,
        /,
        *,
        channel: FakeChannel | None = None,
        within: float = 10.0,
    ) -> list[dict[str, Any]]:
        """The member types `typed` into option `focused`; returns the choices the bot offered."""
        channel = channel or member.guild.text_channels()[0]
        names = command.split()
        registered = self.find_command(member.guild, names[0])
        self._check_permission(member, registered, False)
        built, target, option_specs = _subcommands(registered, names, command)
        spec = find_option(option_specs, focused, f"/{command}")
        if not spec.get("autocomplete"):
            raise ClientRefused(f"option {focused!r} of /{command} has no autocomplete")
        others = {k: v for k, v in (options or {}).items() if k != focused}
        for name, value in others.items():
            other = find_option(option_specs, name, f"/{command}")
            target.append({"name": name, "type": other["type"], "value": value})
        # Discord sends what is typed so far as a string, whatever the option's type.
        target.append({"name": focused, "type": spec["type"], "value": typed, "focused": True})
        data: dict[str, Any] = {
            "id": registered["id"],
            "name": names[0],
            "type": 1,
            "options": built,
        }
        if registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        record = await self._interact(AUTOCOMPLETE, member, channel, data, None, True, within)
        return list(record.choices or [])

    async def click(
        self,
        member: FakeMember,
        message: FakeMessage | int,
        custom_id: str,
        *,
        wait: bool = True,
        within: float = 10.0,
    ) -> InteractionRecord:
        """Press the button `custom_id` on `message`."""
        found = self._clickable(member, message)
        component = found.component(custom_id)
        if component is None or component.get("type") != 2:
            raise ClientRefused(
                f"message {found.id} has no button {custom_id!r}: {found.custom_ids()}"
            )
        if component.get("disabled"):
            raise ClientRefused(f"button {custom_id!r} is disabled")
        data = {"custom_id": custom_id, "component_type": 2}
        channel = self.channels[found.channel_id]
        return await self._interact(MESSAGE_COMPONENT, member, channel, data, found, wait, within)

    async def select(
        self,
        member: FakeMember,
        message: FakeMessage | int,
        custom_id: str,
        values: Sequence[str],
        *,
        wait: bool = True,
        within: float = 10.0,
    ) -> InteractionRecord:
        """Pick `values` from the string select `custom_id` on `message`."""
        found = self._clickable(member, message)
        component = found.component(custom_id)
        if component is None or component.get("type") != 3:
            raise ClientRefused(f"message {found.id} has no select {custom_id!r}")
        if component.get("disabled"):
            raise ClientRefused(f"select {custom_id!r} is disabled")
        offered = {str(o.get("value")) for o in component.get("options") or []}
        low, high = int(component.get("min_values", 1)), int(component.get("max_values", 1))
        if not set(values) <= offered or not low <= len(values) <= high:
            raise ClientRefused(
                f"select {custom_id!r} offers {sorted(offered)} ({low}-{high} picks)"
            )
        data = {"custom_id": custom_id, "component_type": 3, "values": list(values)}
        channel = self.channels[found.channel_id]
        return await self._interact(MESSAGE_COMPONENT, member, channel, data, found, wait, within)

    async def submit_modal(
        self,
        member: FakeMember,
        custom_id: str,
        values: Mapping[str, str | Sequence[str]],
        *,
        wait: bool = True,
        within: float = 10.0,
    ) -> InteractionRecord:
        """Fill and submit the modal `custom_id` the bot opened for this member.

        Values are keyed by each text input's custom_id; the submitted components mirror the
        modal's layout (action rows or labels), as Discord sends them."""
        opener = self._open_modal(member, custom_id)
        assert opener.modal is not None
        components, unknown = submitted_components(opener.modal, dict(values))
        if unknown:
            raise ClientRefused(f"modal {custom_id!r} has no inputs {sorted(unknown)}")
        opener.modal_submitted = True
        del self.open_modals[member.id]
        data = {"custom_id": custom_id, "components": components}
        channel = opener.channel
        assert channel is not None
        return await self._interact(
            MODAL_SUBMIT, member, channel, data, opener.source_message, wait, within
        )

    async def send_interaction(
        self,
        member: FakeMember,
        kind: int,
        data: Any,
        *,
        channel: FakeChannel | None = None,
        message: FakeMessage | None = None,
        overrides: Mapping[str, Any] | None = None,
        wait: bool = False,
        within: float = 10.0,
    ) -> InteractionRecord:
        """An interaction with arbitrary `data` (and top-level `overrides`), unchecked: forged or
        stale payloads, unknown custom_ids, commands the bot no longer has."""
        channel = channel or member.guild.text_channels()[0]
        return await self._interact(kind, member, channel, data, message, wait, within, overrides)

    async def dispatch_raw(self, guild: FakeGuild, event: str, data: Any) -> None:
        """Any gateway dispatch, as is, on the guild's shard (for garbage-input tests)."""
        session = self.gateway.session_for_guild(guild.id)
        if session is None:
            raise NotConnected(f"no gateway session covers guild {guild.id}")
        await session.dispatch(event, data)

    # -- internals -----------------------------------------------------------------------------

    def _expire(self, record: InteractionRecord) -> None:
        if record.callback_type is None and self.now() - record.created > self.callback_deadline:
            record.expired = True
            record.notify()

    def _check_permission(self, member: FakeMember, command: dict[str, Any], bypass: bool) -> None:
        required = command.get("default_member_permissions")
        if required is None or bypass:
            return
        needed = int(required)
        has = member.permissions
        if has & ADMINISTRATOR:
            return
        if needed == 0 or has & needed != needed:
            raise ClientRefused(
                f"{member.display_name} cannot see /{command['name']} "
                f"(default_member_permissions={required})"
            )

    def _clickable(self, member: FakeMember, message: FakeMessage | int) -> FakeMessage:
        found = (
            message if isinstance(message, FakeMessage) else self.messages_by_id.get(int(message))
        )
        if found is None or found.deleted:
            raise ClientRefused(f"message {message} does not exist (any more)")
        found = self.messages_by_id.get(found.id, found)
        if found.visible_to is not None and found.visible_to != member.id:
            raise ClientRefused("an ephemeral message is visible only to its member")
        channel = self.channels.get(found.channel_id)
        if channel is None or channel.deleted or channel.guild is not member.guild:
            raise ClientRefused("the member cannot see this message")
        return found

    def _open_modal(self, member: FakeMember, custom_id: str) -> InteractionRecord:
        # A member has one modal on screen at a time: the last one the bot opened for them.
        record = self.open_modals.get(member.id)
        if record is None or record.modal is None:
            raise ClientRefused(f"no modal is open for {member.display_name}")
        if record.modal.get("custom_id") != custom_id:
            raise ClientRefused(
                f"the modal open for {member.display_name} is {record.modal.get('custom_id')!r}"
            )
        return record

    async def _interact(
        self,
        kind: int,
        member: FakeMember,
        channel: FakeChannel,
        data: Any,
        message: FakeMessage | None,
        wait: bool,
        within: float,
        overrides: Mapping[str, Any] | None = None,
    ) -> InteractionRecord:
        guild = member.guild
        if guild.removed:
            raise ClientRefused(f"the bot is no longer in {guild.name}")
        if channel.deleted:
            raise ClientRefused(f"#{channel.name} was deleted")
        session = self.gateway.session_for_guild(guild.id)
        if session is None:
            raise NotConnected(f"no gateway session covers guild {guild.id} ({guild.name})")
        interaction_id = self.ids.next()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(60)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "guild_id": str(guild.id),
            "guild_locale": guild.locale,
            "channel": channel.payload(),
            "channel_id": str(channel.id),
            "member": member.payload(with_permissions=True),
            "token": token,
            "version": 1,
            "app_permissions": str(self.bot_permissions(channel)),
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if message is not None:
            payload["message"] = message.data
        payload.update(overrides or {})
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            type=kind,
            guild=guild,
            channel=channel,
            member=member,
            payload=payload,
            created=self.now(),
            source_message=message,
            shard_id=session.shard_id,
        )
        self.interactions[interaction_id] = record
        self.interactions_by_token[token] = record
        record.dispatched_at = time.monotonic()
        await session.dispatch("INTERACTION_CREATE", payload)
        # Wake waiters when the deadline passes, so an unanswered interaction fails then.
        asyncio.get_running_loop().call_later(self.callback_deadline + 0.05, self._expire, record)
        if wait:
            await record.wait_complete(within)
        return record


def _subcommands(
    registered: dict[str, Any], names: list[str], command: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The options list for `/a b c`: (top-level options, the list the leaf's options go in,
    the leaf's option specs)."""
    option_specs: list[dict[str, Any]] = registered.get("options") or []
    built: list[dict[str, Any]] = []
    target = built
    for sub in names[1:]:
        spec = find_option(option_specs, sub, f"/{command}")
        if spec.get("type") not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            raise ClientRefused(f"{sub!r} is not a subcommand of /{names[0]}")
        entry: dict[str, Any] = {"name": sub, "type": spec["type"], "options": []}
        target.append(entry)
        target = entry["options"]
        option_specs = spec.get("options") or []
    return built, target, option_specs
