"""Model answers in replies: never cut silently.

A platform bounds one field (Discord: 1,024 characters; Slack: 3,000 per section), and a
few model answers run past 1,000. A grade shows the start of a long answer, marked as
continued, with a "Full answer" button (`full-answer:QID`); that action returns the whole
answer split at sentence or word boundaries into numbered fields that each fit.
"""

from __future__ import annotations

import re

from bot.content.provenance import checked_label
from bot.domain import Question
from bot.views import Button, Field, Reply

MAX_FIELD = 1000
FULL_ANSWER = "full-answer"
# Discord embeds hold 6,000 characters in all: beyond this the answer also comes as a file.
MAX_REPLY_TEXT = 5000
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def split_text(text: str, limit: int = MAX_FIELD) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut after a sentence where one
    fits, else between words, else (one huge word) anywhere. Joined with spaces they give
    back the text, white space aside."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(
            (m.start() for m in _SENTENCE_END.finditer(window) if m.start() <= limit), default=0
        )
        if cut < limit // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def provenance_fields(question: Question) -> list[Field]:
    """Under a model answer: when its facts were checked and where to check them, for the
    questions that say (`as_of`, `sources`)."""
    fields = []
    if question.as_of:
        fields.append(Field("Facts checked", checked_label(question.as_of)))
    if question.sources:
        sources = "; ".join(question.sources)
        fields.append(
            Field("Sources", sources if len(sources) <= MAX_FIELD else sources[:999] + "…")
        )
    return fields


def full_answer_button(question_id: str) -> Button:
    return Button("Full answer", f"{FULL_ANSWER}:{question_id}")


def preview(question: Question, name: str = "Model answer") -> tuple[Field, tuple[Button, ...]]:
    """The model answer's field under a grade: whole when it fits, else its first part
    saying that more follows, with the button that shows the rest. The note fits inside
    the field's limit too (Discord refuses a field value over 1,024 characters)."""
    parts = len(split_text(question.model_answer))
    if parts <= 1:
        return Field(name, question.model_answer.strip()), ()
    note = f"\n(continued: the whole answer is {parts} parts: Full answer, "
    note += f"or /{FULL_ANSWER} {question.id})"
    first = split_text(question.model_answer, MAX_FIELD - len(note))[0]
    return Field(name, first + note), (full_answer_button(question.id),)


def why_preview(question: Question) -> tuple[Field | None, tuple[Button, ...]]:
    """The explanation's field under a grade (None without one), cut only with a note
    and the Full answer button, like the model answer."""
    if not question.explanation.strip():
        return None, ()
    if len(split_text(question.explanation)) <= 1:
        return Field("Why", question.explanation.strip()), ()
    note = f"\n(continued: Full answer, or /{FULL_ANSWER} {question.id})"
    first = split_text(question.explanation, MAX_FIELD - len(note))[0]
    return Field("Why", first + note), (full_answer_button(question.id),)


def full_answer_reply(question: Question) -> Reply:
    """The whole model answer (and explanation), in fields that each fit a platform."""
    pieces = split_text(question.model_answer)
    total = len(pieces)
    fields = [
        Field("Model answer" if total == 1 else f"Model answer ({n}/{total})", piece)
        for n, piece in enumerate(pieces, start=1)
    ]
    why = split_text(question.explanation) if question.explanation else []
    fields.extend(
        Field("Why" if len(why) == 1 else f"Why ({n}/{len(why)})", piece)
        for n, piece in enumerate(why, start=1)
    )
    fields.extend(provenance_fields(question))
    attachment = None
    if sum(len(f.value) for f in fields) > MAX_REPLY_TEXT:
        body = question.model_answer.strip()
        if question.explanation:
            body += "\n\n" + question.explanation.strip()
        attachment = (f"{question.id}-model-answer.txt", body + "\n")
    return Reply(
        text=question.prompt,
        title="Full model answer",
        fields=tuple(fields),
        attachment=attachment,
    )
