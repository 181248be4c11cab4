"""The pure parts of mock interviews: the scorecard's arithmetic, the bar, the suggested
level, start options, and follow-ups in the pack schema and the stored JSON."""

from __future__ import annotations

import pytest

from bot.content.schema import QuestionSpec
from bot.services.interview.plan import StartError, parse_start, suggest_level
from bot.services.interview.scorecard import AnswerRecord, Scorecard, compute, readout
from bot.storage.codec import question_from_dict, question_to_dict
from tests.interview_script import interview_questions


def record(label: str, section: str, score: int, **extra) -> AnswerRecord:
    values = dict(
        label=label,
        section=section,
        topic="llms",
        follow_up=label.endswith("f"),
        question_id=f"q-{label.rstrip('f')}",
        prompt=f"Prompt {label}",
        model_answer=f"Model {label}",
        status="answered",
        score=score,
        prose=1.0,
        words=50,
        seconds=60,
        suggested_seconds=300,
    )
    values.update(extra)
    return AnswerRecord(**values)


def test_scores_means_rounding_bars_and_overall():
    records = [
        record("1", "warm-up", 100, one_liner=True),
        record("2", "depth", 80),
        record("2f", "depth", 55, words=20),  # (80 + 55) / 2 = 67.5 -> 68
        record("3", "scenario", 40, prose=0.5, words=10),
        record("4", "coding", 0, status="skipped"),
    ]
    card = compute("mid", "llm", "short", "finished", 4, records)
    scores = {c.name: c.score for c in card.competencies}
    assert scores == {
        "fundamentals": 100,
        "depth": 68,
        "system design": 40,
        "coding": 0,
        "behavioral": None,
        # 0.4 prose + 0.3 length + 0.3 on topic (score / 50, capped):
        # 100 (1, 1, 1), 91 (1, 0.7, 1), 53 (0.5, 0.3, 0.8): (100 + 91 + 53) / 3 = 81.3
        "communication": 81,
    }
    readouts = {c.name: c.readout for c in card.competencies}
    assert readouts["fundamentals"] == "above the bar"  # 100 >= 70 + 15
    assert readouts["depth"] == "at the bar"  # 60 <= 68 < 75
    assert readouts["system design"] == "below the bar"
    assert readouts["behavioral"] == "not assessed"
    # Overall: (100 + 68 + 40 + 0 + 81) / 5 = 57.8 -> 58 against (70+60+55+60+60)/5 = 61.
    assert (card.overall, card.overall_bar, card.overall_readout) == (58, 61, "below the bar")
    assert card.summary == "mid: below the bar (3/5 at or above)"
    assert [g.label for g in card.gaps] == ["2f", "3", "4"]
    assert card.card_questions == ["q-2", "q-3", "q-4"]
    assert card.follow_ups == 1 and card.answered == 4 and card.skipped == 1
    assert card.study_plan == ["Large language models (/practice llms): 3 answer(s) below the bar"]
    assert Scorecard.from_dict(card.to_dict()) == card


def test_far_over_time_is_noted_and_costs_communication():
    slow = record("2", "depth", 90, seconds=700, suggested_seconds=300)
    card = compute("senior", "ml", "short", "finished", 4, [slow])
    assert card.time_notes == ["Q2 ran far over: 12 min against 5 min suggested."]
    assert {c.name: c.score for c in card.competencies}["communication"] == 90
    on_time = compute("senior", "ml", "short", "finished", 4, [record("2", "depth", 90)])
    assert on_time.time_notes == []


def test_unreached_questions_count_for_nothing():
    card = compute(
        "junior", "nlp", "short", "ended", 4, [record("1", "warm-up", 70, status="asked")]
    )
    assert card.overall is None and card.summary == "junior: nothing answered"
    assert card.gaps == [] and card.card_questions == []


def test_readout_edges():
    assert readout(59, 60) == "below the bar"
    assert readout(60, 60) == "at the bar"
    assert readout(74, 60) == "at the bar"
    assert readout(75, 60) == "above the bar"


def test_suggested_level():
    assert suggest_level([("mid", 90)] * 4)[0] == "mid"
    assert suggest_level([("junior", 20)] * 6)[0] == "junior"
    assert suggest_level([("senior", 80)] * 3 + [("mid", 60)] * 3)[0] == "senior"
    assert suggest_level([("senior", 60)] * 3 + [("mid", 90)] * 3)[0] == "mid"


def test_start_options_any_order_and_clear_errors():
    options = parse_start(["FULL", "senior", "genai"])
    assert (options.level, options.track, options.length) == ("senior", "genai", "full")
    assert parse_start([]).level is None
    with pytest.raises(StartError, match="I don't understand `wizard`"):
        parse_start(["wizard"])


BASE = {
    "id": "x-open",
    "kind": "open",
    "level": "mid",
    "prompt": "Explain something at length.",
    "model_answer": "An answer.",
    "key_points": [{"text": "the core point"}],
}


def test_schema_ties_follow_ups_to_key_points():
    good = {
        **BASE,
        "follow_ups": [
            {
                "trigger": "missed",
                "about": "The core point",
                "prompt": "What about the core point?",
                "key_points": [{"text": "it matters"}],
                "model_answer": "It matters.",
            },
            {
                "trigger": "trade-off",
                "prompt": "What does it cost?",
                "key_points": [{"text": "it is slow"}],
                "model_answer": "It is slow.",
            },
        ],
    }
    question = QuestionSpec.model_validate(good).to_domain("llms")
    assert [f.trigger.value for f in question.follow_ups] == ["missed", "trade-off"]
    assert question_from_dict(question_to_dict(question)) == question
    bad_cases = [
        ({"about": "not a point"}, "not one of the question's key points"),
        ({"about": ""}, "names the key point"),
        ({"trigger": "trade-off"}, "probes no key point"),
        ({"trigger": "misconception"}, "not one of the question.s misconceptions"),
        ({"key_points": []}, "key_points"),
    ]
    for change, message in bad_cases:
        broken = {**good, "follow_ups": [{**good["follow_ups"][0], **change}]}
        with pytest.raises(ValueError, match=message):
            QuestionSpec.model_validate(broken)


def test_questions_without_follow_ups_keep_their_stored_form():
    # No "follow_ups" key unless there are some: old content hashes stay valid.
    plain = next(q for q in interview_questions() if not q.follow_ups)
    assert "follow_ups" not in question_to_dict(plain)


def test_a_full_card_of_gaps_fits_a_chat_message():
    from bot.services.interview.render import scorecard_reply

    long = "x" * 2000
    records = [
        record(f"{n}{suffix}", "depth", 5, prompt=long, model_answer=long, missed=(long,) * 3)
        for n in range(1, 9)
        for suffix in ("", "f")
    ]
    card = compute("senior", "llm", "full", "finished", 8, records)
    assert len(card.gaps) == 16
    reply = scorecard_reply(card)
    assert len(reply.fields) <= 25
    total = len(reply.text) + sum(len(f.name) + len(f.value) for f in reply.fields)
    assert total + len(reply.footer or "") + len(reply.title or "") < 6000
    assert sum(f.name.startswith("Gap · ") for f in reply.fields) == 5
    also = next(f for f in reply.fields if f.name == "Also below the bar")
    assert len(also.value.splitlines()) == 11


def _with_misconception_follow_up():
    from dataclasses import replace

    from bot.domain import FollowUp, FollowUpTrigger, KeyPoint, Misconception

    rag = next(q for q in interview_questions() if q.id == "iv-llms-rag")
    wrong = Misconception(
        "RAG guarantees the model cannot hallucinate",
        ("retrieval guarantees there are no hallucinations", "rag eliminates hallucinations"),
        "Retrieval grounds answers but the model can still ignore or misread the passages.",
    )
    challenge = FollowUp(
        prompt="Can a RAG system still hallucinate? How?",
        trigger=FollowUpTrigger.MISCONCEPTION,
        about=wrong.claim,
        key_points=(KeyPoint("the model can ignore or misread the retrieved passages"),),
        model_answer="Yes: the model can ignore or misread the retrieved passages.",
    )
    return replace(rag, misconceptions=(wrong,), follow_ups=(challenge, *rag.follow_ups))


def test_an_asserted_misconception_gets_its_follow_up_first():
    from bot.services.interview.followups import ASSERTED, MISSED, pick_follow_up
    from bot.services.scoring import grade

    question = _with_misconception_follow_up()
    said = (
        "RAG retrieves relevant documents at query time, and retrieval guarantees there are "
        "no hallucinations at all."
    )
    picked = pick_follow_up(question, "mid", said, grade(question, said, "mid"))
    assert picked is not None and picked.reason == ASSERTED
    assert "you said that RAG guarantees the model cannot hallucinate" in picked.intro()
    # Denying the wrong claim is no reason to challenge it: the missed point comes instead.
    denied = (
        "RAG retrieves relevant documents at query time; it is not true that retrieval "
        "guarantees there are no hallucinations."
    )
    picked = pick_follow_up(question, "mid", denied, grade(question, denied, "mid"))
    assert picked is not None and picked.reason == MISSED


def test_a_misconception_follow_up_must_name_one_of_the_questions_misconceptions():
    base = {
        "id": "x-rag",
        "kind": "open",
        "level": "mid",
        "prompt": "Why does retrieval-augmented generation reduce hallucinations?",
        "model_answer": "It grounds answers in retrieved passages.",
        "key_points": [{"text": "grounds the answer in retrieved passages"}],
        "misconceptions": [
            {
                "claim": "RAG makes hallucinations impossible",
                "phrasings": ["rag makes hallucinations impossible"],
                "correction": "The model can still misread the passages.",
            }
        ],
    }
    follow_up = {
        "trigger": "misconception",
        "prompt": "Can it still hallucinate?",
        "key_points": [{"text": "the model can misread the passages"}],
        "model_answer": "Yes, the model can misread the passages.",
    }
    good = QuestionSpec.model_validate(
        {**base, "follow_ups": [{**follow_up, "about": "RAG makes hallucinations impossible"}]}
    )
    assert good.to_domain("llms").follow_ups[0].about == "RAG makes hallucinations impossible"
    with pytest.raises(ValueError, match="not one of the question's misconceptions"):
        QuestionSpec.model_validate(
            {**base, "follow_ups": [{**follow_up, "about": "something else entirely"}]}
        )
