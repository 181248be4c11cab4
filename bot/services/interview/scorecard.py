"""The scorecard: pure arithmetic over an interview's graded answers.

Competencies and where their scores come from:

    fundamentals    the warm-up answer(s)
    depth           the technical depth answers
    system design   the scenario answers (graded on the level's rubric)
    coding          the coding answer (code or an approach)
    behavioral      the STAR answers
    communication   every explained answer (not one-word warm-ups), from three parts:
                    40% how it reads (sentences, not a list of keywords: the grader's prose
                    factor), 30% how much it says (under 15 words 0.3, under 40 words 0.7,
                    else 1.0), 30% whether it speaks to the question (its score / 50,
                    capped at 1); minus 10 when it ran far over its suggested time

A follow-up counts toward its question's competency like any answer; a skipped question
counts 0 there (and nothing for communication); a question never reached counts nothing.
A competency's score is the mean of its answers, rounded half up; the overall score is the
mean of the assessed competencies' rounded scores, rounded half up.

Each level has a bar per competency (`BARS`, described in `BAR_WORDS`): below it reads
"below the bar", from it "at the bar", from bar + 15 "above the bar". Answers below their
competency's bar are the gaps: their model answers are listed to revisit, their topics make
the study plan, and each gets a practice card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.content.topics import TOPICS
from bot.services.interview.plan import (
    BEHAVIORAL,
    CODING,
    DEPTH,
    SCENARIO,
    WARM_UP,
)

FUNDAMENTALS = "fundamentals"
SYSTEM_DESIGN = "system design"
COMMUNICATION = "communication"
COMPETENCIES = (FUNDAMENTALS, DEPTH, SYSTEM_DESIGN, CODING, BEHAVIORAL, COMMUNICATION)
SECTION_COMPETENCY = {
    WARM_UP: FUNDAMENTALS,
    DEPTH: DEPTH,
    SCENARIO: SYSTEM_DESIGN,
    CODING: CODING,
    BEHAVIORAL: BEHAVIORAL,
}

# The bar per level and competency (0-100). A junior is judged mostly on fundamentals and
# a working approach; a mid on owning a problem end to end; a senior on design judgement,
# trade-offs and leading.
BARS: dict[str, dict[str, int]] = {
    "junior": {
        FUNDAMENTALS: 60,
        DEPTH: 45,
        SYSTEM_DESIGN: 40,
        CODING: 50,
        BEHAVIORAL: 45,
        COMMUNICATION: 50,
    },
    "mid": {
        FUNDAMENTALS: 70,
        DEPTH: 60,
        SYSTEM_DESIGN: 55,
        CODING: 60,
        BEHAVIORAL: 55,
        COMMUNICATION: 60,
    },
    "senior": {
        FUNDAMENTALS: 75,
        DEPTH: 70,
        SYSTEM_DESIGN: 70,
        CODING: 65,
        BEHAVIORAL: 65,
        COMMUNICATION: 70,
    },
}
ABOVE_MARGIN = 15

BAR_WORDS: dict[str, dict[str, str]] = {
    "junior": {
        FUNDAMENTALS: "states core ideas correctly (bag-of-words vs embeddings, how a tree splits)",
        DEPTH: "explains what a method does and roughly why it works",
        SYSTEM_DESIGN: "scopes the problem; a simple working approach with basic metrics",
        CODING: "writes a correct simple implementation and checks edge cases",
        BEHAVIORAL: "tells a concrete story of learning something or fixing a problem",
        COMMUNICATION: "answers in clear sentences",
    },
    "mid": {
        FUNDAMENTALS: "is solid and quick on the basics",
        DEPTH: "explains how architectures and training choices work and when to use them",
        SYSTEM_DESIGN: "owns a design end to end: models, integrations, escalation, metrics",
        CODING: "handles ML and data-manipulation code with care for correctness and cost",
        BEHAVIORAL: "shows ownership and independent delivery, with results",
        COMMUNICATION: "structures an answer and thinks aloud",
    },
    "senior": {
        FUNDAMENTALS: "treats the basics as a given and uses them precisely",
        DEPTH: "goes to first principles and names the trade-offs",
        SYSTEM_DESIGN: "designs for scale, cost, monitoring and safe iteration; defends choices",
        CODING: "writes efficient, production-minded code and reasons about complexity",
        BEHAVIORAL: "leads: sets direction, resolves disagreement, grows others",
        COMMUNICATION: "is crisp, structured and persuasive",
    },
}

FAR_OVER_FACTOR = 2.0
FAR_OVER_PENALTY = 10
MAX_GAP_MODEL_ANSWER = 400
MAX_STRENGTHS = 3


def round_half_up(value: float) -> int:
    return int(value + 0.5)


def readout(score: int, bar: int) -> str:
    if score < bar:
        return "below the bar"
    if score >= bar + ABOVE_MARGIN:
        return "above the bar"
    return "at the bar"


def length_factor(words: int) -> float:
    if words < 15:
        return 0.3
    if words < 40:
        return 0.7
    return 1.0


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """What the scorecard needs of one step of the interview."""

    label: str
    section: str
    topic: str
    follow_up: bool
    question_id: str
    prompt: str
    model_answer: str
    status: str  # answered | skipped | planned | asked (the last two: never answered)
    score: int = 0
    prose: float = 1.0
    words: int = 0
    one_liner: bool = False
    seconds: int | None = None
    suggested_seconds: int = 0
    missed: tuple[str, ...] = ()
    covered: tuple[str, ...] = ()

    @property
    def settled(self) -> bool:
        return self.status in ("answered", "skipped")

    @property
    def far_over(self) -> bool:
        return (
            self.status == "answered"
            and self.seconds is not None
            and self.suggested_seconds > 0
            and self.seconds > FAR_OVER_FACTOR * self.suggested_seconds
        )

    def communication(self) -> int | None:
        """This answer's communication score, None when it says nothing about it."""
        if self.status != "answered" or self.one_liner:
            return None
        on_topic = min(1.0, self.score / 50)
        value = round_half_up(
            100 * (0.4 * self.prose + 0.3 * length_factor(self.words) + 0.3 * on_topic)
        )
        if self.far_over:
            value -= FAR_OVER_PENALTY
        return max(0, value)


@dataclass(frozen=True, slots=True)
class CompetencyResult:
    name: str
    score: int | None
    bar: int
    readout: str
    answers: int


@dataclass(frozen=True, slots=True)
class Gap:
    label: str
    competency: str
    topic: str
    question_id: str
    prompt: str
    score: int
    bar: int
    model_answer: str
    missed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Scorecard:
    level: str
    track: str
    length: str
    status: str
    planned: int
    answered: int
    skipped: int
    competencies: list[CompetencyResult]
    overall: int | None
    overall_bar: int
    overall_readout: str
    strengths: list[str]
    gaps: list[Gap]
    study_plan: list[str]
    time_notes: list[str]
    card_questions: list[str]
    follow_ups: int = 0

    @property
    def summary(self) -> str:
        """One line for histories and rosters: "mid: at the bar (4/6 at or above)"."""
        assessed = [c for c in self.competencies if c.score is not None]
        if not assessed:
            return f"{self.level}: nothing answered"
        good = sum(1 for c in assessed if c.readout != "below the bar")
        return f"{self.level}: {self.overall_readout} ({good}/{len(assessed)} at or above)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scorecard:
        values = dict(data)
        values["competencies"] = [CompetencyResult(**c) for c in data["competencies"]]
        values["gaps"] = [Gap(**g) for g in data["gaps"]]
        return cls(**values)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _minutes(seconds: int) -> str:
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes >= 1 else f"{seconds} s"


def compute(
    level: str,
    track: str,
    length: str,
    status: str,
    planned: int,
    records: Sequence[AnswerRecord],
) -> Scorecard:
    """The scorecard for `records` (every step, in order) of an interview at `level`."""
    bars = BARS.get(level, BARS["mid"])
    settled = [r for r in records if r.settled]
    by_competency: dict[str, list[int]] = {name: [] for name in COMPETENCIES}
    for record in settled:
        by_competency[SECTION_COMPETENCY[record.section]].append(
            record.score if record.status == "answered" else 0
        )
        spoken = record.communication()
        if spoken is not None:
            by_competency[COMMUNICATION].append(spoken)
    results = []
    for name in COMPETENCIES:
        scores = by_competency[name]
        bar = bars[name]
        if scores:
            score = round_half_up(sum(scores) / len(scores))
            results.append(CompetencyResult(name, score, bar, readout(score, bar), len(scores)))
        else:
            results.append(CompetencyResult(name, None, bar, "not assessed", 0))
    assessed = [c for c in results if c.score is not None]
    if assessed:
        overall: int | None = round_half_up(sum(c.score or 0 for c in assessed) / len(assessed))
        overall_bar = round_half_up(sum(c.bar for c in assessed) / len(assessed))
        overall_readout = readout(overall or 0, overall_bar)
    else:
        overall, overall_bar, overall_readout = None, 0, "not assessed"

    gaps = []
    for record in settled:
        competency = SECTION_COMPETENCY[record.section]
        score = record.score if record.status == "answered" else 0
        if score < bars[competency]:
            gaps.append(
                Gap(
                    label=record.label,
                    competency=competency,
                    topic=record.topic,
                    question_id=record.question_id,
                    prompt=_clip(record.prompt, 160),
                    score=score,
                    bar=bars[competency],
                    model_answer=_clip(record.model_answer, MAX_GAP_MODEL_ANSWER),
                    missed=list(record.missed[:3]),
                )
            )

    strengths = []
    for result in sorted(assessed, key=lambda c: (c.bar - (c.score or 0), c.name)):
        if result.readout == "below the bar":
            continue
        best = max(
            (r for r in settled if SECTION_COMPETENCY[r.section] == result.name),
            key=lambda r: r.score,
            default=None,
        )
        detail = f"; covered {', '.join(best.covered[:2])}" if best and best.covered else ""
        strengths.append(f"{result.name.capitalize()} {result.score} ({result.readout}){detail}")
    strengths = strengths[:MAX_STRENGTHS]

    # Study plan: the gaps' topics, the one with most answers below the bar first (then the
    # furthest below it).
    shortfall: dict[str, int] = {}
    counts: dict[str, int] = {}
    for gap in gaps:
        shortfall[gap.topic] = max(shortfall.get(gap.topic, 0), gap.bar - gap.score)
        counts[gap.topic] = counts.get(gap.topic, 0) + 1
    plan = [
        f"{TOPICS.get(topic, topic)} (/practice {topic}): {counts[topic]} answer(s) below the bar"
        for topic in sorted(shortfall, key=lambda t: (-counts[t], -shortfall[t], t))
    ]
    if not plan and assessed:
        weakest = min(assessed, key=lambda c: ((c.score or 0) - c.bar, c.name))
        plan.append(f"Keep it up; next, push your {weakest.name} further at the {level} level.")

    time_notes = [
        f"Q{r.label} ran far over: {_minutes(r.seconds or 0)} against "
        f"{_minutes(r.suggested_seconds)} suggested."
        for r in records
        if r.far_over
    ]
    cards = sorted({gap.question_id for gap in gaps})
    return Scorecard(
        level=level,
        track=track,
        length=length,
        status=status,
        planned=planned,
        answered=sum(1 for r in records if r.status == "answered"),
        skipped=sum(1 for r in records if r.status == "skipped"),
        competencies=results,
        overall=overall,
        overall_bar=overall_bar,
        overall_readout=overall_readout,
        strengths=strengths,
        gaps=gaps,
        study_plan=plan,
        time_notes=time_notes,
        card_questions=cards,
        follow_ups=sum(1 for r in records if r.follow_up and r.settled),
    )
