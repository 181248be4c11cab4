"""Short answers: a term, a number or a name, compared with every accepted variant.

Both sides are normalised (`bot.text.normalise_phrase`). A variant matches when

* the whole answer equals it, with or without spaces ("tf idf" = "tfidf"), or is within a small
  edit distance that grows with its length (`allowed_edits`): 0 edits up to 4 characters, 1 up to
  7, 2 up to 14, then one per 7 characters; or
* the answer contains it as a run of whole words, again within the edit budget, so
  "it's called TF-IDF" passes, but "term frequency" never matches
  "term frequency inverse document frequency" (a fragment is not a match) and
  "new yorkshire" never matches "new york" (words must match whole).

A one-word variant that is the head word of a longer variant ("checkpointing" beside
"activation checkpointing") matches only as the whole answer, so "model checkpointing" is not
accepted. A match negated in the answer ("not Paris") fails; naming several candidates ("BERT
or GPT") is partial credit. A near miss scores below 35 with the expected answer in the feedback.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from bot.domain import Grade, Question
from bot.services.scoring._common import is_blank, make_grade, quote
from bot.text import NEGATIONS, normalise_phrase

MAX_WORDS = 300
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_HEDGE = re.compile(r"\s+(?:or|and/or)\s+")


def allowed_edits(length: int) -> int:
    """Typos tolerated in a string of `length` characters (spaces excluded)."""
    if length <= 4:
        return 0
    if length <= 7:
        return 1
    if length <= 14:
        return 2
    return length // 7


def _close(said: str, variant: str) -> tuple[bool, int]:
    """(matches, edits) for two normalised strings compared without spaces."""
    a, b = said.replace(" ", ""), variant.replace(" ", "")
    if a == b:
        return True, 0
    if _DIGITS.findall(said) != _DIGITS.findall(variant):
        return False, 99  # numbers must match exactly: "1.5 billion" is not "175 billion"
    budget = allowed_edits(len(b))
    if budget == 0 or abs(len(a) - len(b)) > budget:
        return False, budget + 1
    edits = Levenshtein.distance(a, b, score_cutoff=budget)
    return edits <= budget, edits


def _contains(words: list[str], variant: str) -> int | None:
    """Index of the first word of a window of `words` that matches `variant`, else None."""
    target = variant.split()
    n = len(target)
    for size in {n, n + 1, max(1, n - 1)}:
        for start in range(0, len(words) - size + 1):
            window = words[start : start + size]
            # Whole-word boundaries: the window must start and end on the variant's own words,
            # so "new yorkshire" is not "new york" + a suffix.
            if not _edge_ok(window[0], target[0]) or not _edge_ok(window[-1], target[-1]):
                continue
            if _close(" ".join(window), variant)[0]:
                return start
    return None


def _edge_ok(word: str, target: str) -> bool:
    if word == target:
        return True
    if len(target) <= 4 or len(word) <= 4:
        # Short words at the edges must be exact, or part of a split token ("tf idf").
        return word in target or target in word
    return Levenshtein.distance(word, target, score_cutoff=2) <= allowed_edits(len(target))


def _negated(words: list[str], start: int) -> bool:
    return any(w in NEGATIONS for w in words[max(0, start - 3) : start])


def match(accepted: tuple[str, ...], answer: str) -> tuple[bool, bool, int]:
    """(matched, hedged, typo edits) of `answer` against the accepted variants."""
    said = normalise_phrase(answer)
    variants = [v for v in (normalise_phrase(a) for a in accepted) if v]
    if not said or not variants:
        return False, False, 0
    for variant in variants:
        ok, edits = _close(said, variant)
        if ok:
            return True, False, edits
    words = said.split()[:MAX_WORDS]
    generic = _generic_variants(variants)
    for variant in variants:
        if variant in generic:
            continue  # matches only as the whole answer (checked above)
        start = _contains(words, variant)
        if start is None or _negated(words, start):
            continue
        return True, _hedged(answer, variants), 0
    return False, False, 0


def _generic_variants(variants: list[str]) -> frozenset[str]:
    """One-word variants that are the head word of a longer variant ("checkpointing" of
    "activation checkpointing", "bubble" of "pipeline bubble"): inside a sentence they may
    name something else ("model checkpointing"), so they count only as the whole answer. A
    leading word ("Porter" of "Porter stemmer") is the distinctive part and still matches."""
    heads = {v.split()[-1] for v in variants if len(v.split()) > 1}
    return frozenset(v for v in variants if len(v.split()) == 1 and v in heads)


_CLAUSES = re.compile(r"[,;.!?()]+\s*|\s+-\s+")
_EITHER = re.compile(r"^\s*(?:either|maybe|perhaps|probably)\s+", re.IGNORECASE)


def _hedged(answer: str, variants: list[str]) -> bool:
    """Whether the answer names another candidate as well ("BERT or GPT", "either 128 or
    256 KiB, depending on ..."): a clause of short alternatives joined by "or", one of which
    is not an accepted variant."""
    for clause in _CLAUSES.split(answer[:2000]):
        raw = [_EITHER.sub("", p) for p in _HEDGE.split(clause)]
        parts = [normalise_phrase(p) for p in raw]
        parts = [p for p in parts if p]
        if len(parts) < 2 or any(len(p.split()) > 4 for p in parts):
            continue
        named = [
            any(_close(part, v)[0] or _contains(part.split(), v) is not None for v in variants)
            for part in parts
        ]
        if any(named) and not all(named):
            return True
    return False


def grade_short(question: Question, answer: str) -> Grade:
    accepted = question.accepted or ((question.model_answer,) if question.model_answer else ())
    expected = accepted[0] if accepted else question.model_answer
    if is_blank(answer):
        return make_grade(0, f"No answer given. The answer is {quote(expected)}.")
    matched, hedged, edits = match(accepted, answer)
    if matched and hedged:
        return make_grade(
            50, f"Pick one: {quote(expected)} is right, but you also named another answer."
        )
    if matched:
        note = f" (watch the spelling: {quote(expected)})" if edits else ""
        return make_grade(100, f"Correct{note}." if note else f"Correct: {quote(expected)}.")
    said = normalise_phrase(answer)[:200]
    best = max((fuzz.ratio(said, normalise_phrase(a)) for a in accepted), default=0.0)
    return make_grade(
        min(30.0, best * 0.3), f"Not quite: the expected answer is {quote(expected)}."
    )
