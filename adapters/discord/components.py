"""Components that survive restarts: dynamic buttons and the answer form.

Every press carries what it needs in its custom_id (see render.py), so a button pressed
after a restart works: `ActionButton` (`pb:a:ACTION`) and `FormButton` (`pb:f:ACTION`) are
discord.py dynamic items, matched by pattern rather than by a view held in memory. A form's
submission is routed by its custom_id in `interactions.on_interaction`, for the same reason.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from adapters.discord.render import (
    ACTION_PREFIX,
    FORM_PREFIX,
    ButtonSpec,
    clip,
    modal_id,
)
from bot.commands import MAX_LONG_TEXT

COMMAND_FORM_PREFIX = "pb:c:"
MODAL_TITLE = "Your answer"
ANSWER_INPUT = "answer"
CUSTOM_ID_LIMIT = 100
FORM_TIMEOUT = 15 * 60.0


HANDLER_ATTRIBUTE = "prepbot_handler"


def attach(client: discord.Client, handler: Any) -> None:
    """Give the client its handler: discord.py builds dynamic items from a custom_id
    alone, so they find the handler through the interaction's client."""
    setattr(client, HANDLER_ATTRIBUTE, handler)


def handler_of(client: discord.Client) -> Any:
    """The client's interaction handler (adapters.discord.interactions.Handler), or None."""
    return getattr(client, HANDLER_ATTRIBUTE, None)


def _handler(interaction: discord.Interaction[Any]) -> Any:
    handler = handler_of(interaction.client)
    assert handler is not None, "the adapter attaches its handler before connecting"
    return handler


class _PrefixedButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"(?!)",  # matches nothing: only the subclasses below are registered
):
    """A button whose custom_id is `PREFIX + ACTION`, rebuilt from the id alone after a
    restart (discord.py calls `from_custom_id` for a press on a message it did not send in
    this process)."""

    prefix: ClassVar[str] = ""

    def __init__(self, spec: ButtonSpec) -> None:
        super().__init__(
            discord.ui.Button(
                label=spec.label, custom_id=spec.custom_id, style=spec.style, disabled=spec.disabled
            )
        )
        self.action = spec.custom_id[len(self.prefix) :]

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(ButtonSpec("·", cls.prefix + match["action"]))


class ActionButton(_PrefixedButton, template=re.escape(ACTION_PREFIX) + r"(?P<action>[^\s]{1,95})"):
    """A button that runs a core action (`pb:a:ACTION`)."""

    prefix = ACTION_PREFIX

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).button(interaction, self.action)


class FormButton(_PrefixedButton, template=re.escape(FORM_PREFIX) + r"(?P<action>[^\s]{1,95})"):
    """A button that opens the answer form for `ACTION` (`pb:f:ACTION`)."""

    prefix = FORM_PREFIX

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).open_form(interaction, modal_id(self.action), MODAL_TITLE)


DYNAMIC_ITEMS = (ActionButton, FormButton)


def handled_custom_id(custom_id: str) -> bool:
    """Whether a component's custom_id is one of ours (a dynamic item will take it)."""
    return any(item.__discord_ui_compiled_template__.fullmatch(custom_id) for item in DYNAMIC_ITEMS)


def on_message(interaction: discord.Interaction[Any], custom_id: str) -> bool:
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
        # discord.py keeps a sent modal until it times out; the submission does not need it
        # (it is routed by custom_id), so it is let go after Discord's token lifetime.
        super().__init__(title=clip(title, 45), custom_id=custom_id, timeout=FORM_TIMEOUT)
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
    if len(custom_id) > CUSTOM_ID_LIMIT:
        return None
    return AnswerForm(custom_id, title)
