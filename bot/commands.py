"""The one catalogue of user commands. Adapters build their slash commands, help texts and
routing from it; `bot.app.Prepbot.handle` executes them."""

from __future__ import annotations

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
        "full-answer",
        "The whole model answer of a question you have answered or skipped.",
        (Option("question", "the question's id, as on its Full answer button", required=True),),
    ),
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
    Command(
        "my-data",
        "See what prepbot keeps about you; `export` hands it all over as a JSON file.",
        (Option("export", "export: everything, as a JSON attachment"),),
    ),
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
    Command(
        "settings",
        "Community settings. Show all, or set one: timezone Area/City (decides 'today' for "
        "streaks, daily points and boards), qotd-best on|off (a new daily question names "
        "the best answers at its reveal), hide-departed on|off (boards hide members who "
        "left).",
        (
            Option("setting", "timezone | qotd-best | hide-departed (nothing: show all)"),
            Option("value", "e.g. Europe/Paris, on, off"),
        ),
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
    words = split_words(text[1:])
    if not words:
        raise CommandError("Type a command after the slash. Try /help.")
    name = words[0].casefold()
    return Invocation(name, tuple(words[1:]))


# An opening quote at the start of a word and the quote that closes it.
QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}


def split_words(text: str) -> list[str]:
    """Words separated by white space; a quote opening a word groups words up to its
    closing quote (`"My Cohort"`). A quote inside a word is just a character, so answers
    keep their apostrophes (`it's`). An unclosed quote raises CommandError."""
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        closing = QUOTES.get(text[i])
        if closing is not None:
            end = text.find(closing, i + 1)
            # The closing quote must end the word: in `"a"b c"` the word runs to the last.
            while end != -1 and end + 1 < n and not text[end + 1].isspace():
                end = text.find(closing, end + 1)
            if end == -1:
                raise CommandError(
                    f"That command has an unclosed quote ({text[i]}): close it, or leave "
                    "the quotes out."
                )
            words.append(text[i + 1 : end])
            i = end + 1
            continue
        start = i
        while i < n and not text[i].isspace():
            i += 1
        words.append(text[start:i])
    return words


def help_text(extra: tuple[Command, ...] = ()) -> str:
    lines = [f"{c.usage} — {c.help}" for c in (*COMMANDS, *extra)]
    return "\n".join(lines)
