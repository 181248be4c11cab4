"""Open, scenario and coding answers: credit for the claims an answer asserts.

A key point earns credit only where the answer asserts it (`keypoints` finds its words,
`stance` checks the clause is not denied, dismissed or only reported, and contradictions such
as reversed comparisons are caught). On top of the per-point results:

* core and supporting points: when the rubric marks them, an answer that asserts every core
  point is correct however short, and supporting points raise it toward 100; an unmarked
  rubric is graded by the share of points asserted (`FULL_MARKS_AT`);
* misconceptions: a wrong claim from the question's list asserted in the answer caps the
  score (`MISCONCEPTION_CAP`, or `MIXED_CAP` when every core point is asserted as well) and the
  feedback names and corrects it;
* shape: a bare list of terms is capped at `LIST_CAP` (partial at most) with feedback asking
  for the reasoning, and an answer that only restates the prompt at `RESTATED_CAP`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.domain import Grade, KeyPoint, Misconception, Question
from bot.services.scoring._common import is_blank, make_grade, quote
from bot.services.scoring.comparisons import reversed_comparisons
from bot.services.scoring.keypoints import (
    AnswerIndex,
    Phrase,
    PointResult,
    assess_points,
    compile_phrase,
    match_phrase,
    prompt_partners,
    prose_factor,
)
from bot.services.scoring.reference import split_key_points
from bot.services.scoring.shape import keyword_list, relevance, restates_prompt, vocabulary
from bot.text import tokenize

FULL_MARKS_AT = 0.85
"""Unmarked rubric: share of key-point credit that earns 100."""
UNMARKED_CURVE = 0.65
"""Unmarked rubric: the share is raised to this power, so one point in five (a relevant but
thin answer) lands in partial (39) and three in five in correct (80); chosen on the dev split
of the human-graded set."""
CONTRADICTION_PENALTY = 0.5
"""Unmarked rubric: per contradicted point, in key points (half a point)."""
CORE_SHARE = 0.7
"""Marked rubric: all core points asserted earn 70, supporting points the other 30."""
CORE_ASSERTED = 0.6
"""Marked rubric: a core point with this much credit counts as asserted (credit below 1 means
some of its words are paraphrased away)."""
MARKED_CURVE = 0.3
"""Marked rubric, not every core point asserted: the partial score is
``69 * (CORE_WEIGHT * core share + (1 - CORE_WEIGHT) * supporting share) ** MARKED_CURVE``."""
CORE_WEIGHT = 0.5
NEAR_CORE = 0.8
"""Marked rubric: an answer that clearly states (`IDEA_ASSERTED`) all core points but one, and
half-states that one so that the core share reaches this, is scored on the linear formula of a
complete answer
(``100 * (CORE_SHARE * core share + (1 - CORE_SHARE) * supporting share)``) when that is
higher: a strong answer whose one point is paraphrased beyond the matcher's reach is not held
under 70. Listed (bare list item) core points never qualify. Chosen on the dev split."""
IDEA_ASSERTED = 0.8
"""Marked rubric: credit from which a point (core or supporting) counts as one idea stated."""
NOTHING_ASSERTED_CAP = 34.0
"""Marked rubric: cap when no point at all reaches `IDEA_ASSERTED`."""
CORE_ENGAGED = 0.65
"""Marked rubric: an answer none of whose core points reaches this credit is capped at
`NO_CORE_CAP` (incorrect): it may share supporting facts, but it answers another question."""
NO_CORE_CAP = 34.0
FOCUSED_FROM = 0.7
"""Relevance (`shape.relevance`) from which an answer keeps to this question's ground."""
VAGUE_CAP = 45.0
"""The caps above for an answer that keeps to the question's ground: low partial."""
MARKED_CONTRADICTION = 20.0
"""Marked rubric: score lost per contradicted core point."""
SUPPORT_CONTRADICTION = 10.0
"""Marked rubric: score lost per contradicted supporting point."""
LIST_CAP = 50.0
RESTATED_CAP = 10.0
OFF_TOPIC_BELOW = 0.4
"""Relevance (`shape.relevance`) under which an answer is taken to answer another question.
Sibling model answers have a median of 0.22; people answering the question itself stayed at
0.45 or above on the dev split (0.45 scored best there; 0.4 keeps a margin)."""
OFF_TOPIC_CAP = 20.0
MISCONCEPTION_CAP = 30.0
REVERSED_CAP = 60.0
"""A comparison of the model answer stated the other way round keeps the answer out of
correct (more/less, faster/slower, before/after ...)."""
MISCONCEPTION_COVER = 0.9
"""A misconception counts when (nearly) all its words are stated in one clause."""
MIXED_CAP = 45.0
JUDGED = "judged"
"""`PointResult.contradiction` when an outside judge (`bot.services.judge`) found the point
stated the other way round: the feedback names no particular form of contradiction."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """The details behind an open-answer grade (also used by the ASAG benchmark)."""

    results: tuple[PointResult, ...]
    coverage: float
    """Credit share in [0, 1] before penalties."""
    prose: float
    raw: float
    """Unmarked formula: coverage less penalties, in [0, 1] (the prose factor applies to the
    score)."""
    is_list: bool = False
    restated: bool = False
    misconceptions: tuple[Misconception, ...] = ()
    relevance: float | None = None
    reversed_claims: tuple[str, ...] = ()
    """Comparisons of the model answer that the answer states the other way round."""

    @property
    def off_topic(self) -> bool:
        return self.relevance is not None and self.relevance < OFF_TOPIC_BELOW

    @property
    def covered(self) -> tuple[str, ...]:
        return tuple(r.point.text for r in self.results if _stated(r))

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(r.point.text for r in self.results if not _stated(r) and not r.contradiction)

    @property
    def contradicted(self) -> tuple[PointResult, ...]:
        return tuple(r for r in self.results if r.contradiction)

    @property
    def marked(self) -> bool:
        return any(r.point.core is not None for r in self.results)

    @property
    def core(self) -> tuple[PointResult, ...]:
        return tuple(r for r in self.results if r.point.core)

    @property
    def supporting(self) -> tuple[PointResult, ...]:
        return tuple(r for r in self.results if r.point.core is False)

    @property
    def all_core_asserted(self) -> bool:
        core = self.core if self.marked else self.results
        return bool(core) and all(r.credit >= CORE_ASSERTED - 1e-9 for r in core)


def _stated(result: PointResult) -> bool:
    """Whether a point is shown as covered: a core point once it counts as asserted
    (`CORE_ASSERTED`), a supporting point from `IDEA_ASSERTED`, a point of an unmarked rubric
    only with full credit."""
    if result.contradiction:
        return False
    if result.point.core is None:
        return result.credit >= 1.0 - 1e-9
    need = CORE_ASSERTED if result.point.core else IDEA_ASSERTED
    return result.credit >= need - 1e-9


@lru_cache(maxsize=4096)
def _clause_count(text: str) -> int:
    return len({t.clause for t in tokenize(text)}) or 1


def asserted_misconceptions(
    misconceptions: Sequence[Misconception], index: AnswerIndex, prompt: str, reference: str = ""
) -> tuple[Misconception, ...]:
    """The misconceptions the answer asserts (fully stated, not denied or reported)."""
    if not misconceptions:
        return ()
    # Prompt words are not demoted here: in a wrong claim the subject is what makes it wrong
    # ("a CRF predicts each tag independently" is true of the softmax it replaces).
    partners = prompt_partners(prompt)
    found: list[Misconception] = []
    for item in misconceptions:
        for statement in item.statements:
            phrase = compile_phrase(statement)
            got = match_phrase(index, phrase, partners)
            # A wrong claim must be stated as compactly as it is written, nearly word for
            # word: its words scattered over a correct answer ("the probability of data ...,
            # assuming the null is true") are not it. A claim written over two clauses
            # ("X because Y") may span two.
            own_clauses = _clause_count(statement)
            if (
                got.contradiction is None
                and got.coverage >= MISCONCEPTION_COVER
                and got.clauses <= own_clauses
                and not _in_reference_order(
                    phrase, got.positions, (item.correction, reference), partners, own_clauses
                )
            ):
                found.append(item)
                break
    return tuple(found)


@lru_cache(maxsize=1024)
def _reference_index(reference: str) -> AnswerIndex:
    return AnswerIndex.build(reference)


def _in_reference_order(
    phrase: Phrase,
    positions: Sequence[int | None],
    references: Sequence[str],
    partners: dict[str, frozenset[str]],
    clauses: int = 1,
) -> bool:
    """Whether a wrong claim's words stand in the order a correct text gives them.

    Some wrong claims are correct words reordered ("emissions are P(tag | word)" against
    "P(word | tag)", "skip-gram predicts the centre word from its context"). The first of
    `references` (the misconception's correction, then the model answer) that states the same
    words is compared: the pairs of words whose order differs between the wrong claim and that
    text decide, and an answer that orders them as the text does states the correct claim."""
    if not positions:
        return False
    for text in references:
        if not text:
            continue
        ref = match_phrase(_reference_index(text), phrase, partners)
        # The text must state the words as one claim, as compactly as the wrong claim does
        # ("processes for CPU-bound work, threads for network waits" is two claims).
        if ref.coverage >= MISCONCEPTION_COVER and ref.positions and ref.clauses <= clauses:
            break
    else:
        return False
    as_reference = as_claim = 0
    stems = [w.stem for w in phrase.words]
    once = [stems.count(x) == 1 for x in stems]  # a repeated word has no single place
    n = len(stems)
    for i in range(n):
        for j in range(i + 1, n):
            if not (once[i] and once[j]):
                continue
            a_i, a_j = positions[i], positions[j]
            r_i, r_j = ref.positions[i], ref.positions[j]
            if a_i is None or a_j is None or r_i is None or r_j is None:
                continue
            if a_i == a_j or r_i == r_j or r_i < r_j:
                continue  # the reference and the wrong claim agree on this pair
            if a_i > a_j:
                as_reference += 1
            else:
                as_claim += 1
    return as_reference > as_claim


def shares(results: Sequence[PointResult]) -> tuple[float, float]:
    """(`Assessment.coverage`, `Assessment.raw`) of per-point results: the credit share,
    and that share less the unmarked rubric's contradiction penalty, in [0, 1]."""
    n = max(1, len(results))
    credit = sum(r.credit for r in results)
    contradicted = sum(1 for r in results if r.contradiction)
    raw = max(0.0, (credit - CONTRADICTION_PENALTY * contradicted) / n)
    return credit / n, min(1.0, raw)


def assess(
    points: Sequence[KeyPoint],
    answer: str,
    prompt: str = "",
    misconceptions: Sequence[Misconception] = (),
    references: Sequence[str] = (),
) -> Assessment:
    """Grade `answer` against `points`; `references` (model answer, explanation, reference
    solution) only widen the vocabulary used to tell an off-topic answer."""
    results, index = assess_points(points, answer, prompt)
    coverage, raw = shares(results)
    prose = prose_factor(index.tokens)
    return Assessment(
        tuple(results),
        coverage,
        prose,
        raw,
        is_list=keyword_list(index.tokens, answer),
        restated=restates_prompt(index.tokens, prompt),
        misconceptions=asserted_misconceptions(
            misconceptions, index, prompt, references[0] if references else ""
        ),
        relevance=relevance(
            index.tokens,
            vocabulary([prompt, *references, *(text for p in points for text in p.phrasings)]),
        ),
        reversed_claims=reversed_comparisons(index, references[0], prompt) if references else (),
    )


def score_of(assessment: Assessment) -> float:
    """The 0-100 score of an assessment (see the module docstring)."""
    if assessment.marked and assessment.core:
        core = assessment.core
        support = assessment.supporting
        core_share = sum(min(1.0, r.credit / CORE_ASSERTED) for r in core) / len(core)
        support_share = sum(r.credit for r in support) / len(support) if support else 1.0
        if core_share >= 1.0 - 1e-9:
            score = 100.0 * (CORE_SHARE + (1 - CORE_SHARE) * support_share)
        else:
            # Not correct without every core point; supporting points still count toward
            # partial credit, on the same concave curve as an unmarked rubric.
            blend = CORE_WEIGHT * core_share + (1 - CORE_WEIGHT) * (
                support_share if support else 0.0
            )
            score = (100.0 * CORE_SHARE - 1) * blend**MARKED_CURVE
            short_of = sum(1 for r in core if r.credit < IDEA_ASSERTED - 1e-9)
            if core_share >= NEAR_CORE - 1e-9 and short_of <= 1 and not any(r.listed for r in core):
                linear = CORE_SHARE * core_share + (1 - CORE_SHARE) * support_share
                score = max(score, 100.0 * linear)
        score -= sum(
            MARKED_CONTRADICTION if r.point.core else SUPPORT_CONTRADICTION
            for r in assessment.contradicted
        )
        terse = max(0.0, score) * assessment.prose
        # Terse prose costs supporting credit, never the verdict: every core point stated
        # without contradiction stays correct however few function words it uses.
        if core_share >= 1.0 - 1e-9 and not assessment.contradicted and assessment.prose >= 0.8:
            terse = max(terse, 100.0 * CORE_SHARE)
        score = terse
        # An answer that stays on this question's ground (or is too short to tell) but states
        # no idea fully is vague, a partial answer at best; one that also wanders off (an
        # answer to a neighbouring question, a long wrong story) is incorrect.
        focused = assessment.relevance is None or assessment.relevance >= FOCUSED_FROM
        if not any(r.credit >= IDEA_ASSERTED - 1e-9 for r in assessment.results):
            # Words near the rubric's without one idea of it stated.
            score = min(score, VAGUE_CAP if focused else NOTHING_ASSERTED_CAP)
        if max((r.credit for r in core), default=0.0) < CORE_ENGAGED - 1e-9:
            # Not one core point even half stated: supporting facts shared with a neighbouring
            # question do not answer this one.
            score = min(score, VAGUE_CAP if focused else NO_CORE_CAP)
    else:
        share = min(1.0, assessment.raw / FULL_MARKS_AT)
        score = 100.0 * share**UNMARKED_CURVE * assessment.prose
    if assessment.is_list:
        score = min(score, LIST_CAP)
    if assessment.restated:
        score = min(score, RESTATED_CAP)
    if assessment.off_topic:
        score = min(score, OFF_TOPIC_CAP)
    if assessment.reversed_claims:
        score = min(score, REVERSED_CAP)
    if assessment.misconceptions:
        cap = MIXED_CAP if assessment.all_core_asserted else MISCONCEPTION_CAP
        score = min(score, cap)
    return score


def points_for(question: Question, level: str | None) -> tuple[KeyPoint, ...]:
    points = question.key_points_for(level)
    if points:
        return points
    return split_key_points(question.model_answer)


def _list(texts: Sequence[str], limit: int = 3) -> str:
    shown = "; ".join(texts[:limit])
    more = len(texts) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")


def _contradiction_note(first: PointResult) -> str:
    how = first.contradiction or ""
    if how == JUDGED:
        return ""
    if how.startswith("swapped"):
        a, _, b = how.removeprefix("swapped ").partition("/")
        return f" (you have {b!r} where it should be {a!r})"
    if how == "reversed":
        return " (you have the comparison the wrong way round)"
    if how == "dismissed":
        return " (you dismissed it, but it is part of a good answer)"
    return " (you negated it)"


def feedback_for(assessment: Assessment, points: Sequence[KeyPoint]) -> str:
    results = assessment.results
    parts: list[str] = []
    for wrong in assessment.misconceptions[:2]:
        fix = wrong.correction.rstrip(".")
        parts.append(f"Careful: {quote(wrong.claim)} is a misconception: {fix}.")
    if assessment.reversed_claims and not assessment.contradicted:
        parts.append(
            "You have a comparison the wrong way round: a good answer says "
            f"{quote(assessment.reversed_claims[0])}."
        )
    if assessment.contradicted:
        first = assessment.contradicted[0]
        parts.append(
            f"Your answer contradicts {quote(first.point.text)}{_contradiction_note(first)}."
        )
        if len(assessment.contradicted) > 1:
            parts.append(f"{len(assessment.contradicted) - 1} more point(s) stated wrongly.")
    elif assessment.restated:
        parts.append(
            "This repeats the question rather than answering it. A good answer covers: "
            f"{_list([p.text for p in points])}."
        )
        return " ".join(parts)
    elif assessment.off_topic and not parts:
        return (
            "This seems to answer a different question. A good answer covers: "
            f"{_list([p.text for p in points])}."
        )
    elif assessment.coverage == 0 and not parts:
        return (
            "This doesn't address the question. A good answer covers: "
            f"{_list([p.text for p in points])}."
        )
    if assessment.is_list:
        parts.append(
            "You listed terms without the reasoning: say in sentences what each one does and "
            "why it matters here."
        )
    elif assessment.prose < 0.8:
        parts.append("Explain in sentences: a list of keywords doesn't show how the ideas connect.")
    missed = [r for r in results if not _stated(r) and not r.contradiction]
    if assessment.marked and assessment.core:
        core_missed = [r.point.text for r in missed if r.point.core]
        support_missed = [r.point.text for r in missed if not r.point.core]
        if core_missed:
            parts.append(f"Missing or only partly stated core point(s): {_list(core_missed)}.")
        elif support_missed:
            parts.append(
                f"You stated the core point(s); to make it stronger, add: "
                f"{_list(support_missed, 2)}."
            )
        elif not parts:
            parts.append(f"Strong answer: you covered all {len(results)} key points.")
    elif missed:
        got = sum(1 for r in results if r.credit >= 1.0)
        lead = f"You covered {got} of {len(results)} key points." if not parts else ""
        parts.append(f"{lead} Missing: {_list([r.point.text for r in missed])}.".strip())
    elif not parts:
        parts.append(f"Strong answer: you covered all {len(results)} key points.")
    return " ".join(parts)


def grade_open(question: Question, answer: str, level: str | None = None) -> Grade:
    points = points_for(question, level)
    if is_blank(answer):
        return make_grade(
            0,
            f"No answer given. A good answer covers: {_list([p.text for p in points])}.",
            missed=tuple(p.text for p in points),
        )
    references = [question.model_answer, question.explanation, question.reference_solution or ""]
    assessment = assess(points, answer, question.prompt, question.misconceptions, references)
    return make_grade(
        score_of(assessment),
        feedback_for(assessment, points),
        covered=assessment.covered,
        missed=assessment.missed,
        contradicted=tuple(r.point.text for r in assessment.contradicted),
    )
