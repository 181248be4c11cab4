"""The core's command catalogue (bot/commands.py) as Discord application commands.

Nothing here lists commands: every catalogue entry becomes a slash command (a group when
it has subcommands), its options typed from the catalogue's metadata: choices, member and
channel pickers, autocomplete for topics and cohorts, long text (a modal when left out).
A command added to the catalogue appears in Discord with the next sync.

Admin commands carry `default_permissions` (Manage Server), so Discord hides them from
members by default; the core still checks the role on every call, because server admins
can change who sees a command.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import discord
from discord import app_commands

from adapters.discord.components import command_form
from adapters.discord.interactions import Handler
from bot.commands import COMMANDS, MAX_LONG_TEXT, Command, CommandError, Option
from bot.content.topics import TOPICS
from bot.services.settings import timezone_names
from bot.views import error

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 100
CHOICE_LIMIT = 25
TEXT_OPTION_LIMIT = 200
ADMIN_PERMISSIONS = discord.Permissions(manage_guild=True)


def _describe(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _annotation(option: Option) -> Any:
    if option.kind == "member":
        return discord.User
    if option.kind == "channel":
        return discord.TextChannel
    if option.kind == "long":
        return app_commands.Range[str, 1, MAX_LONG_TEXT]
    return app_commands.Range[str, 1, TEXT_OPTION_LIMIT]


def _value(option: Option, raw: Any) -> str | None:
    """An option's value as the core's text argument (users and channels by id)."""
    if raw is None:
        return None
    if option.kind in ("member", "channel"):
        return str(raw.id)
    if isinstance(raw, app_commands.Choice):
        return str(raw.value)
    return str(raw)


Suggest = Callable[[discord.Interaction[Any], str], Awaitable[list[app_commands.Choice[str]]]]


def suggestions(handler: Handler) -> dict[str, Suggest]:
    """Autocomplete sources named by the catalogue's `Option.suggest`."""

    async def topics(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        found = [
            app_commands.Choice(name=f"{title} ({key})"[:100], value=key)
            for key, title in TOPICS.items()
            if wanted in key or wanted in title.casefold()
        ]
        return found[:CHOICE_LIMIT]

    async def cohorts(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        caller = handler.caller(interaction)
        if caller is None:
            return []
        try:
            names = await handler.core.cohorts.names(caller, current, CHOICE_LIMIT)
        except Exception:  # noqa: BLE001 - no suggestions beat a failed interaction
            log.exception("discord: cohort suggestions failed")
            return []
        return [app_commands.Choice(name=name[:100], value=name[:100]) for name in names]

    async def timezones(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        found = [
            app_commands.Choice(name=zone, value=zone)
            for zone in timezone_names()
            if wanted in zone.casefold()
        ]
        return found[:CHOICE_LIMIT]

    return {"topics": topics, "cohorts": cohorts, "timezones": timezones}


def _callback(
    handler: Handler, path: tuple[str, ...], command: Command, sources: dict[str, Suggest]
) -> Callable[..., Awaitable[None]]:
    """A command callback whose signature discord.py reads the options from."""
    name, prefix = path[0], path[1:]
    long_alone = len(command.options) == 1 and command.options[0].kind == "long"

    async def run(interaction: discord.Interaction[Any], **values: Any) -> None:
        texts = {
            option.name: _value(option, values.get(_py(option.name))) for option in command.options
        }
        if long_alone and not texts[command.options[0].name]:
            # Discord has no "your next message": the text comes through a form.
            form = command_form(path, command.help)
            if form is not None and handler.caller(interaction) is not None:
                await handler.open_form_modal(interaction, form)
                return
        try:
            args = (*prefix, *command.arguments(texts))
        except CommandError as exc:
            await handler.refuse(interaction, error(str(exc)))
            return
        too_long = [v for v in texts.values() if v is not None and len(v) > MAX_LONG_TEXT]
        if too_long:
            await handler.refuse(
                interaction,
                error(
                    f"That is {len(too_long[0]):,} characters; the limit is {MAX_LONG_TEXT:,}. "
                    "Nothing was recorded."
                ),
            )
            return
        await handler.command(interaction, name, args)

    parameters = [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD),
    ]
    descriptions: dict[str, str] = {}
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    complete: dict[str, Suggest] = {}
    renames: dict[str, str] = {}
    for option in sorted(command.options, key=lambda o: not o.required):
        py_name = _py(option.name)
        if py_name != option.name:
            renames[py_name] = option.name
        parameters.append(
            inspect.Parameter(
                py_name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                default=inspect.Parameter.empty if option.required else None,
            )
        )
        descriptions[py_name] = _describe(option.help)
        if option.choices:
            choices[py_name] = [
                app_commands.Choice(name=c, value=c) for c in option.choices[:CHOICE_LIMIT]
            ]
        elif option.suggest in sources:
            complete[py_name] = sources[option.suggest]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    run.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    run.__discord_app_commands_param_autocomplete__ = complete  # type: ignore[attr-defined]
    run.__discord_app_commands_param_rename__ = renames  # type: ignore[attr-defined]
    run.__qualname__ = run.__name__ = "_".join(_py(p) for p in path)
    return run


def _py(name: str) -> str:
    return name.replace("-", "_")


def _leaf(
    handler: Handler,
    path: tuple[str, ...],
    command: Command,
    sources: dict[str, Suggest],
    parent: app_commands.Group | None = None,
) -> app_commands.Command[Any, ..., None]:
    return app_commands.Command(
        name=command.name,
        description=_describe(command.help),
        callback=cast(Any, _callback(handler, path, command, sources)),
        parent=parent,
    )


def build_commands(
    handler: Handler, catalogue: Sequence[Command] = COMMANDS
) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    """Every catalogue command as an application command."""
    sources = suggestions(handler)
    built: list[app_commands.Command[Any, ..., None] | app_commands.Group] = []
    for command in catalogue:
        top: app_commands.Command[Any, ..., None] | app_commands.Group
        if command.subcommands:
            top = app_commands.Group(name=command.name, description=_describe(command.help))
            for sub in command.subcommands:
                top.add_command(_leaf(handler, (command.name, sub.name), sub, sources, top))
        else:
            top = _leaf(handler, (command.name,), command, sources)
        top.guild_only = True
        if command.role == "admin":
            top.default_permissions = ADMIN_PERMISSIONS
        built.append(top)
    return built


def build_tree(
    client: discord.Client, handler: Handler, catalogue: Sequence[Command] = COMMANDS
) -> app_commands.CommandTree[Any]:
    """The client's command tree, with every catalogue command and an error handler that
    answers instead of leaving the member with "the application did not respond"."""
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    for command in build_commands(handler, catalogue):
        tree.add_command(command)

    async def on_error(
        interaction: discord.Interaction[Any], exc: app_commands.AppCommandError
    ) -> None:
        log.warning("discord: command failed: %s", exc, exc_info=exc)
        await handler.apologise(interaction)

    tree.on_error = on_error  # type: ignore[method-assign]
    return tree


def tree_payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    return [command.to_dict(tree) for command in tree.get_commands()]


def tree_hash(tree: app_commands.CommandTree[Any]) -> str:
    """A fingerprint of what a sync would upload: start-up syncs only when it changed."""
    encoded = json.dumps(tree_payload(tree), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()
