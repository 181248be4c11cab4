"""Interactions: slash commands, button presses and modal submissions, mapped to core
calls and answered within Discord's 3-second limit.

Buttons are dynamic items (components.py) that find the `Handler` through the client;
modal submissions and components nobody claims are routed here, in `on_interaction`, by
their custom_id alone, so both keep working after a restart.

The first response is sent at once when the core answers within `defer_after`
seconds, else the interaction is deferred (an ephemeral "thinking…") and the reply follows
up. Anything that goes wrong is logged and answered with a short apology; nothing a member
sends can stop the process.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.components import (
    ANSWER_INPUT,
    COMMAND_FORM_PREFIX,
    AnswerForm,
    handled_custom_id,
    handler_of,
    on_message,
    view_for,
)
from adapters.discord.render import MODAL_PREFIX, Rendered, render
from bot.app import Prepbot
from bot.commands import MAX_LONG_TEXT
from bot.services.context import Caller
from bot.views import Reply, error

log = logging.getLogger(__name__)

PLATFORM = "discord"
# Discord wants a first response within 3 s. Answer directly when the core is done within
# this long (it usually is: tens of milliseconds); else show "thinking..." at once and follow
# up, so a member never stares at nothing and a slow moment never nears the limit.
DEFER_AFTER = 0.15
# Core calls running at once. More would not finish sooner (SQLite has one writer; the
# ORM work runs on this event loop), but would queue so much work on the loop that even
# acknowledgements went out late. Interactions beyond it wait their turn, acknowledged.
MAX_CORE_CALLS = 8
APOLOGY = "Sorry, something went wrong on my side. Nothing was changed; please try again."
UNKNOWN_BUTTON = "Sorry, I don't recognise that button any more. Try /help."
SERVERS_ONLY = "prepbot works inside a server: add it to one and use its commands there."
TOO_LONG = (
    "Your answer is {length:,} characters; the limit is {limit:,}. Nothing was recorded: "
    "shorten it and submit again."
)


class Handler:
    """Everything a member can do, turned into core calls and Discord responses."""

    def __init__(
        self,
        core: Prepbot,
        *,
        defer_after: float = DEFER_AFTER,
        max_core_calls: int = MAX_CORE_CALLS,
        timezone: str = "UTC",
    ) -> None:
        self.core = core
        # A new community's timezone (PREPBOT_TIMEZONE): Discord does not tell a server's.
        self.timezone = timezone
        self.defer_after = defer_after
        self.max_core_calls = max_core_calls
        self._slots: asyncio.Semaphore | None = None
        # Interactions that ended in an apology (benchmarks and logs read it).
        self.failures = 0

    # -- who is asking ----------------------------------------------------------------

    def caller(self, interaction: discord.Interaction[Any]) -> Caller | None:
        """The core's Caller for an interaction; None outside a server."""
        if interaction.guild_id is None:
            return None
        user = interaction.user
        permissions = interaction.permissions
        guild = interaction.guild
        return Caller(
            platform=PLATFORM,
            community_external_id=str(interaction.guild_id),
            member_external_id=str(user.id),
            display_name=user.display_name or user.name or "member",
            channel_external_id=str(interaction.channel_id) if interaction.channel_id else None,
            community_name=guild.name if guild is not None and guild.name else "",
            timezone=self.timezone,
            is_admin=bool(permissions.administrator or permissions.manage_guild),
        )

    # -- entry points -----------------------------------------------------------------

    async def command(
        self, interaction: discord.Interaction[Any], name: str, args: tuple[str, ...]
    ) -> None:
        """A slash command: `core.handle(name, args)`."""
        await self._run(interaction, lambda caller: self.core.handle(caller, name, args))

    async def button(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A button press: `core.act(action)`."""
        await self._run(interaction, lambda caller: self.core.act(caller, action))

    async def open_form(
        self, interaction: discord.Interaction[Any], custom_id: str | None, label: str
    ) -> None:
        """Show the answer modal; the submission arrives later as a modal interaction."""
        if custom_id is None:
            await self.refuse(interaction, error(UNKNOWN_BUTTON))
            return
        await self.open_form_modal(interaction, AnswerForm(custom_id, label))

    async def open_form_modal(
        self, interaction: discord.Interaction[Any], form: discord.ui.Modal
    ) -> None:
        if self.caller(interaction) is None:
            await self._send(interaction, error(SERVERS_ONLY))
            return
        try:
            await interaction.response.send_modal(form)
        except Exception:  # noqa: BLE001 - input must never stop the process
            self.failures += 1
            log.exception("discord: could not open a form")
            await self.apologise(interaction)

    async def refuse(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Answer at once without asking the core (input the adapter can judge alone)."""
        await self._send(interaction, reply)

    async def submitted(self, interaction: discord.Interaction[Any]) -> None:
        """A modal submission, routed by its custom_id."""
        data = payload(interaction)
        custom_id = str(data.get("custom_id", ""))
        text = _modal_text(data)
        if text is not None and len(text) > MAX_LONG_TEXT:
            message = TOO_LONG.format(length=len(text), limit=MAX_LONG_TEXT)
            await self._run(interaction, lambda caller: _ready(error(message)))
            return
        if custom_id.startswith(MODAL_PREFIX) and text is not None:
            action = custom_id[len(MODAL_PREFIX) :]
            await self._run(interaction, lambda caller: self.core.act(caller, action, text))
            return
        if custom_id.startswith(COMMAND_FORM_PREFIX) and text is not None:
            path = custom_id[len(COMMAND_FORM_PREFIX) :].split(":")
            name, args = path[0], (*path[1:], text)
            await self._run(interaction, lambda caller: self.core.handle(caller, name, args))
            return
        log.warning("discord: unreadable modal submission %r", custom_id[:100])
        await self._run(interaction, lambda caller: _ready(error(UNKNOWN_BUTTON)))

    async def unknown(self, interaction: discord.Interaction[Any]) -> None:
        """A component this bot did not make (or a custom_id it cannot read)."""
        log.warning(
            "discord: unknown component %r", str(payload(interaction).get("custom_id"))[:100]
        )
        await self._run(interaction, lambda caller: _ready(error(UNKNOWN_BUTTON)))

    # -- responding -------------------------------------------------------------------

    async def _run(
        self,
        interaction: discord.Interaction[Any],
        work: Callable[[Caller], Awaitable[Reply]],
    ) -> None:
        caller = self.caller(interaction)
        if caller is None:
            await self._send(interaction, error(SERVERS_ONLY))
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.core.core_call_limit(self.max_core_calls))
        slots = self._slots
        # Busy: acknowledge first, so waiting for a turn never eats into the 3 seconds.
        busy = slots.locked()

        async def limited() -> Reply:
            async with slots:
                return await work(caller)

        task = asyncio.ensure_future(limited())
        try:
            done: set[asyncio.Future[Reply]] = set()
            if not busy:
                done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done:
                await interaction.response.defer(ephemeral=True, thinking=True)
            reply = await task
        except Exception:  # noqa: BLE001 - the member gets an apology, the log the trace
            self.failures += 1
            log.exception("discord: handling an interaction failed")
            if not task.done():
                # The core call goes on (an answer is still recorded); its outcome is only
                # logged, as the member has been told something went wrong.
                task.add_done_callback(_log_outcome)
            await self.apologise(interaction)
            return
        await self._send(interaction, reply)

    async def _send(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        rendered = render(reply)
        if rendered.dropped:
            log.warning("discord: buttons left out of a reply: %s", ", ".join(rendered.dropped))
        kwargs = message_kwargs(rendered)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=reply.private, **kwargs)
            else:
                await interaction.response.send_message(ephemeral=reply.private, **kwargs)
        except Exception:  # noqa: BLE001
            self.failures += 1
            log.exception("discord: sending a reply failed")
            await self.apologise(interaction)

    async def apologise(self, interaction: discord.Interaction[Any]) -> None:
        """A short ephemeral apology, by whichever way is still open."""
        try:
            if interaction.response.is_done():
                await interaction.followup.send(APOLOGY, ephemeral=True)
            else:
                await interaction.response.send_message(APOLOGY, ephemeral=True)
        except Exception as exc:  # noqa: BLE001 - nothing more can be done for this one
            log.warning("discord: could not even apologise: %s", exc)


def _log_outcome(task: asyncio.Future[Reply]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("discord: a core call failed after its interaction", exc_info=task.exception())


def payload(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    """The interaction's raw `data`, as a plain dict (empty when absent)."""
    data = interaction.data
    return dict(data) if isinstance(data, dict) else {}


async def _ready(reply: Reply) -> Reply:
    return reply


def _modal_text(data: Any) -> str | None:
    """The text of the answer input of a modal submission (in an action row, or in a
    label as newer clients send it), or None when absent or malformed."""
    try:
        for top in data.get("components", []):
            inner = top.get("components") or [top.get("component") or {}]
            for component in inner:
                value = component.get("value")
                if component.get("custom_id") == ANSWER_INPUT and isinstance(value, str):
                    return value
    except (AttributeError, TypeError):
        return None
    return None


def message_kwargs(rendered: Rendered) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"embed": rendered.embed}
    if rendered.rows:
        kwargs["view"] = view_for(rendered.rows)
    if rendered.attachment is not None:
        name, data = rendered.attachment
        kwargs["file"] = discord.File(io.BytesIO(data), filename=name)
    return kwargs


# -- components that survive restarts ---------------------------------------------------


async def on_interaction(interaction: discord.Interaction[Any]) -> None:
    """Routes what the command tree and the dynamic items do not take."""
    handler = handler_of(interaction.client)
    if handler is None:
        return
    try:
        if interaction.type is discord.InteractionType.modal_submit:
            await handler.submitted(interaction)
        elif interaction.type is discord.InteractionType.component:
            custom_id = str(payload(interaction).get("custom_id", ""))
            if not (handled_custom_id(custom_id) and on_message(interaction, custom_id)):
                await handler.unknown(interaction)
    except Exception:  # noqa: BLE001
        handler.failures += 1
        log.exception("discord: routing an interaction failed")
        await handler.apologise(interaction)
