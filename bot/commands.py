"""The one catalogue of user commands. Adapters build their slash commands, help texts and
routing from it; `bot.app.Prepbot.handle` executes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain import LEVELS, Kind

MAX_COMMAND_CHARS = 500
# The longest free-text answer a form or a long option accepts (Discord's modal limit).
MAX_LONG_TEXT = 4000

LEVEL_CHOICES: tuple[str, ...] = LEVELS
KIND_CHOICES = tuple(kind.value for kind in Kind)
WINDOW_CHOICES = ("day", "week", "month", "all")
RATING_CHOICES = ("again", "hard", "good", "easy")
INTERVIEW_LENGTHS = ("short", "standard", "full")


@dataclass(frozen=True, slots=True)
class Option:
    """One argument of a command, described well enough for a platform to build a typed
    option from it (a Discord slash-command option, a Slack form field).

    `kind` is "text", "member" (a platform user, passed to the core as their platform id)
    or "long" (free text up to MAX_LONG_TEXT; a platform with forms may collect it with
    one when it is left out). `suggest` names a list a platform may offer as the member
    types ("topics", "cohorts"). `style` says how a value reaches the core: "positional"
    (the value itself), "keyword" (`name=value`) or "flagged" (the word `name`, then the
    value), or "word" (the value itself, which the command recognises wherever it stands,
    so leaving out an earlier one shifts nothing)."""

    name: str
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    kind: str = "text"
    suggest: str | None = None
    style: str = "positional"

    def to_args(self, value: str) -> tuple[str, ...]:
        if self.style == "keyword":
            return (f"{self.name}={value}",)
        if self.style == "flagged":
            return (self.name, value)
        return (value,)


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    options: tuple[Option, ...] = ()
    role: str = "member"  # member | instructor | admin
    # Commands with subcommands take the subcommand's name as their first argument.
    subcommands: tuple[Command, ...] = ()

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for option in self.options:
            parts.append(f"<{option.name}>" if option.required else f"[{option.name}]")
        return " ".join(parts)

    def subcommand(self, name: str) -> Command | None:
        return next((s for s in self.subcommands if s.name == name), None)

    def arguments(self, values: Mapping[str, str | None]) -> tuple[str, ...]:
        """The core's arguments for named option values (platforms with typed options).

        A positional option left out while a later one is given would shift the later
        one into its place, so that is refused rather than guessed."""
        args: list[str] = []
        skipped: Option | None = None
        for option in self.options:
            value = values.get(option.name)
            if value is None or not str(value).strip():
                if option.style == "positional":
                    skipped = skipped or option
                continue
            if option.style == "positional" and skipped is not None:
                raise CommandError(
                    f"Give {skipped.name} too: /{self.name} takes {option.name} after it."
                )
            args.extend(option.to_args(str(value).strip()))
        return tuple(args)


def _cohort_name(help: str = "the cohort's name") -> Option:
    return Option("name", help, required=True, suggest="cohorts")


_MEMBER = Option("member", "who", required=True, kind="member")

COHORT_SUBCOMMANDS: tuple[Command, ...] = (
    Command("list", "The cohorts here and who runs them."),
    Command("join", "Join a cohort.", (_cohort_name(),)),
    Command("leave", "Leave a cohort.", (_cohort_name(),)),
    Command(
        "create",
        "Start a cohort; you become its instructor.",
        (
            Option("name", "letters, digits, - and _", required=True),
            Option("start", "first day, YYYY-MM-DD"),
            Option("end", "last day, YYYY-MM-DD"),
        ),
        role="instructor",
    ),
    Command("add", "Add a member to your cohort.", (_cohort_name(), _MEMBER), "instructor"),
    Command("remove", "Remove a member from your cohort.", (_cohort_name(), _MEMBER), "instructor"),
    Command(
        "dates",
        "Set a cohort's first and last day (- clears one).",
        (
            _cohort_name(),
            Option("start", "YYYY-MM-DD or -", required=True),
            Option("end", "YYYY-MM-DD or -", required=True),
        ),
        role="instructor",
    ),
    Command("bind", "Make this channel the cohort's channel.", (_cohort_name(),), "instructor"),
    Command("roster", "Points, accuracy and streak of every member.", (_cohort_name(),)),
    Command("export", "The roster as a CSV file.", (_cohort_name(),), "instructor"),
    Command(
        "owner", "Make a member an instructor of a cohort.", (_cohort_name(), _MEMBER), "admin"
    ),
    Command(
        "delete", "Delete a cohort (its members keep their points).", (_cohort_name(),), "admin"
    ),
)

QOTD_SUBCOMMANDS: tuple[Command, ...] = (
    Command(
        "answer",
        "Answer today's question privately.",
        (Option("text", "your answer", kind="long"),),
    ),
    Command(
        "setup",
        "Post a question of the day in this channel (changes only what you give).",
        (
            Option("time", "HH:MM, e.g. 09:00", style="keyword"),
            Option("tz", "IANA timezone, e.g. Europe/Berlin", style="keyword"),
            Option("days", "daily, mon-fri or mon,wed,fri", style="keyword"),
            Option("topics", "comma-separated topics, or any", style="keyword", suggest="topics"),
            Option("levels", "junior, mid, senior (comma-separated) or any", style="keyword"),
            Option("reveal", "how long answers stay open, e.g. 8h", style="keyword"),
            Option("digest", "weekly digest day, e.g. sun, or off", style="keyword"),
            Option(
                "best", "name the best answer at the reveal", choices=("on", "off"), style="keyword"
            ),
            Option("notify", "where admin notices go", kind="channel", style="keyword"),
        ),
        role="admin",
    ),
    Command("show", "This channel's schedule and recent posts.", role="admin"),
    Command("pause", "Stop posting here until resumed.", role="admin"),
    Command("resume", "Post here again.", role="admin"),
    Command("skip", "Skip today's question here.", role="admin"),
    Command("now", "Post today's question now.", role="admin"),
)

INTERVIEW_SUBCOMMANDS: tuple[Command, ...] = (
    Command(
        "start",
        "Start a private mock interview.",
        (
            Option("level", "junior, mid or senior (default: suggested)", choices=LEVEL_CHOICES),
            Option("track", "nlp, llm, ml or genai", choices=("nlp", "llm", "ml", "genai")),
            Option("length", "short (4), standard (6) or full (8)", choices=INTERVIEW_LENGTHS),
        ),
    ),
    Command("current", "Show your interview's current question."),
    Command("skip", "Skip the current question."),
    Command("end", "Stop now, with a scorecard for what you answered."),
    Command("history", "Your past interviews and their readouts."),
    Command(
        "show",
        "Open one of your past scorecards.",
        (Option("number", "N from /interview history", required=True),),
    ),
)

COMMANDS: tuple[Command, ...] = (
    Command("help", "Show what prepbot can do."),
    Command(
        "quiz",
        "Get a practice question. Filters in any order: a topic, a level, a kind.",
        (
            Option(
                "topic",
                "e.g. transformers, llms, statistics (see /topics)",
                suggest="topics",
                style="word",
            ),
            Option("level", "junior, mid or senior", choices=LEVEL_CHOICES, style="word"),
            Option(
                "kind", "multiple choice, short or open answers", choices=KIND_CHOICES, style="word"
            ),
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
        (Option("topic", "only this topic (see /topics)", suggest="topics"),),
    ),
    Command(
        "rate",
        "Rate yourself on your last graded answer; steers practice, never points.",
        (Option("rating", "again, hard, good or easy", required=True, choices=RATING_CHOICES),),
    ),
    Command(
        "leaderboard",
        "Standings over a window, for the community, this channel or a cohort.",
        (
            Option(
                "window",
                "day, week, month or all (default all)",
                choices=WINDOW_CHOICES,
                style="word",
            ),
            Option(
                "scope",
                "community (default), channel, or cohort NAME",
                choices=("community", "channel"),
                style="word",
            ),
            Option("cohort", "a cohort's board", suggest="cohorts", style="flagged"),
        ),
    ),
    Command("stats", "Your points, rank, streak, accuracy per topic and cards due today."),
    Command("topics", "The topics and how many questions each has."),
    Command(
        "cohort",
        "Bootcamp cohorts: list, join, leave; instructors: create, add, remove, dates, "
        "bind, roster, export; admins: owner, delete.",
        (Option("action", "list | join NAME | leave NAME | create NAME [START] [END] | ..."),),
        subcommands=COHORT_SUBCOMMANDS,
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
        subcommands=INTERVIEW_SUBCOMMANDS,
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
        (
            Option("member", "who", required=True, kind="member"),
            Option("confirm", "confirm: really delete", choices=("confirm",)),
        ),
        role="admin",
    ),
    Command(
        "qotd",
        "Question of the day. Members: answer [TEXT] (privately; no TEXT: your next "
        "message is the answer). Admins: setup [HH:MM] [tz=..] [days=..] [topics=..] "
        "[levels=..] [reveal=8h] [digest=sun|off] [best=on|off] [notify=CHANNEL], show, "
        "pause, resume, skip, now.",
        (Option("action", "answer [TEXT] | setup ... | show | pause | resume | skip | now"),),
        # Members answer; the admin subcommands check the role themselves.
        role="member",
        subcommands=QOTD_SUBCOMMANDS,
    ),
    Command(
        "settings",
        "Community settings. Show all, or set one: timezone Area/City (decides 'today' for "
        "streaks, daily points and boards), qotd-best on|off (a new daily question names "
        "the best answers at its reveal), hide-departed on|off (boards hide members who "
        "left).",
        (
            Option(
                "setting",
                "timezone | qotd-best | hide-departed (nothing: show all)",
                choices=("timezone", "qotd-best", "hide-departed"),
            ),
            Option("value", "e.g. Europe/Paris, on, off", suggest="timezones"),
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
