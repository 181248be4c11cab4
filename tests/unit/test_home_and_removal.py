"""Core pieces the Slack adapter needs: the member's home dashboard, pausing a community's
questions of the day when the app is removed, and the QOTD post closed at the reveal."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from bot.bootstrap import build_core
from bot.services.context import Caller
from bot.testing import FakeChat, FakeClock, FakeUnitOfWorkFactory

ADMIN = Caller("slack", "T1", "U_ADMIN", "Ada", "C_STUDY", is_admin=True)
ALICE = Caller("slack", "T1", "U_ALICE", "Alice", "C_STUDY")
OTHER_ADMIN = Caller("slack", "T2", "U_ZED", "Zed", "C_ELSE", is_admin=True)
MONDAY = date(2026, 1, 5)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(MONDAY.year, MONDAY.month, MONDAY.day, hour, minute, tzinfo=UTC)


async def _core(sample_questions, chat: FakeChat | None = None):
    clock = FakeClock(at(7))
    core = build_core(FakeUnitOfWorkFactory(), clock, random.Random(5), chat=chat or FakeChat())
    await core.catalog.sync(sample_questions)
    return core, clock


async def test_home_shows_progress_weakest_topics_cohorts_and_where_to_go(sample_questions):
    core, _ = await _core(sample_questions)
    empty = await core.home(ALICE)
    values = {f.name: f.value for f in empty.fields}
    assert values["Points"] == "0" and values["Rank"] == "not ranked yet"
    assert values["Cohorts"] == "none"
    assert [b.action for b in empty.buttons] == ["practice", "quiz"]

    await core.handle_text(ADMIN, "/cohort create spring-26")
    await core.handle_text(ALICE, "/cohort join spring-26")
    await core.handle_text(ALICE, "/quiz")
    await core.handle_text(ALICE, "I have no idea")
    home = await core.home(ALICE)
    values = {f.name: f.value for f in home.fields}
    assert values["Cohorts"] == "spring-26"
    assert values["Rank"] == "1"
    assert "(0/1)" in values["Weakest topics"]
    assert values["Streak"] == "1 day"


async def test_removing_a_community_pauses_only_its_questions_of_the_day(sample_questions):
    chat = FakeChat()
    core, clock = await _core(sample_questions, chat)
    assert core.qotd is not None
    await core.handle_text(ADMIN, "/qotd setup 09:00")
    await core.handle_text(OTHER_ADMIN, "/qotd setup 09:00")
    assert (
        await core.community_removed("slack", "T1", "the app was removed from the workspace") == 1
    )
    assert await core.community_removed("slack", "T1") == 0  # a redelivered event
    assert await core.community_removed("slack", "T-unknown") == 0
    clock.set(at(9))
    await core.qotd.tick(at(9))
    assert chat.texts("C_STUDY") == []
    assert len(chat.texts("C_ELSE")) == 1
    shown = (await core.handle_text(ADMIN, "/qotd show")).plain_text()
    assert "PAUSED: the app was removed from the workspace" in shown


async def test_the_reveal_follows_up_the_post_and_closes_it(sample_questions):
    chat = FakeChat()
    core, clock = await _core(sample_questions, chat)
    assert core.qotd is not None
    await core.handle_text(ADMIN, "/qotd setup 09:00 reveal=1h")
    clock.set(at(9))
    await core.qotd.tick(at(9))
    ((target, post_id),) = chat.sent
    assert target.community == "T1"
    question = chat.messages[post_id]
    assert question.key is not None and question.key.endswith(":question")
    assert question.answer_action is not None
    clock.set(at(9, 5))
    await core.handle_text(ALICE, "/qotd answer attention weighs the values")
    await core.qotd.tick(at(10))
    reveal_target, reveal_id = chat.sent[-1]
    reveal = chat.messages[reveal_id]
    assert reveal.reply_to == post_id and reveal.key is not None
    closed = chat.messages[post_id]
    # Closed: adapters render no answer buttons (Slack) or disabled ones (Discord).
    assert closed.closed and closed.answer_action == f"qotd:answer:{closed.key.split(':')[1]}"
    assert closed.footer is not None and "1 answered" in closed.footer


async def test_slack_posts_queue_per_channel_and_per_workspace():
    from bot.ports import Target
    from bot.services.ratelimit import RateLimiter

    now = [1000.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(monotonic=lambda: now[0], sleep=sleep)
    # Twenty channels of one workspace: the channel buckets are fresh, the workspace's is
    # not, so after its burst of 10 the rest wait at 4 a second.
    for number in range(20):
        await limiter.acquire(Target("slack", f"C{number}", community="T1"))
    assert now[0] == pytest.approx(1000 + 10 / 4.0)
    # Another workspace is not held up by the first.
    before = now[0]
    await limiter.acquire(Target("slack", "C0", community="T2"))
    assert now[0] == before
    limiter.back_off(Target("slack", "C5", community="T2"), 3.0, "community")
    await limiter.acquire(Target("slack", "C6", community="T2"))
    assert now[0] == pytest.approx(before + 3.0)
