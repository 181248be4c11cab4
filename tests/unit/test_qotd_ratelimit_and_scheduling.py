"""The rate limiter (on a virtual clock) and the scheduler wrapper (triggers and jobs are
inspected, never waited for)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.bootstrap import build_core
from bot.ports import QotdSettings, Target
from bot.scheduling import QotdJobs, Scheduler, daily_trigger
from bot.services.context import Caller
from bot.services.qotd import slot_time
from bot.services.ratelimit import PlatformLimits, RateLimitedChat, RateLimiter, TokenBucket
from bot.testing import FakeChat, FakeClock, FakeUnitOfWorkFactory, ThrottledFakeChat
from bot.views import Reply


class VirtualTime:
    """monotonic() and sleep() on a clock that jumps instead of waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


async def test_token_bucket_spaces_requests_at_its_rate_after_a_burst():
    clock = VirtualTime()
    bucket = TokenBucket(10, burst=5, monotonic=clock.monotonic, sleep=clock.sleep)
    start = clock.now
    for _ in range(25):
        await bucket.acquire()
    # 5 at once, then 20 more at 10 per second.
    assert clock.now - start == pytest.approx(2.0)


async def test_token_bucket_hold_delays_everything():
    clock = VirtualTime()
    bucket = TokenBucket(100, monotonic=clock.monotonic, sleep=clock.sleep)
    await bucket.acquire()
    bucket.hold(3.0)
    await bucket.acquire()
    assert clock.now >= 1003.0


async def test_rate_limited_chat_stays_under_the_platform_limit():
    clock = VirtualTime()
    platform = ThrottledFakeChat(50, monotonic=clock.monotonic)
    limiter = RateLimiter(
        {"discord": PlatformLimits(global_rate=50, global_burst=50)},
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    chat = RateLimitedChat(platform, limiter)
    for number in range(500):
        await chat.send(Target("discord", f"ch-{number}"), Reply(text="q"))
    assert platform.refused == 0 and len(platform.sent) == 500
    assert clock.now - 1000.0 == pytest.approx((500 - 50) / 50, rel=0.01)


async def test_rate_limited_chat_honours_429_retry_after():
    clock = VirtualTime()
    platform = ThrottledFakeChat(50, monotonic=clock.monotonic)
    # A limiter that believes the platform allows twice as much: 429s are inevitable.
    limiter = RateLimiter(
        {"discord": PlatformLimits(global_rate=100, global_burst=100)},
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    chat = RateLimitedChat(platform, limiter)
    for number in range(300):
        await chat.send(Target("discord", f"ch-{number}"), Reply(text="q"))
    assert platform.refused > 0
    assert chat.throttled == platform.refused
    assert len(platform.sent) == 300  # every message delivered, none twice
    assert len({t.channel for t, _ in platform.sent}) == 300


async def test_slack_limit_is_per_channel():
    clock = VirtualTime()
    limiter = RateLimiter(
        {"slack": PlatformLimits(channel_rate=1.0, channel_burst=1)},
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    for number in range(10):  # ten channels: no waiting
        await limiter.acquire(Target("slack", f"C{number}"))
    assert clock.now == 1000.0
    for _ in range(3):  # one channel: one per second
        await limiter.acquire(Target("slack", "C0"))
    assert clock.now == pytest.approx(1003.0)


@pytest.mark.parametrize(
    "zone",
    ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "UTC"],
)
@pytest.mark.parametrize("hhmm", [(9, 0), (2, 30), (1, 30), (23, 45)])
def test_cron_trigger_fires_exactly_at_the_slot_times(zone, hhmm):
    """The APScheduler job and the due-check agree on every day, DST changes included."""
    settings = QotdSettings(time(*hhmm), zone)
    trigger = daily_trigger(settings.post_time, range(7), zone)
    day = date(2026, 3, 1)
    previous = None
    now = slot_time(settings, day) - timedelta(hours=1)
    fired: list[datetime] = []
    while len(fired) < 280:
        nxt = trigger.get_next_fire_time(previous, now)
        assert nxt is not None
        fired.append(nxt.astimezone(UTC))
        previous, now = nxt, nxt
    expected = {slot_time(settings, day + timedelta(days=i)) for i in range(270)}
    # Every slot is a cron firing; the only extra firings are the repeated hour at fall
    # back, which the unique slot key turns into nothing.
    assert expected <= set(fired)
    extra = {f for f in fired if f <= max(expected)} - expected
    assert len(extra) <= 1
    for moment in extra:  # the second 01:30 of the fall-back night, an hour after the first
        assert moment - timedelta(hours=1) in expected


async def test_jobs_are_rebuilt_from_the_database_and_follow_changes(sample_questions):
    clock = FakeClock(datetime(2026, 1, 5, 7, tzinfo=UTC))
    uow = FakeUnitOfWorkFactory()
    chat = FakeChat()
    core = build_core(uow, clock, random.Random(1), chat=chat)
    await core.catalog.sync(sample_questions)
    assert core.qotd is not None
    for channel in ("a", "b"):
        admin = Caller("discord", "g", "ada", "Ada", channel, is_admin=True)
        await core.handle(admin, "qotd", ("setup", "09:00", "tz=Europe/Berlin"))
    scheduler = Scheduler(AsyncIOScheduler(timezone=UTC))
    jobs = QotdJobs(core.qotd, scheduler, clock)
    await jobs.rebuild()
    assert sorted(scheduler.job_ids("qotd:sub:")) == ["qotd:sub:1", "qotd:sub:2"]
    # A change through the service updates the jobs: pause removes, resume restores.
    admin_b = Caller("discord", "g", "ada", "Ada", "b", is_admin=True)
    await core.handle(admin_b, "qotd", ("pause",))
    assert scheduler.job_ids("qotd:sub:") == ["qotd:sub:1"]
    await core.handle(admin_b, "qotd", ("resume",))
    assert sorted(scheduler.job_ids("qotd:sub:")) == ["qotd:sub:1", "qotd:sub:2"]
    # A restart rebuilds the same jobs from the database alone.
    fresh = Scheduler(AsyncIOScheduler(timezone=UTC))
    jobs = QotdJobs(core.qotd, fresh, clock)
    await jobs.rebuild()
    assert sorted(fresh.job_ids("qotd:sub:")) == ["qotd:sub:1", "qotd:sub:2"]
    # The job fires at 09:00 Berlin = 08:00 UTC.
    nxt = fresh.next_run("qotd:sub:1")
    assert nxt is not None and nxt.astimezone(UTC).hour == 8
    # Running the job runs the due-check with the clock's time.
    clock.set(datetime(2026, 1, 5, 8, tzinfo=UTC))
    report = await jobs.run_now()
    assert report.posted == 2
    assert len(chat.sent) == 2
    # A posted question registers a one-off wake-up for its reveal.
    assert fresh.job_ids("qotd:reveal:") == ["qotd:reveal:20260105T1600"]
