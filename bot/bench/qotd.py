"""QOTD fan-out benchmark: thousands of channels due in the same minute.

Posts `--due` (default 2,000) questions of the day, all due at the same instant, from a
SQLite database in a temporary directory, through `RateLimitedChat` to a fake Discord that
allows `--rate` (default 50) requests per second and answers 429 beyond it. A second
process (its own engine) then runs the same due-check, as a restart or a second replica
would. The ideal time is what the platform's limit allows at best: (due - burst) / rate,
where the fake's bucket starts with `burst` = rate tokens. Efficiency = ideal / actual.

Usage: ``prepbot bench qotd [--due N] [--rate R]``. The last line printed is one JSON
object with at least due, seconds, ideal_seconds, efficiency and double_posts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

from bot.domain import Kind, Question
from bot.ports import QotdSettings
from bot.services.qotd import QotdService
from bot.services.ratelimit import PLATFORM_LIMITS, PlatformLimits, RateLimitedChat, RateLimiter
from bot.storage.engine import create_engine, migrate
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from bot.testing import FakeClock, ThrottledFakeChat

TARGET_EFFICIENCY = 0.9
CHANNELS_PER_COMMUNITY = 100
DUE_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _questions(count: int = 60) -> list[Question]:
    return [
        Question(
            id=f"bench-q{number:03d}",
            prompt=f"Benchmark question {number}: what does attention compute?",
            kind=Kind.SHORT,
            topic="llms",
            level="junior",
            model_answer="A weighted sum of values, weighted by query-key similarity.",
            accepted=("weighted sum of values",),
        )
        for number in range(count)
    ]


async def _seed(uow: SqlAlchemyUnitOfWorkFactory, due: int) -> None:
    settings = QotdSettings(clock_time(9, 0), "UTC", reveal_minutes=480, digest_day=None)
    async with uow() as work:
        await work.questions.sync(_questions(), DUE_AT)
    made = 0
    community_number = 0
    while made < due:
        async with uow() as work:
            community = await work.communities.get_or_create(
                "discord", f"guild-{community_number}", "", "UTC", DUE_AT
            )
            for _ in range(min(CHANNELS_PER_COMMUNITY, due - made)):
                channel = await work.channels.get_or_create(community.id, f"ch-{made}", "")
                await work.subscriptions.upsert(community.id, channel.id, settings, DUE_AT)
                made += 1
        community_number += 1


def _limits(rate: float) -> dict[str, PlatformLimits]:
    shipped = PLATFORM_LIMITS["discord"]
    assert shipped.global_rate is not None
    # The shipped Discord limits are for 50/s; scale them to the platform's rate.
    scale = rate / 50.0
    return {
        "discord": PlatformLimits(
            global_rate=shipped.global_rate * scale,
            global_burst=max(1.0, shipped.global_burst * scale),
        )
    }


async def run(due: int, rate: float) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        setup_engine = create_engine(url)
        await migrate(setup_engine)
        await _seed(SqlAlchemyUnitOfWorkFactory(setup_engine), due)
        await setup_engine.dispose()

        clock = FakeClock(DUE_AT)
        platform = ThrottledFakeChat(rate)
        chat = RateLimitedChat(platform, RateLimiter(_limits(rate)))
        engines = [create_engine(url), create_engine(url)]
        try:
            first = QotdService(SqlAlchemyUnitOfWorkFactory(engines[0]), clock, chat)
            started = time.perf_counter()
            report = await first.tick(DUE_AT)
            seconds = time.perf_counter() - started
            # A second process (or the same one after a restart) runs the same check.
            second = QotdService(SqlAlchemyUnitOfWorkFactory(engines[1]), clock, chat)
            again = await second.tick(DUE_AT)
        finally:
            for engine in engines:
                await engine.dispose()
    per_channel = Counter(target.channel for target, _ in platform.sent)
    double_posts = sum(count - 1 for count in per_channel.values() if count > 1)
    ideal = max(0.0, due - platform.capacity) / rate
    return {
        "due": due,
        "posted": report.posted + again.posted,
        "failed": report.failed + again.failed,
        "second_process_posted": again.posted,
        "rate_limit": rate,
        "throttled_429": platform.refused,
        "seconds": round(seconds, 3),
        "ideal_seconds": round(ideal, 3),
        "efficiency": round(ideal / seconds, 3) if seconds > 0 else 0.0,
        "double_posts": double_posts,
        "missing_posts": due - len(per_channel),
    }


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="prepbot bench qotd")
    parser.add_argument("--due", type=int, default=2000, help="subscriptions due at once")
    parser.add_argument("--rate", type=float, default=50.0, help="platform requests/second")
    args = parser.parse_args(list(argv))
    if args.due < 1 or args.rate <= 0:
        parser.error("--due and --rate must be positive")
    result = asyncio.run(run(args.due, args.rate))
    print(f"QOTD fan-out: {args.due} channels due at once, platform limit {args.rate:g}/s")
    print(f"{'figure':<22}{'value':>12}")
    print("-" * 34)
    for name in (
        "due",
        "posted",
        "failed",
        "second_process_posted",
        "throttled_429",
        "seconds",
        "ideal_seconds",
        "efficiency",
        "double_posts",
        "missing_posts",
    ):
        print(f"{name:<22}{result[name]!s:>12}")
    ok = (
        result["efficiency"] >= TARGET_EFFICIENCY
        and result["double_posts"] == 0
        and result["missing_posts"] == 0
    )
    print(
        f"target: efficiency >= {TARGET_EFFICIENCY}, no double posts: {'met' if ok else 'MISSED'}"
    )
    print(json.dumps(result))
    return 0 if ok else 1
