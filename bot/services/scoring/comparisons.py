"""Comparisons a model answer makes, and answers that state them the other way round.

A model answer carries implicit claims in its comparatives: "lower perplexity means the model
is less surprised", "fix the significance level before looking at the data", "at high volume
self-hosting is cheaper per token". An answer that uses the same words with the opposite
comparative ("more surprised", "after looking", "more expensive") states the reverse, however
many of its words match. Two readings find them:

* `comparison_claims`: the clauses of the reference that compare or order two things,
  matched as phrases (`keypoints.match_phrase`), which catches the two sides of "than",
  "before" or "after" swapped and an antonym standing in one clause;
* `comparisons` / `flipped`: each comparative of the reference with the content words on
  either side of it in its sentence (across commas and brackets); an answer position holding
  the opposite comparative with (nearly) the same words around it is a reversal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.services.scoring.keypoints import (
    ANTONYMS,
    AnswerIndex,
    compile_phrase,
    match_phrase,
    prompt_partners,
)
from bot.text import Token, stem, tokenize
from bot.text.normalize import MATCH_STOPWORDS

REVERSED_COVER = 0.75
"""Phrase reading: coverage from which a swapped comparison clause counts."""
MAX_REFERENCE = 6000
CONTEXT = 2
"""Content words read on each side of a comparative."""
REACH = 6
"""How far (in words, within the sentence) those context words may be."""

_COMPARATIVES = """
    more less fewer faster quicker slower higher lower larger bigger smaller increase
    increases increasing raise raises decrease decreases decreasing reduce reduces before
    earlier after later better worse cheaper expensive costlier easier harder stronger weaker
"""
"""The words that make a clause a comparison. Their opposites are the matcher's own
(`keypoints.ANTONYMS`), so a comparison and a key point are reversed by the same pairs."""
COMPARATIVE_STEMS = frozenset(stem(w) for w in _COMPARATIVES.split())
OPPOSITES: dict[str, frozenset[str]] = {
    s: ANTONYMS.get(s, frozenset()) & COMPARATIVE_STEMS for s in COMPARATIVE_STEMS
}


def _is_context(tok: Token) -> bool:
    return tok.word not in MATCH_STOPWORDS and not tok.negation and tok.stem not in OPPOSITES


@dataclass(frozen=True, slots=True)
class Comparison:
    text: str
    """The words of the reference around the comparative, for feedback."""
    comparative: str
    """Stem of the comparative ("less", "after")."""
    left: tuple[str, ...]
    right: tuple[str, ...]


def _context(tokens: list[Token], at: int, step: int) -> list[int]:
    out: list[int] = []
    i = at + step
    sentence = tokens[at].sentence
    while 0 <= i < len(tokens) and abs(i - at) <= REACH and len(out) < CONTEXT:
        if tokens[i].sentence != sentence:
            break
        if _is_context(tokens[i]):
            out.append(i)
        i += step
    return out


def _near(tokens: list[Token], at: int, stems: frozenset[str]) -> bool:
    """Whether a word of `stems` stands within `REACH` of `at` in its sentence."""
    return any(
        tokens[i].stem in stems and tokens[i].sentence == tokens[at].sentence
        for i in range(max(0, at - REACH), min(len(tokens), at + REACH + 1))
        if i != at
    )


@lru_cache(maxsize=2048)
def comparisons(reference: str) -> tuple[Comparison, ...]:
    """Every comparative of `reference` with enough words around it to be a claim."""
    tokens = tokenize(reference[:MAX_REFERENCE], max_tokens=1500)
    out: list[Comparison] = []
    for at, tok in enumerate(tokens):
        if tok.stem not in OPPOSITES:
            continue
        if _near(tokens, at, OPPOSITES[tok.stem]):
            continue  # "before and after fine-tuning", "smaller unless the larger" contrast
        left = _context(tokens, at, -1)
        right = _context(tokens, at, 1)
        if len(left) + len(right) < 3:
            continue  # "after pretraining" alone is not a claim
        lo, hi = min([at, *left]), max([at, *right])
        out.append(
            Comparison(
                " ".join(t.word for t in tokens[lo : hi + 1]),
                tok.stem,
                tuple(tokens[i].stem for i in left),
                tuple(tokens[i].stem for i in right),
            )
        )
    return tuple(out)


def _found(tokens: list[Token], at: int, stems: tuple[str, ...], step: int) -> int:
    sentence = tokens[at].sentence
    want = set(stems)
    i = at + step
    got = 0
    while want and 0 <= i < len(tokens) and abs(i - at) <= REACH + 2:
        if tokens[i].sentence != sentence:
            break
        if tokens[i].stem in want:
            want.discard(tokens[i].stem)
            got += 1
        i += step
    return got


def _negated_before(tokens: list[Token], at: int) -> bool:
    return any(
        tokens[i].negation and tokens[i].clause == tokens[at].clause
        for i in range(max(0, at - 3), at)
    )


def _stated_reversed(index: AnswerIndex, claim: Comparison) -> bool:
    """Whether the answer holds the opposite of the claim's comparative with (nearly) the
    claim's words around it."""
    tokens = index.tokens
    total = len(claim.left) + len(claim.right)
    for opposite in OPPOSITES[claim.comparative]:
        for at in index.by_stem.get(opposite, ()):
            if _negated_before(tokens, at) or _near(tokens, at, OPPOSITES[opposite]):
                continue  # "not faster" is not "slower"; "before and after" is both
            got = _found(tokens, at, claim.left, -1) + _found(tokens, at, claim.right, 1)
            if got >= 3 and got >= total - 1:
                return True
    return False


def flipped(index: AnswerIndex, reference: str) -> tuple[str, ...]:
    """Comparisons of `reference` that the answer states with the opposite comparative."""
    found = (c.text for c in comparisons(reference) if _stated_reversed(index, c))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=2048)
def comparison_claims(reference: str) -> tuple[str, ...]:
    """The clauses of a model answer that compare or order two things ("X is faster than Y",
    "normalise before splitting"): implicit claims an answer must not reverse."""
    clauses: dict[int, list[str]] = {}
    for tok in tokenize(reference, max_tokens=1500):
        clauses.setdefault(tok.clause, []).append(tok.word)
    out: list[str] = []
    for words in clauses.values():
        has_comparative = any(stem(w) in COMPARATIVE_STEMS for w in words)
        content = [w for w in words if w not in MATCH_STOPWORDS and stem(w) not in OPPOSITES]
        # Two things compared need a few words around the comparative.
        enough = len(content) >= 3 or (len(content) == 2 and "than" in words)
        if enough and len(content) <= 14 and has_comparative:
            out.append(" ".join(words))
    return tuple(out)


def reversed_comparisons(index: AnswerIndex, reference: str, prompt: str) -> tuple[str, ...]:
    """Comparisons of `reference` that the answer states the other way round: the order
    reversed, an opposite swapped in, or the opposite comparative around the same words."""
    reference = reference[:MAX_REFERENCE]
    found: list[str] = list(flipped(index, reference))
    claims = comparison_claims(reference)
    if claims:
        demote = frozenset(t.stem for t in tokenize(prompt, max_tokens=200) if not t.grammar)
        partners = prompt_partners(prompt)
        for claim in claims:
            got = match_phrase(index, compile_phrase(claim, demote), partners)
            contradiction = got.contradiction or ""
            if got.coverage >= REVERSED_COVER and (
                contradiction == "reversed" or contradiction.startswith("swapped")
            ):
                found.append(claim)
    return tuple(dict.fromkeys(found))
