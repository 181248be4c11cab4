"""Multiple choice: parse which option the answer picks, then compare with the correct one."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from bot.domain import Grade, Question
from bot.services.scoring._common import is_blank, make_grade, quote
from bot.text import normalise_phrase

LETTERS = "ABCDE"
_LETTER = re.compile(
    r"^\s*(?:(?:my\s+)?(?:final\s+)?(?:answer|option|choice)\s*(?:is|:|=)?\s*)?"
    r"[\(\[]?\s*([a-eA-E])(?![A-Za-z0-9'])\s*[\)\]]?\s*[.):\-]?\s*(?P<rest>.*)$",
    re.DOTALL,
)
_NUMBER = re.compile(
    r"^\s*(?:(?:answer|option|choice)\s*(?:is|:|=)?\s*)?[\(\[#]?\s*(\d{1,2})\s*[\)\]]?\s*[.):]?\s*$"
)
_TRAILING_LETTER = re.compile(
    r"\b(?:say|pick|choose|chose|go\s+with|answer\s+is|option|choice|it\s+is|it's|its)\s+"
    r"[\(\[]?([a-eA-E])[\)\]]?[\s.!)]*$",
    re.IGNORECASE,
)
_PUNCT = re.compile(r"[()\[\]. :\-]")
FUZZY_MIN = 85.0
FUZZY_MARGIN = 8.0


def pick(question: Question, answer: str) -> int | None:
    """Index of the option `answer` picks, or None when it cannot be read unambiguously."""
    options = question.choices
    text = answer.strip()[:500]
    if not text:
        return None
    number = _NUMBER.match(text)
    if number:
        index = int(number.group(1)) - 1
        return index if 0 <= index < len(options) else None
    normalised = [normalise_phrase(c.text) for c in options]
    said = normalise_phrase(text)
    letter = _LETTER.match(text)
    if letter:
        index = LETTERS.index(letter.group(1).upper())
        rest = normalise_phrase(letter.group("rest"))
        # "b" alone, "(b)", "B.", "b) decoder-only": a letter, optionally followed by its text.
        single = len(_PUNCT.sub("", text)) == 1 or not rest
        if index < len(options) and (single or _same(rest, normalised[index])):
            return index
        if single:
            return None
    found = _by_text(said, normalised)
    if found is None:
        trailing = _TRAILING_LETTER.search(text)
        if trailing:
            index = LETTERS.index(trailing.group(1).upper())
            return index if index < len(options) else None
    return found


def _same(a: str, b: str) -> bool:
    return a == b or (len(b) >= 4 and fuzz.ratio(a, b) >= FUZZY_MIN)


def _by_text(said: str, options: list[str]) -> int | None:
    if not said:
        return None
    exact = [i for i, o in enumerate(options) if o == said]
    if len(exact) == 1:
        return exact[0]
    compact = said.replace(" ", "")
    exact = [i for i, o in enumerate(options) if o.replace(" ", "") == compact]
    if len(exact) == 1:
        return exact[0]
    scores = sorted(((fuzz.ratio(said, o), i) for i, o in enumerate(options) if o), reverse=True)
    if (
        scores
        and scores[0][0] >= FUZZY_MIN
        and (len(scores) == 1 or scores[0][0] - scores[1][0] >= FUZZY_MARGIN)
    ):
        return scores[0][1]
    # The option named inside a sentence: "I think it's decoder-only". Pick the longest option
    # contained as whole words; if two unrelated options are named, it is ambiguous.
    padded = f" {said} "
    inside = [i for i, o in enumerate(options) if o and f" {o} " in padded]
    if inside:
        inside.sort(key=lambda i: len(options[i]), reverse=True)
        best = inside[0]
        if all(options[i] in options[best] for i in inside[1:]):
            return best
    return None


def grade_choice(question: Question, answer: str) -> Grade:
    options = question.choices
    correct = question.correct_choice
    letters = "/".join(LETTERS[: len(options)])
    if is_blank(answer):
        return make_grade(
            0, f"No answer given: reply with a letter ({letters}) or the option text."
        )
    index = pick(question, answer)
    if index is None:
        return make_grade(
            0,
            f"Could not tell which option you chose: answer with a letter ({letters}) "
            "or the option text.",
        )
    chosen = options[index]
    label = f"{LETTERS[index]}) {chosen.text}"
    if chosen.correct:
        # The explanation is shown in full next to the grade; repeating it here said the
        # same sentence twice.
        return make_grade(100, f"Correct: {label}.")
    right = (
        f" The answer is {LETTERS[options.index(correct)]}) {quote(correct.text)}."
        if correct
        else ""
    )
    why_wrong = (chosen.why_wrong or "That option is not right.").strip()
    if not why_wrong.endswith((".", "!", "?")):
        why_wrong += "."
    return make_grade(0, f"{label} is wrong: {why_wrong}{right}")
