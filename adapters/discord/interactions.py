"""Interactions: slash commands, button presses and modal submissions, mapped to core
calls and answered within Discord's 3-second limit.

Every press carries what it needs in its custom_id (see render.py), so buttons keep
working after a restart: `ActionButton` and `FormButton` are discord.py dynamic items,
matched by pattern rather than by a view held in memory. Modal submissions are routed by
their custom_id in `on_interaction`, for the same reason.

The first response is sent at once when the core answers within `defer_after`
seconds, else the interaction is deferred (an ephemeral "thinking…") and the reply follows
up. Anything that goes wrong is logged and answered with a short apology; nothing a member
sends can stop the process.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.render import (
    ACTION_PREFIX,
    FORM_PREFIX,
    MODAL_PREFIX,
    ButtonSpec,
    Rendered,
    clip,
    modal_id,
    render,
)
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
COMMAND_FORM_PREFIX = "pb:c:"
APOLOGY = "Sorry, something went wrong on my side. Nothing was changed; please try again."
UNKNOWN_BUTTON = "Sorry, I don't recognise that button any more. Try /help."
SERVERS_ONLY = "prepbot works inside a server: add it to one and use its commands there."
TOO_LONG = (
    "Your answer is {length:,} characters; the limit is {limit:,}. Nothing was recorded: "
    "shorten it and submit again."
)
MODAL_TITLE = "Your answer"
ANSWER_INPUT = "answer"


class Handler:
    """Everything a member can do, turned into core calls and Discord responses."""

    def __init__(
        self,
        core: Prepbot,
        *,
        defer_after: float = DEFER_AFTER,
        max_core_calls: int = MAX_CORE_CALLS,
    ) -> None:
        self.core = core
        self.defer_after = defer_after
        self.max_core_calls = max_core_calls
        self._slots: asyncio.Semaphore | None = None
        # For benchmarks and logs: how long first responses took, and failures.
        self.ack_seconds: list[float] = []
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
        started = time.perf_counter()
        if self.caller(interaction) is None:
            await self._send(interaction, error(SERVERS_ONLY), started)
            return
        try:
            await interaction.response.send_modal(form)
            self.ack_seconds.append(time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - input must never stop the process
            self.failures += 1
            log.exception("discord: could not open a form")
            await self.apologise(interaction)

    async def refuse(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Answer at once without asking the core (input the adapter can judge alone)."""
        await self._send(interaction, reply, time.perf_counter())

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
        started = time.perf_counter()
        caller = self.caller(interaction)
        if caller is None:
            await self._send(interaction, error(SERVERS_ONLY), started)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_core_calls)
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
                self.ack_seconds.append(time.perf_counter() - started)
            reply = await task
        except Exception:  # noqa: BLE001 - the member gets an apology, the log the trace
            self.failures += 1
            log.exception("discord: handling an interaction failed")
            await self.apologise(interaction)
            return
        await self._send(interaction, reply, started)

    async def _send(
        self, interaction: discord.Interaction[Any], reply: Reply, started: float
    ) -> None:
        rendered = render(reply)
        if rendered.dropped:
            log.warning("discord: buttons left out of a reply: %s", ", ".join(rendered.dropped))
        kwargs = message_kwargs(rendered)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(ephemeral=reply.private, **kwargs)
            else:
                await interaction.response.send_message(ephemeral=reply.private, **kwargs)
                self.ack_seconds.append(time.perf_counter() - started)
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
        import io

        name, data = rendered.attachment
        kwargs["file"] = discord.File(io.BytesIO(data), filename=name)
    return kwargs


# -- components that survive restarts ---------------------------------------------------

HANDLER_ATTRIBUTE = "prepbot_handler"


def attach(client: discord.Client, handler: Handler) -> None:
    """Give the client its handler: discord.py builds dynamic items from a custom_id
    alone, so they find the handler through the interaction's client."""
    setattr(client, HANDLER_ATTRIBUTE, handler)


def handler_of(client: discord.Client) -> Handler | None:
    found = getattr(client, HANDLER_ATTRIBUTE, None)
    return found if isinstance(found, Handler) else None


def _handler(interaction: discord.Interaction[Any]) -> Handler:
    handler = handler_of(interaction.client)
    assert handler is not None, "the adapter attaches its handler before connecting"
    return handler


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(ACTION_PREFIX) + r"(?P<action>[^\s]{1,95})",
):
    """A button that runs a core action (`pb:a:ACTION`)."""

    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(
            discord.ui.Button(
                label=spec.label, custom_id=spec.custom_id, style=spec.style, disabled=spec.disabled
            )
        )
        self.action = spec.custom_id[len(ACTION_PREFIX) :]

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        return cls(ButtonSpec("·", ACTION_PREFIX + match["action"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).button(interaction, self.action)


class FormButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(FORM_PREFIX) + r"(?P<action>[^\s]{1,95})",
):
    """A button that opens the answer form for `ACTION` (`pb:f:ACTION`)."""

    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(
            discord.ui.Button(
                label=spec.label, custom_id=spec.custom_id, style=spec.style, disabled=spec.disabled
            )
        )
        self.action = spec.custom_id[len(FORM_PREFIX) :]

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FormButton:
        return cls(ButtonSpec("·", FORM_PREFIX + match["action"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).open_form(interaction, modal_id(self.action), MODAL_TITLE)


DYNAMIC_ITEMS = (ActionButton, FormButton)


def handled_custom_id(custom_id: str) -> bool:
    """Whether a component's custom_id is one of ours (a dynamic item will take it)."""
    return any(item.__discord_ui_compiled_template__.fullmatch(custom_id) for item in DYNAMIC_ITEMS)


def _on_message(interaction: discord.Interaction[Any], custom_id: str) -> bool:
    """Whether the pressed message really carries `custom_id`: discord.py only runs a
    dynamic item from a component of the interaction's message, and drops anything else
    silently (a forged press), which would leave the member without an answer."""
    message = interaction.message
    if message is None:
        return False
    stack: list[Any] = list(message.components)
    while stack:
        component = stack.pop()
        if getattr(component, "custom_id", None) == custom_id:
            return True
        stack.extend(getattr(component, "children", ()) or ())
    return False


def view_for(rows: tuple[tuple[ButtonSpec, ...], ...]) -> discord.ui.View:
    """A view of dynamic buttons, nothing kept in memory per message."""
    view = discord.ui.View(timeout=None)
    for row_number, row in enumerate(rows):
        for spec in row:
            item: discord.ui.DynamicItem[Any]
            if spec.custom_id.startswith(FORM_PREFIX):
                item = FormButton(spec)
            else:
                item = ActionButton(spec)
            item.row = row_number
            view.add_item(item)
    return view


class AnswerForm(discord.ui.Modal):
    """The free-text answer form. Its submission is handled in `on_interaction` from the
    custom_id alone, so a form opened before a restart is still answered after it."""

    answer: discord.ui.TextInput[Any]

    def __init__(self, custom_id: str, title: str, label: str = "Your answer") -> None:
        super().__init__(title=clip(title, 45), custom_id=custom_id, timeout=None)
        self.answer = discord.ui.TextInput(
            label=clip(label, 45),
            custom_id=ANSWER_INPUT,
            style=discord.TextStyle.paragraph,
            max_length=MAX_LONG_TEXT,
            required=True,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        # Handled in on_interaction (the one path that also works after a restart).
        return None


def command_form(path: tuple[str, ...], title: str) -> AnswerForm | None:
    """A form collecting a command's long text option (e.g. `/qotd answer`)."""
    custom_id = COMMAND_FORM_PREFIX + ":".join(path)
    if len(custom_id) > 100:
        return None
    return AnswerForm(custom_id, title)


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
            if not (handled_custom_id(custom_id) and _on_message(interaction, custom_id)):
                await handler.unknown(interaction)
    except Exception:  # noqa: BLE001
        handler.failures += 1
        log.exception("discord: routing an interaction failed")
        await handler.apologise(interaction)
