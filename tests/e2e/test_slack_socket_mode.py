"""Socket Mode: with SLACK_APP_TOKEN the same app connects out to Slack's websocket (here
the local one) and serves commands, buttons, modals and events over it."""

from __future__ import annotations

import pytest

from adapters.slack.local import LocalSlack
from adapters.slack.render import ANSWER_INPUT
from tests.e2e.slack_setup import blocks_text, button


@pytest.fixture
async def local(tmp_path, sample_questions):
    url = f"sqlite+aiosqlite:///{tmp_path / 'socket.db'}"
    async with LocalSlack(url, sample_questions, socket_mode=True) as running:
        yield running


async def test_commands_buttons_modals_and_home_over_the_websocket(local):
    slack = local.slack
    assert local.adapter.port is None  # no HTTP server in Socket Mode
    alice = slack.add_user(local.team, "alice")
    ack = await local.run(slack.command(alice, "/prep", "quiz open"))
    assert ack.ok and ack.mode == "socket"
    (question,) = slack.seen_by(alice)
    opener = button(question, "Write your answer")
    await local.run(slack.click(alice, question, opener["action_id"], opener["value"]))
    modal = slack.modal(alice)
    await local.run(slack.submit(alice, modal, {ANSWER_INPUT: "stems cut, lemmas look up"}))
    assert "/100" in blocks_text(slack.seen_by(alice)[-1])
    await local.run(slack.open_home(alice))
    assert "Points" in blocks_text(slack.home(alice))
