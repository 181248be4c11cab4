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


def admin(name: str = "ada") -> Caller:
    return Caller("discord", "g1", name, name, "c1", is_admin=True)


async def test_new_buttons_route_through_act(fake_core):
    # Full answer: after a skip, the button's action shows the model answer.
    await fake_core.quiz.ask(member(), ["open"])
    await fake_core.quiz.skip(member())
    full = await fake_core.act(member(), "full-answer:nlp-basics-sample-stemming")
    assert not full.error and full.fields[0].name == "Model answer"
    # The cohort delete confirmation button deletes exactly that cohort.
    await fake_core.handle(admin(), "cohort", ["create", "Night", "Owls"])
    asked = await fake_core.handle(admin(), "cohort", ["delete", "Night", "Owls"])
    done = await fake_core.act(admin(), asked.buttons[0].action)
    assert "Cohort Night Owls deleted" in done.text
    # A member pressing an admin's confirmation button is refused.
    await fake_core.handle(admin(), "cohort", ["create", "Larks"])
    refused = await fake_core.act(member(), "cohort:delete:Larks:confirm")
    assert refused.error and "admin" in refused.text
    # The export button hands over a JSON file; forget-member's button confirms.
    exported = await fake_core.act(member(), "my-data:export")
    assert exported.attachment and exported.attachment[0].endswith(".json")
    asked = await fake_core.handle(admin(), "forget-member", ["alice"])
    assert [b.action for b in asked.buttons] == ["forget-member:alice:confirm"]
    gone = await fake_core.act(admin(), asked.buttons[0].action)
    assert "Deleted alice's data" in gone.text


async def test_interview_answer_action_carries_text_or_a_letter(fake_core):
    from tests.interview_script import ANSWERS, asked, interview_questions

    questions = interview_questions()
    await fake_core.catalog.sync(questions)
    first = await fake_core.handle(member(), "interview", ["start", "mid", "llm", "short"])
    question, _ = asked(first, questions)
    assert first.private and first.answer_action == "interview:answer:1:1"
    if first.choices:
        # A choice warm-up: lettered buttons act as `interview:answer:ID:STEP:LETTER`.
        second = await fake_core.act(member(), f"{first.answer_action}:A")
    else:
        assert first.wants_text_answer
        second = await fake_core.act(member(), first.answer_action, text=ANSWERS[question.id])
    assert "Q2/4" in second.title and second.answer_action == "interview:answer:1:2"
    # The same button again, a forged step, garbage: each refused, nothing changes.
    for action in (first.answer_action, "interview:answer:1:9", "interview:answer:x:2"):
        reply = await fake_core.act(member(), action, text="an answer")
        assert reply.error, action
    for action in ("interview:answer", "interview:answer:1", "interview:answer:1:2:A:B"):
        assert (await fake_core.act(member(), action)).error, action
    # Skip and end are catalogue actions on the question's buttons.
    assert [b.action for b in second.buttons] == ["interview:skip", "interview:end"]
    skipped = await fake_core.act(member(), "interview:skip")
    assert skipped.text.startswith("Skipped.")
    ended = await fake_core.act(member(), "interview:end")
    assert ended.title == "Interview scorecard" and ended.private


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
    peek = await fake_core.act(member("eve"), "full-answer:long-answer-q")
    assert peek.error and "answered or skipped" in peek.text
    asked = await fake_core.quiz.ask(member(), ["llms"])
    assert asked.answer_action == "answer:long-answer-q"
    early = await fake_core.act(member(), "full-answer:long-answer-q")
    assert early.error and "Answer that question" in early.text
    graded = await fake_core.act(member(), asked.answer_action, text="a weighted sum of values")
    shown = next(f.value for f in graded.fields if f.name == "Model answer")
    assert "the whole answer is 2 parts" in shown and len(shown) <= 1000
    assert [b.action for b in graded.buttons if b.label == "Full answer"] == [
        "full-answer:long-answer-q"
    ]
    full = await fake_core.act(member(), "full-answer:long-answer-q")
    parts = [f.value for f in full.fields if f.name.startswith("Model answer")]
    assert not full.error and " ".join(parts).split() == long_answer.split()
    assert all(len(part) <= 1024 for part in parts)
    assert (await fake_core.act(member(), "full-answer")).error


async def test_a_short_model_answer_has_no_full_answer_button(fake_core):
    asked = await fake_core.quiz.ask(member(), ["nlp-basics", "choice"])
    graded = await fake_core.act(member(), f"{asked.answer_action}:A")
    assert "Full answer" not in [b.label for b in graded.buttons]
