"""Near-duplicate prompts: the same question asked twice, not two questions that look alike.

A fuzzy ratio alone calls "What is the capital of Syria?" and "... of Serbia?" 95% similar,
and "What does ROM stand for?" against "What does CD-R stand for?" close too, though each
asks about something else. So two prompts are duplicates when they are similar (rapidfuzz
`token_sort_ratio` at or above `NEAR_DUPLICATE_RATIO`) AND no content word of one is missing
from the other: every word that is not a function word ("what", "the", "of") must appear
in the other prompt, exactly or as a typo of a longer word (one edit from five letters,
"diference" ~ "difference", "transformer" ~ "transformers"); numbers must match exactly.
A different named entity, acronym or number makes a different question.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

from bot.text import FUNCTION_WORDS, stem

# Two prompts this similar (token_sort_ratio on normalised text) may be the same question.
# Measured on the shipped packs: distinct questions stay below 90.
NEAR_DUPLICATE_RATIO = 92.0
_WORD = re.compile(r"[^\W_]+")
# Question words the function-word list does not hold, which never tell questions apart.
_GENERIC = frozenset(
    {
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "does",
        "do",
        "did",
        "is",
        "are",
        "was",
        "were",
        "name",
        "called",
        "explain",
        "describe",
        "define",
        "one",
        "some",
        "any",
    }
)


def normalise_prompt(prompt: str) -> str:
    """Case-folded words of a prompt, accents and punctuation gone."""
    folded = unicodedata.normalize("NFKD", prompt.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(plain))


def content_words(prompt: str) -> frozenset[str]:
    """The words that say what a prompt asks about."""
    words = normalise_prompt(prompt).split()
    return frozenset(w for w in words if w not in FUNCTION_WORDS and w not in _GENERIC)


def _matched(word: str, others: frozenset[str], other_stems: frozenset[str]) -> bool:
    """`word` has a counterpart in `others`: the same word or stem ("standing" ~
    "stand"), or a one-letter typo of a word of five letters or more."""
    if word in others or stem(word) in other_stems:
        return True
    if word.isdigit() or len(word) < 5:
        return False
    return any(
        len(other) >= 5 and not other.isdigit() and Levenshtein.distance(word, other) <= 1
        for other in others
    )


def differing_words(a: str, b: str) -> list[str]:
    """Content words of either prompt with no counterpart in the other (sorted)."""
    words_a, words_b = content_words(a), content_words(b)
    stems_a = frozenset(stem(w) for w in words_a)
    stems_b = frozenset(stem(w) for w in words_b)
    missing = {w for w in words_a if not _matched(w, words_b, stems_b)}
    missing |= {w for w in words_b if not _matched(w, words_a, stems_a)}
    return sorted(missing)


def same_question(a: str, b: str) -> bool:
    """Whether two prompts already found similar ask the same thing."""
    return not differing_words(a, b)
