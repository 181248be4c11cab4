"""A neutral `Reply` as Slack Block Kit: pure functions, no I/O.

Every piece of text that reaches Slack goes through `escape`, so a name, cohort or answer
holding `<!channel>` or `<@U123>` is shown, never resolved into a mention. Slack's limits
are enforced here (a message over them is refused with `invalid_blocks`): 50 blocks per
message (100 in a view), 3,000 characters in a section, 2,000 in a field, 75 in a button's
text, 2,000 in its value and 255 in an action_id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.commands import COMMANDS
from bot.views import LETTERS, Reply

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BUTTONS = 25
MAX_FALLBACK = 3000
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000
# Slack's plain-text input takes at most 3,000 characters.
MAX_ANSWER = 3000

# Block Kit action ids: a button that runs `Prepbot.act` with its value, and one that opens
# the answer modal for the action in its value.
ACT = "prep:act"
FORM = "prep:form"
ANSWER_MODAL = "prep:answer"
ANSWER_BLOCK = "answer"
ANSWER_INPUT = "text"

_COMMAND_NAMES = sorted((c.name for c in COMMANDS), key=len, reverse=True)
# "/quiz" in the core's texts is "/prep quiz" in Slack. Only at a word start (not in URLs)
# and only for catalogue names, so a new command is translated with no change here.
_COMMAND_REFERENCE = re.compile(
    r"(?<![\w/.:])/(" + "|".join(re.escape(n) for n in _COMMAND_NAMES) + r")(?![\w-])"
)


def escape(text: str) -> str:
    """Text safe in mrkdwn: Slack's three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What a member typed, from Slack's escaped form (slash command and message text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_commands(text: str) -> str:
    """The core names commands as `/name`; in Slack they are `/prep name`."""
    return _COMMAND_REFERENCE.sub(r"/prep \1", text)


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, marking a cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip_escaped(text: str, limit: int) -> str:
    """Escape, then clip without cutting an entity (`&amp;`) in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - 1]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def mrkdwn(text: str, limit: int = MAX_SECTION) -> dict[str, str]:
    return {"type": "mrkdwn", "text": _clip_escaped(slack_commands(text), limit)}


def plain(text: str, limit: int) -> dict[str, Any]:
    # plain_text never resolves mentions, but `&`, `<` and `>` are still entities there.
    return {"type": "plain_text", "text": _clip_escaped(text, limit) or " ", "emoji": True}


def _sections(text: str) -> list[Block]:
    """Long text as several sections, split at line ends where possible."""
    escaped = escape(slack_commands(text))
    blocks: list[Block] = []
    while escaped:
        if len(escaped) <= MAX_SECTION:
            chunk, escaped = escaped, ""
        else:
            cut = escaped.rfind("\n", 0, MAX_SECTION)
            if cut <= 0:
                cut = escaped.rfind(" ", 0, MAX_SECTION)
            if cut <= 0:
                cut = MAX_SECTION
            amp = escaped.rfind("&", 0, cut)
            if amp != -1 and ";" not in escaped[amp:cut]:
                cut = amp  # never split an entity
            chunk, escaped = escaped[:cut], escaped[cut:].lstrip("\n")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    return blocks


def _bold(text: str) -> str:
    # mrkdwn bold breaks on asterisks inside; a title never needs one.
    return "*" + text.replace("*", "＊") + "*"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message: the notification/fallback text and its blocks."""

    text: str
    blocks: list[Block]


def button(label: str, action_id: str, value: str, style: str = "secondary") -> Block:
    element: Block = {
        "type": "button",
        "text": plain(label, MAX_BUTTON_TEXT),
        "action_id": action_id[:MAX_ACTION_ID],
        "value": value[:MAX_VALUE],
    }
    if style in ("primary", "danger"):
        element["style"] = style
    return element


MAX_FORM_QUESTION = 1500


def form_value(action: str, question: str) -> str:
    """A modal opener's value: the action, and the question to show above the text box
    (an ephemeral message's button press carries no copy of the message)."""
    value = json.dumps({"a": action, "q": question}, separators=(",", ":"))
    if len(value) > MAX_VALUE:
        trimmed = clip(question, max(0, MAX_FORM_QUESTION - (len(value) - MAX_VALUE)))
        value = json.dumps({"a": action, "q": trimmed}, separators=(",", ":"))
    return value[:MAX_VALUE]


def read_form_value(value: str) -> tuple[str, str]:
    """(action, question) of a modal opener; a bare action from older messages works."""
    try:
        data = json.loads(value)
    except ValueError:
        return value, ""
    if isinstance(data, dict) and isinstance(data.get("a"), str):
        question = data.get("q")
        return data["a"], question if isinstance(question, str) else ""
    return value, ""


def _buttons(reply: Reply) -> list[Block]:
    """The reply's buttons: lettered choices, then its own, then a modal opener if the
    answer is free text. A button whose action is the answer itself (e.g. the daily
    question's "Answer privately") opens the modal, since it carries no answer."""
    if reply.closed:
        return []  # answers have closed (a revealed daily question): nothing to press
    elements: list[Block] = []
    action = reply.answer_action
    asked = clip(reply.text, MAX_FORM_QUESTION)
    if action and reply.choices:
        for index, _ in enumerate(reply.choices[: len(LETTERS)]):
            letter = LETTERS[index]
            elements.append(button(letter, f"{ACT}:{len(elements)}", f"{action}:{letter}"))
    wants_form = bool(action and reply.wants_text_answer)
    for item in reply.buttons:
        if action and item.action == action:
            if reply.choices and not reply.wants_text_answer:
                continue  # the lettered buttons answer it
            elements.append(
                button(item.label, f"{FORM}:{len(elements)}", form_value(action, asked), item.style)
            )
            wants_form = False
            continue
        elements.append(button(item.label, f"{ACT}:{len(elements)}", item.action, item.style))
    if wants_form and action:
        elements.append(
            button(
                "Write your answer", f"{FORM}:{len(elements)}", form_value(action, asked), "primary"
            )
        )
    blocks = []
    for start in range(0, len(elements), MAX_BUTTONS):
        blocks.append({"type": "actions", "elements": elements[start : start + MAX_BUTTONS]})
    return blocks


def _fields(reply: Reply) -> list[Block]:
    blocks: list[Block] = []
    inline: list[dict[str, str]] = []

    def flush() -> None:
        while inline:
            blocks.append({"type": "section", "fields": inline[:MAX_FIELDS]})
            del inline[:MAX_FIELDS]

    for item in reply.fields:
        if item.inline:
            inline.append(
                {
                    "type": "mrkdwn",
                    "text": _bold(_clip_escaped(item.name, 200))
                    + "\n"
                    + _clip_escaped(slack_commands(item.value), MAX_FIELD - 210),
                }
            )
            continue
        flush()
        name = _bold(_clip_escaped(item.name, 200))
        value = _sections(item.value) or [{"type": "section", "text": mrkdwn(" ")}]
        first = value[0]["text"]["text"]
        if len(name) + 1 + len(first) <= MAX_SECTION:
            value[0]["text"]["text"] = f"{name}\n{first}"
            blocks.extend(value)
        else:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": name}})
            blocks.extend(value)
    flush()
    return blocks


def blocks_for(reply: Reply, limit: int = MAX_BLOCKS) -> list[Block]:
    """The reply as Block Kit blocks, never more than `limit`."""
    blocks: list[Block] = []
    if reply.title:
        prefix = ":warning: " if reply.error else ""
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": prefix + _bold(_clip_escaped(reply.title, 280))},
            }
        )
    text = reply.text
    if reply.error and not reply.title:
        text = f":warning: {text}" if text else ":warning:"
    blocks.extend(_sections(text))
    if reply.choices:
        lines = [
            f"*{LETTERS[i]})* {_clip_escaped(choice, 550)}"
            for i, choice in enumerate(reply.choices[: len(LETTERS)])
        ]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}})
    blocks.extend(_fields(reply))
    if reply.attachment:
        name = reply.attachment[0]
        blocks.append({"type": "context", "elements": [mrkdwn(f"Attached: {name}", MAX_FIELD)]})
    footer: list[Block] = []
    if reply.footer:
        footer.append({"type": "context", "elements": [mrkdwn(reply.footer, MAX_FIELD)]})
    actions = _buttons(reply)
    room = limit - len(actions) - len(footer)
    if len(blocks) > room:
        blocks = blocks[: max(room - 1, 0)]
        blocks.append({"type": "context", "elements": [mrkdwn("(shortened: too long for Slack)")]})
    return [*blocks, *actions, *footer][:limit]


def fallback_text(reply: Reply) -> str:
    """The notification text (and what screen readers get): title or text, escaped."""
    head = reply.title or reply.text or "prepbot"
    return _clip_escaped(slack_commands(head), MAX_FALLBACK)


def render(reply: Reply) -> Rendered:
    return Rendered(fallback_text(reply), blocks_for(reply))


def home_view(reply: Reply) -> Block:
    """The App Home tab for a dashboard reply."""
    return {"type": "home", "blocks": blocks_for(reply, MAX_VIEW_BLOCKS)}


@dataclass(frozen=True, slots=True)
class ModalTarget:
    """What an answer modal carries in `private_metadata`: where the answer goes (a core
    action, or a `/command` line the text completes) and where the result is shown."""

    action: str
    channel: str | None = None
    response_url: str | None = None

    def dump(self) -> str:
        data = {"a": self.action, "c": self.channel, "r": self.response_url}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: object) -> ModalTarget | None:
        """None for metadata that is not ours (unreadable, wrong types)."""
        if not isinstance(raw, str) or len(raw) > MAX_PRIVATE_METADATA:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        action, channel, url = data.get("a"), data.get("c"), data.get("r")
        if not isinstance(action, str) or not action:
            return None
        if channel is not None and not isinstance(channel, str):
            return None
        if url is not None and not isinstance(url, str):
            return None
        return cls(action, channel, url)


def answer_modal(target: ModalTarget, question: str, title: str = "Your answer") -> Block:
    """The modal that collects a free-text answer, with the question shown above it."""
    blocks: list[Block] = []
    if question.strip():
        blocks.extend(_sections(clip(question, 2 * MAX_SECTION))[:2])
    blocks.append(
        {
            "type": "input",
            "block_id": ANSWER_BLOCK,
            "label": plain("Your answer", 2000),
            "hint": plain(
                f"Up to {MAX_ANSWER:,} characters (Slack's limit for this box). "
                "Only you see your answer and its grade.",
                2000,
            ),
            "element": {
                "type": "plain_text_input",
                "action_id": ANSWER_INPUT,
                "multiline": True,
                "max_length": MAX_ANSWER,
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": ANSWER_MODAL,
        "title": plain(clip(title, MAX_MODAL_TITLE), MAX_MODAL_TITLE),
        "submit": plain("Submit", 24),
        "close": plain("Cancel", 24),
        "private_metadata": target.dump(),
        "blocks": blocks,
    }


def question_text(blocks: Iterable[Block]) -> str:
    """The text of a message's first sections (the question a modal answers), un-escaped
    only as far as needed to show it again in the modal (escaped again there)."""
    parts: list[str] = []
    for block in blocks:
        if block.get("type") != "section" or not isinstance(block.get("text"), dict):
            continue
        text = block["text"].get("text")
        if isinstance(text, str):
            parts.append(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        if len(parts) == 3:
            break
    return "\n".join(parts)
