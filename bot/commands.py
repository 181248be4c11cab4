"""The one catalogue of user commands. Adapters build their slash commands, help texts and
routing from it; `bot.app.Prepbot.handle` executes them."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

MAX_COMMAND_CHARS = 500


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    help: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...] = ()
    role: str = "member"  # member | instructor | admin

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for option in self.options:
            parts.append(f"<{option.name}>" if option.required else f"[{option.name}]")
        return " ".join(parts)


COMMANDS: tuple[Command, ...] = (
    Command("help", "Show what prepbot can do."),
    Command(
        "quiz",
        "Get a practice question. Filters in any order: a topic, a level, a kind.",
        (
            Option("topic", "e.g. transformers, llms, statistics (see /topics)"),
            Option("level", "junior, mid or senior"),
        ),
    ),
    Command("skip", "Skip your current question and see its model answer."),
    Command(
        "practice",
        "Spaced repetition: your most forgotten due card, else a new question from your "
        "weakest topic.",
        (Option("topic", "only this topic (see /topics)"),),
    ),
    Command(
        "rate",
        "Rate yourself on your last graded answer; steers practice, never points.",
        (Option("rating", "again, hard, good or easy", required=True),),
    ),
    Command(
        "leaderboard",
        "Standings over a window, for the community, this channel or a cohort.",
        (
            Option("window", "day, week, month or all (default all)"),
            Option("scope", "community (default), channel, or cohort NAME"),
        ),
    ),
    Command("stats", "Your points, rank, streak, accuracy per topic and cards due today."),
    Command("topics", "The topics and how many questions each has."),
    Command(
        "cohort",
        "Bootcamp cohorts: list, join, leave; instructors: create, add, remove, dates, "
        "bind, roster, export; admins: owner, delete.",
        (Option("action", "list | join NAME | leave NAME | create NAME [START] [END] | ..."),),
    ),
    Command(
        "interview",
        "A private mock interview with follow-ups and a scorecard: start [level] [track] "
        "[length]; no argument shows the current question; skip, end, history, show N.",
        (
            Option(
                "action",
                "start [junior|mid|senior] [nlp|llm|ml|genai] [short|standard|full] | skip | "
                "end | history | show N",
            ),
        ),
    ),
    Command("my-data", "See what prepbot keeps about you."),
    Command("forget-me", "Delete all your data in this community (asks to confirm)."),
    Command(
        "forget-member",
        "Delete a member's data (asks to confirm).",
        (Option("member", "who", required=True),),
        role="admin",
    ),
    Command(
        "qotd",
        "Question of the day. Members: answer [TEXT] (privately; no TEXT: your next "
        "message is the answer). Admins: setup [HH:MM] [tz=..] [days=..] [topics=..] "
        "[levels=..] [reveal=8h] [digest=sun|off] [best=on|off] [notify=CHANNEL], show, "
        "pause, resume, skip, now.",
        (Option("action", "answer [TEXT] | setup ... | show | pause | resume | skip | now"),),
        role="admin",
    ),
)

BY_NAME = {command.name: command for command in COMMANDS}


@dataclass(frozen=True, slots=True)
class Invocation:
    name: str
    args: tuple[str, ...]


class CommandError(ValueError):
    pass


def parse(line: str) -> Invocation:
    """Parse `/name arg arg` (quotes group words). Raises CommandError with a message fit
    to show the user."""
    text = line.strip()
    if len(text) > MAX_COMMAND_CHARS:
        raise CommandError(f"That command is too long (limit {MAX_COMMAND_CHARS} characters).")
    if not text.startswith("/"):
        raise CommandError("Commands start with /. Try /help.")
    try:
        words = shlex.split(text[1:])
    except ValueError:
        words = text[1:].split()
    if not words:
        raise CommandError("Type a command after the slash. Try /help.")
    name = words[0].casefold()
    return Invocation(name, tuple(words[1:]))


def help_text(extra: tuple[Command, ...] = ()) -> str:
    lines = [f"{c.usage} — {c.help}" for c in (*COMMANDS, *extra)]
    return "\n".join(lines)
