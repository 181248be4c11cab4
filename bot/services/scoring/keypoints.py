"""Key-point coverage for open, scenario and coding answers.

See the package docstring for the scoring formula. The moving parts:

* `Phrase`: one phrasing of a key point (its text or a synonym) as content-word stems with
  weights; words that also occur in the prompt weigh less (restating the question is not an
  answer), generic words ("model", "data", "use") weigh half.
* `AnswerIndex`: the answer's tokens (capped at `MAX_TOKENS`) with, per phrase word, the
  positions where it occurs: same stem (1.0), a typo of it (0.9: same first letter, Levenshtein
  distance 1 up to 7 letters, 2 beyond), or a stem prefix (0.8).
* `match_phrase`: the best window of the answer (a few words wider than the phrase, so word
  order and a few words in between do not matter) and the weighted share of the phrase's words
  found in it. Then, in that window: a negation whose scope (the next 4 words of the same
  clause) reaches a matched word, when the key point itself is not negated, or the reverse; the
  two sides of "than" swapped; or a contrast word (built-in antonyms such as
  increase/decrease, encoder/decoder, and pairs named in the prompt, "stemming vs
  lemmatization") in place of one of the phrase's words. Any of these marks the point
  contradicted.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.domain import KeyPoint
from bot.services.scoring.shape import bare_items
from bot.services.scoring.stance import Stance, Stances, analyse, cue_tokens, stance_of
from bot.services.scoring.synonyms import SYNONYM_QUALITY, SYNONYMS
from bot.text import DIMINISHERS, Token, fold, same_root, stem, tokenize
from bot.text.normalize import MATCH_STOPWORDS

MAX_TOKENS = 600
"""Answer words looked at; the rest of a very long answer is ignored."""
COVER = 0.7
"""Phrase coverage from which a key point counts as stated."""
CREDIT_FROM = 0.3
MARKED_CREDIT_FROM = 0.2
CREDIT_FULL = 0.7
CHECK_FROM = 0.5
"""Phrase coverage from which a negated or reversed window counts as a contradiction."""
DEMOTED = 0.25
"""Weight of a phrase word that also occurs in the prompt."""
NEGATION_SCOPE = 4
_HEDGES = frozenset(["almost", "nearly", "virtually", "practically", "next"])
"""Words that turn a following "no" into "hardly any" ("almost no waste", "next to no")."""
LISTED_CREDIT = 0.5
"""Share of a point's credit earned when it is only named as a bare list item."""
MAX_POSITIONS = 40
"""Occurrences of one word considered (keeps hostile repetitive answers cheap)."""

GENERIC = frozenset(
    stem(w)
    for w in [
        "model",
        "models",
        "data",
        "method",
        "methods",
        "way",
        "ways",
        "thing",
        "things",
        "value",
        "values",
        "number",
        "example",
        "work",
        "works",
        "working",
        "only",
        "also",
        "often",
        "usually",
        "different",
        "various",
        "type",
        "types",
        "set",
        "kind",
        "give",
        "gives",
        "good",
        "better",
        "best",
        "important",
        "help",
        "helps",
        "need",
        "needs",
        "problem",
        "result",
        "results",
        "act",
        "acts",
    ]
)

_ANTONYM_WORDS = """
most least|high low|faster slower|fast slow|larger smaller|bigger smaller|
large small|big small|long short|longer shorter|maximize minimize|maximum minimum|
max min|encoder decoder|overfitting underfitting|overfit underfit|supervised unsupervised|
before after|positive negative|true false|input output|sparse dense|easy hard|
simple complex|cheap expensive|add remove|improve worsen|improve hurt|improve degrade|
help hurt|local global|generative discriminative|correct incorrect|precision recall|
stemming lemmatization|stem lemma|l1 l2|row column|upper lower|first last|left right|
inside outside|underestimate overestimate|bias variance|static dynamic|
bidirectional unidirectional|bidirectional left-to-right|causal bidirectional|
linear nonlinear|deterministic stochastic|online offline|synchronous asynchronous|
parallel sequential|convex nonconvex|stable unstable|explicit implicit|always never|
all none|accept reject|greedy optimal|vanish explode|vanishing exploding|
better worse|cheaper expensive|cheaper costlier|easier harder|earlier later|
stronger weaker|wider narrower|deeper shallower|safer riskier|quicker slower|
before later|earlier after|rise fall|rising falling|
"""
ANTONYMS: dict[str, frozenset[str]] = {}


def _add_pair(a: str, b: str, into: dict[str, frozenset[str]]) -> None:
    sa, sb = stem(a), stem(b)
    if sa == sb:
        return
    into[sa] = into.get(sa, frozenset()) | {sb}
    into[sb] = into.get(sb, frozenset()) | {sa}


_OPPOSED_DIRECTIONS = (
    ("increase raise grow boost", "decrease reduce shrink diminish cut lower"),
    ("more", "less fewer"),
    ("higher", "lower"),
    ("larger bigger", "smaller"),
)
"""Opposite directions, class by class: "more" is opposed to "less", not to "smaller" ("rare
words take more tokens" is not contradicted by "split into smaller pieces")."""
UP = frozenset(stem(w) for ups, _ in _OPPOSED_DIRECTIONS for w in ups.split())
DOWN = frozenset(stem(w) for _, downs in _OPPOSED_DIRECTIONS for w in downs.split())
"""Direction words: any two of one group match each other (0.9)."""
DIRECTION: dict[str, frozenset[str]] = {s: UP for s in UP} | {s: DOWN for s in DOWN}

for _ups, _downs in _OPPOSED_DIRECTIONS:
    for _up in _ups.split():
        for _down in _downs.split():
            _add_pair(_up, _down, ANTONYMS)

for _pair in _ANTONYM_WORDS.split("|"):
    _ws = _pair.split()
    if len(_ws) == 2:
        _add_pair(_ws[0], _ws[1], ANTONYMS)

_NEG_PREFIXES = ("un", "non", "in", "im", "ir", "il", "dis", "de", "anti", "mis")


@dataclass(frozen=True, slots=True)
class PWord:
    word: str
    stem: str
    weight: float


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    words: tuple[PWord, ...]
    negated: bool
    """Whether the phrase has an explicit negation ("not", "without", "never")."""
    cues: int
    """Negations plus diminishing verbs ("reduces", "prevents") in the phrase."""
    than: int | None
    """Index into `words` of the first word after the pivot, when the phrase relates two
    things in order: "X faster than Y", "X before Y"."""
    pivot: str = "than"
    """The word the order is read around ("than", "before" or "after")."""

    @property
    def total(self) -> float:
        return sum(w.weight for w in self.words)

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(w.stem for w in self.words)


@lru_cache(maxsize=16_384)
def compile_phrase(text: str, demote: frozenset[str] = frozenset()) -> Phrase:
    """A phrasing as weighted content-word stems (cached: the bank's phrasings recur)."""
    toks = tokenize(text, max_tokens=60)
    out: list[PWord] = []
    negated = False
    cues = 0
    than: int | None = None
    pivot = "than"
    for i, tok in enumerate(toks):
        if tok.negation:
            if tok.word == "not" and i + 1 < len(toks) and toks[i + 1].word in ("only", "just"):
                continue
            negated = True
            cues += 1
            continue
        if tok.diminisher:
            cues += 1
        if tok.word == "than":
            than, pivot = len(out), "than"
            continue
        if tok.word in ("before", "after") and than is None:
            # Kept as a word (it swaps with its opposite); the order is read around it.
            than, pivot = len(out) + 1, tok.word
        if tok.word in MATCH_STOPWORDS:
            continue
        weight = 1.0
        if tok.stem in GENERIC:
            weight = 0.5
        if tok.stem in demote:
            weight = min(weight, DEMOTED)
        out.append(PWord(tok.word, tok.stem, weight))
    if not out:  # a phrase of function words only: match them all
        out = [PWord(t.word, t.stem, 1.0) for t in toks if not t.negation]
    if than is not None and not (0 < than < len(out)):
        than = None
    return Phrase(text, tuple(out), negated, cues, than, pivot)


def _typo_budget(word: str) -> int:
    if len(word) < 5:
        return 0
    return 1 if len(word) <= 7 else 2


def _antonym_like(a: str, b: str) -> bool:
    """Whether two similar words are opposites ("supervised"/"unsupervised")."""
    for p in _NEG_PREFIXES:
        if a == p + b or b == p + a:
            return True
    sa, sb = stem(a), stem(b)
    return sb in ANTONYMS.get(sa, frozenset())


@dataclass(slots=True)
class AnswerIndex:
    tokens: list[Token]
    by_stem: dict[str, list[int]] = field(default_factory=dict)
    by_word: dict[str, list[int]] = field(default_factory=dict)
    vocab: list[str] = field(default_factory=list)
    stances: Stances = field(default_factory=lambda: Stances((), (), ()))
    bare: frozenset[int] = frozenset()
    """Positions inside bare list items (`shape.bare_items`)."""
    _cache: dict[tuple[str, str], tuple[list[int], list[float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, text: str) -> AnswerIndex:
        index = cls(tokenize(text, max_tokens=MAX_TOKENS))
        for i, tok in enumerate(index.tokens):
            if tok.word in MATCH_STOPWORDS:
                continue
            index.by_stem.setdefault(tok.stem, []).append(i)
            index.by_word.setdefault(tok.word, []).append(i)
        index.vocab = list(index.by_word)
        # Two words written apart also stand for the name written as one ("flash
        # attention" for "FlashAttention", "lang chain" for "LangChain").
        words = frozenset(index.by_stem)
        for i in range(len(index.tokens) - 1):
            a, b = index.tokens[i], index.tokens[i + 1]
            if a.clause == b.clause and not a.grammar and not b.grammar:
                joined = stem(a.word + b.word)
                if joined not in words:
                    index.by_stem.setdefault(joined, []).append(i)
        index.stances = analyse(index.tokens)
        index.bare = bare_items(index.tokens)
        return index

    def occurrences(self, word: str, stem_: str) -> tuple[list[int], list[float]]:
        """Sorted positions where `word` (or its stem, a typo or a stem-prefix) occurs, with
        the quality of each match."""
        key = (word, stem_)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        found: dict[int, float] = {p: 1.0 for p in self.by_stem.get(stem_, ())[:MAX_POSITIONS]}
        for mate in DIRECTION.get(stem_, ()):
            for p in self.by_stem.get(mate, ())[:MAX_POSITIONS]:
                found.setdefault(p, 0.9)
        for mate in SYNONYMS.get(stem_, ()):
            for p in self.by_stem.get(mate, ())[:MAX_POSITIONS]:
                found.setdefault(p, SYNONYM_QUALITY)
        budget = _typo_budget(word)
        if budget and self.vocab:
            for cand, _dist, _ in process.extract(
                word,
                self.vocab,
                scorer=Levenshtein.distance,
                score_cutoff=budget,
                limit=None,
            ):
                if cand == word or cand[0] != word[0] or len(cand) < 4:
                    continue
                if _antonym_like(cand, word):
                    continue
                for p in self.by_word[cand][:MAX_POSITIONS]:
                    found.setdefault(p, 0.9)
        if len(stem_) >= 4:
            for other, positions in self.by_stem.items():
                if other == stem_ or len(other) < 4:
                    continue
                short, long_ = (other, stem_) if len(other) < len(stem_) else (stem_, other)
                if (len(short) >= 6 and long_.startswith(short)) or same_root(other, stem_):
                    # A longer form of the word ("tokenizer" for "token...") or the same
                    # word with "-able" ("reusable" for "reuse").
                    for p in positions[:MAX_POSITIONS]:
                        found.setdefault(p, 0.8)
        ordered = sorted(found)
        result = (ordered, [found[p] for p in ordered])
        self._cache[key] = result
        return result


@dataclass(frozen=True, slots=True)
class Window:
    coverage: float
    positions: tuple[int | None, ...]
    """Answer position matched for each phrase word (None when not found in the window)."""

    @property
    def span(self) -> tuple[int, int]:
        found = [p for p in self.positions if p is not None]
        return (min(found), max(found)) if found else (-1, -1)


def _windows(
    phrase: Phrase, lists: Sequence[tuple[list[int], list[float]]], width: int
) -> list[Window]:
    total = phrase.total or 1.0
    starts = sorted({p for positions, _ in lists for p in positions})
    out: list[Window] = []
    for start in starts:
        end = start + width
        got = 0.0
        chosen: list[int | None] = []
        for (positions, qualities), pw in zip(lists, phrase.words, strict=True):
            i = bisect_left(positions, start)
            best_q = 0.0
            best_p: int | None = None
            while i < len(positions) and positions[i] < end:
                if qualities[i] > best_q:
                    best_q, best_p = qualities[i], positions[i]
                i += 1
            got += best_q * pw.weight
            chosen.append(best_p)
        out.append(Window(got / total, tuple(chosen)))
    # Among equally complete windows the tightest comes first: "for CPU-bound work use
    # threads" is one statement even when "CPU" also occurs earlier in the sentence.
    out.sort(key=lambda w: (-w.coverage, _extent(w.positions)))
    return out


def _extent(positions: Sequence[int | None]) -> int:
    found = [p for p in positions if p is not None]
    return max(found) - min(found) if found else 0


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    coverage: float
    contradiction: str | None = None
    """Why the best window contradicts the phrase: "negated", "dismissed", "swapped X/Y",
    "reversed"."""
    listed: bool = False
    """Whether the statement is only a bare item of a list ("tokenization, embeddings, ...")."""
    clauses: int = 0
    """How many clauses the stated words span."""
    sentences: int = 0
    """How many sentences the stated words span."""
    positions: tuple[int | None, ...] = ()
    """Where each of the phrase's words was found in the stated window (None: not found)."""


_ONLY = frozenset(["only", "just", "solely", "merely"])


def _after_link(tokens: list[Token], at: int) -> str:
    """The word after "rather than" / "instead of" (or after the cue itself)."""
    i = at + 1
    if i < len(tokens) and tokens[i].word in ("than", "of"):
        i += 1
    return tokens[i].word if i < len(tokens) else ""


def _cues_at(
    tokens: list[Token],
    positions: Iterable[int | None],
    verb_cues: int = 0,
    ignore: frozenset[int] = frozenset(),
) -> tuple[int, int]:
    """(explicit negations, polarity cues) whose scope reaches a matched word.

    Polarity cues are negations and diminishing verbs ("reduces", "prevents"). When a negation
    reaches the matched words across a verb the phrase does not have ("does not *help with*
    overfitting"), that verb is taken to play the role of the phrase's own verb and brings the
    phrase's `verb_cues` (its diminishers) with it: "does not help with overfitting"
    contradicts "reduces overfitting", while "does not overfit" agrees with it.
    """
    matched = {p for p in positions if p is not None}
    seen: set[int] = set()
    explicit = 0
    borrowed = 0
    for p in sorted(matched):
        clause = tokens[p].clause
        for c in range(max(0, p - NEGATION_SCOPE), p):
            tok = tokens[c]
            if c in seen or c in ignore or tok.clause != clause:
                continue
            if not (tok.negation or tok.diminisher):
                continue
            nxt = tokens[c + 1].word if c + 1 < len(tokens) else ""
            if tok.word == "not" and nxt in ("only", "just", "necessarily"):
                continue
            if tok.word in ("rather", "instead") and _after_link(tokens, c) in _ONLY:
                continue  # "rather than only MTEB" keeps MTEB
            if tok.word == "no" and nxt in ("matter", "doubt"):
                continue
            if tok.word == "without" and p > _object_end(tokens, c):
                continue  # "without labels by comparing features" denies only the labels
            if tok.word == "no" and c > 0 and tokens[c - 1].word in _HEDGES:
                continue  # "almost no waste" says "near-zero waste"
            seen.add(c)
            if tok.negation:
                explicit += 1
                between = tokens[c + 1 : p]
                if (
                    verb_cues
                    and not any(tokens[i].diminisher for i in seen)
                    and any(
                        not t.grammar
                        and not t.negation
                        and not t.diminisher
                        and (c + 1 + k) not in matched
                        for k, t in enumerate(between)
                    )
                ):
                    borrowed = verb_cues
    if any(tokens[i].diminisher for i in seen):
        borrowed = 0  # the answer has its own diminishing verb
    return explicit, len(seen) + borrowed


_NP_GLUE = frozenset(["a", "an", "the", "any", "and", "or", "its", "their", "your", "our"])


def _object_end(tokens: list[Token], at: int) -> int:
    """The last position of the noun phrase a preposition at `at` governs ("without [the
    labels]"): content words and the articles and conjunctions between them, up to the next
    other function word."""
    i = at + 1
    last = at
    seen = False
    while i < len(tokens) and tokens[i].clause == tokens[at].clause:
        tok = tokens[i]
        if not tok.grammar:
            seen = True
            last = i
        elif tok.word not in _NP_GLUE and seen:
            break
        i += 1
    return last


def _one_clause(tokens: list[Token], window: Window) -> bool:
    return len({tokens[p].clause for p in window.positions if p is not None}) <= 1


def _contradicts(
    tokens: list[Token], phrase: Phrase, window: Window, ignore: frozenset[int] = frozenset()
) -> bool:
    """Whether the window states the phrase with the opposite polarity (`ignore`: positions
    of a denial frame, read separately)."""
    if len({tokens[p].sentence for p in window.positions if p is not None}) > 1:
        return False  # words gathered from two sentences are not one statement to deny
    explicit, total = _cues_at(tokens, window.positions, phrase.cues - phrase.negated, ignore)
    if total % 2 == phrase.cues % 2:
        return False
    if explicit:
        return True  # "dropout does not reduce overfitting"
    # No explicit negation in the answer: a negated point ("does not need labels") is
    # contradicted only by a full statement of it, in one clause, without the negation.
    return (
        phrase.negated
        and all(p is not None for p in window.positions)
        and _one_clause(tokens, window)
    )


def _reversed_than(index: AnswerIndex, phrase: Phrase, window: Window) -> bool:
    if phrase.than is None:
        return False
    lo, hi = window.span
    thans = [i for i in range(max(lo, 0), hi + 1) if index.tokens[i].word == phrase.pivot]
    for t in thans:
        left = window.positions[: phrase.than]
        right = window.positions[phrase.than :]
        wrong = sum(1 for p in left if p is not None and p > t) + sum(
            1 for p in right if p is not None and p < t
        )
        good = sum(1 for p in left if p is not None and p < t) + sum(
            1 for p in right if p is not None and p > t
        )
        if wrong > good:
            return True
    return False


def match_phrase(
    index: AnswerIndex,
    phrase: Phrase,
    partners: dict[str, frozenset[str]],
) -> PhraseMatch:
    if not phrase.words or not index.tokens:
        return PhraseMatch(0.0)
    lists = [index.occurrences(w.word, w.stem) for w in phrase.words]
    if not any(positions for positions, _ in lists):
        return PhraseMatch(0.0)
    width = max(8, 2 * len(phrase.words) + 4)
    windows = _windows(phrase, lists, width)
    best = windows[0].coverage
    tokens = index.tokens
    stated: Window | None = None
    contradiction: str | None = None
    bad = 0.0
    for window in windows[:8]:
        held = stance_of(index.stances, window.positions, phrase.stems, tokens)
        checkable = window.coverage >= CHECK_FROM
        if held is Stance.REPORTED:
            # "Some people say X": neither credit nor a contradiction, unless the point is
            # itself the denial of X ("a common misreading is that a small p-value means a
            # large effect" states "a small p-value does not mean a large effect").
            if phrase.negated and checkable:
                frame = cue_tokens(index.stances, window.positions)
                if _contradicts(tokens, phrase, window, frame):
                    stated = window
                    break
            continue
        denied = held in (Stance.DENIED, Stance.DISMISSED)
        frame = cue_tokens(index.stances, window.positions) if denied else frozenset()
        wrong = checkable and _contradicts(tokens, phrase, window, frame)
        if denied and phrase.negated:
            # The point is itself a denial ("attention weights are not faithful
            # explanations"): rejecting the positive claim agrees with it.
            if wrong:
                stated = window
                break
            continue
        if held is Stance.DISMISSED:
            if checkable:
                contradiction = contradiction or "dismissed"
                bad = max(bad, window.coverage)
            continue
        if held is Stance.DENIED:
            if checkable and not wrong:  # "it is not true that X"
                contradiction = contradiction or "negated"
                bad = max(bad, window.coverage)
            continue  # denying a wrong statement of it asserts nothing either
        if wrong:
            contradiction = contradiction or "negated"
            bad = max(bad, window.coverage)
            continue
        if (
            phrase.negated
            and not _one_clause(tokens, window)
            and not _cues_at(tokens, window.positions)[0]
        ):
            # A negated point ("a leaf has no children") is not stated by its words without
            # the negation spread over two clauses ("a node with children, it is a
            # terminating node").
            continue
        if checkable and _reversed_than(index, phrase, window):
            contradiction = contradiction or "reversed"
            bad = max(bad, window.coverage)
            continue
        # A correct statement elsewhere only outweighs a wrong one if it is as complete.
        if contradiction is None or window.coverage >= max(COVER, bad - 0.1):
            stated = window
        break
    swap = _swapped(index, phrase, lists, windows, partners, width)
    # As for negations: a correct statement elsewhere outweighs a swapped one only if it is
    # about as complete (one that lacks the compared word does not).
    if swap and (
        stated is None or _overlaps(stated, swap[1]) or stated.coverage < swap[1].coverage - 0.2
    ):
        return PhraseMatch(max(best, swap[1].coverage), f"swapped {swap[0]}")
    if stated is not None:
        found = [p for p in stated.positions if p is not None]
        listed = bool(found) and all(p in index.bare for p in found)
        clauses = len({tokens[p].clause for p in found})
        sentences = len({tokens[p].sentence for p in found})
        return PhraseMatch(
            stated.coverage,
            listed=listed,
            clauses=clauses,
            sentences=sentences,
            positions=stated.positions,
        )
    if contradiction:
        return PhraseMatch(bad, contradiction)
    return PhraseMatch(0.0)


def _overlaps(a: Window, b: Window) -> bool:
    (a0, a1), (b0, b1) = a.span, b.span
    return a0 <= b1 and b0 <= a1


def _swapped(
    index: AnswerIndex,
    phrase: Phrase,
    lists: list[tuple[list[int], list[float]]],
    windows: list[Window],
    partners: dict[str, frozenset[str]],
    width: int,
) -> tuple[str, Window] | None:
    """A contrast word standing where one of the phrase's words should be."""
    if len(phrase.words) < 2:
        return None
    stems = {w.stem for w in phrase.words}
    for j, pw in enumerate(phrase.words):
        for other in sorted(partners.get(pw.stem, ())):
            if other in stems:
                continue
            positions = index.by_stem.get(other)
            if not positions:
                continue
            alt = list(lists)
            alt[j] = (positions[:MAX_POSITIONS], [1.0] * len(positions[:MAX_POSITIONS]))
            for window in _windows(phrase, alt, width)[:4]:
                if window.coverage < CHECK_FROM:
                    break
                if window.positions[j] is None:
                    continue
                others = sum(
                    1
                    for k, p in enumerate(window.positions)
                    if k != j and p is not None and not index.tokens[p].word.isdigit()
                )
                if others < min(2, len(phrase.words) - 1):
                    continue  # one other word next to the contrast word is no statement
                found = [p for p in window.positions if p is not None]
                clauses = {index.tokens[p].clause for p in found}
                if len(clauses) > 1:
                    continue  # a swap is only read inside one clause
                if not _in_place(window.positions, j):
                    continue  # "which words influenced the output" for "perturb inputs"
                own, quality = lists[j]
                taken = {
                    p
                    for k, p in enumerate(window.positions)
                    if k != j and p is not None and _quality(lists[k], p) >= 1.0
                }
                if any(
                    index.tokens[p].clause in clauses and q >= 1.0 and p not in taken
                    for p, q in zip(own, quality, strict=True)
                ):
                    # The right word is there too ("decoder, unlike encoder, ..."); a word
                    # of the same direction group standing for another phrase word ("lower
                    # perplexity ... more surprised" for "less surprised") is not it.
                    continue
                explicit, cues = _cues_at(
                    index.tokens, window.positions, phrase.cues - phrase.negated
                )
                partner_tok = index.tokens[window.positions[j] or 0]
                # Compare polarity without the swapped words themselves ("reduces" has a cue,
                # its opposite "increases" has none).
                expected = phrase.cues - (pw.word in DIMINISHERS)
                if explicit or (cues - partner_tok.diminisher) % 2 != expected % 2:
                    continue  # "lemmatization is not faster": consistent, not a swap
                other_word = partner_tok.word
                return f"{pw.word}/{other_word}", window
    return None


def _in_place(positions: Sequence[int | None], j: int) -> bool:
    """Whether the word found for phrase word `j` stands where that word stands in the
    phrase: as many of the other found words before it in the answer as in the phrase."""
    at = positions[j]
    if at is None:
        return False
    before_phrase = sum(1 for k, p in enumerate(positions) if k < j and p is not None)
    before_answer = sum(1 for k, p in enumerate(positions) if k != j and p is not None and p < at)
    return before_phrase == before_answer


def _quality(found: tuple[list[int], list[float]], position: int) -> float:
    positions, qualities = found
    i = bisect_left(positions, position)
    return qualities[i] if i < len(positions) and positions[i] == position else 0.0


_PAIR = re.compile(
    r"(?:between\s+)?\b([a-z0-9][a-z0-9\-]*)\s+(?:vs\.?|versus|or|and|compared\s+(?:to|with))"
    r"\s+([a-z0-9][a-z0-9\-]*)"
)


_CONTRAST = re.compile(r"\b(?:differ\w*|compar\w*|contrast\w*|vs|versus|distinguish\w*)\b")


def prompt_partners(prompt: str) -> dict[str, frozenset[str]]:
    """Built-in antonyms plus contrast pairs named in the prompt ("X vs Y", "between X and Y",
    "X or Y", "X compared to Y")."""
    partners = dict(ANTONYMS)
    text = fold(prompt[:2000])
    contrast = bool(_CONTRAST.search(text))
    for m in _PAIR.finditer(text):
        if " and " in m.group(0) and not contrast and "between" not in m.group(0):
            continue
        a, b = m.group(1).split("-"), m.group(2).split("-")
        if len(a) == len(b):
            pairs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
            if len(pairs) != 1:
                continue
        else:
            pairs = [(a[-1], b[0])]
        for x, y in pairs:
            if x in MATCH_STOPWORDS or y in MATCH_STOPWORDS or x.isdigit() != y.isdigit():
                continue
            _add_pair(x, y, partners)
    return partners


@dataclass(frozen=True, slots=True)
class PointResult:
    point: KeyPoint
    coverage: float
    credit: float
    contradiction: str | None
    listed: bool = False
    """Stated only as a bare list item (credit reduced to `LISTED_CREDIT`)."""


def credit_for(coverage: float, marked: bool = False) -> float:
    """Credit for a point stated with `coverage`; a point of a marked rubric (written as a
    claim with a short label among its phrasings) earns credit from `MARKED_CREDIT_FROM`, a
    point cut automatically from a model answer from `CREDIT_FROM`."""
    start = MARKED_CREDIT_FROM if marked else CREDIT_FROM
    if coverage >= CREDIT_FULL:
        return 1.0
    if coverage <= start:
        return 0.0
    return (coverage - start) / (CREDIT_FULL - start)


def _worth(match: PhraseMatch) -> float:
    return match.coverage * (LISTED_CREDIT if match.listed else 1.0)


def assess_points(
    points: Sequence[KeyPoint], answer: str, prompt: str = ""
) -> tuple[list[PointResult], AnswerIndex]:
    index = AnswerIndex.build(answer)
    demote = frozenset(t.stem for t in tokenize(prompt, max_tokens=200) if not t.grammar)
    partners = prompt_partners(prompt)
    results: list[PointResult] = []
    for point in points:
        best = PhraseMatch(0.0)
        contradicted: PhraseMatch | None = None
        for text in point.phrasings:
            phrase = compile_phrase(text, demote)
            got = match_phrase(index, phrase, partners)
            if got.contradiction:
                if contradicted is None or got.coverage > contradicted.coverage:
                    contradicted = got
            elif _worth(got) > _worth(best):
                best = got
        # A phrasing stated elsewhere outweighs a swapped one only if it is nearly as complete
        # ("rule-based suffix removal" without its subject does not undo "lemmatization strips
        # suffixes", which swaps the subject).
        swapped = contradicted is not None and (contradicted.contradiction or "").startswith(
            "swapped"
        )
        need = max(COVER, contradicted.coverage - 0.2) if swapped and contradicted else COVER
        if contradicted is not None and best.coverage < need:
            results.append(
                PointResult(point, contradicted.coverage, 0.0, contradicted.contradiction)
            )
        else:
            credit = credit_for(best.coverage, point.core is not None) * (
                LISTED_CREDIT if best.listed else 1.0
            )
            results.append(PointResult(point, best.coverage, credit, None, best.listed))
    return results, index


def grammar_share(tokens: Sequence[Token]) -> float:
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t.grammar) / len(tokens)


def prose_factor(tokens: Sequence[Token]) -> float:
    """1.0 for prose; down to 0.35 for a bag of keywords (few function words, no grammar)."""
    if len(tokens) < 5:
        return 1.0
    share = grammar_share(tokens)
    return max(0.35, min(1.0, 0.35 + 0.65 * share / 0.25))
