"""The shape of an answer, apart from what it says: a bare list of terms, or the prompt again.

Both are ways of earning key-point matches without asserting anything:

* `keyword_list`: three or more comma-, semicolon- or line-separated items of which few hold a
  clause (a verb form of be/have/do, a modal, a subject pronoun, a subordinating word or one
  of the common verbs an explanation uses). "decoder-only transformer, causal attention, BPE
  tokens" is a list; "it is decoder-only, so each token only sees earlier ones" is not.
* `restates_prompt`: nearly every content word of the answer comes from the prompt.
* `relevance`: the share of the answer's content words found in what the question is graded
  against; an answer to another question scores low.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from bot.text import Token, tokenize
from bot.text.normalize import MATCH_STOPWORDS

LIST_MIN_ITEMS = 3
LIST_MAX_CLAUSAL = 0.5
"""A list when at most this share of its items holds a clause."""
BARE_ITEM_WORDS = 4
RELEVANCE_MIN_WORDS = 4
RELEVANCE_MIN_VOCAB = 40
"""Relevance needs a reference of at least this many content words: a one-sentence model
answer (the ASAG data's desired answers have 3-18) cannot tell an answer to another question
from a differently worded answer to this one. Every question of the bank has 60 or more."""
LIST_SHARE = 0.6
LIST_BARE_SHARE = 0.6
"""Share of short clause-less lines from which a multi-line answer is a list."""
RESTATED_SHARE = 0.85

_CLAUSE_CUE_WORDS = """
    is are was were be been being am has have had does do did can could will would should may
    might must shall it they we you i he she this these those which who that because so since
    when if while whereas although though unless then therefore thus hence means mean lets let
    allows allow makes make gives give uses use helps help causes cause needs need becomes
    become reduces reduce increases increase prevents prevent keeps keep takes take turns turn
    learns learn predicts predict returns return computes compute depends depend requires
    require works work tells tell measures measure avoids avoid adds add removes remove splits
    split maps map assigns assign stores store sends send gets get
"""
_CLAUSE_CUES = frozenset(_CLAUSE_CUE_WORDS.split())


def _items(tokens: Sequence[Token]) -> list[list[Token]]:
    items: list[list[Token]] = []
    current: list[Token] = []
    last_clause = -1
    for tok in tokens:
        if current and tok.clause != last_clause:
            items.append(current)
            current = []
        current.append(tok)
        last_clause = tok.clause
    if current:
        items.append(current)
    return items


def _clausal(item: Sequence[Token]) -> bool:
    return any(t.word in _CLAUSE_CUES for t in item)


def bare_items(tokens: Sequence[Token]) -> frozenset[int]:
    """Token positions inside bare list items: a short item (`BARE_ITEM_WORDS`) with no
    clause, in a sentence of three or more items of which at most half hold a clause
    ("tokenization, embeddings, attention")."""
    out: set[int] = set()
    start = 0
    for sentence in _sentences(tokens):
        items = _items(sentence)
        clausal = [_clausal(item) for item in items]
        if len(items) >= LIST_MIN_ITEMS and sum(clausal) <= LIST_MAX_CLAUSAL * len(items):
            pos = start
            for item, has_clause in zip(items, clausal, strict=True):
                if not has_clause and len(item) <= BARE_ITEM_WORDS:
                    out.update(range(pos, pos + len(item)))
                pos += len(item)
        start += len(sentence)
    return frozenset(out)


_CODE = re.compile(r"[=(){}\[\]<>]|\b(?:def|return|import|lambda|class|for|while)\b")


def keyword_list(tokens: Sequence[Token], text: str = "") -> bool:
    """Whether the whole answer is a bare list: one sentence of four or more items, most of
    them short and without a clause, or three or more short lines without a clause. (An
    enumeration of phrases that say something, "use X to save memory, Y to ...", is not.)"""
    sentences = _sentences(tokens)
    if len(sentences) == 1:
        items = _items(sentences[0])
        bare = sum(1 for item in items if len(item) <= BARE_ITEM_WORDS and not _clausal(item))
        return len(items) >= 4 and bare >= LIST_BARE_SHARE * len(items)
    if _CODE.search(text[:20_000]):
        return False  # lines of code are short and verbless, and not a list of terms
    short = sum(1 for s in sentences if len(s) <= 6 and not _clausal(s))
    return len(sentences) >= LIST_MIN_ITEMS and short >= LIST_SHARE * len(sentences)


def _sentences(tokens: Sequence[Token]) -> list[list[Token]]:
    out: list[list[Token]] = []
    for tok in tokens:
        if not out or out[-1][-1].sentence != tok.sentence:
            out.append([])
        out[-1].append(tok)
    return out


def restates_prompt(tokens: Sequence[Token], prompt: str) -> bool:
    """Whether nearly all of the answer's content words are the prompt's own."""
    content = [t.stem for t in tokens if t.word not in MATCH_STOPWORDS and not t.negation]
    if not content or not prompt:
        return False
    asked = {t.stem for t in tokenize(prompt, max_tokens=400)}
    return sum(1 for s in content if s in asked) >= RESTATED_SHARE * len(content)


def vocabulary(texts: Sequence[str]) -> frozenset[str]:
    """Content-word stems of the texts a question is graded against."""
    return _vocabulary(tuple(texts))


@lru_cache(maxsize=4096)
def _vocabulary(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(
        t.stem
        for text in texts
        for t in tokenize(text, max_tokens=3000)
        if t.word not in MATCH_STOPWORDS
    )


def relevance(tokens: Sequence[Token], vocab: frozenset[str]) -> float | None:
    """Share of the answer's content words that belong to the question's vocabulary (its
    prompt, model answer, explanation and rubric), or None for answers too short to judge.

    An answer to another question, even a neighbouring one, uses mostly other words
    (median 0.22 over the bank's sibling model answers), while people answering the question
    itself, however briefly or wrongly, stay above about 0.45.
    """
    content = [t.stem for t in tokens if t.word not in MATCH_STOPWORDS and not t.negation]
    if len(content) < RELEVANCE_MIN_WORDS or len(vocab) < RELEVANCE_MIN_VOCAB:
        return None
    return sum(1 for s in content if s in vocab) / len(content)
