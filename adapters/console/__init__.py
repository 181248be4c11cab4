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

CONSOLE_COMMANDS = (
    Command(
        "as",
        "Play another member: /as alice (an admin, like whoever runs the terminal), "
        "/as bob member (a member without admin rights) (console only).",
    ),
)
# A line holding only this starts a multi-line answer, and another one ends it.
BLOCK = '"""'
# Linux reads a terminal line into a 4,096-byte buffer (4,095 characters and the newline)
# and drops what does not fit, so a line that long from a terminal may have lost its end.
TTY_LINE_LIMIT = 4095
CUT_LINE = (
    f"! That line reached the terminal's limit of {TTY_LINE_LIMIT:,} characters, so its end "
    "may have been cut off: nothing was sent. For a long answer, type a line with only "
    f"{BLOCK}, paste the answer over as many lines as you like, then end with {BLOCK}."
)
ROLES = {"member": False, "admin": True}


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
        # Whoever runs the terminal owns the local community; `/as NAME member` plays a
        # member without admin rights, to try what members see.
        self.admin = True
        # Lines of a multi-line answer being typed (None: not in one).
        self.block: list[str] | None = None

    def caller(self) -> Caller:
        return Caller(
            platform=PLATFORM,
            community_external_id=COMMUNITY,
            community_name="Local practice",
            member_external_id=self.member.casefold(),
            display_name=self.member,
            channel_external_id=CHANNEL,
            timezone=self.timezone,
            is_admin=self.admin,
        )

    async def exec(self, line: str) -> str:
        if self.block is not None:
            if line.strip() != BLOCK:
                self.block.append(line.rstrip("\n"))
                return ""
            answer, self.block = "\n".join(self.block).strip(), None
            if not answer:
                return "! That multi-line answer is empty: nothing was sent."
            return render(await self.core.handle_text(self.caller(), answer))
        text = line.strip()
        if not text:
            return ""
        if text == BLOCK:
            self.block = []
            return f"(multi-line answer: end it with a line holding only {BLOCK})"
        lowered = text.casefold()
        if lowered == "/as" or lowered.startswith("/as "):
            return self._switch(text.split()[1:])
        if lowered in ("/help", "/help "):
            return render(
                Reply(
                    text=help_text(CONSOLE_COMMANDS),
                    title="prepbot commands",
                    footer=(
                        "A line that is not a command answers your current question; for "
                        f"an answer over several lines, type {BLOCK} on a line, the answer, "
                        f"then {BLOCK} again. "
                        "Question of the day: /qotd answer TEXT, or /qotd answer and then "
                        "type your answer on the next line."
                    ),
                )
            )
        return render(await self.core.handle_text(self.caller(), text))

    def _switch(self, words: list[str]) -> str:
        usage = (
            "! Usage: /as NAME [member|admin] (NAME: letters, digits, - _ . ; up to 32 characters)"
        )
        role = "admin"
        if len(words) == 2 and words[1].casefold() in ROLES:
            role = words.pop().casefold()
        if len(words) != 1:
            return usage
        name = words[0]
        if len(name) > 32 or not all(ch.isalnum() or ch in "-_." for ch in name):
            return usage
        self.member, self.admin = name, ROLES[role]
        return f"You are now {name} ({'an admin' if self.admin else 'a member, not an admin'})."


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
    log_file: str | None = None,
) -> int:
    """Read lines until end of input. Works with a pipe as well as a terminal."""
    source = stdin or sys.stdin
    out = write or (lambda text: print(text, flush=True))
    interactive = source.isatty()
    out(
        "prepbot console. /help for commands, /quiz for a question, Ctrl-D to leave. "
        f"Long answers: a line with {BLOCK}, the answer, then {BLOCK} again."
        + (f" Logs: {log_file}" if log_file else "")
    )
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            prompt = "... " if session.block is not None else f"{session.member}> "
            print(prompt, end="", flush=True)
        line = await loop.run_in_executor(None, source.readline)
        if line == "":
            if interactive:
                out("")
            if session.block is not None:
                out(f"! The multi-line answer was never ended with {BLOCK}: nothing was sent.")
            out("Bye.")
            return 0
        if interactive and len(line.rstrip("\n")) >= TTY_LINE_LIMIT:
            # The terminal dropped whatever did not fit: grading the rest would be unfair.
            if session.block is not None:
                session.block = None
                out(CUT_LINE.replace("nothing was sent", "the multi-line answer was dropped"))
            else:
                out(CUT_LINE)
            continue
        try:
            reply = await session.exec(line)
        except Exception:
            # A bug must not end the session: log it for us, tell the user plainly.
            log.exception("console command failed: %r", line[:80])
            reply = "! Something went wrong on our side; nothing you saved was lost. Try again."
        if reply:
            out(reply)
