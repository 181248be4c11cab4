"""Dated facts (`as_of`) and sources: schema, codec, the sources rule, staleness, replies."""

from __future__ import annotations

import random
from datetime import date

import pytest
from pydantic import ValidationError

from bot.bootstrap import build_core
from bot.cli import format_staleness
from bot.content.loader import parse_pack
from bot.content.provenance import checked_label, stale
from bot.content.schema import QuestionSpec
from bot.domain import Grade, KeyPoint, Kind, Question, Verdict
from bot.services.context import Caller
from bot.services.qotd import reveal_post
from bot.services.quiz import grade_reply
from bot.storage.codec import content_hash, question_from_dict, question_to_dict

SHORT = {
    "id": "inference-paged-name",
    "kind": "short",
    "level": "mid",
    "prompt": "Which serving engine introduced PagedAttention?",
    "accepted": ["vLLM"],
    "model_answer": "vLLM.",
}

OPEN_PACK = """
topic: {topic}
questions:
  - id: {topic}-why-batching
    kind: open
    level: mid
    prompt: Why does continuous batching raise GPU utilisation when serving?
    model_answer: New requests join the running batch at every decoding step.
    key_points:
      - text: requests join and leave the batch at each decoding step
        core: true
    {extra}
"""


def _question(**extra: object) -> Question:
    fields: dict[str, object] = {
        "id": "q",
        "prompt": "p?",
        "kind": Kind.OPEN,
        "topic": "inference",
        "level": "mid",
        "model_answer": "The answer.",
        "key_points": (KeyPoint("a claim about something", core=True),),
    }
    fields.update(extra)
    return Question(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("as_of", ["2026-13", "2026-1", "Dec 2026", "2026-12-02", "26-12"])
def test_as_of_must_be_a_month(as_of):
    with pytest.raises(ValidationError, match="as_of"):
        QuestionSpec.model_validate({**SHORT, "as_of": as_of})


def test_as_of_and_sources_reach_the_domain_and_survive_the_codec():
    spec = QuestionSpec.model_validate(
        {**SHORT, "as_of": "2026-12", "sources": ["Kwon et al. 2023, PagedAttention (SOSP)"]}
    )
    question = spec.to_domain("inference")
    assert question.as_of == "2026-12"
    assert question.sources == ("Kwon et al. 2023, PagedAttention (SOSP)",)
    assert question_from_dict(question_to_dict(question)) == question


def test_undated_questions_keep_their_json_and_hash():
    question = QuestionSpec.model_validate(SHORT).to_domain("inference")
    data = question_to_dict(question)
    assert "as_of" not in data and "sources" not in data
    assert content_hash(data) == content_hash(question_to_dict(question_from_dict(data)))


def test_sources_must_name_something_and_not_repeat():
    with pytest.raises(ValidationError, match="sources"):
        QuestionSpec.model_validate({**SHORT, "sources": ["x"]})
    with pytest.raises(ValidationError, match="duplicate"):
        QuestionSpec.model_validate({**SHORT, "sources": ["vLLM docs", "VLLM docs"]})


def test_open_questions_of_new_areas_must_name_sources():
    _, problems = parse_pack(OPEN_PACK.format(topic="inference", extra=""), "p.yaml")
    assert [(p.question_id, p.field) for p in problems] == [("inference-why-batching", "sources")]
    sourced = OPEN_PACK.format(topic="inference", extra="sources: [Yu et al. 2022, Orca (OSDI)]")
    assert parse_pack(sourced, "p.yaml")[1] == []


def test_older_topics_are_not_held_to_the_sources_rule():
    _, problems = parse_pack(OPEN_PACK.format(topic="deployment", extra=""), "p.yaml")
    assert problems == []


def test_stale_lists_facts_checked_more_than_a_year_ago():
    bank = [
        _question(id="fresh", as_of="2026-12"),
        _question(id="year", as_of="2025-12"),
        _question(id="old", as_of="2025-11"),
        _question(id="older", as_of="2024-03"),
        _question(id="undated"),
    ]
    today = date(2026, 12, 2)
    assert [q.id for q in stale(bank, today)] == ["older", "old"]
    report = format_staleness(bank, today)
    assert "4 question(s) carry as_of; 2 were checked more than 12 months ago" in report
    assert "  2024-03  older" in report and "  2025-11  old" in report
    assert "fresh" not in report and "undated" not in report


def test_members_see_when_facts_were_checked_and_where_under_the_model_answer():
    question = _question(as_of="2026-12", sources=("TRL GRPOConfig docs", "DeepSeekMath paper"))
    graded = grade_reply(question, Grade(80, Verdict.CORRECT), 10, True)
    names = [f.name for f in graded.fields]
    assert names[names.index("Model answer") + 1 : names.index("Model answer") + 3] == [
        "Facts checked",
        "Sources",
    ]
    fields = {f.name: f.value for f in graded.fields}
    assert fields["Facts checked"] == "Dec 2026"
    assert fields["Sources"] == "TRL GRPOConfig docs; DeepSeekMath paper"
    revealed = {f.name: f.value for f in reveal_post(question, [], show_best=False).fields}
    assert revealed["Facts checked"] == "Dec 2026"


def test_undated_questions_show_no_provenance():
    names = [f.name for f in grade_reply(_question(), Grade(80, Verdict.CORRECT), 10, True).fields]
    assert "Facts checked" not in names and "Sources" not in names
    assert checked_label("2027-01") == "Jan 2027"


def _member() -> Caller:
    return Caller(
        platform="console",
        community_external_id="local",
        member_external_id="ada",
        display_name="ada",
        channel_external_id="terminal",
    )


async def test_skip_and_grade_replies_show_provenance_through_the_quiz(fake_uow, clock):
    dated = _question(
        id="inference-dated",
        prompt="Why does continuous batching raise GPU utilisation when serving?",
        model_answer="Requests join and leave the running batch at every decoding step.",
        key_points=(KeyPoint("requests join and leave the batch at every step", core=True),),
        as_of="2026-12",
        sources=("Yu et al. 2022, Orca (OSDI)",),
    )
    core = build_core(fake_uow, clock, random.Random(7))
    await core.catalog.sync([dated])
    await core.quiz.ask(_member())
    skipped = {f.name: f.value for f in (await core.quiz.skip(_member())).fields}
    assert skipped["Facts checked"] == "Dec 2026"
    assert skipped["Sources"] == "Yu et al. 2022, Orca (OSDI)"
    await core.quiz.ask(_member())
    graded = await core.quiz.answer(_member(), "Requests join the batch at every step.")
    assert {f.name: f.value for f in graded.fields}["Facts checked"] == "Dec 2026"
