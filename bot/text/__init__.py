"""Text normalisation shared by the graders: folding, tokens, stems. Pure functions, no I/O."""

from bot.text.normalize import (
    DIMINISHERS,
    FUNCTION_WORDS,
    NEGATIONS,
    Token,
    fold,
    normalise_phrase,
    root,
    same_root,
    stem,
    tokenize,
    words,
)

__all__ = [
    "DIMINISHERS",
    "FUNCTION_WORDS",
    "NEGATIONS",
    "Token",
    "fold",
    "normalise_phrase",
    "root",
    "same_root",
    "stem",
    "tokenize",
    "words",
]
