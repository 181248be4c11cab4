"""Domain dataclasses shared by every service and adapter.

They are immutable values: storage maps rows onto them, services compute with them, and
adapters render them. Nothing here performs I/O or knows about a chat platform.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

Level = Literal["junior", "mid", "senior"]
LEVELS: tuple[Level, ...] = ("junior", "mid", "senior")


class Kind(enum.StrEnum):
    """How a question is answered, and therefore how it is graded."""

    CHOICE = "choice"
    SHORT = "short"
    OPEN = "open"
    SCENARIO = "scenario"
    BEHAVIORAL = "behavioral"
    CODING = "coding"


class Verdict(enum.StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"

    @classmethod
    def from_score(cls, score: int) -> Verdict:
        """`correct` from 70, `partial` from 35, else `incorrect`."""
        if score >= 70:
            return cls.CORRECT
        if score >= 35:
            return cls.PARTIAL
        return cls.INCORRECT


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """One claim a good answer asserts, with other ways of stating it.

    `core` says whether an answer must assert the claim to be correct (True) or whether it
    only raises the score (False, a supporting point). None means the author has not marked
    it: a rubric whose points are all unmarked is graded by the share of points asserted
    (see `bot.services.scoring`). `claim` is an optional one-line wording of the claim for
    feedback and authors; matching uses `text` and `synonyms`.
    """

    text: str
    synonyms: tuple[str, ...] = ()
    core: bool | None = None
    claim: str | None = None

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.text, *self.synonyms)


@dataclass(frozen=True, slots=True)
class Misconception:
    """A wrong claim candidates actually make, the ways they state it, and its correction."""

    claim: str
    phrasings: tuple[str, ...] = ()
    correction: str = ""

    @property
    def statements(self) -> tuple[str, ...]:
        return (self.claim, *self.phrasings)


@dataclass(frozen=True, slots=True)
class Choice:
    text: str
    correct: bool = False
    why_wrong: str | None = None


@dataclass(frozen=True, slots=True)
class StarRubric:
    """What each part of a STAR answer should contain for a behavioral question."""

    situation: str
    task: str
    action: str
    result: str
    strong_signals: tuple[str, ...] = ()


class FollowUpTrigger(enum.StrEnum):
    """What makes an interviewer ask a follow-up after the main answer.

    A trigger names what it reacts to in `FollowUp.about`: MISSED names the text of one of
    the question's key points (asked when the answer missed it, or stated it wrongly);
    TRADE_OFF needs no `about` and is asked of senior candidates whose answer left no core
    point to chase; MISCONCEPTION names the claim of one of the question's misconceptions
    and is asked when the answer asserts it.
    """

    MISSED = "missed"
    MISCONCEPTION = "misconception"
    TRADE_OFF = "trade-off"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One targeted follow-up question, graded like any open answer by its key points."""

    prompt: str
    trigger: FollowUpTrigger
    key_points: tuple[KeyPoint, ...]
    model_answer: str
    about: str = ""

    def fires_on(self, point_text: str) -> bool:
        return self.trigger is FollowUpTrigger.MISSED and (
            self.about.casefold() == point_text.casefold()
        )


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    prompt: str
    kind: Kind
    topic: str
    level: Level
    model_answer: str
    explanation: str = ""
    difficulty: int = 2
    levels: tuple[Level, ...] = ()
    choices: tuple[Choice, ...] = ()
    accepted: tuple[str, ...] = ()
    key_points: tuple[KeyPoint, ...] = ()
    rubrics: dict[str, tuple[KeyPoint, ...]] = field(default_factory=dict)
    misconceptions: tuple[Misconception, ...] = ()
    star: StarRubric | None = None
    reference_solution: str | None = None
    follow_ups: tuple[FollowUp, ...] = ()
    tags: tuple[str, ...] = ()
    source: str = ""
    seed: str | None = None
    community_id: int | None = None
    as_of: str | None = None
    """The month (YYYY-MM) its version-, default-, model- or law-dependent facts were checked."""
    sources: tuple[str, ...] = ()
    """Where those facts can be checked: a paper, a documentation page, a regulation."""

    @property
    def askable_levels(self) -> tuple[Level, ...]:
        return self.levels or (self.level,)

    def key_points_for(self, level: str | None = None) -> tuple[KeyPoint, ...]:
        """The rubric for `level` when the question has one per level, else the key points."""
        if level and level in self.rubrics:
            return self.rubrics[level]
        if self.key_points:
            return self.key_points
        if self.level in self.rubrics:
            return self.rubrics[self.level]
        return ()

    @property
    def correct_choice(self) -> Choice | None:
        return next((c for c in self.choices if c.correct), None)


@dataclass(frozen=True, slots=True)
class Grade:
    score: int
    verdict: Verdict
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    feedback: str = ""
    contradicted: tuple[str, ...] = ()
    """Key points the answer denied, dismissed or reversed (never also in `covered`)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "verdict": self.verdict.value,
            "covered": list(self.covered),
            "missed": list(self.missed),
            "contradicted": list(self.contradicted),
            "feedback": self.feedback,
        }


@dataclass(frozen=True, slots=True)
class Community:
    """A tenant: a Discord guild, a Slack team, or the local console."""

    id: int
    platform: str
    external_id: str
    name: str = ""
    timezone: str = "UTC"
    hide_departed: bool = True
    # Whether a new question-of-the-day schedule names the best answers at its reveal.
    qotd_show_best: bool = True


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    community_id: int
    external_id: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    community_id: int
    external_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Cohort:
    id: int
    community_id: int
    name: str
    starts_on: date | None = None
    ends_on: date | None = None
    owner_id: int | None = None

    def covers(self, day: date) -> bool:
        """Whether an answer given on local `day` counts for this cohort."""
        return (self.starts_on is None or day >= self.starts_on) and (
            self.ends_on is None or day <= self.ends_on
        )


@dataclass(frozen=True, slots=True)
class Attempt:
    id: int
    community_id: int
    member_id: int
    question_id: str
    answer: str
    score: int
    verdict: Verdict
    points: int
    counted: bool
    created_at: datetime
    channel_id: int | None = None


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    rank: int
    member_id: int
    display_name: str
    points: int
    answers: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


class LeaderboardWindow(enum.StrEnum):
    """A leaderboard's time window; boundaries are in the community's timezone."""

    DAY = "day"
    WEEK = "week"  # ISO week, Monday first
    MONTH = "month"
    ALL = "all"

    def start(self, local_day: date) -> date:
        """The first local day of the window that contains `local_day`."""
        if self is LeaderboardWindow.DAY:
            return local_day
        if self is LeaderboardWindow.WEEK:
            return local_day - timedelta(days=local_day.weekday())
        if self is LeaderboardWindow.MONTH:
            return local_day.replace(day=1)
        return ALL_TIME_START


ALL_TIME_START = date(1970, 1, 1)


class LeaderboardScope(enum.StrEnum):
    COMMUNITY = "community"
    CHANNEL = "channel"
    COHORT = "cohort"


class Role(enum.IntEnum):
    """What a member may do. Ordered: an admin can do what an instructor can."""

    MEMBER = 1
    INSTRUCTOR = 2  # owner of a cohort: manages that cohort
    ADMIN = 3  # of the community: manages everything in it
