"""Key points derived automatically from a reference answer, and a generic similarity.

`split_key_points` cuts a model answer into clause-sized key points with fixed rules (no
training): sentences, then clauses at ; : , and clause-joining words (and, but, which, because,
while, whereas, so, so that, since, although, or, then), then long clauses at prepositions.
Pieces with fewer than two content words are merged into a neighbour.

`similarity` is a soft, symmetric content-word overlap between an answer and a reference
(stems, typo-tolerant), ignoring words of the prompt ("question demoting"): used when key
points are derived automatically and are therefore a rough rubric.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

from bot.domain import KeyPoint
from bot.text import same_root, tokenize
from bot.text.normalize import MATCH_STOPWORDS

MAX_POINTS = 8
MAX_WORDS_PER_POINT = 7
_SENTENCES = re.compile(r"(?<=[.!?;:])\s+|\n+")
_CLAUSE = re.compile(
    r"\s*,\s*|\s+(?:and|but|which|who|whereas|while|because|so that|so|since|although|"
    r"though|or|then|thus|hence|therefore|whereby|where|when|if|unless)\s+",
    re.IGNORECASE,
)
_PREPOSITION = re.compile(
    r"\s+(?:of|in|for|with|by|to|from|into|on|at|through|using|via)\s+", re.IGNORECASE
)


def _content(text: str) -> list[str]:
    return [t.word for t in tokenize(text, max_tokens=200) if t.word not in MATCH_STOPWORDS]


def _merge_small(pieces: list[str], joiner: str) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        piece = piece.strip(" .,;:")
        if not piece:
            continue
        if out and (len(_content(piece)) < 2 or len(_content(out[-1])) < 2):
            out[-1] = f"{out[-1]}{joiner}{piece}"
        else:
            out.append(piece)
    return out


def split_key_points(reference: str) -> tuple[KeyPoint, ...]:
    """Clause-sized key points of `reference`, at most `MAX_POINTS` of them."""
    text = reference[:4000].strip()
    pieces: list[str] = []
    for sentence in _SENTENCES.split(text):
        clauses = _merge_small(_CLAUSE.split(sentence), " ")
        for clause in clauses:
            if len(_content(clause)) > MAX_WORDS_PER_POINT:
                parts = _merge_small(_PREPOSITION.split(clause), " ")
                pieces.extend(parts)
            else:
                pieces.append(clause)
    pieces = [p for p in pieces if _content(p)]
    while len(pieces) > MAX_POINTS:
        # Merge the shortest adjacent pair.
        sizes = [
            len(_content(pieces[i])) + len(_content(pieces[i + 1])) for i in range(len(pieces) - 1)
        ]
        i = sizes.index(min(sizes))
        pieces[i : i + 2] = [f"{pieces[i]} {pieces[i + 1]}"]
    return tuple(KeyPoint(p) for p in pieces)


def _bag(text: str, demote: set[str]) -> dict[str, str]:
    """stem -> a surface word, for the content words of `text` not in `demote`."""
    out: dict[str, str] = {}
    for tok in tokenize(text, max_tokens=400):
        if tok.word in MATCH_STOPWORDS or tok.stem in demote or tok.negation:
            continue
        out.setdefault(tok.stem, tok.word)
    return out


def _soft_recall(source: dict[str, str], target: dict[str, str]) -> float:
    """Share of `source` words found in `target` (same stem 1.0, a close typo 0.8)."""
    if not source:
        return 0.0
    got = 0.0
    for stem_, word in source.items():
        if stem_ in target:
            got += 1.0
            continue
        if any(same_root(stem_, t) for t in target):
            got += 0.8  # "reusable" for "reuse"
            continue
        if len(word) >= 5 and any(
            w[0] == word[0] and Levenshtein.distance(w, word, score_cutoff=1) <= 1
            for w in target.values()
        ):
            got += 0.8
    return got / len(source)


def similarity(answer: str, reference: str, prompt: str = "") -> float:
    """Soft F1 of content words, prompt words removed, in [0, 1]."""
    demote = {t.stem for t in tokenize(prompt, max_tokens=200) if not t.grammar}
    ref = _bag(reference, demote) or _bag(reference, set())
    ans = _bag(answer, demote)
    if not ref or not ans:
        return 0.0
    recall = _soft_recall(ref, ans)
    precision = _soft_recall(ans, ref)
    if recall + precision == 0:
        return 0.0
    # Recall matters more: a longer answer with extra (right) detail is not wrong.
    beta2 = 4.0
    return (1 + beta2) * precision * recall / (beta2 * precision + recall)
