"""The model answer as members see it: the answer, when its facts were checked, and where."""

from __future__ import annotations

from collections.abc import Callable

from bot.content.provenance import checked_label
from bot.domain import Question
from bot.views import Field


def model_answer_fields(question: Question, clip: Callable[[str], str]) -> list[Field]:
    """The model answer's field, then "Facts checked" and "Sources" when the question has them."""
    fields = [Field("Model answer", clip(question.model_answer))]
    if question.as_of:
        fields.append(Field("Facts checked", checked_label(question.as_of)))
    if question.sources:
        fields.append(Field("Sources", clip("; ".join(question.sources))))
    return fields
