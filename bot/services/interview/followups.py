"""Follow-ups: after a main answer, at most one targeted question, as an interviewer asks.

The follow-ups are content (`Question.follow_ups`). After an answer, in order:

1. a `misconception` follow-up whose misconception the answer asserted (the grader's
   `asserted_misconceptions`): the interviewer challenges the wrong claim;
2. a `missed` follow-up whose key point the answer stated wrongly (the grader found it
   negated, reversed or swapped);
3. a `missed` follow-up whose key point the answer did not cover;
4. for a senior candidate, a `trade-off` follow-up.

Within each rule the pack's order decides: authors list the most important first. A
skipped or empty answer gets no follow-up: there is nothing to dig into.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import FollowUp, FollowUpTrigger, Grade, Kind, Question
from bot.services.scoring.open import assess, points_for

ASSERTED = "asserted"
CONTRADICTED = "contradicted"
MISSED = "missed"
TRADE_OFF = "trade-off"


@dataclass(frozen=True, slots=True)
class FollowUpPick:
    index: int
    follow_up: FollowUp
    reason: str  # asserted | contradicted | missed | trade-off

    def intro(self) -> str:
        """What the interviewer says before the follow-up's prompt."""
        about = self.follow_up.about
        if self.reason == ASSERTED:
            return f"Follow-up: you said that {about}. Let's look at that claim."
        if self.reason == CONTRADICTED:
            return (
                f"Follow-up: part of your answer goes against a core point ({about}). "
                "Let's check it."
            )
        if self.reason == MISSED:
            return "Follow-up, on something your answer did not get to."
        return "Follow-up, on the trade-offs."


def _contradicted(question: Question, answer: str, level: str) -> set[str]:
    if question.kind is Kind.BEHAVIORAL:
        return set()
    points = points_for(question, level)
    found = assess(points, answer, question.prompt).contradicted
    return {r.point.text.casefold() for r in found}


def _asserted(question: Question, answer: str, level: str) -> set[str]:
    if question.kind is Kind.BEHAVIORAL or not question.misconceptions:
        return set()
    points = points_for(question, level)
    found = assess(points, answer, question.prompt, question.misconceptions).misconceptions
    return {m.claim.casefold() for m in found}


def pick_follow_up(
    question: Question, level: str, answer: str, grade: Grade
) -> FollowUpPick | None:
    """The one follow-up to ask after `answer` (graded `grade` at `level`), if any."""
    if not question.follow_ups or not answer.strip():
        return None
    indexed = list(enumerate(question.follow_ups))
    wrong_claims = [f for f in indexed if f[1].trigger is FollowUpTrigger.MISCONCEPTION]
    if wrong_claims:
        said = _asserted(question, answer, level)
        for index, follow_up in wrong_claims:
            if follow_up.about.casefold() in said:
                return FollowUpPick(index, follow_up, ASSERTED)
    missed_points = [f for f in indexed if f[1].trigger is FollowUpTrigger.MISSED]
    if missed_points:
        wrong = _contradicted(question, answer, level)
        for index, follow_up in missed_points:
            if follow_up.about.casefold() in wrong:
                return FollowUpPick(index, follow_up, CONTRADICTED)
        missed = {text.casefold() for text in grade.missed}
        for index, follow_up in missed_points:
            if follow_up.about.casefold() in missed:
                return FollowUpPick(index, follow_up, MISSED)
    if level == "senior":
        for index, follow_up in indexed:
            if follow_up.trigger is FollowUpTrigger.TRADE_OFF:
                return FollowUpPick(index, follow_up, TRADE_OFF)
    return None


def follow_up_question(question: Question, index: int) -> Question:
    """The follow-up as a question of its own, graded by its key points like any open one."""
    follow_up = question.follow_ups[index]
    return Question(
        id=question.id,
        prompt=follow_up.prompt,
        kind=Kind.OPEN,
        topic=question.topic,
        level=question.level,
        levels=question.levels,
        model_answer=follow_up.model_answer,
        key_points=follow_up.key_points,
    )


def step_question(question: Question, follow_up: int, index: int | None) -> Question:
    """What a stored step asks: the question, or its follow-up number `index`. A follow-up
    that the pack no longer has (edited while the interview was on) falls back to the
    question itself, so an old interview can always be shown, answered and scored."""
    if follow_up and index is not None and 0 <= index < len(question.follow_ups):
        return follow_up_question(question, index)
    return question
