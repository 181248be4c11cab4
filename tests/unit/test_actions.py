"""Buttons and forms: `Prepbot.act` routes a pressed action into the core."""

from __future__ import annotations

from bot.services.context import Caller


def member(name: str = "alice") -> Caller:
    return Caller(
        platform="discord",
        community_external_id="g1",
        member_external_id=name,
        display_name=name,
        channel_external_id="c1",
    )


async def test_choice_button_answers_the_pending_question(fake_core):
    asked = await fake_core.quiz.ask(member(), ["nlp-basics", "choice"])
    assert asked.answer_action and asked.answer_action.startswith("answer:")
    graded = await fake_core.act(member(), f"{asked.answer_action}:A")
    assert graded.text.startswith("Correct: 100/100")


async def test_a_second_click_is_refused_and_records_nothing(fake_core):
    asked = await fake_core.quiz.ask(member(), ["nlp-basics", "choice"])
    await fake_core.act(member(), f"{asked.answer_action}:A")
    again = await fake_core.act(member(), f"{asked.answer_action}:B")
    assert again.error and "no longer waiting" in again.text
    stats = await fake_core.stats.stats(member())
    assert "10 points · 1 answered" in stats.plain_text()


async def test_a_click_after_skip_is_refused(fake_core):
    asked = await fake_core.quiz.ask(member(), ["nlp-basics", "choice"])
    await fake_core.quiz.skip(member())
    refused = await fake_core.act(member(), f"{asked.answer_action}:A")
    assert refused.error and "no longer waiting" in refused.text


async def test_free_text_form_submits_its_text(fake_core):
    asked = await fake_core.quiz.ask(member(), ["open"])
    assert asked.wants_text_answer
    graded = await fake_core.act(member(), asked.answer_action, text="   ")
    assert graded.error and "empty" in graded.text
    graded = await fake_core.act(member(), asked.answer_action, text="a real attempt at it")
    assert graded.title == "Your grade"


async def test_catalogue_actions_carry_their_arguments(fake_core):
    reply = await fake_core.act(member(), "forget-me")
    confirm = [b.action for b in reply.buttons]
    assert confirm == ["forget-me:confirm"]
    done = await fake_core.act(member(), confirm[0])
    assert "deleted" in done.text


async def test_garbage_actions_get_a_message(fake_core):
    for action in ("", "x" * 500, "answer", "answer::", "nope:1", "qotd:answer:abc", ":::"):
        reply = await fake_core.act(member(), action)
        assert reply.error, action


async def test_a_long_model_answer_gets_a_full_answer_button(fake_core, sample_questions):
    from bot.domain import Kind, Question

    long_answer = "Attention weighs values by query-key similarity. " * 40
    question = Question(
        id="long-answer-q",
        prompt="What does attention compute?",
        kind=Kind.SHORT,
        topic="llms",
        level="junior",
        model_answer=long_answer.strip(),
        accepted=("weighted sum of values",),
    )
    await fake_core.catalog.sync([*sample_questions, question])
    peek = await fake_core.act(member("eve"), "model-answer:long-answer-q")
    assert peek.error and "been asked" in peek.text
    asked = await fake_core.quiz.ask(member(), ["llms"])
    assert asked.answer_action == "answer:long-answer-q"
    early = await fake_core.act(member(), "model-answer:long-answer-q")
    assert early.error and "Answer the question first" in early.text
    graded = await fake_core.act(member(), asked.answer_action, text="a weighted sum of values")
    shown = next(f.value for f in graded.fields if f.name == "Model answer")
    assert shown.endswith("…") and len(shown) <= 1000
    assert [b.action for b in graded.buttons if b.label == "Full answer"] == [
        "model-answer:long-answer-q"
    ]
    full = await fake_core.act(member(), "model-answer:long-answer-q")
    assert not full.error and full.text == long_answer.strip()
    assert (await fake_core.act(member(), "model-answer")).error


async def test_a_short_model_answer_has_no_full_answer_button(fake_core):
    asked = await fake_core.quiz.ask(member(), ["nlp-basics", "choice"])
    graded = await fake_core.act(member(), f"{asked.answer_action}:A")
    assert "Full answer" not in [b.label for b in graded.buttons]
