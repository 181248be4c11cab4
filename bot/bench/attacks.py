"""Answers written to game the open-answer grader, built from a question's own rubric.

Each family names a way of earning credit without stating the claims (issue 13):

``dismissive``  every key point named and waved away ("Some people bring up X, which is a
                waste of time here.");
``negated``     every key point denied ("It is not true that X.");
``list``        the key phrases (each point's shortest phrasing) as a bare comma-separated
                list;
``restated``    the prompt handed back as the answer;
``off_topic``   the model answer of another question of the same topic;
``reversed``    the model answer with its comparisons turned around (more/less, faster/slower,
                before/after ...); only built when the model answer has one to turn.

`EXPECTED` says what each family may earn at most; `model` (the model answer itself) and
``core_sentence`` (one sentence stating the core points, for questions whose key points are
marked core or supporting) must be graded correct. The attack test
(tests/integration/test_grading_attacks.py) and `prepbot bench grading` share these builders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.domain import KeyPoint, Kind, Question, Verdict

OPEN_KINDS = (Kind.OPEN, Kind.SCENARIO, Kind.CODING)

FAMILIES = (
    "dismissive",
    "negated",
    "list",
    "restated",
    "off_topic",
    "reversed",
    "model",
    "core_sentence",
)

EXPECTED: dict[str, frozenset[Verdict]] = {
    "dismissive": frozenset({Verdict.INCORRECT}),
    "negated": frozenset({Verdict.INCORRECT}),
    "restated": frozenset({Verdict.INCORRECT}),
    "off_topic": frozenset({Verdict.INCORRECT}),
    "list": frozenset({Verdict.INCORRECT, Verdict.PARTIAL}),
    "reversed": frozenset({Verdict.INCORRECT, Verdict.PARTIAL}),
    "model": frozenset({Verdict.CORRECT}),
    "core_sentence": frozenset({Verdict.CORRECT}),
}
"""The verdicts each family may receive; anything else is a failed attack test."""

_REVERSALS = [
    ("more", "less"),
    ("faster", "slower"),
    ("higher", "lower"),
    ("larger", "smaller"),
    ("increases", "decreases"),
    ("increase", "decrease"),
    ("before", "after"),
    ("better", "worse"),
    ("cheaper", "more expensive"),
]
_SWAP: dict[str, str] = {}
for _a, _b in _REVERSALS:
    _SWAP[_a] = _b
    _SWAP[_b] = _a
_REVERSIBLE = re.compile(r"\b(" + "|".join(sorted(_SWAP, key=len, reverse=True)) + r")\b")


def shortest_phrasing(point: KeyPoint) -> str:
    return min(point.phrasings, key=lambda p: (len(p.split()), len(p)))


def _points(question: Question) -> Sequence[KeyPoint]:
    return question.key_points_for(question.level)


def dismissive(question: Question) -> str:
    return " ".join(
        f"Some people bring up {shortest_phrasing(p)}, which is a waste of time here."
        for p in _points(question)
    )


def negated(question: Question) -> str:
    return " ".join(f"It is not true that {p.text}." for p in _points(question))


def bare_list(question: Question) -> str:
    return ", ".join(shortest_phrasing(p) for p in _points(question))


def core_sentence(question: Question) -> str | None:
    """One sentence stating every core point, or None for an unmarked rubric."""
    core = [p for p in _points(question) if p.core]
    if not core:
        return None
    return "In short: " + ", and ".join(p.text for p in core) + "."


def restated(question: Question) -> str:
    return question.prompt


def reversed_answer(question: Question) -> str | None:
    """The model answer with every comparison word swapped, or None if it has none."""
    text = question.model_answer
    if not _REVERSIBLE.search(text):
        return None
    return _REVERSIBLE.sub(lambda m: _SWAP[m.group(1)], text)


def off_topic(question: Question, bank: Sequence[Question]) -> str | None:
    """The model answer of the next open-type question of the same topic (by id)."""
    same = sorted((q for q in bank if q.topic == question.topic and q.kind in OPEN_KINDS), key=_id)
    if len(same) < 2:
        return None
    ids = [q.id for q in same]
    if question.id not in ids:
        return same[0].model_answer
    return same[(ids.index(question.id) + 1) % len(same)].model_answer


def _id(question: Question) -> str:
    return question.id


def attacks(question: Question, bank: Sequence[Question]) -> dict[str, str]:
    """Every family that can be built for `question`, with its answer text."""
    out = {
        "dismissive": dismissive(question),
        "negated": negated(question),
        "list": bare_list(question),
        "restated": restated(question),
        "model": question.model_answer,
    }
    other = off_topic(question, bank)
    if other is not None:
        out["off_topic"] = other
    turned = reversed_answer(question)
    if turned is not None:
        out["reversed"] = turned
    short = core_sentence(question)
    if short is not None:
        out["core_sentence"] = short
    return out


def open_questions(bank: Iterable[Question]) -> list[Question]:
    return sorted((q for q in bank if q.kind in OPEN_KINDS), key=_id)
