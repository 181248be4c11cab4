"""A neutral `Reply` as a Discord message: an embed and rows of buttons.

Pure functions of the reply (no client, no I/O), so they are tested on their own. Discord
refuses a message that breaks its limits (an embed description over 4,096 characters, a
field over 1,024, more than 25 fields, 6,000 characters in all, 5 buttons a row, 5 rows),
so everything is cut to fit here, visibly (an ellipsis), never by the platform.

Buttons carry everything a later press needs in their custom_id, so they work after a
restart: `pb:a:ACTION` runs a core action, `pb:f:ACTION` opens a form (a modal) whose
text is submitted to ACTION.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import discord

from bot.views import LETTERS, Reply

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
BUTTONS_PER_ROW = 5
ROW_LIMIT = 5
LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
CONTENT_LIMIT = 2000

ACTION_PREFIX = "pb:a:"
FORM_PREFIX = "pb:f:"
MODAL_PREFIX = "pb:m:"

COLOUR_ERROR = discord.Colour.red()
COLOUR_PUBLIC = discord.Colour.blurple()
COLOUR_PRIVATE = discord.Colour.dark_teal()

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
    "success": discord.ButtonStyle.success,
}


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    label: str
    custom_id: str
    style: discord.ButtonStyle = discord.ButtonStyle.secondary
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Rendered:
    """What to send: an embed, button rows, and maybe a file."""

    embed: discord.Embed
    rows: tuple[tuple[ButtonSpec, ...], ...] = ()
    attachment: tuple[str, bytes] | None = None
    # Buttons that did not fit (more than 25) or whose action is too long for a custom_id.
    dropped: tuple[str, ...] = field(default=())


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with an ellipsis when anything was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def action_id(action: str) -> str | None:
    """The custom_id of a button running `action`; None when it cannot fit."""
    custom_id = ACTION_PREFIX + action
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


def form_id(action: str) -> str | None:
    custom_id = FORM_PREFIX + action
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


def modal_id(action: str) -> str | None:
    custom_id = MODAL_PREFIX + action
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


def _description(reply: Reply) -> str:
    parts = [reply.text] if reply.text else []
    if reply.choices:
        parts.append(
            "\n".join(f"**{LETTERS[i]})** {choice}" for i, choice in enumerate(reply.choices[:5]))
        )
    return clip("\n\n".join(parts), DESCRIPTION_LIMIT)


def embed_for(reply: Reply) -> discord.Embed:
    """The embed of a reply, within every embed limit (6,000 characters in all)."""
    colour = COLOUR_ERROR if reply.error else COLOUR_PRIVATE if reply.private else COLOUR_PUBLIC
    title = clip(reply.title, TITLE_LIMIT) if reply.title else None
    description = _description(reply)
    footer = clip(reply.footer, FOOTER_LIMIT) if reply.footer else None
    used = len(title or "") + len(description) + len(footer or "")
    if used > EMBED_TOTAL_LIMIT:
        description = clip(description, max(1, EMBED_TOTAL_LIMIT - used + len(description)))
        used = len(title or "") + len(description) + len(footer or "")
    embed = discord.Embed(title=title, description=description or None, colour=colour)
    for item in reply.fields[:FIELD_COUNT_LIMIT]:
        name = clip(item.name or "·", FIELD_NAME_LIMIT)
        value = clip(item.value or "—", FIELD_VALUE_LIMIT)
        room = EMBED_TOTAL_LIMIT - used - len(name)
        if room < 2:
            break
        value = clip(value, room)
        embed.add_field(name=name, value=value, inline=item.inline)
        used += len(name) + len(value)
    if footer:
        embed.set_footer(text=footer)
    return embed


def _specs(reply: Reply) -> tuple[list[ButtonSpec], list[str]]:
    specs: list[ButtonSpec] = []
    dropped: list[str] = []
    if reply.choices and reply.answer_action:
        for index, _ in enumerate(reply.choices[: len(LETTERS)]):
            letter = LETTERS[index]
            custom_id = action_id(f"{reply.answer_action}:{letter}")
            if custom_id is None:
                dropped.append(letter)
                continue
            specs.append(ButtonSpec(letter, custom_id, discord.ButtonStyle.primary))
    form_button_done = False
    for button in reply.buttons:
        if reply.answer_action and button.action == reply.answer_action:
            # A button that answers: a form for free text; choice buttons already answer.
            if not reply.wants_text_answer or form_button_done:
                continue
            custom_id = form_id(button.action)
            form_button_done = True
        else:
            custom_id = action_id(button.action)
        if custom_id is None:
            dropped.append(button.label)
            continue
        style = _STYLES.get(button.style, discord.ButtonStyle.secondary)
        specs.append(ButtonSpec(clip(button.label, LABEL_LIMIT), custom_id, style))
    if reply.wants_text_answer and reply.answer_action and not form_button_done:
        custom_id = form_id(reply.answer_action)
        if custom_id is None:
            dropped.append("Answer")
        else:
            # Placed first: answering is what the message asks for.
            specs.insert(0, ButtonSpec("Answer", custom_id, discord.ButtonStyle.primary))
    return specs, dropped


def rows_for(reply: Reply) -> tuple[tuple[tuple[ButtonSpec, ...], ...], tuple[str, ...]]:
    """The reply's buttons in rows of five, at most five rows, and what did not fit."""
    specs, dropped = _specs(reply)
    limit = BUTTONS_PER_ROW * ROW_LIMIT
    dropped += [spec.label for spec in specs[limit:]]
    specs = specs[:limit]
    rows = tuple(
        tuple(specs[start : start + BUTTONS_PER_ROW])
        for start in range(0, len(specs), BUTTONS_PER_ROW)
    )
    return rows, tuple(dropped)


def render(reply: Reply) -> Rendered:
    """The whole message for a reply."""
    rows, dropped = rows_for(reply)
    attachment = None
    if reply.attachment is not None:
        name, text = reply.attachment
        attachment = (clip(name, 100) or "prepbot.txt", text.encode("utf-8"))
    return Rendered(embed_for(reply), rows, attachment, dropped)


def closed(rendered: Rendered) -> Rendered:
    """The same message with every button disabled (answers have closed)."""
    rows = tuple(
        tuple(ButtonSpec(b.label, b.custom_id, b.style, disabled=True) for b in row)
        for row in rendered.rows
    )
    return Rendered(rendered.embed, rows, rendered.attachment, rendered.dropped)
