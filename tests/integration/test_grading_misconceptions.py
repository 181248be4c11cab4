"""Every misconception in content/ is caught when a candidate states it.

For each open, scenario and coding question, each wrong claim (its `claim` and every
phrasing) given as the whole answer must be found by the grader, keep the answer out of
"correct", and be named and corrected in the feedback. The model answer must assert none of
its question's misconceptions.
"""

from __future__ import annotations

from functools import cache

import pytest

from bot.bench.attacks import open_questions
from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs
from bot.domain import Question, Verdict
from bot.services.scoring import grade
from bot.services.scoring.keypoints import AnswerIndex
from bot.services.scoring.open import asserted_misconceptions


@cache
def _questions() -> tuple[Question, ...]:
    bank = load_packs(PROJECT_ROOT / "content").questions
    return tuple(q for q in open_questions(bank) if q.misconceptions)


def test_the_bank_has_misconceptions_to_check() -> None:
    assert sum(len(q.misconceptions) for q in _questions()) >= 150


def _problems(question: Question) -> list[str]:
    out: list[str] = []
    for item in question.misconceptions:
        for statement in item.statements:
            answer = statement.rstrip(".") + "."
            found = asserted_misconceptions(
                question.misconceptions, AnswerIndex.build(answer), question.prompt
            )
            graded = grade(question, answer)
            if item not in found:
                out.append(f"{statement!r} is not detected")
            elif graded.verdict is Verdict.CORRECT:
                out.append(f"{statement!r} is graded correct")
            elif "misconception" not in graded.feedback:
                out.append(f"{statement!r}: the feedback does not correct it")
    model = asserted_misconceptions(
        question.misconceptions,
        AnswerIndex.build(question.model_answer),
        question.prompt,
        question.model_answer,
    )
    out.extend(f"the model answer asserts {m.claim!r}" for m in model)
    return out


def test_every_misconception_is_caught_and_corrected() -> None:
    failing = {q.id: p for q in _questions() if (p := _problems(q))}
    assert not failing, "\n".join(f"{k}: {v}" for k, v in sorted(failing.items())[:20])


@pytest.mark.parametrize("answer", ["", "I am not sure."])
def test_no_misconception_is_found_in_an_answer_that_states_none(answer: str) -> None:
    for question in _questions()[:50]:
        found = asserted_misconceptions(
            question.misconceptions, AnswerIndex.build(answer), question.prompt
        )
        assert found == (), question.id
