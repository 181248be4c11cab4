"""What Discord refuses in a message, a modal, autocomplete choices or a command: 50035 Invalid
Form Body with the nested `errors` object Discord returns (discord.py flattens it into the
exception text, e.g. ``In embeds.0.description: Must be 4096 or fewer in length.``).

Limits from https://discord.com/developers/docs/resources/message,
/interactions/message-components and /interactions/application-commands.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.discord.testing.state import walk_components

_COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


class FormErrors:
    """Collects errors by path and renders Discord's nested `errors` object."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[str, ...], str, str]] = []

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        self.items.append((tuple(str(p) for p in path), code, message))

    def max_length(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def max_items(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def __bool__(self) -> bool:
        return bool(self.items)

    def body(self) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        for path, code, message in self.items:
            node = errors
            for part in path:
                node = node.setdefault(part, {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def check_message(data: dict[str, Any], errors: FormErrors, *, files: int = 0) -> None:
    """A message create/edit body (channel message, interaction response, webhook message)."""
    errors.max_length(("content",), data.get("content"), 2000)
    embeds = data.get("embeds") or []
    errors.max_items(("embeds",), embeds, 10)
    total = 0
    for index, embed in enumerate(embeds):
        total += _check_embed(embed, errors, ("embeds", index))
    if total > 6000:
        errors.add(
            ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    check_components(data.get("components") or [], errors, ("components",))
    nonce = data.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        errors.add(("nonce",), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    attachments = data.get("attachments") or []
    errors.max_items(("attachments",), attachments, 10)
    if files > 10:
        errors.add(("files",), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")


def _check_embed(embed: dict[str, Any], errors: FormErrors, path: tuple[str | int, ...]) -> int:
    errors.max_length((*path, "title"), embed.get("title"), 256)
    errors.max_length((*path, "description"), embed.get("description"), 4096)
    fields = embed.get("fields") or []
    errors.max_items((*path, "fields"), fields, 25)
    size = len(embed.get("title") or "") + len(embed.get("description") or "")
    for index, item in enumerate(fields):
        field_path = (*path, "fields", index)
        name, value = item.get("name"), item.get("value")
        if not name:
            errors.add((*field_path, "name"), "BASE_TYPE_REQUIRED", "This field is required")
        if not value:
            errors.add((*field_path, "value"), "BASE_TYPE_REQUIRED", "This field is required")
        errors.max_length((*field_path, "name"), name, 256)
        errors.max_length((*field_path, "value"), value, 1024)
        size += len(name or "") + len(value or "")
    footer = embed.get("footer") or {}
    errors.max_length((*path, "footer", "text"), footer.get("text"), 2048)
    author = embed.get("author") or {}
    errors.max_length((*path, "author", "name"), author.get("name"), 256)
    return size + len(footer.get("text") or "") + len(author.get("name") or "")


def check_components(
    components: list[dict[str, Any]], errors: FormErrors, path: tuple[str | int, ...]
) -> None:
    """Classic message components: up to 5 action rows of up to 5 buttons or one select."""
    if any(c.get("type") == 1 for c in components):
        errors.max_items(path, components, 5)
    for index, row in enumerate(components):
        row_path = (*path, index)
        if row.get("type") != 1:
            continue
        children = row.get("components") or []
        if not children:
            errors.add((*row_path, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more.")
        buttons = [c for c in children if c.get("type") == 2]
        errors.max_items((*row_path, "components"), buttons, 5)
        if len(buttons) != len(children) and len(children) > 1:
            errors.add(
                (*row_path, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for position, child in enumerate(children):
            _check_interactive(child, errors, (*row_path, "components", position))
    seen: set[str] = set()
    for item in walk_components(components):
        custom_id = item.get("custom_id")
        if custom_id is None:
            continue
        if custom_id in seen:
            errors.add(
                path,
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(custom_id)


def _check_interactive(
    item: dict[str, Any], errors: FormErrors, path: tuple[str | int, ...]
) -> None:
    kind = item.get("type")
    errors.max_length((*path, "custom_id"), item.get("custom_id"), 100)
    if kind == 2:
        errors.max_length((*path, "label"), item.get("label"), 80)
        style = item.get("style")
        if style == 5:
            if not item.get("url"):
                errors.add((*path, "url"), "BASE_TYPE_REQUIRED", "This field is required")
        elif style != 6 and not item.get("custom_id"):
            errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    elif kind in (3, 5, 6, 7, 8):
        errors.max_length((*path, "placeholder"), item.get("placeholder"), 150)
        options = item.get("options") or []
        errors.max_items((*path, "options"), options, 25)
        for index, option in enumerate(options):
            errors.max_length((*path, "options", index, "label"), option.get("label"), 100)
            errors.max_length((*path, "options", index, "value"), option.get("value"), 100)
            errors.max_length(
                (*path, "options", index, "description"), option.get("description"), 100
            )
    elif kind == 4:
        errors.add(path, "COMPONENT_TYPE_INVALID", "Text inputs are only valid in modals")


def check_modal(data: dict[str, Any], errors: FormErrors) -> None:
    """A modal (callback type 9): title, custom_id, 1-5 rows or labels, text input limits."""
    path = ("data",)
    if not data.get("custom_id"):
        errors.add((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    errors.max_length((*path, "custom_id"), data.get("custom_id"), 100)
    if not data.get("title"):
        errors.add((*path, "title"), "BASE_TYPE_REQUIRED", "This field is required")
    errors.max_length((*path, "title"), data.get("title"), 45)
    components = data.get("components") or []
    if not components:
        errors.add((*path, "components"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more.")
    errors.max_items((*path, "components"), components, 5)
    for index, top in enumerate(components):
        top_path: tuple[str | int, ...] = (*path, "components", index)
        if top.get("type") == 1:
            children = [
                (child, (*top_path, "components", i))
                for i, child in enumerate(top.get("components") or [])
            ]
        elif top.get("type") == 18:
            errors.max_length((*top_path, "label"), top.get("label"), 45)
            errors.max_length((*top_path, "description"), top.get("description"), 100)
            children = [(top.get("component") or {}, (*top_path, "component"))]
        else:
            children = []
        for child, child_path in children:
            if child.get("type") != 4:
                continue
            errors.max_length((*child_path, "custom_id"), child.get("custom_id"), 100)
            errors.max_length((*child_path, "label"), child.get("label"), 45)
            errors.max_length((*child_path, "placeholder"), child.get("placeholder"), 100)
            errors.max_length((*child_path, "value"), child.get("value"), 4000)
            for key, low in (("min_length", 0), ("max_length", 1)):
                value = child.get(key)
                if value is not None and not low <= int(value) <= 4000:
                    errors.add(
                        (*child_path, key),
                        "NUMBER_TYPE_MAX" if int(value) > 4000 else "NUMBER_TYPE_MIN",
                        f"int value should be between {low} and 4000.",
                    )
            if child.get("style") not in (1, 2):
                errors.add(
                    (*child_path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}."
                )


def check_choices(data: dict[str, Any], errors: FormErrors) -> None:
    """An autocomplete result (callback type 8): up to 25 choices, names and values <= 100."""
    choices = data.get("choices")
    if not isinstance(choices, list):
        errors.add(("data", "choices"), "BASE_TYPE_REQUIRED", "This field is required")
        return
    errors.max_items(("data", "choices"), choices, 25)
    for index, choice in enumerate(choices):
        errors.max_length(("data", "choices", index, "name"), choice.get("name"), 100)
        errors.max_length(("data", "choices", index, "value"), choice.get("value"), 100)


def check_commands(commands: Any, errors: FormErrors) -> None:
    """A bulk overwrite of application commands."""
    if not isinstance(commands, list):
        errors.add((), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    errors.max_items((), commands, 100)
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        check_command(command, errors, (index,))
        key = (int(command.get("type", 1)), str(command.get("name")))
        if key in seen:
            errors.add(
                (index, "name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        seen.add(key)


def check_command(command: dict[str, Any], errors: FormErrors, path: tuple[str | int, ...]) -> None:
    name = command.get("name")
    kind = int(command.get("type", 1))
    if not isinstance(name, str) or (kind == 1 and not _valid_name(name)):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if kind == 1:
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            errors.add(
                (*path, "description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
    _check_options(command.get("options") or [], errors, (*path, "options"))


def _valid_name(name: str) -> bool:
    return bool(_COMMAND_NAME.match(name)) and name == name.lower()


def _check_options(
    options: list[dict[str, Any]], errors: FormErrors, path: tuple[str | int, ...]
) -> None:
    errors.max_items(path, options, 25)
    optional_seen = False
    names: set[str] = set()
    for index, option in enumerate(options):
        option_path = (*path, index)
        name = option.get("name")
        if not isinstance(name, str) or not _valid_name(name):
            errors.add((*option_path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Invalid name")
        if name in names:
            errors.add(
                (*option_path, "name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(name))
        description = option.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 100:
            errors.add(
                (*option_path, "description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            )
        if option.get("type") in (1, 2):
            _check_options(option.get("options") or [], errors, (*option_path, "options"))
            continue
        if option.get("required"):
            if optional_seen:
                errors.add(
                    (*option_path, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        errors.max_items((*option_path, "choices"), choices, 25)
        if choices and option.get("autocomplete"):
            errors.add(
                (*option_path, "autocomplete"),
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete cannot be set with choices",
            )
