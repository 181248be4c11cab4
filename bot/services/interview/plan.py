"""Planning an interview: its sections, the level, the questions, the time each deserves.

An interview follows the order of a real one: a warm-up concept question, technical depth
at the level, a scenario or system design judged with the level's rubric, a coding task and
a behavioral (STAR) question. The length decides how many of each:

    short     warm-up, depth, scenario, coding                                  (4)
    standard  warm-up, depth, depth, scenario, coding, behavioral               (6)
    full      warm-up, depth, depth, depth, scenario, scenario, coding,
              behavioral                                                        (8)

Questions come from the track's topics (`bot.content.topics.TRACKS`; scenarios also from
system-design, coding and behavioral from their own topics), askable at the section's level
(the warm-up one level down), never one the member was asked in their last interviews while
a fresh one exists. Within a section, questions carrying the level's own rubric and
follow-ups come first: they are what make the interview realistic (for the warm-up,
one-line short and choice questions come first).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content.topics import TRACKS
from bot.domain import LEVELS, Kind, Level, Question

WARM_UP = "warm-up"
DEPTH = "depth"
SCENARIO = "scenario"
CODING = "coding"
BEHAVIORAL = "behavioral"

SECTION_TITLES: dict[str, str] = {
    WARM_UP: "Warm-up concept",
    DEPTH: "Technical depth",
    SCENARIO: "Scenario / system design",
    CODING: "Coding",
    BEHAVIORAL: "Behavioral (STAR)",
}

LENGTHS: dict[str, tuple[str, ...]] = {
    "short": (WARM_UP, DEPTH, SCENARIO, CODING),
    "standard": (WARM_UP, DEPTH, DEPTH, SCENARIO, CODING, BEHAVIORAL),
    "full": (WARM_UP, DEPTH, DEPTH, DEPTH, SCENARIO, SCENARIO, CODING, BEHAVIORAL),
}
DEFAULT_LENGTH = "standard"
DEFAULT_TRACK = "llm"

# How many of the member's latest interviews no question may come back from.
NO_REPEAT_INTERVIEWS = 3

_KINDS: dict[str, tuple[Kind, ...]] = {
    WARM_UP: (Kind.SHORT, Kind.CHOICE, Kind.OPEN),
    DEPTH: (Kind.OPEN,),
    SCENARIO: (Kind.SCENARIO,),
    CODING: (Kind.CODING,),
    BEHAVIORAL: (Kind.BEHAVIORAL,),
}

# Suggested minutes per section and level (junior, mid, senior), what an interviewer
# would allow; a follow-up gets FOLLOW_UP_MINUTES.
_MINUTES: dict[str, tuple[int, int, int]] = {
    WARM_UP: (2, 2, 2),
    DEPTH: (4, 5, 6),
    SCENARIO: (10, 12, 15),
    CODING: (12, 15, 20),
    BEHAVIORAL: (5, 5, 6),
}
FOLLOW_UP_MINUTES = 3
# A short or choice warm-up is a one-liner.
_ONE_LINER_MINUTES = 1


class StartError(ValueError):
    """`/interview start` arguments that cannot be read; the message is for the member."""


@dataclass(frozen=True, slots=True)
class StartOptions:
    level: Level | None
    track: str
    length: str


def parse_start(args: Sequence[str]) -> StartOptions:
    """`[level] [track] [length]` in any order."""
    level: Level | None = None
    track = length = None
    for raw in args:
        token = raw.strip().casefold()
        if not token:
            continue
        if token in LEVELS:
            level = next(lv for lv in LEVELS if lv == token)
        elif token in TRACKS:
            track = token
        elif token in LENGTHS:
            length = token
        else:
            shown = raw if len(raw) <= 30 else raw[:30] + "…"
            raise StartError(
                f"I don't understand `{shown}`. Use /interview start [level] [track] [length]: "
                f"level {', '.join(LEVELS)}; track {', '.join(TRACKS)}; "
                f"length {', '.join(f'{n} ({len(s)})' for n, s in LENGTHS.items())}."
            )
    return StartOptions(level, track or DEFAULT_TRACK, length or DEFAULT_LENGTH)


def section_level(section: str, level: str) -> Level:
    """The level a section's question is asked (and graded) at: the warm-up is one down."""
    index = LEVELS.index(level) if level in LEVELS else 1
    if section == WARM_UP:
        index = max(0, index - 1)
    return LEVELS[index]


def suggested_seconds(section: str, level: str, question: Question) -> int:
    if section == WARM_UP and question.kind in (Kind.SHORT, Kind.CHOICE):
        return _ONE_LINER_MINUTES * 60
    index = LEVELS.index(level) if level in LEVELS else 1
    return _MINUTES[section][index] * 60


# -- the level the member's recent answers suggest ------------------------------------------

MIN_ANSWERS_TO_SUGGEST = 5
RECENT_ANSWERS = 30


def suggest_level(recent: Sequence[tuple[str, int]]) -> tuple[Level, str]:
    """The level to interview at from recent (question level, score) pairs, and why.

    Fewer than five answers say nothing: mid. A mean under 40 suggests junior; three or
    more senior questions answered at 70 on average suggest senior; otherwise mid.
    """
    if len(recent) < MIN_ANSWERS_TO_SUGGEST:
        return "mid", "the default; answer a few /quiz questions and I will suggest one"
    mean = sum(score for _, score in recent) / len(recent)
    senior = [score for level, score in recent if level == "senior"]
    if mean < 40:
        return "junior", f"your last {len(recent)} answers average {mean:.0f}/100"
    if len(senior) >= 3 and sum(senior) / len(senior) >= 70:
        return "senior", f"you average {sum(senior) / len(senior):.0f}/100 on senior questions"
    return "mid", f"your last {len(recent)} answers average {mean:.0f}/100"


# -- choosing the questions ------------------------------------------------------------------


def section_topics(section: str, track: str) -> tuple[str, ...]:
    topics = TRACKS.get(track, TRACKS[DEFAULT_TRACK])
    if section == SCENARIO:
        return (*topics, "system-design")
    if section == CODING:
        return ("coding", "python", *topics)
    if section == BEHAVIORAL:
        return ("behavioral",)
    return topics


def _preference(question: Question, section: str, level: str) -> tuple[bool, bool]:
    if section == WARM_UP:
        # A warm-up checks a concept quickly: a one-liner, not an open question that
        # belongs to the depth section.
        return (question.kind in (Kind.SHORT, Kind.CHOICE), False)
    return (level in question.rubrics, bool(question.follow_ups))


def choose_questions(
    sections: Sequence[str],
    level: str,
    track: str,
    candidates: Sequence[Question],
    recent: set[str],
    rng: random.Random,
) -> list[tuple[str, Question]]:
    """One question per section, in order, no question twice.

    Per section: questions of the section's kinds and topics askable at its level, not in
    `recent`; failing that, at any level; failing that, recent ones too. Among those, the
    ones with the level's rubric and follow-ups first, then a random pick. A section with
    no question at all is left out.
    """
    chosen: list[tuple[str, Question]] = []
    used: set[str] = set()
    for section in sections:
        topics = set(section_topics(section, track))
        kinds = _KINDS[section]
        asked_at = section_level(section, level)
        fitting = [
            q for q in candidates if q.kind in kinds and q.topic in topics and q.id not in used
        ]
        tiers = (
            [q for q in fitting if asked_at in q.askable_levels and q.id not in recent],
            [q for q in fitting if q.id not in recent],
            fitting,
        )
        pool = next((tier for tier in tiers if tier), [])
        if not pool:
            continue
        best = max(_preference(q, section, asked_at) for q in pool)
        top = sorted(
            (q for q in pool if _preference(q, section, asked_at) == best), key=lambda q: q.id
        )
        question = rng.choice(top)
        used.add(question.id)
        chosen.append((section, question))
    return chosen
