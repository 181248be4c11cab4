"""Bring your own questions: a community imports its own pack from CSV or trivia YAML.

Two formats are read:

* CSV with a header row naming the columns (see `COLUMNS` and docs/writing-questions.md);
* Red-DiscordBot trivia lists: a YAML mapping of question text to its accepted answers,
  with optional `AUTHOR` and `CONFIG` keys that are not questions.

Every row becomes a `QuestionSpec` and is validated exactly like a shipped pack, then
checked against the shipped questions and the community's own for duplicates. A bad row
is refused with its CSV line number (or question text) and the schema's reason; the good
rows are imported anyway. Only a file that cannot be read at all (`UnusableInput`) stops
the import before anything is stored.

Reading and checking are pure functions; `import_questions` is the one step that touches
storage, through a unit of work, so it runs on the fakes and on a real database alike.
Imported questions belong to their community: the question pool serves them only there.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from rapidfuzz import fuzz, process

from bot.content.duplicates import NEAR_DUPLICATE_RATIO, same_question
from bot.content.schema import QuestionSpec
from bot.content.topics import TOPICS
from bot.domain import Question
from bot.ports import Clock, UnitOfWorkFactory

MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 5_000
PLATFORMS = ("console", "discord", "slack")
FORMATS = ("csv", "trivia")
DEFAULT_TOPIC = "custom"
DEFAULT_LEVEL = "mid"
# The schema wants a reason for every wrong option; a community's own questions need not
# meet the shipped packs' bar, so a neutral one stands in where the file gives none.
GENERATED_WHY_WRONG = "Not the answer to this question."

# Column name in the header (case-insensitive) -> what it is.
COLUMNS: dict[str, str] = {
    "prompt": "the question (required)",
    "kind": "choice, short, open, scenario, behavioral or coding",
    "answer": "choice: the correct option's text or letter A-E; otherwise the answer",
    "accepted": "more accepted answers, separated by |",
    "choices": "the options, separated by |",
    "why_wrong": "why each option is wrong, separated by |, in the order of choices",
    "topic": "a topic slug (default custom)",
    "level": "junior, mid or senior (default mid)",
    "difficulty": "1 (easy) to 5 (hard)",
    "model_answer": "the answer shown after grading (default: answer)",
    "explanation": "more detail shown after grading",
    "key_points": "open questions: the points a good answer covers, separated by |",
    "id": "a stable slug; generated from the prompt when empty",
}
_ALIASES = {"question": "prompt", "options": "choices", "answers": "accepted"}
_TRIVIA_META = ("AUTHOR", "CONFIG")
_LETTER = re.compile(r"^\(?([a-e])[).:]?$", re.IGNORECASE)
_PIPE = re.compile(r"(?<!\\)\|")
TOPIC_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
# Control characters other than newline and tab: PostgreSQL refuses NUL outright, and
# the rest only garble chat messages.
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10)) | {127: None}


class UnusableInput(ValueError):
    """The file cannot be imported at all (unreadable, wrong format, too big)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A row or entry that was not imported, and why."""

    where: str  # "row 4" (the CSV line it starts on) or 'question "…"'
    reason: str
    # Position in the file, so a report lists refusals in the file's order.
    order: int = field(default=0, compare=False)

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Defaults:
    """Values for cells a file leaves empty (and for every trivia entry)."""

    topic: str = DEFAULT_TOPIC
    level: str = DEFAULT_LEVEL
    # True when `topic` is the community's own (a trivia list's name), not a curriculum one.
    own_topic: bool = False


@dataclass(frozen=True, slots=True)
class Draft:
    """One row read from a file, not yet validated: the `QuestionSpec` input and topic."""

    where: str
    fields: dict[str, Any]
    topic: str
    order: int = 0
    own_topic: bool = False


@dataclass
class Drafts:
    drafts: list[Draft] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Entry:
    """A validated question and where in the file it came from."""

    where: str
    order: int
    question: Question


@dataclass
class Parsed:
    """Validated questions, each with where it came from, and what was refused."""

    entries: list[Entry] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def questions(self) -> list[Question]:
        return [entry.question for entry in self.entries]

    def refuse(self, where: str, reason: str, order: int) -> None:
        self.refusals.append(Refusal(where, reason, order))
        self.refusals.sort(key=lambda refusal: refusal.order)


@dataclass(frozen=True, slots=True)
class ImportReport:
    community: str  # "discord:123"
    added: int
    updated: int
    unchanged: int
    refusals: tuple[Refusal, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def imported(self) -> int:
        return self.added + self.updated + self.unchanged

    @property
    def exit_code(self) -> int:
        return 1 if self.refusals else 0

    def __str__(self) -> str:
        counts = [f"{self.added} new", f"{self.updated} updated"]
        if self.unchanged:
            counts.append(f"{self.unchanged} unchanged")
        noun = "question" if self.imported == 1 else "questions"
        head = f"Imported {self.imported} {noun} into {self.community} ({', '.join(counts)})"
        if self.refusals:
            head += f"; refused {len(self.refusals)}:"
        else:
            head += "."
        lines = [head, *(f"  {refusal}" for refusal in self.refusals)]
        lines.extend(f"Note: {note}" for note in self.notes)
        return "\n".join(lines)


# -- reading files ------------------------------------------------------------------------


def list_topic(path: str | Path) -> str:
    """A trivia list's name as a topic slug: `worldcapitals.yaml` -> `worldcapitals`, so
    members can `/quiz worldcapitals`."""
    stem = unicodedata.normalize("NFKD", Path(path).stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", stem.casefold()).strip("-")[:40].strip("-")
    return slug if TOPIC_SLUG.match(slug) else DEFAULT_TOPIC


def parse_community(value: str) -> tuple[str, str]:
    """`PLATFORM:EXTERNAL_ID` (e.g. `discord:123456789`) -> (platform, external id)."""
    platform, sep, external_id = value.strip().partition(":")
    platform = platform.casefold()
    if not sep or not external_id.strip():
        raise UnusableInput(f"community must be PLATFORM:ID (e.g. discord:123), not {value!r}")
    if platform not in PLATFORMS:
        raise UnusableInput(f"unknown platform {platform!r}; use one of {', '.join(PLATFORMS)}")
    return platform, external_id.strip()


def detect_format(path: str | Path, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in FORMATS:
            raise UnusableInput(f"unknown format {explicit!r}; use one of {', '.join(FORMATS)}")
        return explicit
    suffix = Path(path).suffix.casefold()
    if suffix == ".csv":
        return "csv"
    if suffix in (".yaml", ".yml"):
        return "trivia"
    raise UnusableInput(
        f"cannot tell the format of {Path(path).name!r}: name it .csv, .yaml or .yml, "
        "or pass --format csv|trivia"
    )


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, refusing anything over `MAX_IMPORT_BYTES` without reading it all."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as exc:
        raise UnusableInput(f"cannot read {path}: {exc.strerror or exc}") from None
    check_size(data)
    return data


def check_size(data: bytes) -> None:
    if len(data) > MAX_IMPORT_BYTES:
        raise UnusableInput(
            f"the file is larger than {MAX_IMPORT_BYTES // 1_000_000} MB; "
            "split it into smaller files"
        )


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is fine; so is UTF-16 with one, as Excel writes)."""
    check_size(data)
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnusableInput(
            f"the file is not UTF-8 text (first bad byte on line {line}); "
            "save it as UTF-8 (in Excel: CSV UTF-8) and import it again"
        ) from None


def _clean(value: Any) -> str:
    return str(value).translate(_CONTROL).strip()


def _split(value: str) -> list[str]:
    """`a | b | c` -> [a, b, c]; `\\|` is a literal pipe."""
    if not value:
        return []
    return [part.strip().replace("\\|", "|") for part in _PIPE.split(value)]


def _header(row: list[str]) -> list[str]:
    names = []
    for cell in row:
        name = re.sub(r"[\s-]+", "_", _clean(cell).casefold())
        names.append(_ALIASES.get(name, name))
    return names


def read_csv(text: str, defaults: Defaults = Defaults()) -> Drafts:
    """Rows of a CSV file -> drafts; rows of the wrong shape are refused here."""
    result = Drafts()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows = 0
    last_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UnusableInput(
                f"line {reader.line_num}: the CSV is malformed ({exc}); check the quotes "
                "around that line. Nothing was imported."
            ) from None
        start, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _header(row)
            _check_header(header, result)
            continue
        rows += 1
        if rows > MAX_IMPORT_ROWS:
            raise UnusableInput(
                f"the file has more than {MAX_IMPORT_ROWS} rows; split it into smaller files"
            )
        where = f"row {start}"
        if len(row) != len(header):
            result.refusals.append(
                Refusal(
                    where,
                    f"has {len(row)} fields but the header has {len(header)} "
                    "(a missing comma, or a comma in an unquoted field?)",
                    start,
                )
            )
            continue
        cells = {name: _clean(cell) for name, cell in zip(header, row, strict=True)}
        result.drafts.append(_draft_from_cells(where, cells, defaults, start))
    if header is None:
        raise UnusableInput("the file is empty: it needs a header row and at least one question")
    if not result.drafts and not result.refusals:
        raise UnusableInput("the file has a header row but no questions")
    return result


def _check_header(header: list[str], result: Drafts) -> None:
    if "prompt" not in header:
        shown = ", ".join(name for name in header if name) or "nothing"
        raise UnusableInput(
            "the first row must be a header naming the columns, with at least `prompt` "
            f"(found: {shown[:200]})"
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise UnusableInput(f"the header names these columns twice: {', '.join(repeated)}")
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        result.notes.append(
            f"ignored unknown column(s): {', '.join(unknown)[:200]} (known: {', '.join(COLUMNS)})"
        )


def _draft_from_cells(where: str, cells: dict[str, str], defaults: Defaults, order: int) -> Draft:
    get = cells.get
    choices = _split(get("choices", ""))
    while choices and not choices[-1]:  # a trailing pipe
        choices.pop()
    kind = (get("kind") or ("choice" if choices else "short")).casefold()
    # One value, never split; `\|` is accepted as in the list columns.
    answer = get("answer", "").replace("\\|", "|")
    accepted = [a for a in _split(get("accepted", "")) if a]
    fields: dict[str, Any] = {
        "kind": kind,
        "level": (get("level") or defaults.level).casefold(),
        "prompt": get("prompt", ""),
        "explanation": get("explanation", ""),
    }
    if get("id"):
        fields["id"] = get("id")
    if get("difficulty"):
        fields["difficulty"] = get("difficulty")
    if choices:
        fields["choices"] = _choices(choices, _split(get("why_wrong", "")), answer)
    if kind == "choice":
        fields["answer"] = _choice_answer(answer, choices) if answer else None
        if accepted:
            fields["accepted"] = accepted
    else:
        if kind == "short":
            accepted = _unique([answer, *accepted] if answer else accepted)
        if accepted:
            fields["accepted"] = accepted
    model_answer = get("model_answer") or (
        fields["answer"] if kind == "choice" else answer or (accepted[0] if accepted else "")
    )
    if model_answer:
        fields["model_answer"] = model_answer
    key_points = [p for p in _split(get("key_points", "")) if p]
    if key_points:
        fields["key_points"] = [{"text": point} for point in key_points]
    topic = (get("topic") or defaults.topic).casefold()
    return Draft(where, fields, topic, order)


def _choice_answer(answer: str, choices: list[str]) -> str:
    """The correct option's text: the answer itself, or the option its letter names."""
    if any(answer.casefold() == text.casefold() for text in choices):
        return answer
    letter = _LETTER.match(answer)
    if letter:
        index = ord(letter.group(1).casefold()) - ord("a")
        if index < len(choices):
            return choices[index]
    return answer


def _choices(texts: list[str], reasons: list[str], answer: str) -> list[dict[str, Any]]:
    correct = _choice_answer(answer, texts).casefold() if answer else None
    options = []
    for index, text in enumerate(texts):
        reason = reasons[index] if index < len(reasons) else ""
        is_correct = text.casefold() == correct
        options.append(
            {
                "text": text,
                "why_wrong": None if is_correct else (reason or GENERATED_WHY_WRONG),
            }
        )
    return options


def _unique(values: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for value in values:
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return out


def _trivia_answers(raw: Any) -> list[str] | None:
    """Red-DiscordBot's reading of an answer list: booleans (YAML yes/no) accept their
    spellings, numbers become text."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raw = [raw]
    answers: list[str] = []
    for answer in raw:
        if isinstance(answer, bool):
            answers.extend(["Yes", "True", "On"] if answer else ["No", "False", "Off"])
        elif isinstance(answer, str | int | float):
            answers.append(_clean(answer))
        else:
            return None
    return _unique(answers)


def _shorten(text: str, limit: int = 60) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def read_trivia(text: str, defaults: Defaults = Defaults()) -> Drafts:
    """A Red-DiscordBot trivia list -> drafts of `short` questions."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise UnusableInput(f"not valid YAML{where}") from None
    if not isinstance(raw, dict):
        raise UnusableInput("a trivia list must be a YAML mapping of each question to its answers")
    entries = [(key, value) for key, value in raw.items() if key not in _TRIVIA_META]
    if not entries:
        raise UnusableInput("the trivia list has no questions")
    if len(entries) > MAX_IMPORT_ROWS:
        raise UnusableInput(
            f"the list has more than {MAX_IMPORT_ROWS} questions; split it into smaller files"
        )
    result = Drafts()
    for order, (key, value) in enumerate(entries, start=1):
        prompt = _clean(key)
        where = f'question "{_shorten(prompt)}"'
        answers = _trivia_answers(value)
        if answers is None:
            result.refusals.append(
                Refusal(where, "answers must be a list of text or numbers", order)
            )
            continue
        if not answers:
            result.refusals.append(Refusal(where, "no accepted answers", order))
            continue
        fields: dict[str, Any] = {
            "kind": "short",
            "level": defaults.level,
            "prompt": prompt,
            "accepted": answers,
            "model_answer": answers[0],
        }
        result.drafts.append(Draft(where, fields, defaults.topic, order, defaults.own_topic))
    return result


# -- validating ---------------------------------------------------------------------------


def _normalise(prompt: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in prompt.casefold()).split())


def id_prefix(community_id: int) -> str:
    return f"c{community_id}-"


def question_id(prompt: str, community_id: int) -> str:
    """A stable slug for a prompt: the same prompt always gets the same id (so importing
    a file twice updates rather than duplicates), and the hash keeps long prompts that
    share their first words apart."""
    prefix = id_prefix(community_id)
    ascii_text = unicodedata.normalize("NFKD", prompt).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.casefold())
    digest = hashlib.sha1(_normalise(prompt).encode()).hexdigest()[:8]
    budget = 80 - len(prefix) - len(digest) - 1
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > min(budget, 48):
            break
        slug = candidate
    return f"{prefix}{slug or 'q'}-{digest}"


def _explain(exc: ValidationError) -> str:
    reasons = []
    for error in exc.errors():
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        loc = ".".join(str(part) for part in error.get("loc", ()))
        if loc == "model_answer" and error.get("type") == "missing":
            # Rows rarely name model_answer; it defaults to the answer, which is missing.
            loc, message = "answer", "no answer given (fill answer or model_answer)"
        reasons.append(f"{loc}: {message}" if loc else message)
    return "; ".join(reasons)


def build(drafts: Drafts, community_id: int) -> Parsed:
    """Validate drafts with the pack schema and give each its community-scoped id.

    Ids live in one table with the shipped questions and every other community's, so
    each is prefixed `c<community id>-`: an import can neither take a shipped id nor
    reach into another community's questions."""
    parsed = Parsed(refusals=list(drafts.refusals), notes=list(drafts.notes))
    prefix = id_prefix(community_id)
    first_with_id: dict[str, str] = {}
    first_with_prompt: dict[str, str] = {}
    for draft in drafts.drafts:
        fields = dict(draft.fields)
        if draft.topic not in TOPICS and not (draft.own_topic and TOPIC_SLUG.match(draft.topic)):
            parsed.refuse(
                draft.where,
                f"topic: unknown topic {_shorten(draft.topic, 40)!r}; "
                f"use one of {', '.join(TOPICS)}",
                draft.order,
            )
            continue
        given = fields.get("id")
        if given:
            fields["id"] = given if given.startswith(prefix) else prefix + given
        else:
            fields["id"] = question_id(str(fields.get("prompt", "")), community_id)
        try:
            spec = QuestionSpec.model_validate(fields)
        except ValidationError as exc:
            parsed.refuse(draft.where, _explain(exc), draft.order)
            continue
        normalised = _normalise(spec.prompt)
        if normalised in first_with_prompt:
            parsed.refuse(
                draft.where,
                f"prompt: the same question as {first_with_prompt[normalised]}",
                draft.order,
            )
            continue
        if spec.id in first_with_id:
            parsed.refuse(
                draft.where, f"id: {spec.id} is also used by {first_with_id[spec.id]}", draft.order
            )
            continue
        first_with_prompt[normalised] = draft.where
        first_with_id[spec.id] = draft.where
        question = spec.to_domain(draft.topic, community_id)
        parsed.entries.append(Entry(draft.where, draft.order, question))
    return parsed


def parse_csv(text: str, community_id: int, defaults: Defaults = Defaults()) -> Parsed:
    """CSV text -> the community's questions and the refused rows."""
    return build(read_csv(text, defaults), community_id)


def parse_trivia(text: str, community_id: int, defaults: Defaults = Defaults()) -> Parsed:
    """Red-DiscordBot trivia YAML text -> the community's questions and refused entries."""
    return build(read_trivia(text, defaults), community_id)


def read_drafts(data: bytes, fmt: str, defaults: Defaults = Defaults()) -> Drafts:
    """Bytes of a file in `fmt` -> drafts; raises `UnusableInput` before anything is stored."""
    text = decode(data)
    return read_csv(text, defaults) if fmt == "csv" else read_trivia(text, defaults)


def _sorted_tokens(prompt: str) -> str:
    # token_sort_ratio(a, b) == ratio(sorted tokens of a, sorted tokens of b); sorting
    # once per prompt keeps thousands of comparisons cheap.
    return " ".join(sorted(_normalise(prompt).split()))


def refuse_duplicates(parsed: Parsed, existing: Sequence[Question]) -> Parsed:
    """Refuse questions that repeat an existing one (shipped or the community's own) or
    an earlier row, by the same near-duplicate measure as `prepbot content validate`.

    A question whose id already exists is its own update, not a duplicate of itself."""
    incoming = {question.id for question in parsed.questions}
    others = [q for q in existing if q.id not in incoming]
    shipped_ids = {q.id for q in existing if q.community_id is None}
    prompts = [_sorted_tokens(q.prompt) for q in others]
    texts = [q.prompt for q in others]
    labels = [q.id for q in others]
    kept = Parsed(refusals=list(parsed.refusals), notes=list(parsed.notes))
    for entry in parsed.entries:
        question = entry.question
        if question.id in shipped_ids:
            kept.refuse(entry.where, f"id: {question.id} is a shipped question", entry.order)
            continue
        tokens = _sorted_tokens(question.prompt)
        similar = process.extract(
            tokens, prompts, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE_RATIO, limit=None
        )
        # Similar wording about a different thing ("capital of Syria" / "of Serbia") is
        # a different question; only the same content words make a duplicate.
        match = next((m for m in similar if same_question(question.prompt, texts[m[2]])), None)
        if match is not None:
            _, similarity, index = match
            kept.refuse(
                entry.where,
                f"prompt: near-duplicate of {labels[index]} ({similarity:.0f}% similar)",
                entry.order,
            )
            continue
        prompts.append(tokens)
        texts.append(question.prompt)
        labels.append(entry.where)
        kept.entries.append(entry)
    return kept


# -- storing ------------------------------------------------------------------------------


async def import_questions(
    uow: UnitOfWorkFactory,
    clock: Clock,
    platform: str,
    external_id: str,
    drafts: Drafts,
    timezone: str = "UTC",
    shipped: Sequence[Question] = (),
) -> ImportReport:
    """Validate `drafts` and add them to the community's own pack, in one transaction.

    The community is created if it is new. Questions already in its pack stay: a
    re-import updates the rows with the same ids and retires nothing. `shipped` adds
    packs to check duplicates against (the CLI passes the content directory, which a
    fresh database has not synced yet) on top of those stored."""
    now = clock.now()
    async with uow() as work:
        community = await work.communities.get_or_create(platform, external_id, "", timezone, now)
        parsed = build(drafts, community.id)
        own = await work.questions.community_questions(community.id)
        stored = await work.questions.community_questions(None)
        known = {question.id: question for question in [*shipped, *stored]}
        parsed = refuse_duplicates(parsed, [*known.values(), *own])
        merged = {question.id: question for question in own}
        merged.update((question.id, question) for question in parsed.questions)
        report = await work.questions.sync(list(merged.values()), now, community.id)
    incoming = {question.id for question in parsed.questions}
    untouched = sum(1 for question in own if question.id not in incoming)
    return ImportReport(
        community=f"{platform}:{external_id}",
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged - untouched,
        refusals=tuple(parsed.refusals),
        notes=tuple(parsed.notes),
    )
