"""The schema of a question pack (one YAML file per topic in content/).

A pack looks like::

    topic: nlp-basics
    questions:
      - id: nlp-basics-tfidf-acronym        # a slug, unique across all packs
        kind: short                          # choice|short|open|scenario|behavioral|coding
        level: junior                        # junior|mid|senior
        levels: [junior, mid]                # optional: every level it may be asked at
        difficulty: 2                        # 1 (easy) .. 5 (hard)
        prompt: What does TF-IDF stand for?
        accepted: [term frequency-inverse document frequency, tf-idf, tfidf]
        model_answer: ...
        explanation: ...

Each kind has its own required fields; see `QuestionSpec` validators. The schema reports
every problem with the question id and field so `prepbot content validate` can name them.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content.topics import TOPICS
from bot.domain import (
    Choice,
    FollowUp,
    FollowUpTrigger,
    KeyPoint,
    Kind,
    Misconception,
    Question,
    StarRubric,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
AS_OF = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
MAX_SOURCES = 6
MAX_PROMPT = 2000
MAX_TEXT = 8000

LevelName = Literal["junior", "mid", "senior"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class KeyPointSpec(_Strict):
    text: str = Field(min_length=2, max_length=300)
    synonyms: list[str] = Field(default_factory=list)
    core: bool | None = None
    """True: an answer must assert it to be correct; False: supporting. Unset: unmarked."""
    claim: str | None = Field(default=None, min_length=5, max_length=300)

    @field_validator("synonyms")
    @classmethod
    def _non_empty_synonyms(cls, value: list[str]) -> list[str]:
        cleaned = [s.strip() for s in value]
        if any(not s for s in cleaned):
            raise ValueError("synonyms must not contain empty strings")
        return cleaned


class MisconceptionSpec(_Strict):
    claim: str = Field(min_length=5, max_length=300)
    phrasings: list[str] = Field(default_factory=list)
    correction: str = Field(min_length=5, max_length=400)

    @field_validator("phrasings")
    @classmethod
    def _non_empty_phrasings(cls, value: list[str]) -> list[str]:
        cleaned = [s.strip() for s in value]
        if any(not s for s in cleaned):
            raise ValueError("phrasings must not contain empty strings")
        return cleaned


class ChoiceSpec(_Strict):
    text: str = Field(min_length=1, max_length=400)
    why_wrong: str | None = Field(default=None, max_length=400)


class StarSpec(_Strict):
    situation: str = Field(min_length=3)
    task: str = Field(min_length=3)
    action: str = Field(min_length=3)
    result: str = Field(min_length=3)
    strong_signals: list[str] = Field(default_factory=list)


class FollowUpSpec(_Strict):
    """A follow-up an interviewer asks after the main answer (see `FollowUpTrigger`).

    `trigger: missed` with `about` the text of one of the question's key points (in
    `key_points` or any level's rubric): asked when the answer misses that point or states
    it wrongly. `trigger: misconception` with `about` the claim of one of the question's
    misconceptions: asked when the answer asserts it. `trigger: trade-off` (no `about`):
    asked of senior candidates whose answer covered the core points.
    """

    trigger: FollowUpTrigger
    about: str = Field(default="", max_length=300)
    prompt: str = Field(min_length=5, max_length=MAX_PROMPT)
    key_points: list[KeyPointSpec] = Field(min_length=1)
    model_answer: str = Field(min_length=1, max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _about_fits_trigger(self) -> FollowUpSpec:
        if self.trigger is FollowUpTrigger.MISSED and not self.about:
            raise ValueError("about: a `missed` follow-up names the key point it probes")
        if self.trigger is FollowUpTrigger.MISCONCEPTION and not self.about:
            raise ValueError("about: a `misconception` follow-up names the misconception it probes")
        if self.trigger is FollowUpTrigger.TRADE_OFF and self.about:
            raise ValueError("about: a `trade-off` follow-up probes no key point")
        return self

    def to_domain(self) -> FollowUp:
        return FollowUp(
            prompt=self.prompt,
            trigger=self.trigger,
            about=self.about,
            key_points=tuple(KeyPoint(p.text, tuple(p.synonyms)) for p in self.key_points),
            model_answer=self.model_answer,
        )


class QuestionSpec(_Strict):
    id: str
    kind: Kind
    level: LevelName
    levels: list[LevelName] = Field(default_factory=list)
    difficulty: int = Field(default=2, ge=1, le=5)
    prompt: str = Field(min_length=5, max_length=MAX_PROMPT)
    model_answer: str = Field(min_length=1, max_length=MAX_TEXT)
    explanation: str = Field(default="", max_length=MAX_TEXT)
    choices: list[ChoiceSpec] = Field(default_factory=list)
    answer: str | None = None
    accepted: list[str] = Field(default_factory=list)
    key_points: list[KeyPointSpec] = Field(default_factory=list)
    rubrics: dict[LevelName, list[KeyPointSpec]] = Field(default_factory=dict)
    misconceptions: list[MisconceptionSpec] = Field(default_factory=list)
    star: StarSpec | None = None
    reference_solution: str | None = Field(default=None, max_length=MAX_TEXT)
    follow_ups: list[FollowUpSpec] = Field(default_factory=list, max_length=5)
    tags: list[str] = Field(default_factory=list)
    source: str = ""
    seed: str | None = None
    as_of: str | None = None
    """YYYY-MM: when the facts that depend on a version, default, model or law were checked."""
    sources: list[str] = Field(default_factory=list)
    """Where the facts can be checked: a paper, a documentation page, a regulation."""

    @field_validator("as_of", mode="before")
    @classmethod
    def _month(cls, value: object) -> object:
        # YAML reads an unquoted 2026-12 as a string, but be explicit about the shape.
        if value is None:
            return None
        text = str(value).strip()
        if not AS_OF.match(text):
            raise ValueError("as_of must be a month written YYYY-MM, e.g. 2026-12")
        return text

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        cleaned = [s.strip() for s in value]
        if any(len(s) < 5 for s in cleaned):
            raise ValueError("sources: each source must name a paper, page or regulation")
        if len(cleaned) > MAX_SOURCES:
            raise ValueError(f"sources: at most {MAX_SOURCES}")
        if len({s.casefold() for s in cleaned}) != len(cleaned):
            raise ValueError("sources: duplicate source")
        return cleaned

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value) or len(value) > 80:
            raise ValueError(
                "id must be a slug: lowercase letters, digits and single hyphens, at most 80 chars"
            )
        return value

    @model_validator(mode="after")
    def _kind_rules(self) -> QuestionSpec:
        kind = self.kind
        if kind is Kind.CHOICE:
            texts = [c.text for c in self.choices]
            if len(texts) < 2:
                raise ValueError("choices: a choice question needs at least 2 options")
            if len(texts) > 5:
                raise ValueError("choices: at most 5 options fit on buttons")
            folded = [t.casefold() for t in texts]
            if len(set(folded)) != len(folded):
                raise ValueError("choices: duplicate options")
            if self.answer is None:
                raise ValueError("answer: a choice question needs the text of its correct option")
            if folded.count(self.answer.casefold()) != 1:
                raise ValueError("answer: the answer is not one of the options")
            for option in self.choices:
                if option.text.casefold() != self.answer.casefold() and not option.why_wrong:
                    raise ValueError(f"choices: wrong option {option.text!r} has no why_wrong")
        elif self.choices or self.answer is not None:
            raise ValueError("choices/answer are only for choice questions")
        if kind is Kind.SHORT and (not self.accepted or any(not a for a in self.accepted)):
            raise ValueError("accepted: a short question needs its accepted answers")
        if kind in (Kind.OPEN, Kind.SCENARIO, Kind.CODING) and not (
            self.key_points or self.rubrics
        ):
            raise ValueError("key_points: an open question needs key points to grade against")
        if self.misconceptions and kind not in (Kind.OPEN, Kind.SCENARIO, Kind.CODING):
            raise ValueError("misconceptions: only open, scenario and coding questions have them")
        for name, rubric in [("key_points", self.key_points), *self.rubrics.items()]:
            marks = {p.core for p in rubric}
            if None in marks and len(marks) > 1:
                raise ValueError(
                    f"{'rubrics.' if name != 'key_points' else ''}{name}: mark every point "
                    "core: true or core: false, or none of them"
                )
            if marks == {False}:
                raise ValueError(f"{name}: at least one key point must be core")
        if kind is Kind.CODING and not self.reference_solution:
            raise ValueError("reference_solution: a coding question needs a reference solution")
        if kind is Kind.BEHAVIORAL and self.star is None:
            raise ValueError("star: a behavioral question needs a STAR rubric")
        if self.level not in self.askable and self.levels:
            raise ValueError("levels: must include level")
        for rubric_level in self.rubrics:
            if rubric_level not in self.askable:
                raise ValueError(f"rubrics: level {rubric_level} is not in levels")
        if self.follow_ups and kind in (Kind.CHOICE, Kind.SHORT):
            raise ValueError("follow_ups: only open, scenario, coding and behavioral questions")
        points = {p.text.casefold() for p in self.key_points}
        for rubric in self.rubrics.values():
            points.update(p.text.casefold() for p in rubric)
        claims = {m.claim.casefold() for m in self.misconceptions}
        for follow_up in self.follow_ups:
            if follow_up.trigger is FollowUpTrigger.MISSED and (
                follow_up.about.casefold() not in points
            ):
                raise ValueError(
                    f"follow_ups: {follow_up.about[:60]!r} is not one of the question's key points"
                )
            if follow_up.trigger is FollowUpTrigger.MISCONCEPTION and (
                follow_up.about.casefold() not in claims
            ):
                raise ValueError(
                    f"follow_ups: {follow_up.about[:60]!r} is not one of the question's "
                    "misconceptions"
                )
        return self

    @property
    def askable(self) -> list[LevelName]:
        return list(self.levels) or [self.level]

    def to_domain(self, topic: str, community_id: int | None = None) -> Question:
        def points(specs: list[KeyPointSpec]) -> tuple[KeyPoint, ...]:
            return tuple(KeyPoint(p.text, tuple(p.synonyms), p.core, p.claim) for p in specs)

        answer = (self.answer or "").casefold()
        return Question(
            id=self.id,
            prompt=self.prompt,
            kind=self.kind,
            topic=topic,
            level=self.level,
            levels=tuple(self.askable),
            difficulty=self.difficulty,
            model_answer=self.model_answer,
            explanation=self.explanation,
            choices=tuple(
                Choice(c.text, c.text.casefold() == answer, c.why_wrong) for c in self.choices
            ),
            accepted=tuple(self.accepted),
            key_points=points(self.key_points),
            rubrics={level: points(specs) for level, specs in self.rubrics.items()},
            misconceptions=tuple(
                Misconception(m.claim, tuple(m.phrasings), m.correction)
                for m in self.misconceptions
            ),
            star=(
                StarRubric(
                    self.star.situation,
                    self.star.task,
                    self.star.action,
                    self.star.result,
                    tuple(self.star.strong_signals),
                )
                if self.star
                else None
            ),
            reference_solution=self.reference_solution,
            follow_ups=tuple(f.to_domain() for f in self.follow_ups),
            tags=tuple(self.tags),
            source=self.source,
            seed=self.seed,
            community_id=community_id,
            as_of=self.as_of,
            sources=tuple(self.sources),
        )


class PackSpec(_Strict):
    topic: str
    title: str | None = None
    questions: list[QuestionSpec]

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: str) -> str:
        if value not in TOPICS:
            raise ValueError(f"unknown topic {value!r}; known: {', '.join(TOPICS)}")
        return value
