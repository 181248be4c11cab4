"""A member quizzes themselves in Slack: `/prep quiz`, answered by button and by modal,
privately, and never twice however often Slack redelivers."""

from __future__ import annotations

import asyncio

import pytest

from adapters.slack.local import LocalSlack
from adapters.slack.render import ANSWER_INPUT
from tests.e2e.slack_setup import blocks_text, button, buttons


@pytest.fixture
async def local(database_url, sample_questions):
    async with LocalSlack(database_url, sample_questions) as running:
        yield running


async def answers_recorded(local) -> int:
    from sqlalchemy import text

    async with local.runtime.engine.connect() as conn:
        return (await conn.execute(text("select count(*) from attempts"))).scalar_one()


async def test_quiz_answered_by_button_privately_and_a_double_click_counts_once(local):
    slack = local.slack
    alice = slack.add_user(local.team, "alice")
    study = slack.add_channel(local.team, "study", members=[alice])
    ack = await local.run(slack.command(alice, "/prep", "quiz choice", channel=study))
    assert ack.ok and not ack.late and ack.text == ""
    (question,) = slack.ephemerals(alice, study)
    assert "Which transformer layout does GPT-3 use?" in blocks_text(question)
    assert slack.messages(study) == []  # nothing clutters the channel
    assert [b["text"]["text"] for b in buttons(question)][:4] == ["A", "B", "C", "D"]
    right = button(question, "A")
    press = await local.run(slack.click(alice, question, right["action_id"], right["value"]))
    graded = slack.ephemerals(alice, study)[-1]
    assert "Correct" in blocks_text(graded) and "100/100" in blocks_text(graded)
    # Slack redelivers the press (a slow ack): the answer is not recorded twice.
    again = await local.run(slack.redeliver(press))
    assert again.ok
    assert "no longer" in blocks_text(slack.ephemerals(alice, study)[-1]).casefold()
    assert await answers_recorded(local) == 1
    assert slack.messages(study) == []


async def test_quiz_answered_in_a_modal_with_the_question_and_channel_carried(local):
    slack = local.slack
    bob = slack.add_user(local.team, "bob")
    study = slack.add_channel(local.team, "study", members=[bob])
    await local.run(slack.command(bob, "/prep", "quiz open", channel=study))
    (question,) = slack.ephemerals(bob, study)
    opener = button(question, "Write your answer")
    await local.run(slack.click(bob, question, opener["action_id"], opener["value"]))
    modal = slack.modal(bob)
    assert modal is not None
    assert "3,000 characters" in blocks_text(modal)
    assert "stemming" in blocks_text(modal).casefold()
    answer = (
        "Stemming chops suffixes off by rules and can produce non-words; lemmatization maps "
        "a word to its dictionary form using vocabulary and part of speech."
    )
    submitted = await local.run(slack.submit(bob, modal, {ANSWER_INPUT: answer}))
    assert submitted.ok and slack.modal(bob) is None
    graded = slack.ephemerals(bob, study)[-1]
    assert "/100" in blocks_text(graded)
    assert "Model answer" in blocks_text(graded) or "model answer" in blocks_text(graded)
    assert [b["text"]["text"] for b in buttons(graded)][:4] == ["Again", "Hard", "Good", "Easy"]
    # A redelivered submission grades nothing twice.
    await local.run(slack.redeliver(submitted))
    assert await answers_recorded(local) == 1


async def test_empty_or_whitespace_answers_keep_the_modal_open_with_a_message(local):
    slack = local.slack
    carol = slack.add_user(local.team, "carol")
    await local.run(slack.command(carol, "/prep", "quiz open"))
    (question,) = slack.seen_by(carol)
    opener = button(question, "Write your answer")
    await local.run(slack.click(carol, question, opener["action_id"], opener["value"]))
    modal = slack.modal(carol)
    ack = await slack.submit(carol, modal, {ANSWER_INPUT: "    "})
    assert ack.ok and slack.modal(carol) is modal
    assert "Write an answer first." in modal.errors.values()
    assert await answers_recorded(local) == 0


async def test_in_the_apps_dm_a_typed_line_is_a_command_or_the_answer(local):
    slack = local.slack
    dana = slack.add_user(local.team, "dana")
    dm = slack.dm(dana)

    def said(line: str) -> dict:
        return {
            "type": "message",
            "channel_type": "im",
            "channel": dm.id,
            "user": dana.id,
            "text": line,
            "ts": f"{len(slack.messages(dm)) + 1}.000100",
        }

    await local.run(slack.event(local.team, said("quiz open")))
    assert "stemming" in blocks_text(slack.messages(dm)[-1]).casefold()
    # Slack escapes what people type; the core grades what they typed.
    typed = said(
        "Stemming &amp; lemmatization: stems cut suffixes &lt;rules&gt;, lemmas use a dictionary"
    )
    ack = await local.run(slack.event(local.team, typed))
    graded = blocks_text(slack.messages(dm)[-1])
    assert "/100" in graded
    replies = len(slack.messages(dm))
    await slack.redeliver(ack)  # Slack thought the ack was slow
    await local.run(slack.event(local.team, said("stats")))
    assert len(slack.messages(dm)) == replies + 1  # only the stats reply
    assert await answers_recorded(local) == 1


async def test_an_expired_trigger_tells_the_member_to_press_again(local):
    slack = local.slack
    erin = slack.add_user(local.team, "erin")
    study = slack.add_channel(local.team, "study", members=[erin])
    await local.run(slack.command(erin, "/prep", "quiz open", channel=study))
    (question,) = slack.ephemerals(erin, study)
    opener = button(question, "Write your answer")
    slack.triggers_expire_after(0)
    await local.run(slack.click(erin, question, opener["action_id"], opener["value"]))
    assert slack.modal(erin) is None
    assert "Press the button again" in blocks_text(slack.ephemerals(erin, study)[-1])
    slack.triggers_expire_after(3.0)
    await local.run(slack.click(erin, question, opener["action_id"], opener["value"]))
    assert slack.modal(erin) is not None


async def test_a_double_click_arriving_together_records_one_answer(local):
    slack = local.slack
    fay = slack.add_user(local.team, "fay")
    study = slack.add_channel(local.team, "study", members=[fay])
    await local.run(slack.command(fay, "/prep", "quiz choice", channel=study))
    (question,) = slack.ephemerals(fay, study)
    right, wrong = button(question, "A"), button(question, "B")
    await local.run(
        asyncio.gather(
            slack.click(fay, question, right["action_id"], right["value"]),
            slack.click(fay, question, wrong["action_id"], wrong["value"]),
        ),
        count=2,
    )
    assert await answers_recorded(local) == 1
    shown = [blocks_text(e) for e in slack.ephemerals(fay, study)[1:]]
    assert len(shown) == 2 and sum("/100" in text for text in shown) == 1
