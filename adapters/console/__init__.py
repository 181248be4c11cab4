"""The terminal adapter: the embedded default and the end-to-end test harness."""

from __future__ import annotations

import asyncio
import getpass
import itertools
import logging
import sys
from collections.abc import Callable
from typing import TextIO

from bot.app import Prepbot
from bot.commands import Command, help_text
from bot.ports import SentMessage, Target
from bot.services.context import Caller
from bot.views import Reply

log = logging.getLogger(__name__)

PLATFORM = "console"
COMMUNITY = "local"
CHANNEL = "terminal"

CONSOLE_COMMANDS = (Command("as", "Switch to another member, e.g. /as alice (console only)."),)


def render(reply: Reply) -> str:
    """Console rendering of a neutral reply."""
    text = reply.plain_text()
    return f"! {text}" if reply.error else text


class ConsoleChat:
    """The console's ChatPort: what the bot posts by itself (the question of the day, its
    reveal, the weekly digest) is printed as it happens, marked with its channel. The
    terminal has no threads."""

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self.write = write or (lambda text: print(text, flush=True))
        self._ids = itertools.count(1)

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        message_id = f"console-{next(self._ids)}"
        self.write(f"[#{target.channel}] {render(reply)}")
        return SentMessage(target, message_id)

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        self.write(f"[#{message.target.channel}, edited] {render(reply)}")

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        return None


class ConsoleSession:
    """One terminal user, who can play several members with `/as NAME`.

    `exec(line)` returns what the terminal would print, which makes it the test backend:
    `assert "Correct" in await session.exec("A")`.
    """

    def __init__(self, core: Prepbot, member: str | None = None, timezone: str = "UTC") -> None:
        self.core = core
        self.timezone = timezone
        self.member = member or _default_member()

    def caller(self) -> Caller:
        return Caller(
            platform=PLATFORM,
            community_external_id=COMMUNITY,
            community_name="Local practice",
            member_external_id=self.member.casefold(),
            display_name=self.member,
            channel_external_id=CHANNEL,
            timezone=self.timezone,
            # Whoever runs the terminal owns the local community.
            is_admin=True,
        )

    async def exec(self, line: str) -> str:
        text = line.strip()
        if not text:
            return ""
        lowered = text.casefold()
        if lowered == "/as" or lowered.startswith("/as "):
            name = " ".join(text.split()[1:]).strip()
            if not name or len(name) > 32 or not all(ch.isalnum() or ch in "-_." for ch in name):
                return "! Usage: /as NAME (letters, digits, - _ . ; up to 32 characters)"
            self.member = name
            return f"You are now {name}."
        if lowered in ("/help", "/help "):
            return render(
                Reply(
                    text=help_text(CONSOLE_COMMANDS),
                    title="prepbot commands",
                    footer=(
                        "A line that is not a command answers your current question. "
                        "Question of the day: /qotd answer TEXT, or /qotd answer and then "
                        "type your answer on the next line."
                    ),
                )
            )
        return render(await self.core.handle_text(self.caller(), text))


def _default_member() -> str:
    try:
        name = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        name = "you"
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_.")[:32] or "you"


async def run_repl(
    session: ConsoleSession,
    stdin: TextIO | None = None,
    write: Callable[[str], None] | None = None,
) -> int:
    """Read lines until end of input. Works with a pipe as well as a terminal."""
    source = stdin or sys.stdin
    out = write or (lambda text: print(text, flush=True))
    interactive = source.isatty()
    out("prepbot console. /help for commands, /quiz for a question, Ctrl-D to leave.")
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            print(f"{session.member}> ", end="", flush=True)
        line = await loop.run_in_executor(None, source.readline)
        if line == "":
            if interactive:
                out("")
            out("Bye.")
            return 0
        try:
            reply = await session.exec(line)
        except Exception:
            # A bug must not end the session: log it for us, tell the user plainly.
            log.exception("console command failed: %r", line[:80])
            reply = "! Something went wrong on our side; nothing you saved was lost. Try again."
        if reply:
            out(reply)
