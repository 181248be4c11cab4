"""`prepbot bench leaderboard`: boards at scale, and the answer path under load.

1. Builds a community of --members members and --attempts attempts over four weeks inside
   the database (SQL generate + INSERT ... SELECT, so building is fast), with channels and
   cohorts, and the board aggregates derived from those attempts.
2. For every window (day, week, month, all) and scope (community, channel, cohort), times
   "top 10 + the caller's own rank" through the real repository, and the same board computed
   naively by GROUP BY over attempts in the same run.
3. Runs --concurrency members submitting answers through the real answer path (grade, store,
   update aggregates) and checks that nothing was lost or counted twice; beside it, the rate
   of raw single-row insert transactions on the same database, as the yardstick.

Prints a table and, last, one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs
from bot.domain import LeaderboardScope, LeaderboardWindow
from bot.ports import BoardKey
from bot.services.context import Caller
from bot.services.quiz import QuizService
from bot.storage.engine import create_engine, migrate
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from bot.testing import FakeClock

FIRST_DAY = date(2026, 1, 5)  # a Monday
DAYS = 28
CHANNELS = 20
COHORT_SIZE = 500
TARGET_TOP_MS = 10.0
TARGET_SUBMIT = 1000.0


@dataclass
class Figures:
    members: int
    attempts: int
    build_s: float
    boards: dict[str, float]
    naive_ms: float
    submit_per_s: float
    raw_insert_per_s: float
    lost: int
    double: int
    backend: str

    @property
    def top_p50_ms(self) -> float:
        return max(self.boards.values())


def _period(dialect: str, window: LeaderboardWindow) -> str:
    if window is LeaderboardWindow.DAY:
        return "local_date"
    if window is LeaderboardWindow.ALL:
        return "DATE '1970-01-01'" if dialect == "postgresql" else "'1970-01-01'"
    if dialect == "postgresql":
        unit = "week" if window is LeaderboardWindow.WEEK else "month"
        return f"CAST(date_trunc('{unit}', local_date) AS DATE)"
    if window is LeaderboardWindow.WEEK:
        return "date(local_date, '-6 days', 'weekday 1')"
    return "date(local_date, 'start of month')"


async def build(engine: AsyncEngine, members: int, attempts: int, question_ids: list[str]) -> None:
    dialect = engine.dialect.name
    pg = dialect == "postgresql"
    now = "now()" if pg else "datetime('now')"
    cohorts = max(1, members // (2 * COHORT_SIZE))
    rand = "random()" if pg else "(abs(random()) / 9223372036854775807.0)"

    def series(n: int) -> str:
        if pg:
            return f"SELECT g AS i FROM generate_series(1, {n}) AS g"
        return (
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
            "SELECT i FROM s"
        )

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO communities (id, platform, external_id, name, timezone, created_at, "
                f"hide_departed) VALUES (1, 'bench', 'bench', 'Bench', 'UTC', {now}, "
                f"{'true' if pg else '1'})"
            )
        )
        await conn.execute(
            text(
                f"INSERT INTO channels (id, community_id, external_id, name) SELECT i, 1, "
                f"'c' || i, 'channel' FROM ({series(CHANNELS)}) AS t"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO members (id, community_id, external_id, display_name, created_at) "
                f"SELECT i, 1, 'm' || i, 'member ' || i, {now} FROM ({series(members)}) AS t"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO cohorts (id, community_id, name, created_at) "
                f"SELECT i, 1, 'cohort ' || i, {now} FROM ({series(cohorts)}) AS t"
            )
        )
        # The first half of the members are in cohorts of COHORT_SIZE.
        await conn.execute(
            text(
                "INSERT INTO cohort_members (cohort_id, member_id, joined_at) "
                f"SELECT ((i - 1) / {COHORT_SIZE}) + 1, i, {now} "
                f"FROM ({series(cohorts * COHORT_SIZE)}) AS t"
            )
        )
        case = " ".join(f"WHEN {n} THEN '{qid}'" for n, qid in enumerate(question_ids))
        day = (
            f"DATE '{FIRST_DAY}' + CAST(floor({rand} * {DAYS}) AS INTEGER)"
            if pg
            else f"date('{FIRST_DAY}', '+' || CAST({rand} * {DAYS} AS INTEGER) || ' days')"
        )
        await conn.execute(
            text(
                "INSERT INTO attempts (community_id, member_id, channel_id, question_id, topic, "
                "answer, score, verdict, points, counted, context, local_date, created_at) "
                "SELECT 1, member_id, (member_id % "
                f"{CHANNELS}) + 1, CASE (i % {len(question_ids)}) {case} END, 'bench', '', "
                "points * 5, CASE WHEN points >= 14 THEN 'correct' WHEN points >= 7 THEN "
                f"'partial' ELSE 'incorrect' END, points, {'true' if pg else '1'}, 'bench', "
                f"{day}, {now} FROM (SELECT i, CAST(floor({rand} * {members}) AS INTEGER) + 1 "
                f"AS member_id, CAST(floor({rand} * 21) AS INTEGER) AS points "
                f"FROM ({series(attempts)}) AS t) AS a"
            )
        )
        for window in LeaderboardWindow:
            period = _period(dialect, window)
            sources = {
                LeaderboardScope.COMMUNITY: ("0", "attempts"),
                LeaderboardScope.CHANNEL: ("channel_id", "attempts"),
                LeaderboardScope.COHORT: (
                    "cm.cohort_id",
                    "attempts JOIN cohort_members cm ON cm.member_id = attempts.member_id",
                ),
            }
            for scope, (scope_id, source) in sources.items():
                # Constants (the community's scope id 0, all time's start) are not grouped on.
                keys = [scope_id] if scope is not LeaderboardScope.COMMUNITY else []
                if window is not LeaderboardWindow.ALL:
                    keys.append(period)
                group = ", ".join([*keys, "attempts.member_id"])
                await conn.execute(
                    text(
                        "INSERT INTO board_totals (community_id, scope, scope_id, period, "
                        "period_start, member_id, points, answers, correct) "
                        f"SELECT 1, '{scope.value}', {scope_id}, '{window.value}', {period}, "
                        "attempts.member_id, SUM(points), COUNT(*), SUM(CASE WHEN verdict = "
                        f"'correct' THEN 1 ELSE 0 END) FROM {source} "
                        f"GROUP BY {group}"
                    )
                )
        if pg:
            for table in ("members", "channels", "cohorts", "communities"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
            await conn.execute(text("ANALYZE"))
    if not pg:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")


async def time_boards(
    engine: AsyncEngine, members: int, samples: int, today: date
) -> dict[str, float]:
    uow = SqlAlchemyUnitOfWorkFactory(engine)
    rng = random.Random(3)
    cohort_members = (max(1, members // (2 * COHORT_SIZE))) * COHORT_SIZE
    result: dict[str, float] = {}
    for scope in LeaderboardScope:
        for window in LeaderboardWindow:
            timings = []
            for _ in range(samples):
                member = rng.randint(
                    1, cohort_members if scope is LeaderboardScope.COHORT else members
                )
                scope_id = {
                    LeaderboardScope.COMMUNITY: 0,
                    LeaderboardScope.CHANNEL: (member % CHANNELS) + 1,
                    LeaderboardScope.COHORT: (member - 1) // COHORT_SIZE + 1,
                }[scope]
                key = BoardKey(1, scope, scope_id, window, window.start(today))
                started = time.perf_counter()
                async with uow() as work:
                    top = await work.leaderboard.top(key, 10)
                    await work.leaderboard.row_for(key, member)
                timings.append((time.perf_counter() - started) * 1000)
                assert top, f"empty board {scope} {window}"
            result[f"{scope.value}/{window.value}"] = statistics.median(timings)
    return result


async def time_naive(engine: AsyncEngine, samples: int) -> float:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        async with engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT member_id, SUM(points) AS p, COUNT(*), SUM(CASE WHEN verdict = "
                    "'correct' THEN 1 ELSE 0 END) FROM attempts WHERE community_id = 1 AND "
                    "counted GROUP BY member_id ORDER BY p DESC LIMIT 10"
                )
            )
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def submit_load(
    engine: AsyncEngine, concurrency: int, per_member: int, question_ids: list[str]
) -> tuple[float, int, int]:
    """Members answer concurrently through QuizService.submit; returns rate, lost, double."""
    clock = FakeClock(
        datetime.combine(FIRST_DAY + timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    )
    quiz = QuizService(SqlAlchemyUnitOfWorkFactory(engine), clock)
    run = uuid.uuid4().hex[:8]

    async def member(n: int) -> None:
        caller = Caller("bench", "bench", f"load-{run}-{n}", f"load {n}", "c1")
        for k in range(per_member):
            question = question_ids[(n + k) % len(question_ids)]
            reply = await quiz.submit(caller, question, f"A {run}-{n}-{k}")
            assert not reply.error, reply.text

    # Members exist before timing starts, as they would in a running community.
    await asyncio.gather(
        *(
            quiz.submit(
                Caller("bench", "bench", f"load-{run}-{n}", f"load {n}", "c1"),
                question_ids[0],
                f"warm {run}",
            )
            for n in range(concurrency)
        )
    )
    started = time.perf_counter()
    await asyncio.gather(*(member(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    expected = concurrency * per_member
    async with engine.connect() as conn:
        stored = (
            await conn.execute(
                text("SELECT COUNT(*), COUNT(DISTINCT answer) FROM attempts WHERE answer LIKE :p"),
                {"p": f"A {run}-%"},
            )
        ).one()
        counted = (
            await conn.execute(
                text(
                    "SELECT COUNT(*) FROM attempts a JOIN members m ON m.id = a.member_id "
                    "WHERE m.external_id LIKE :p AND a.counted"
                ),
                {"p": f"load-{run}-%"},
            )
        ).scalar_one()
        on_board = (
            await conn.execute(
                text(
                    "SELECT COALESCE(SUM(b.answers), 0) FROM board_totals b JOIN members m ON "
                    "m.id = b.member_id WHERE m.external_id LIKE :p AND b.scope = 'community' "
                    "AND b.period = 'all'"
                ),
                {"p": f"load-{run}-%"},
            )
        ).scalar_one()
    total, distinct = int(stored[0]), int(stored[1])
    lost = max(0, expected - distinct)
    double = (total - distinct) + abs(int(on_board) - int(counted))
    return expected / elapsed, lost, double


async def raw_inserts(engine: AsyncEngine, seconds: float) -> float:
    """Single-row insert transactions, one after another, on the same database."""
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS bench_raw (id INTEGER, v TEXT)"))
    count = 0
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO bench_raw (id, v) VALUES (:i, 'x')"), {"i": count})
        count += 1
    rate = count / (time.perf_counter() - started)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_raw"))
    return rate


async def run(args: argparse.Namespace) -> Figures:
    questions = [
        q for q in load_packs(PROJECT_ROOT / "content").questions if q.kind.value == "choice"
    ][:50]
    cleanup: list[str] = []
    if args.database_url:
        url = args.database_url
        if make_url(url).get_backend_name() == "postgresql":
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(url)
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await admin.dispose()
            cleanup.append(schema)
            url = f"{url}{'&' if '?' in url else '?'}search_path={schema}"
    else:
        folder = Path(tempfile.mkdtemp(prefix="prepbot-bench-"))
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    engine = create_engine(url)
    try:
        await migrate(engine)
        uow = SqlAlchemyUnitOfWorkFactory(engine)
        async with uow() as work:
            await work.questions.sync(questions, datetime.now(UTC))
        started = time.perf_counter()
        await build(engine, args.members, args.attempts, [q.id for q in questions])
        build_s = time.perf_counter() - started
        today = FIRST_DAY + timedelta(days=DAYS - 1)
        boards = await time_boards(engine, args.members, args.samples, today)
        naive = await time_naive(engine, max(1, args.samples // 10))
        raw = await raw_inserts(engine, 2.0)
        rate, lost, double = await submit_load(
            engine, args.concurrency, args.per_member, [q.id for q in questions]
        )
        return Figures(
            args.members,
            args.attempts,
            build_s,
            boards,
            naive,
            rate,
            raw,
            lost,
            double,
            engine.dialect.name,
        )
    finally:
        await engine.dispose()
        for schema in cleanup:
            admin = create_engine(args.database_url)
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="prepbot bench leaderboard")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=5_000_000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--per-member", type=int, default=25)
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args))
    print(
        f"leaderboard bench on {figures.backend}: {figures.members:,} members, "
        f"{figures.attempts:,} attempts (built in {figures.build_s:.0f} s)"
    )
    print(f"{'board (scope/window)':<24}{'top 10 + own rank p50':>24}{'ratio to 10 ms':>16}")
    for name, ms in figures.boards.items():
        print(f"{name:<24}{ms:>21.2f} ms{ms / TARGET_TOP_MS:>16.2f}")
    print(
        f"{'naive GROUP BY (top 10)':<24}{figures.naive_ms:>21.1f} ms"
        f"{figures.naive_ms / max(figures.top_p50_ms, 1e-9):>13.0f}x slower"
    )
    print(
        f"answer path: {figures.submit_per_s:,.0f} submissions/s with "
        f"{args.concurrency} concurrent members (target {TARGET_SUBMIT:,.0f}; "
        f"raw single-row insert transactions: {figures.raw_insert_per_s:,.0f}/s, "
        f"ratio {figures.submit_per_s / figures.raw_insert_per_s:.2f}); "
        f"lost {figures.lost}, double {figures.double}"
    )
    print(
        json.dumps(
            {
                "backend": figures.backend,
                "members": figures.members,
                "attempts": figures.attempts,
                "top_p50_ms": round(figures.top_p50_ms, 3),
                "naive_p50_ms": round(figures.naive_ms, 1),
                "submit_per_s": round(figures.submit_per_s, 1),
                "raw_insert_per_s": round(figures.raw_insert_per_s, 1),
                "lost": figures.lost,
                "double": figures.double,
            }
        )
    )
    return 0 if figures.lost == 0 and figures.double == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
