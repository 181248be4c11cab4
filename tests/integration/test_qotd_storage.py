"""Question of the day on real databases (SQLite always, PostgreSQL when
PREPBOT_TEST_POSTGRES_URL is set): the unique slot key keeps several processes, each with
its own engine and scheduler due-check, to one post per slot."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta

from bot.bootstrap import build_core
from bot.ports import NewQotdPost, QotdSettings
from bot.services.context import Caller
from bot.storage.engine import create_engine
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from bot.testing import FakeChat, FakeClock

MONDAY = date(2026, 1, 5)
NINE = datetime(2026, 1, 5, 9, tzinfo=UTC)
ADMIN = Caller("discord", "guild-1", "ada", "Ada", "study", is_admin=True)
ALICE = Caller("discord", "guild-1", "alice", "Alice", "study")


async def _subscribe(uow_factory, channels: int, now: datetime) -> None:
    from datetime import time

    async with uow_factory() as uow:
        community = await uow.communities.get_or_create("discord", "guild-1", "", "UTC", now)
        for number in range(channels):
            channel = await uow.channels.get_or_create(community.id, f"ch-{number}", "")
            await uow.subscriptions.upsert(
                community.id, channel.id, QotdSettings(time(9, 0), "UTC", reveal_minutes=60), now
            )


async def test_slot_claim_is_unique_and_failed_slots_can_be_taken_over_once(sql_uow):
    await _subscribe(sql_uow, 1, NINE - timedelta(hours=2))
    async with sql_uow() as uow:
        sub = (await uow.subscriptions.active())[0]
    post = NewQotdPost(sub.id, sub.community_id, sub.channel_id, "question", MONDAY, NINE, NINE)
    async with sql_uow() as uow:
        first = await uow.qotd.claim(post, NINE - timedelta(minutes=10), 3)
    async with sql_uow() as uow:
        assert await uow.qotd.claim(post, NINE - timedelta(minutes=10), 3) is None
        assert first is not None
        await uow.qotd.update(first.id, status="failed", error="503")
    async with sql_uow() as uow:
        again = await uow.qotd.claim(post, NINE - timedelta(minutes=10), 3)
        assert again is not None and again.id == first.id and again.attempts == 2
    async with sql_uow() as uow:
        assert await uow.qotd.claim(post, NINE - timedelta(minutes=10), 3) is None


async def test_subscription_round_trip(sql_uow):
    now = NINE
    async with sql_uow() as uow:
        community = await uow.communities.get_or_create("slack", "T1", "", "UTC", now)
        channel = await uow.channels.get_or_create(community.id, "C1", "")
        settings = QotdSettings(
            datetime(2026, 1, 1, 18, 30).time(),
            "Asia/Kolkata",
            (0, 2, 4),
            ("llms",),
            ("mid", "senior"),
            90,
            None,
            False,
            "C-admins",
            7,
        )
        saved = await uow.subscriptions.upsert(community.id, channel.id, settings, now)
    assert saved.settings == settings and saved.platform == "slack" and saved.channel == "C1"
    async with sql_uow() as uow:
        await uow.subscriptions.set_paused(saved.id, True, "gone", now)
        assert await uow.subscriptions.active() == []
        paused = await uow.subscriptions.for_channel(channel.id)
        assert paused is not None and paused.paused and paused.paused_reason == "gone"


async def _processes(database_url: str, count: int, clock: FakeClock, sample_questions):
    """`count` independent 'processes': each its own engine, unit of work and chat."""
    engines, cores, chats = [], [], []
    for index in range(count):
        engine = create_engine(database_url)
        chat = FakeChat()
        core = build_core(
            SqlAlchemyUnitOfWorkFactory(engine), clock, random.Random(index), chat=chat
        )
        engines.append(engine)
        cores.append(core)
        chats.append(chat)
    await cores[0].catalog.sync(sample_questions)
    return engines, cores, chats


async def _several_processes_post_each_slot_once(database_url, sql_uow, sample_questions, n):
    clock = FakeClock(NINE - timedelta(hours=1))
    channels = 12
    await _subscribe(sql_uow, channels, clock.now())
    engines, cores, chats = await _processes(database_url, n, clock, sample_questions)
    try:
        # Every process runs the due-check for the same instant, at the same time.
        reports = await asyncio.gather(*(core.qotd.tick(NINE) for core in cores))
        assert sum(r.posted for r in reports) == channels
        sent = [target.channel for chat in chats for target, _ in chat.sent]
        assert sorted(sent) == sorted(f"ch-{i}" for i in range(channels))
        # A second round (say, the minute sweep) and a restart change nothing.
        await asyncio.gather(*(core.qotd.tick(NINE + timedelta(minutes=1)) for core in cores))
        assert sum(len(chat.sent) for chat in chats) == channels
        # The reveals, due an hour later, also go out once per slot.
        reveal_time = NINE + timedelta(hours=1)
        reports = await asyncio.gather(*(core.qotd.tick(reveal_time) for core in cores))
        assert sum(r.revealed for r in reports) == channels
        assert sum(len(chat.sent) for chat in chats) == 2 * channels
        async with sql_uow() as uow:
            posts = await uow.qotd.since(MONDAY)
        assert len(posts) == channels
        assert {p.status for p in posts} == {"posted"}
        assert {p.reveal_status for p in posts} == {"done"}
    finally:
        for engine in engines:
            await engine.dispose()


async def test_two_processes_post_each_slot_once(database_url, sql_uow, sample_questions):
    await _several_processes_post_each_slot_once(database_url, sql_uow, sample_questions, 2)


async def test_three_processes_post_each_slot_once(database_url, sql_uow, sample_questions):
    await _several_processes_post_each_slot_once(database_url, sql_uow, sample_questions, 3)


async def test_restart_with_a_new_engine_keeps_the_days_post_and_answers(
    database_url, sql_uow, sample_questions
):
    clock = FakeClock(NINE - timedelta(hours=1))
    engines, cores, chats = await _processes(database_url, 1, clock, sample_questions)
    try:
        await cores[0].handle(ADMIN, "qotd", ("setup", "09:00", "levels=junior", "reveal=8h"))
        await cores[0].qotd.tick(NINE)
        clock.set(NINE + timedelta(minutes=5))
        first = await cores[0].handle(ALICE, "qotd", ("answer", "Decoder-only"))
        assert not first.error
    finally:
        await engines[0].dispose()
    engines, cores, chats2 = await _processes(database_url, 1, clock, sample_questions)
    try:
        assert (await cores[0].qotd.tick(NINE + timedelta(hours=3))).posted == 0
        again = await cores[0].handle(ALICE, "qotd", ("answer", "Encoder-only"))
        assert again.text.startswith("You already answered today's question")
        assert first.text in again.text
        await cores[0].qotd.tick(NINE + timedelta(hours=8))
        reveal = chats2[0].texts("study")[-1]
        assert "Answered: 1" in reveal
    finally:
        await engines[0].dispose()


async def test_simultaneous_answers_by_one_member_grade_once(
    database_url, sql_uow, sample_questions
):
    clock = FakeClock(NINE - timedelta(hours=1))
    engines, cores, _ = await _processes(database_url, 2, clock, sample_questions)
    try:
        await cores[0].handle(ADMIN, "qotd", ("setup", "09:00"))
        await cores[0].qotd.tick(NINE)
        clock.set(NINE + timedelta(minutes=1))
        replies = await asyncio.gather(
            cores[0].handle(ALICE, "qotd", ("answer", "first try")),
            cores[1].handle(ALICE, "qotd", ("answer", "second try")),
        )
        assert sum(r.text.startswith("You already answered") for r in replies) == 1
        async with sql_uow() as uow:
            post = (await uow.qotd.since(MONDAY))[0]
            assert len(await uow.qotd.answers(post.id)) == 1
    finally:
        for engine in engines:
            await engine.dispose()
