"""Checks that keep the bank gradeable: key points must be claims, not topic words.

The schema says what a question must contain; these checks say whether its rubric can be
graded honestly. They run on loaded questions (`load_packs` reports what they find as
problems, so `prepbot content validate` fails on them):

* a phrasing that is a fragment of a longer item (unbalanced brackets: a comma inside a YAML
  flow list splits ``[Attention Is All You Need (Vaswani et al., 2017)]`` into two items),
  in accepted answers, key points and misconceptions;
* a key-point phrasing (open, scenario, coding, behavioral) that is a single generic word
  ("model", "latency") or whose content words all come from the prompt: mentioning the topic
  would then count as stating the point. The accepted answers of `short` questions are names
  and keep their single words.

`rubric_report` counts what is still missing from the content (misconceptions, core marks)
without failing, so the remaining authoring work is measurable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain import KeyPoint, Kind, Question
from bot.text import stem, tokenize
from bot.text.normalize import MATCH_STOPWORDS

OPEN_KINDS = (Kind.OPEN, Kind.SCENARIO, Kind.CODING)

# Words that name an area rather than state anything about it. A phrasing made of one of
# these alone ("latency", "evaluation") is a topic, not a claim.
_GENERIC_WORDS = """
    model models data method methods way ways thing things value values number example work
    works working only also often usually different various type types set kind give gives
    good better best important help helps need needs problem result results act acts
    approach approaches system systems process performance accuracy quality speed cost costs
    memory compute time scale scaling size efficiency efficient training train inference
    evaluation evaluate evaluating metric metrics monitoring monitor testing test tests
    logging logs security safety privacy latency throughput feature features parameter
    parameters input inputs output outputs information context tool tools technique
    techniques strategy strategies pipeline pipelines architecture design user users
    learning task tasks issue issues risk risks tradeoff tradeoffs trade benefit benefits
    improvement optimization optimisation analysis experiment experiments baseline
    layer layers network networks function functions loss weights gradient gradients
    documentation documents document text texts word words token tokens result outcome
"""
GENERIC_TERMS: frozenset[str] = frozenset(stem(w) for w in _GENERIC_WORDS.split())


@dataclass(frozen=True, slots=True)
class Finding:
    question_id: str
    field: str
    message: str


def _brackets_balanced(text: str) -> bool:
    depth = {"(": 0, "[": 0, "{": 0}
    closing = {")": "(", "]": "[", "}": "{"}
    for ch in text:
        if ch in depth:
            depth[ch] += 1
        elif ch in closing:
            depth[closing[ch]] -= 1
            if depth[closing[ch]] < 0:
                return False
    return all(v == 0 for v in depth.values())


def is_fragment(text: str) -> bool:
    """Whether `text` looks like a piece of a longer item cut at a comma ("2017)")."""
    return not _brackets_balanced(text)


def _content_stems(text: str) -> list[str]:
    return [
        t.stem
        for t in tokenize(text, max_tokens=80)
        if t.word not in MATCH_STOPWORDS and not t.negation
    ]


def phrasing_problem(phrasing: str, prompt_stems: frozenset[str]) -> str | None:
    """Why a key-point phrasing cannot stand for a claim, or None when it can."""
    stems = _content_stems(phrasing)
    if not stems:
        return None  # function words only ("the is and" for stop words): matched literally
    if len(stems) == 1 and stems[0] in GENERIC_TERMS:
        return "is a single generic word, not a claim"
    if all(s in prompt_stems for s in stems):
        return "only repeats words of the prompt"
    return None


def _rubrics(
    question: Question, follow_ups: bool = True
) -> Iterable[tuple[str, Sequence[KeyPoint], str]]:
    """(field name, key points, the prompt they answer) of every rubric of a question, its
    interview follow-ups' too unless `follow_ups` is false."""
    if question.key_points:
        yield "key_points", question.key_points, question.prompt
    for level, points in question.rubrics.items():
        yield f"rubrics.{level}", points, question.prompt
    if not follow_ups:
        return
    for j, follow_up in enumerate(question.follow_ups):
        yield f"follow_ups.{j}.key_points", follow_up.key_points, follow_up.prompt


_SPLIT_NUMBER = re.compile(r"^0\d\d(?!\d)")


def split_number(previous: str, item: str) -> bool:
    """Whether `item` is the tail of a number cut at its thousands comma ("50", "000 rows")."""
    return bool(previous) and previous[-1].isdigit() and bool(_SPLIT_NUMBER.match(item))


def question_findings(question: Question) -> list[Finding]:
    """Every grading-quality problem of one question."""
    found: list[Finding] = []
    qid = question.id
    for i, accepted in enumerate(question.accepted):
        if is_fragment(accepted):
            found.append(
                Finding(
                    qid,
                    f"accepted.{i}",
                    f"{accepted!r} is a fragment (quote items that contain commas)",
                )
            )
    check_claims = question.kind is not Kind.SHORT
    for name, points, prompt in _rubrics(question):
        prompt_stems = frozenset(_content_stems(prompt))
        for i, point in enumerate(points):
            previous = ""
            for phrasing in point.phrasings:
                where = f"{name}.{i}"
                cut, previous = split_number(previous, phrasing), phrasing
                if is_fragment(phrasing) or cut:
                    found.append(
                        Finding(
                            qid,
                            where,
                            f"{phrasing!r} is a fragment (quote items that contain commas)",
                        )
                    )
                    continue
                if not check_claims:
                    continue
                why = phrasing_problem(phrasing, prompt_stems)
                if why:
                    found.append(Finding(qid, where, f"phrasing {phrasing!r} {why}"))
    for i, misconception in enumerate(question.misconceptions):
        previous = ""
        for statement in misconception.statements:
            cut, previous = split_number(previous, statement), statement
            if is_fragment(statement) or cut:
                found.append(Finding(qid, f"misconceptions.{i}", f"{statement!r} is a fragment"))
    return found


@dataclass(frozen=True, slots=True)
class RubricReport:
    """What remains to author: counts over the open-type and behavioral questions of a bank."""

    open_questions: int
    without_misconceptions: int
    without_core_marks: int
    behavioral_questions: int = 0
    behavioral_without_core_marks: int = 0

    def __str__(self) -> str:
        return (
            f"Rubric work left: {self.without_misconceptions} of {self.open_questions} open, "
            f"scenario and coding questions have no misconceptions; "
            f"{self.without_core_marks} have no core/supporting marks; "
            f"{self.behavioral_without_core_marks} of {self.behavioral_questions} behavioral "
            "questions have no core/supporting marks."
        )


def _unmarked(question: Question) -> bool:
    # Follow-ups are graded as unmarked open answers: core marks are not asked of them.
    points = [p for _, rubric, _ in _rubrics(question, follow_ups=False) for p in rubric]
    return not points or any(p.core is None for p in points)


def rubric_report(questions: Iterable[Question]) -> RubricReport:
    total = without_misconceptions = without_marks = behavioral = behavioral_unmarked = 0
    for question in questions:
        if question.kind is Kind.BEHAVIORAL:
            behavioral += 1
            behavioral_unmarked += _unmarked(question)
            continue
        if question.kind not in OPEN_KINDS:
            continue
        total += 1
        if not question.misconceptions:
            without_misconceptions += 1
        without_marks += _unmarked(question)
    return RubricReport(
        total, without_misconceptions, without_marks, behavioral, behavioral_unmarked
    )
