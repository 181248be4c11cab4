"""Block Kit as Slack checks it: the documented limits, reported like Slack reports them.

Each problem reads `"<what> [json-pointer:/blocks/3/text/text]"`, the shape Slack returns in
`errors` / `response_metadata.messages`, so a failing test points at the offending field.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
FIELDS_LIMIT = 10
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ACTION_ID_LIMIT = 255
BLOCK_ID_LIMIT = 255
ACTIONS_ELEMENTS_LIMIT = 25
CONTEXT_ELEMENTS_LIMIT = 10
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
SELECT_OPTIONS_LIMIT = 100
INPUT_LABEL_LIMIT = 2000
PLAIN_TEXT_INPUT_LIMIT = 3000
VIEW_TITLE_LIMIT = 24
PRIVATE_METADATA_LIMIT = 3000
CALLBACK_ID_LIMIT = 255

_TEXT_TYPES = ("plain_text", "mrkdwn")
_SELECTS = (
    "static_select",
    "multi_static_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "external_select",
    "multi_external_select",
)
_INPUT_ELEMENTS = (
    "plain_text_input",
    "number_input",
    "email_text_input",
    "url_text_input",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
    "rich_text_input",
    "file_input",
    *_SELECTS,
)
_ACTION_ELEMENTS = (
    "button",
    "overflow",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
    "workflow_button",
    *_SELECTS,
)
_BLOCK_TYPES = (
    "section",
    "header",
    "divider",
    "context",
    "actions",
    "input",
    "image",
    "rich_text",
    "file",
    "video",
    "markdown",
)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, pointer: str, what: str) -> None:
        self.problems.append(f"{what} [json-pointer:{pointer}]")

    def text(
        self,
        obj: Any,
        pointer: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.fail(pointer, "missing required field: text")
            return
        if not isinstance(obj, dict):
            self.fail(pointer, "expected an object")
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else _TEXT_TYPES
        if kind not in allowed:
            self.fail(f"{pointer}/type", f"must be one of {', '.join(allowed)}")
        value = obj.get("text")
        if not isinstance(value, str) or not value:
            self.fail(f"{pointer}/text", "must be a non-empty string")
        elif len(value) > limit:
            self.fail(f"{pointer}/text", f"must be less than {limit + 1} characters")

    def length(self, value: Any, pointer: str, limit: int) -> None:
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            self.fail(pointer, f"must be a string of at most {limit} characters")

    def options(self, options: Any, pointer: str, limit: int) -> None:
        if not isinstance(options, list) or not 1 <= len(options) <= limit:
            self.fail(pointer, f"must hold between 1 and {limit} items")
            return
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                self.fail(f"{pointer}/{i}", "expected an object")
                continue
            self.text(option.get("text"), f"{pointer}/{i}/text", OPTION_TEXT_LIMIT)
            value = option.get("value")
            if not isinstance(value, str) or not value:
                self.fail(f"{pointer}/{i}/value", "must be a non-empty string")
            else:
                self.length(value, f"{pointer}/{i}/value", OPTION_VALUE_LIMIT)

    def element(self, element: Any, pointer: str, allowed: tuple[str, ...]) -> str | None:
        if not isinstance(element, dict):
            self.fail(pointer, "expected an object")
            return None
        kind = element.get("type")
        if kind not in allowed and kind != "image":
            self.fail(f"{pointer}/type", f"unsupported element type {kind!r}")
            return None
        action_id = element.get("action_id")
        self.length(action_id, f"{pointer}/action_id", ACTION_ID_LIMIT)
        if kind == "button":
            self.text(element.get("text"), f"{pointer}/text", BUTTON_TEXT_LIMIT, plain_only=True)
            self.length(element.get("value"), f"{pointer}/value", BUTTON_VALUE_LIMIT)
            self.length(element.get("url"), f"{pointer}/url", 3000)
            if element.get("style") not in (None, "primary", "danger"):
                self.fail(f"{pointer}/style", "must be primary or danger")
        elif kind == "static_select" or kind == "multi_static_select":
            if "option_groups" not in element:
                self.options(element.get("options"), f"{pointer}/options", SELECT_OPTIONS_LIMIT)
        elif kind == "overflow":
            self.options(element.get("options"), f"{pointer}/options", 5)
        elif kind in ("radio_buttons", "checkboxes"):
            self.options(element.get("options"), f"{pointer}/options", 10)
        elif kind == "plain_text_input":
            for key in ("max_length", "min_length"):
                bound = element.get(key)
                if bound is not None and (
                    not isinstance(bound, int) or not 0 <= bound <= PLAIN_TEXT_INPUT_LIMIT
                ):
                    self.fail(f"{pointer}/{key}", f"must be at most {PLAIN_TEXT_INPUT_LIMIT}")
            self.length(element.get("initial_value"), f"{pointer}/initial_value", 3000)
        if element.get("placeholder") is not None:
            self.text(element["placeholder"], f"{pointer}/placeholder", 150, plain_only=True)
        return str(action_id) if isinstance(action_id, str) else None

    def block(self, block: Any, pointer: str, surface: str) -> None:
        if not isinstance(block, dict):
            self.fail(pointer, "expected an object")
            return
        kind = block.get("type")
        if kind not in _BLOCK_TYPES:
            self.fail(f"{pointer}/type", f"unsupported block type {kind!r}")
            return
        action_ids: list[str] = []
        if kind == "section":
            if block.get("text") is None and block.get("fields") is None:
                self.fail(pointer, "must provide text or fields")
            if block.get("text") is not None:
                self.text(block["text"], f"{pointer}/text", SECTION_TEXT_LIMIT)
            fields = block.get("fields")
            if fields is not None:
                if not isinstance(fields, list) or not 1 <= len(fields) <= FIELDS_LIMIT:
                    self.fail(f"{pointer}/fields", f"must hold between 1 and {FIELDS_LIMIT} items")
                else:
                    for i, item in enumerate(fields):
                        self.text(item, f"{pointer}/fields/{i}", FIELD_TEXT_LIMIT)
            if block.get("accessory") is not None:
                found = self.element(block["accessory"], f"{pointer}/accessory", _ACTION_ELEMENTS)
                action_ids += [found] if found else []
        elif kind == "header":
            self.text(block.get("text"), f"{pointer}/text", HEADER_TEXT_LIMIT, plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= CONTEXT_ELEMENTS_LIMIT:
                self.fail(
                    f"{pointer}/elements", f"must hold between 1 and {CONTEXT_ELEMENTS_LIMIT} items"
                )
            else:
                for i, item in enumerate(elements):
                    if isinstance(item, dict) and item.get("type") == "image":
                        continue
                    self.text(item, f"{pointer}/elements/{i}", SECTION_TEXT_LIMIT)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= ACTIONS_ELEMENTS_LIMIT:
                self.fail(
                    f"{pointer}/elements", f"must hold between 1 and {ACTIONS_ELEMENTS_LIMIT} items"
                )
            else:
                for i, item in enumerate(elements):
                    found = self.element(item, f"{pointer}/elements/{i}", _ACTION_ELEMENTS)
                    action_ids += [found] if found else []
        elif kind == "input":
            self.text(block.get("label"), f"{pointer}/label", INPUT_LABEL_LIMIT, plain_only=True)
            if block.get("hint") is not None:
                self.text(block["hint"], f"{pointer}/hint", INPUT_LABEL_LIMIT, plain_only=True)
            if block.get("element") is None:
                self.fail(f"{pointer}/element", "missing required field: element")
            else:
                self.element(block["element"], f"{pointer}/element", _INPUT_ELEMENTS)
        elif kind == "image":
            self.length(block.get("alt_text"), f"{pointer}/alt_text", 2000)
            if not block.get("image_url") and not block.get("slack_file"):
                self.fail(f"{pointer}/image_url", "missing required field: image_url")
        if len(set(action_ids)) != len(action_ids):
            self.fail(pointer, "action_id values must be unique within a block")


def check_blocks(blocks: Any, *, surface: str, pointer: str = "/blocks") -> list[str]:
    """Problems Slack would report for `blocks` on `surface` (message, modal or home)."""
    checker = _Checker()
    if not isinstance(blocks, list):
        checker.fail(pointer, "expected an array")
        return checker.problems
    limit = MESSAGE_BLOCK_LIMIT if surface == "message" else VIEW_BLOCK_LIMIT
    if len(blocks) > limit:
        checker.fail(pointer, f"no more than {limit} items allowed")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        checker.block(block, f"{pointer}/{i}", surface)
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if not isinstance(block_id, str) or len(block_id) > BLOCK_ID_LIMIT:
                checker.fail(f"{pointer}/{i}/block_id", f"must be at most {BLOCK_ID_LIMIT} chars")
            elif block_id in seen:
                checker.fail(f"{pointer}/{i}/block_id", "block_id values must be unique")
            else:
                seen.add(block_id)
    return checker.problems


def check_view(view: Any, *, surface: str) -> list[str]:
    """Problems Slack would report for a view payload (views.open/push/update/publish)."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("/view", "expected an object")
        return checker.problems
    kind = view.get("type")
    if kind != surface:
        checker.fail("/view/type", f"must be {surface}")
    if surface == "modal":
        checker.text(view.get("title"), "/view/title", VIEW_TITLE_LIMIT, plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.text(view[key], f"/view/{key}", VIEW_TITLE_LIMIT, plain_only=True)
        blocks = view.get("blocks") or []
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            checker.fail("/view/submit", "must provide submit when the view has input blocks")
    checker.length(view.get("private_metadata"), "/view/private_metadata", PRIVATE_METADATA_LIMIT)
    checker.length(view.get("callback_id"), "/view/callback_id", CALLBACK_ID_LIMIT)
    checker.length(view.get("external_id"), "/view/external_id", 255)
    return checker.problems + check_blocks(
        view.get("blocks", []), surface=surface, pointer="/view/blocks"
    )


def find_element(
    blocks: list[dict[str, Any]], action_id: str, value: str | None = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The (block, element) a user can act on with `action_id` (and, for buttons, `value`)."""
    for block in blocks:
        candidates: list[dict[str, Any]] = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements", []))
        elif block.get("type") == "section" and block.get("accessory"):
            candidates = [block["accessory"]]
        elif block.get("type") == "input" and block.get("element"):
            candidates = [block["element"]]
        for element in candidates:
            if element.get("action_id") != action_id:
                continue
            if (
                value is not None
                and element.get("type") == "button"
                and element.get("value") != value
            ):
                continue
            return block, element
    return None


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options += group.get("options", [])
    return options


def normalise(blocks: list[dict[str, Any]], new_id: Any) -> list[dict[str, Any]]:
    """Blocks as Slack stores them: every block gets a block_id and every interactive element
    an action_id (Slack generates them), so interaction payloads can always name both."""
    out: list[dict[str, Any]] = []
    for block in blocks:
        copy = dict(block)
        copy.setdefault("block_id", new_id())
        if copy.get("type") == "actions":
            copy["elements"] = [_with_action_id(e, new_id) for e in copy.get("elements", [])]
        for key in ("accessory", "element"):
            if isinstance(copy.get(key), dict):
                copy[key] = _with_action_id(copy[key], new_id)
        out.append(copy)
    return out


def _with_action_id(element: Any, new_id: Any) -> Any:
    if isinstance(element, dict) and element.get("type") not in ("image", None):
        element = dict(element)
        element.setdefault("action_id", new_id())
    return element


# What Slack turns into a notification when it appears in mrkdwn: @channel, @here,
# @everyone, a user, a user group. Escaped (&lt;!channel&gt;) or in plain_text, it is inert.
_MENTION = re.compile(r"<(!channel|!here|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)(\|[^>]*)?>")


def mentions(text: str, blocks: list[dict[str, Any]]) -> list[str]:
    """The live mentions a message would fire: in its text (mrkdwn by default) and in every
    mrkdwn text object of its blocks; e.g. ["!channel", "@U0123ABCD"]."""
    found = _MENTION.findall(text or "")
    for obj in _text_objects(blocks):
        if obj.get("type") == "mrkdwn" and not obj.get("verbatim", False):
            found += _MENTION.findall(str(obj.get("text", "")))
    return [m[0] for m in found]


def _text_objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [t for item in node for t in _text_objects(item)]
    if not isinstance(node, dict):
        return []
    if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
        return [node]
    return [t for value in node.values() for t in _text_objects(value)]
