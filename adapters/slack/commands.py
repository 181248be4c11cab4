"""`/prep SUBCOMMAND ...`: Slack's one slash command mapped onto the core's catalogue.

Slack apps get one command per feature area; prepbot's catalogue lives in the core, so the
subcommand is looked up there (`bot.commands.BY_NAME`) and the line handed to
`Prepbot.handle_text` as `/SUBCOMMAND ...`. A command added to the catalogue works here with
no change; an unknown or missing subcommand answers with the help.
"""

from __future__ import annotations

import re

from adapters.slack.render import unescape
from bot.app import Prepbot
from bot.commands import BY_NAME, help_text
from bot.services.context import Caller
from bot.views import Reply

SLASH = "/prep"
HELP_TITLE = "prepbot commands"
HELP_FOOTER = "Type /prep followed by a command, e.g. /prep quiz llms"


# Slack's markup in typed text (slash commands with should_escape, DM messages):
# <@U123|ann>, <#C123|general>, <!here>, <https://x|label>.
_MARKUP = re.compile(r"<([@#!]?)([^<>|]+)(?:\|[^<>]*)?>")


def typed_text(raw: str) -> str:
    """What a member typed, as the core wants it: a mentioned member or channel as its id
    (`/prep forget-member @ann` arrives as `<@U123|ann>`), links as plain URLs, and Slack's
    `&amp;`, `&lt;`, `&gt;` turned back into characters."""

    def plain(match: re.Match[str]) -> str:
        sigil, body = match.group(1), match.group(2)
        if sigil == "!":
            return "@" + body
        return body

    return unescape(_MARKUP.sub(plain, raw))


def help_reply(unknown: str | None = None) -> Reply:
    lead = ""
    if unknown:
        lead = f"I don't know `{unknown[:40]}`. These are the commands:\n"
    return Reply(title=HELP_TITLE, text=lead + help_text(), footer=HELP_FOOTER)


def subcommand(text: str) -> tuple[str, str]:
    """(subcommand casefolded, the rest) of a `/prep` command's text."""
    stripped = text.strip()
    if not stripped:
        return "", ""
    head, _, rest = stripped.partition(" ")
    return head.casefold().lstrip("/"), rest.strip()


async def run_prep(core: Prepbot, caller: Caller, text: str) -> Reply:
    """Run `/prep TEXT` for `caller`."""
    name, rest = subcommand(text)
    if not name or name == "help":
        return help_reply()
    if name not in BY_NAME:
        return help_reply(name)
    line = f"/{name} {rest}" if rest else f"/{name}"
    return await core.handle_text(caller, line)
