"""A mock interview in Slack: `/prep interview` comes from the catalogue with no Slack
change; it runs in the member's DM with the app (questions, follow-ups, the scorecard),
free text in the modal, and nothing appears in the channel it was started from."""

from __future__ import annotations

import pytest

from adapters.slack.local import LocalSlack
from adapters.slack.render import ANSWER_INPUT
from tests.e2e.slack_setup import blocks_text, button, buttons
from tests.interview_script import interview_questions


@pytest.fixture
async def local(database_url):
    async with LocalSlack(database_url, interview_questions()) as running:
        yield running


async def test_a_whole_interview_runs_to_a_scorecard_privately(local):
    slack = local.slack
    dana = slack.add_user(local.team, "dana")
    study = slack.add_channel(local.team, "study", members=[dana])
    await local.run(slack.command(dana, "/prep", "interview start mid llm short", channel=study))
    dm = slack.dm(dana)
    step = slack.messages(dm)[-1]
    assert "Q1/4" in blocks_text(step)
    for _ in range(10):
        if "Interview scorecard" in blocks_text(step):
            break
        labels = [b["text"]["text"] for b in buttons(step)]
        if "A" in labels:
            pick = button(step, "A")
            await local.run(slack.click(dana, step, pick["action_id"], pick["value"]))
        else:
            opener = button(step, "Write your answer")
            await local.run(slack.click(dana, step, opener["action_id"], opener["value"]))
            modal = slack.modal(dana)
            assert modal is not None
            answer = "I would measure it first, then explain the trade-off I chose."
            await local.run(slack.submit(dana, modal, {ANSWER_INPUT: answer}))
        step = slack.messages(dm)[-1]
    text = blocks_text(step)
    assert "Interview scorecard" in text and "Overall:" in text
    assert slack.messages(study) == [] and slack.ephemerals(dana, study) == []
    await local.run(slack.command(dana, "/prep", "interview history", channel=study))
    assert "#1" in blocks_text(slack.messages(dm)[-1])
