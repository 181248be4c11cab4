"""The question of the day in a Slack channel: posted with an Answer button, answered
privately, revealed in a thread under the post (which is closed), never posted twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from adapters.slack.chat import METADATA_EVENT
from adapters.slack.local import LocalSlack
from adapters.slack.render import ANSWER_INPUT
from bot.testing import FakeClock
from tests.e2e.slack_setup import blocks_text, button, buttons

NINE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
async def local(database_url, sample_questions):
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    async with LocalSlack(database_url, sample_questions, clock=clock) as running:
        yield running


def at(hour: int, minute: int = 0) -> datetime:
    return NINE.replace(hour=hour, minute=minute)


async def setup_channel(local, settings: str):
    slack = local.slack
    ada = slack.add_user(local.team, "ada", admin=True)
    alice = slack.add_user(local.team, "alice")
    bob = slack.add_user(local.team, "bob")
    study = slack.add_channel(local.team, "study", members=[ada, alice, bob])
    await local.run(slack.command(ada, "/prep", f"qotd setup {settings}", channel=study))
    assert "Question of the day is set up" in blocks_text(slack.ephemerals(ada, study)[-1])
    return ada, alice, bob, study


async def tick(local, moment: datetime):
    local.clock.set(moment)
    return await local.runtime.core.qotd.tick(moment)


async def test_posted_answered_privately_revealed_in_the_thread_and_closed(local):
    slack = local.slack
    ada, alice, bob, study = await setup_channel(local, "09:00 levels=junior reveal=1h")
    report = await tick(local, at(9))
    assert report.posted == 1
    (post,) = slack.messages(study)
    assert "Question of the day" in blocks_text(post)
    assert post.metadata["event_type"] == METADATA_EVENT
    if any(b["text"]["text"] == "A" for b in buttons(post)):
        # A choice question: the letters answer it, privately.
        choice = button(post, "A")
        local.clock.set(at(9, 5))
        await local.run(slack.click(alice, post, choice["action_id"], choice["value"]))
        wrong = button(post, "B")
        await local.run(slack.click(bob, post, wrong["action_id"], wrong["value"]))
    else:
        opener = button(post, "Answer privately")
        local.clock.set(at(9, 5))
        for member, answer in ((alice, "a careful answer"), (bob, "no idea")):
            await local.run(slack.click(member, post, opener["action_id"], opener["value"]))
            await local.run(slack.submit(member, slack.modal(member), {ANSWER_INPUT: answer}))
    for member in (alice, bob):
        grade = slack.ephemerals(member, study)[-1]
        assert "your grade" in blocks_text(grade)
    assert len(slack.messages(study)) == 1  # answers never appear in the channel
    report = await tick(local, at(10))
    assert report.revealed == 1
    (post,) = slack.messages(study)
    (reveal,) = slack.thread(post)
    assert "the answer" in blocks_text(reveal) and "Answered" in blocks_text(reveal)
    assert "Answers closed · 2 answered" in blocks_text(post)
    assert not buttons(post)
    # Too late now.
    await local.run(slack.command(alice, "/prep", "qotd answer late words", channel=study))
    assert "no question of the day open" in blocks_text(slack.ephemerals(alice, study)[-1])


async def test_a_post_retried_after_a_crash_is_found_not_posted_again(local):
    slack = local.slack
    *_, study = await setup_channel(local, "09:00 reveal=2h")
    await tick(local, at(9))
    (post,) = slack.messages(study)
    # The process died after Slack took the message and before the database heard of it.
    async with local.runtime.engine.begin() as conn:
        await conn.execute(
            text(
                "update qotd_posts set status = 'claimed', message_id = null, posted_at = null,"
                " reveal_at = null, reveal_status = 'none'"
            )
        )
    report = await tick(local, at(9, 15))
    assert report.posted == 1
    assert [m.ts for m in slack.messages(study)] == [post.ts]
    assert slack.calls("conversations.history")
    async with local.runtime.engine.connect() as conn:
        stored = (await conn.execute(text("select message_id from qotd_posts"))).scalar_one()
    assert stored == post.ts


async def test_answer_with_no_text_opens_a_modal_and_a_gone_channel_pauses(local):
    slack = local.slack
    ada, alice, _, study = await setup_channel(local, "09:00 reveal=2h")
    await tick(local, at(9))
    local.clock.set(at(9, 1))
    await local.run(slack.command(alice, "/prep", "qotd answer", channel=study))
    modal = slack.modal(alice)
    assert modal is not None
    await local.run(slack.submit(alice, modal, {ANSWER_INPUT: "my answer in the box"}))
    assert "your grade" in blocks_text(slack.ephemerals(alice, study)[-1])
    # The channel is archived: the next day's post pauses the subscription.
    slack.archive(study)
    report = await tick(local, at(9).replace(day=6))
    assert report.gone >= 1  # the reveal and the next post both find it archived
    await local.run(slack.command(ada, "/prep", "qotd show", channel=study))
    assert "PAUSED" in blocks_text(slack.seen_by(ada)[-1])


async def test_429s_are_waited_out_and_the_post_goes_out_once(local):
    slack = local.slack
    *_, study = await setup_channel(local, "09:00 reveal=2h")
    slack.rate_limit(3, method="chat.postMessage", retry_after=1)
    report = await tick(local, at(9))
    assert report.posted == 1 and report.failed == 0
    assert len(slack.messages(study)) == 1
    refused = [c for c in slack.calls("chat.postMessage") if not c.ok]
    assert len(refused) == 3


async def test_the_weekly_digest_is_posted_as_blocks(local):
    slack = local.slack
    ada, alice, _, study = await setup_channel(local, "09:00 reveal=1h digest=mon")
    await local.run(slack.command(alice, "/prep", "quiz choice", channel=study))
    question = slack.ephemerals(alice, study)[-1]
    right = button(question, "A")
    await local.run(slack.click(alice, question, right["action_id"], right["value"]))
    report = await tick(local, at(9).replace(day=12))  # the next Monday
    assert report.digests == 1
    digest = [m for m in slack.messages(study) if "Weekly leaderboard" in blocks_text(m)]
    assert len(digest) == 1 and "alice" in blocks_text(digest[0])
    assert digest[0].blocks and digest[0].metadata["event_type"] == METADATA_EVENT


async def test_a_redelivered_post_now_posts_once(local):
    slack = local.slack
    ada, _, _, study = await setup_channel(local, "09:00 reveal=2h")
    local.clock.set(at(8, 30))
    first = await local.run(slack.command(ada, "/prep", "qotd now", channel=study))
    assert "Posted today's question" in blocks_text(slack.ephemerals(ada, study)[-1])
    await local.run(slack.redeliver(first))
    assert "already been posted" in blocks_text(slack.ephemerals(ada, study)[-1])
    assert len(slack.messages(study)) == 1
    assert (await tick(local, at(9))).posted == 0
