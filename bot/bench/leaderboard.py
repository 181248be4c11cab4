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
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Index, Table, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import build_core, tune_garbage_collector
from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs
from bot.domain import LeaderboardScope, LeaderboardWindow
from bot.ports import BoardKey
from bot.services.context import Caller
from bot.storage.engine import create_engine, migrate
from bot.storage.tables import AttemptRow, BoardTotalRow
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


def _series(pg: bool, n: int) -> str:
    if pg:
        return f"SELECT g AS i FROM generate_series(1, {n}) AS g"
    return (
        f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        "SELECT i FROM s"
    )


async def build(engine: AsyncEngine, members: int, attempts: int, question_ids: list[str]) -> None:
    """Bulk-load the data set the way a DBA would: secondary indexes dropped during the load
    and rebuilt after, one transaction per step, then fresh planner statistics. The rows are
    the ones the answer path would have written for the same attempts."""
    dialect = engine.dialect.name
    pg = dialect == "postgresql"
    now = "now()" if pg else "datetime('now')"
    cohorts = max(1, members // (2 * COHORT_SIZE))
    rand = "random()" if pg else "(abs(random()) / 9223372036854775807.0)"
    yes = "true" if pg else "1"
    indexes: list[Index] = []
    for table in (AttemptRow.__table__, BoardTotalRow.__table__):
        assert isinstance(table, Table)
        indexes.extend(table.indexes)

    async with engine.connect() as conn:
        if not pg:
            # A large page cache for the load only; the bot's own connections keep theirs.
            await conn.exec_driver_sql("PRAGMA cache_size=-2000000")
        await conn.commit()

        async def step(sql: str) -> None:
            async with conn.begin():
                await conn.execute(text(sql))

        async with conn.begin():
            for index in indexes:
                await conn.run_sync(index.drop)
        await step(
            "INSERT INTO communities (id, platform, external_id, name, timezone, created_at, "
            f"hide_departed) VALUES (1, 'bench', 'bench', 'Bench', 'UTC', {now}, {yes})"
        )
        await step(
            f"INSERT INTO channels (id, community_id, external_id, name) SELECT i, 1, "
            f"'c' || i, 'channel' FROM ({_series(pg, CHANNELS)}) AS t"
        )
        # One member in a hundred has left the server: boards hide them.
        await step(
            "INSERT INTO members (id, community_id, external_id, display_name, created_at, "
            f"left_at) SELECT i, 1, 'm' || i, 'member ' || i, {now}, CASE WHEN i % 100 = 0 "
            f"THEN {now} END FROM ({_series(pg, members)}) AS t"
        )
        await step(
            "INSERT INTO cohorts (id, community_id, name, created_at) "
            f"SELECT i, 1, 'cohort ' || i, {now} FROM ({_series(pg, cohorts)}) AS t"
        )
        # The first half of the members are in cohorts of COHORT_SIZE.
        await step(
            "INSERT INTO cohort_members (cohort_id, member_id, joined_at) "
            f"SELECT ((i - 1) / {COHORT_SIZE}) + 1, i, {now} "
            f"FROM ({_series(pg, cohorts * COHORT_SIZE)}) AS t"
        )
        case = " ".join(f"WHEN {n} THEN '{qid}'" for n, qid in enumerate(question_ids))
        day = (
            f"DATE '{FIRST_DAY}' + CAST(floor({rand} * {DAYS}) AS INTEGER)"
            if pg
            else f"date('{FIRST_DAY}', '+' || CAST({rand} * {DAYS} AS INTEGER) || ' days')"
        )
        await step(
            "INSERT INTO attempts (community_id, member_id, channel_id, question_id, topic, "
            "answer, score, verdict, points, counted, context, local_date, created_at) "
            "SELECT 1, member_id, (member_id % "
            f"{CHANNELS}) + 1, CASE (i % {len(question_ids)}) {case} END, 'bench', '', "
            "points * 5, CASE WHEN points >= 14 THEN 'correct' WHEN points >= 7 THEN "
            f"'partial' ELSE 'incorrect' END, points, {yes}, 'bench', "
            f"{day}, {now} FROM (SELECT i, CAST(floor({rand} * {members}) AS INTEGER) + 1 "
            f"AS member_id, CAST(floor({rand} * 21) AS INTEGER) AS points "
            f"FROM ({_series(pg, attempts)}) AS t) AS a"
        )
        # Every board derives from per-member, per-day sums: aggregate the attempts once.
        await step(
            "CREATE TABLE bench_daily AS SELECT member_id, channel_id, local_date, "
            "SUM(points) AS points, COUNT(*) AS answers, SUM(CASE WHEN verdict = 'correct' "
            "THEN 1 ELSE 0 END) AS correct FROM attempts GROUP BY member_id, channel_id, "
            "local_date"
        )
        await step(
            "INSERT INTO member_totals (member_id, community_id, points, answers, correct, "
            "current_streak, longest_streak, last_active_on) SELECT member_id, 1, SUM(points), "
            "SUM(answers), SUM(correct), 1, 1, MAX(local_date) FROM bench_daily "
            "GROUP BY member_id"
        )
        sources = {
            LeaderboardScope.COMMUNITY: ("0", "bench_daily d"),
            LeaderboardScope.CHANNEL: ("d.channel_id", "bench_daily d"),
            LeaderboardScope.COHORT: (
                "cm.cohort_id",
                "bench_daily d JOIN cohort_members cm ON cm.member_id = d.member_id",
            ),
        }
        for window in LeaderboardWindow:
            period = _period(dialect, window).replace("local_date", "d.local_date")
            for scope, (scope_id, source) in sources.items():
                # Constants (the community's scope id 0, all time's start) are not grouped on.
                keys = [scope_id] if scope is not LeaderboardScope.COMMUNITY else []
                if window is not LeaderboardWindow.ALL:
                    keys.append(period)
                group = ", ".join([*keys, "d.member_id"])
                await step(
                    "INSERT INTO board_totals (community_id, scope, scope_id, period, "
                    "period_start, member_id, points, answers, correct) "
                    f"SELECT 1, '{scope.value}', {scope_id}, '{window.value}', {period}, "
                    "d.member_id, SUM(d.points), SUM(d.answers), SUM(d.correct) "
                    f"FROM {source} GROUP BY {group}"
                )
        await step("DROP TABLE bench_daily")
        await step(
            "INSERT INTO board_point_counts (community_id, scope, scope_id, period, "
            "period_start, points, members, departed) SELECT b.community_id, b.scope, "
            "b.scope_id, b.period, b.period_start, b.points, COUNT(*), SUM(CASE WHEN "
            "m.left_at IS NULL THEN 0 ELSE 1 END) FROM board_totals b JOIN members m ON "
            "m.id = b.member_id GROUP BY b.community_id, b.scope, b.scope_id, b.period, "
            "b.period_start, b.points"
        )
        async with conn.begin():
            for index in indexes:
                await conn.run_sync(index.create)
        if pg:
            async with conn.begin():
                for name in ("members", "channels", "cohorts", "communities"):
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"(SELECT MAX(id) FROM {name}))"
                        )
                    )
    if pg:
        # VACUUM sets the visibility map, so counts are index-only scans, as autovacuum
        # keeps them on a live database; it cannot run inside a transaction.
        async with engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql("VACUUM ANALYZE")
    else:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()
            # Fold the load's write-ahead log into the database now, not into the first
            # timed transactions.
            # Outside any transaction, which SQLAlchemy would open (BEGIN IMMEDIATE) first.
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            await raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


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
    """Members answer concurrently through the bot's own answer path (QuizService.submit
    as bootstrap wires it, practice reviews included); returns rate, lost, double."""
    clock = FakeClock(
        datetime.combine(FIRST_DAY + timedelta(days=DAYS - 1), datetime.min.time(), UTC)
    )
    quiz = build_core(SqlAlchemyUnitOfWorkFactory(engine), clock).quiz
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
    batches = quiz.answers.batches
    started = time.perf_counter()
    await asyncio.gather(*(member(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    print(
        f"answer path: {concurrency * per_member:,} answers in "
        f"{quiz.answers.batches - batches:,} transactions"
    )
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
    cleanup_dir: Path | None = None
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
        cleanup_dir = folder
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
        # Measure on connections set up as the bot's are, not on the load's (SQLite's page
        # cache belongs to the connection, and the load gave its own a large one), and with
        # the garbage collector tuned as `bootstrap.start` tunes it.
        await engine.dispose()
        tune_garbage_collector()
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
        if cleanup_dir is not None:
            shutil.rmtree(cleanup_dir, ignore_errors=True)
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
