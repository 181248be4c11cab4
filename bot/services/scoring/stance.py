"""Whether each word of an answer is asserted, denied, dismissed or only reported.

A key point counts only where the answer asserts it. Matching finds where its words occur;
this module says, for every token, in what stance the answer holds the clause around it:

``ASSERTED``    the default;
``DENIED``      under a denial frame: "it is not true that X", "I don't think X", or followed
                by one: "X? No, that is not the case", "X is a myth";
``DISMISSED``   in a segment that waves it away: "X is a waste of time", "X is irrelevant /
                overrated / beside the point", or that reports it to reject it: "some people
                bring up X, which is wrong";
``REPORTED``    attributed to others without endorsement: "some people say X", or listed as a
                wrong claim: "a common misconception is that X".

A sentence is cut into segments at contrast pivots ("but", "however", "actually", "in fact",
"whereas", ...): "X is irrelevant, but Y matters" dismisses X, not Y. A pivot followed by a
pronoun ("but that is overrated") points back, so its cue reaches the previous segment too.
Each marked token also records where its cue starts, so a key point whose own wording holds
the cue ("word order is irrelevant to bag of words") is not dismissed by it.

Pure functions over `bot.text.Token` lists; regexes run on one sentence at a time, and the
answer is already capped at `keypoints.MAX_TOKENS` words.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.text import Token


class Stance(enum.IntEnum):
    ASSERTED = 0
    DENIED = 1
    DISMISSED = 2
    REPORTED = 3


_PIVOTS = frozenset({"but", "however", "yet", "whereas", "although", "though", "actually"})
_ANAPHORS = frozenset({"that", "this", "it", "which", "those", "these", "they", "such"})

# Patterns run on the folded words of one sentence joined by single spaces ("isn't" has
# become "is not", "it's" has become "it").
_DENY_BEFORE = re.compile(
    r"\b(?:(?:it|this|that) (?:is |was )?(?:not|never) (?:true|the case|correct|right|so)"
    r"|(?:it|this) (?:is )?(?:false|wrong|incorrect|untrue|a myth) (?:that|to say)"
    r"|not true that|not the case that"
    r"|i (?:do|would) not (?:think|believe|say|agree)"
    r"|i (?:disagree|doubt)"
    r"|there is no (?:evidence|reason to (?:think|believe)) that"
    r"|no one (?:should )?(?:believes?|thinks?|says?)"
    r"|nobody (?:believes?|thinks?|says?))\b"
)
_DENY_AFTER = re.compile(
    r"\b(?:(?:that|this|it|which) (?:is |was )?(?:not (?:true|the case|correct|right)|"
    r"wrong|false|incorrect|untrue|a myth|a misconception|nonsense)"
    r"|(?:is|are) (?:a )?(?:myth|misconception|myths|misconceptions)"
    r"|no,? (?:that|it) (?:is )?not)\b"
)
# Adjectives dismiss only as predicates ("X is irrelevant"), not as modifiers ("irrelevant
# memories must not leak").
_DISMISS = re.compile(
    r"\b(?:(?:a |just a |only a )?waste of (?:time|effort|compute|money)"
    r"|(?:is|are|was|were|be|been|seems?|sounds?|looks?|remains?|feels?|it|they|that|this|"
    r"which)(?: \w+)?? "
    r"(?:irrelevant|not relevant|overrated|over ?hyped|pointless|unimportant|not important"
    r"|nonsense|a buzzword|a distraction|a red herring|beside the point|just hype)"
    r"|(?:does|do|did) not (?:really )?matter"
    r"|(?:is|are|was|were) (?:just |purely |only |mostly |largely )?(?:academic|theoretical|"
    r"trivia|implementation trivia|overkill|a non ?issue|hype|buzzwords)"
    r"|irrelevant in practice|not a real (?:issue|problem)|a non ?issue"
    r"|not worth worrying about|nothing to do with|beside the point|red herring"
    r"|not worth (?:it|mentioning|bothering|the effort|discussing|considering|doing)"
    r"|can (?:safely )?be ignored|can safely ignore|(?:no ?one|nobody) (?:uses|cares)"
    r"|do not bother|(?:do not|never) worry about)\b"
)
_REPORT = re.compile(
    r"\b(?:(?:some|many|most|other|certain|a lot of) (?:people|folks|candidates|engineers|"
    r"practitioners|teams|guides|articles|blogs|tutorials|sources|authors|researchers|"
    r"interviewers|beginners|juniors)(?: \w+)?? (?:say|says|said|think|thinks|claim|claims|"
    r"believe|believes|argue|argues|assume|assumes|bring up|brings up|mention|mentions|suggest|"
    r"suggests|insist|insists|will tell you|tell you|like to say|love to say)"
    r"|people (?:often |sometimes |usually |commonly |wrongly |mistakenly )?(?:say|think|claim|"
    r"believe|assume|argue|bring up|mention)"
    r"|(?:some|others) (?:say|claim|argue|think|believe)"
    r"|it is (?:often |commonly |sometimes |widely )?(?:said|claimed|believed|assumed|argued)"
    r"|(?:people|everyone|everybody) (?:talk|talks|go on|goes on) about"
    r"|(?:is|are|get|gets|got) (?:often |commonly |frequently |always |usually )?"
    r"(?:discussed|mentioned|brought up|talked about|cited|hyped)"
    r"|(?:get|gets|got) (?:a lot of|lots of|much) (?:attention|hype|press))\b"
)
_REJECTING_REPORT = re.compile(
    r"\b(?:(?:a |the )?(?:common |popular |widespread |frequent )?"
    r"(?:misconception|myth|misunderstanding|fallacy|misreading|misinterpretation|pitfall|"
    r"mistake)s?(?: is| are)?(?: that)?"
    r"|(?:wrongly|mistakenly|falsely|naively) (?:say|think|claim|believe|assume)s?"
    r"|(?:misread|misreads|misinterpret|misinterprets|misinterpreted|confuse|confuses)"
    r"(?: \w+){0,3}? (?:as|for|with)"
    r"|contrary to (?:popular belief|what))\b"
)
_REJECTION = re.compile(
    r"\b(?:wrong|false|incorrect|mistaken|untrue|a myth|nonsense|not true|not the case|"
    r"misleading|misguided|naive|overrated|irrelevant|waste of|not matter|overkill|hype|"
    r"buzzwords?|academic|trivia|non ?issue)\b"
)
_ENDORSE = re.compile(r"\b(?:and|which) (?:they|that|this|it) (?:is |are )?(?:right|correct)\b")


@dataclass(frozen=True, slots=True)
class Stances:
    """Per token: its stance and the index of the token where the governing cue starts."""

    stance: tuple[Stance, ...]
    cue: tuple[int, ...]
    """Index of the first token of the cue (-1 when asserted)."""
    cue_end: tuple[int, ...]


def _sentences(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(tokens) + 1):
        if i == len(tokens) or tokens[i].sentence != tokens[start].sentence:
            spans.append((start, i))
            start = i
    return spans


def analyse(tokens: Sequence[Token]) -> Stances:
    """The stance of every token of an answer."""
    n = len(tokens)
    stance = [Stance.ASSERTED] * n
    cue = [-1] * n
    cue_end = [-1] * n
    for lo, hi in _sentences(tokens):
        _sentence(tokens, lo, hi, stance, cue, cue_end)
    return Stances(tuple(stance), tuple(cue), tuple(cue_end))


def _sentence(
    tokens: Sequence[Token],
    lo: int,
    hi: int,
    stance: list[Stance],
    cue: list[int],
    cue_end: list[int],
) -> None:
    words = [tokens[i].word for i in range(lo, hi)]
    # Character offset of each word in the joined text, to map regex matches to tokens.
    starts: list[int] = []
    pos = 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    text = " ".join(words)
    if not any(
        p.search(text) for p in (_DENY_BEFORE, _DENY_AFTER, _DISMISS, _REPORT, _REJECTING_REPORT)
    ):
        return

    def word_at(char: int) -> int:
        # Index (within the sentence) of the word containing character `char`.
        k = 0
        while k + 1 < len(starts) and starts[k + 1] <= char:
            k += 1
        return k

    # Segments: cut before each pivot word ("in fact" counts as one).
    seg_of: list[int] = []
    seg = 0
    seg_start: list[int] = [0]
    for k, w in enumerate(words):
        pivot = w in _PIVOTS or (w == "in" and k + 1 < len(words) and words[k + 1] == "fact")
        if pivot and k > 0:
            seg += 1
            seg_start.append(k)
        seg_of.append(seg)

    def segment_range(k: int) -> tuple[int, int]:
        s = seg_of[k]
        start = seg_start[s]
        end = seg_start[s + 1] if s + 1 < len(seg_start) else len(words)
        return start, end

    def points_back(k: int) -> bool:
        """Whether the segment of word k opens with a pivot and a pronoun ("but that ...")."""
        start, _ = segment_range(k)
        if seg_of[k] == 0:
            return False
        first = start + (2 if words[start] == "in" else 1)
        # "but that ...", "but honestly that ...": a pronoun among the next two words.
        return any(w in _ANAPHORS for w in words[first : first + 2])

    def mark(a: int, b: int, what: Stance, at: int, until: int) -> None:
        for k in range(a, b):
            i = lo + k
            # A stronger reading wins: dismissed > denied > reported.
            if stance[i] == Stance.ASSERTED or _RANK[what] > _RANK[stance[i]]:
                stance[i] = what
                cue[i] = lo + at
                cue_end[i] = lo + until

    endorsed = bool(_ENDORSE.search(text))
    rejecting = bool(_REJECTION.search(text))
    for m in _REPORT.finditer(text):
        k, e = word_at(m.start()), word_at(m.end() - 1)
        # The whole segment: "some people say X" and "X is often mentioned" alike.
        start, end = segment_range(k)
        if endorsed:
            continue
        mark(start, end, Stance.DISMISSED if rejecting else Stance.REPORTED, k, e)
    for m in _REJECTING_REPORT.finditer(text):
        # "Common misreadings: that X; that Y": X and Y are not asserted, but neither are
        # they dismissed as irrelevant (the answer is warning against them).
        k, e = word_at(m.start()), word_at(m.end() - 1)
        _, end = segment_range(k)
        mark(k, end, Stance.REPORTED, k, e)
    for m in _DENY_BEFORE.finditer(text):
        k, e = word_at(m.start()), word_at(m.end() - 1)
        _, end = segment_range(k)
        mark(k, end, Stance.DENIED, k, e)
    for m in _DENY_AFTER.finditer(text):
        k, e = word_at(m.start()), word_at(m.end() - 1)
        start, _ = segment_range(k)
        if points_back(k):
            start = segment_range(start - 1)[0]
        mark(start, k, Stance.DENIED, k, e)
    for m in _DISMISS.finditer(text):
        k, e = word_at(m.start()), word_at(m.end() - 1)
        start, end = segment_range(k)
        if points_back(k):
            start = segment_range(start - 1)[0]
        mark(start, end, Stance.DISMISSED, k, e)


_FRAME_WORDS = frozenset({"true", "case", "correct", "right", "wrong", "false", "so", "say"})


def _distinctive(token: Token) -> bool:
    """Whether a cue word says something of its own ("irrelevant"), unlike the frame words of
    "it is not true that", which a key point may share by accident."""
    return not (token.grammar or token.negation or token.word in _FRAME_WORDS)


_RANK = {Stance.ASSERTED: 0, Stance.REPORTED: 1, Stance.DENIED: 2, Stance.DISMISSED: 3}


def stance_of(
    stances: Stances,
    positions: Sequence[int | None],
    phrase_stems: frozenset[str],
    tokens: Sequence[Token],
) -> Stance:
    """The stance in which the answer holds the matched words at `positions`.

    A cue whose own words are part of the key point ("irrelevant" in "word order is
    irrelevant to bag of words") describes the claim rather than the answer's attitude to it,
    so it is ignored.
    """
    found = [p for p in positions if p is not None and p < len(stances.stance)]
    counts: dict[Stance, int] = {}
    for p in found:
        s = stances.stance[p]
        if s == Stance.ASSERTED:
            continue
        a, b = stances.cue[p], stances.cue_end[p]
        if any(
            tokens[c].stem in phrase_stems
            for c in range(a, b + 1)
            if 0 <= c < len(tokens) and _distinctive(tokens[c])
        ):
            continue
        counts[s] = counts.get(s, 0) + 1
    # The clause is held in a stance when most of the matched words are (a window may reach
    # into a neighbouring sentence).
    for s in (Stance.DISMISSED, Stance.DENIED, Stance.REPORTED):
        if counts.get(s, 0) * 2 >= len(found) > 0:
            return s
    return Stance.ASSERTED


def cue_tokens(stances: Stances, positions: Sequence[int | None]) -> frozenset[int]:
    """Positions of the cues that govern the matched words (a denial frame's own "not")."""
    out: set[int] = set()
    for p in positions:
        if p is None or p >= len(stances.cue) or stances.cue[p] < 0:
            continue
        out.update(range(stances.cue[p], stances.cue_end[p] + 1))
    return frozenset(out)
