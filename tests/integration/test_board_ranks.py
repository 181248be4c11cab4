"""Board ranks from the points histograms (board_point_counts) must be exact.

A scripted random scenario runs on SQLite / PostgreSQL and on the in-memory fakes, whose
boards are computed from the attempts on every read (an independent oracle). After every
step, on every board, each member's `row_for` must equal their row in `top`, the histogram
must equal a recount of board_totals, and the SQL boards must equal the fake's.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import Date, bindparam, text

from bot.bootstrap import build_core
from bot.domain import Cohort, LeaderboardScope, LeaderboardWindow, Verdict
from bot.ports import BoardKey, NewAttempt
from bot.services.context import Caller
from bot.storage.engine import create_engine, migrate
from bot.storage.tables import UTCDateTime
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from bot.testing import FakeClock, FakeUnitOfWorkFactory

SEED = 20260129
GUILDS = {
    "guild-r": ["ada", "ben", "cy", "dee", "eli", "fay", "gus", "hal"],
    "guild-s": ["ivy", "jon"],
}
CHANNELS = ["ch-a", "ch-b"]
ANSWERS = {
    "nlp-basics-sample-gpt3": ["A", "B", "Encoder-decoder"],  # +10, +0, +0
    "nlp-basics-sample-tfidf": ["tf-idf", "term frequency", "no idea"],  # +10, +0, +0
    "nlp-basics-sample-stemming": [  # +15, +5, +0 (mid)
        "Stemming chops off word endings with rules and may give non-words, while "
        "lemmatization maps each word to its dictionary form using a vocabulary.",
        "stemming chops off word endings",
        "I do not know",
    ],
}

Snapshot = dict[tuple[Any, ...], list[tuple[int, str, int, int, int]]]


def member(name: str, guild: str = "guild-r", channel: str | None = "ch-a", **kw) -> Caller:
    return Caller("discord", guild, name, name, channel, community_name=guild, **kw)


ADMIN = member("boss", is_admin=True)


async def observe(uow_factory, days: list[date], step: str) -> Snapshot:
    """Every board of the scenario, checked for row_for == top, as (rank, name, points,
    answers, correct) rows keyed by names (ids differ between fake and SQL)."""
    snapshot: Snapshot = {}
    async with uow_factory() as uow:
        for guild, names in GUILDS.items():
            community = await uow.communities.find("discord", guild)
            if community is None:
                continue
            scopes = [("community", LeaderboardScope.COMMUNITY, 0)]
            channels = await uow.channels.get_or_create_many(community.id, CHANNELS)
            scopes += [
                (f"channel {ext}", LeaderboardScope.CHANNEL, channels[ext].id) for ext in CHANNELS
            ]
            cohort = await uow.cohorts.by_name(community.id, "crew")
            if cohort is not None:
                scopes.append(("cohort crew", LeaderboardScope.COHORT, cohort.id))
            ids = {}
            for name in [*names, "boss"]:
                found = await uow.members.find(community.id, name)
                if found is not None:
                    ids[name] = found.id
            for label, scope, scope_id in scopes:
                for window in LeaderboardWindow:
                    for start in sorted({window.start(day) for day in days}):
                        key = BoardKey(community.id, scope, scope_id, window, start)
                        for hide in (True, False):
                            where = (step, guild, label, window.value, start, hide)
                            top = await uow.leaderboard.top(key, 1000, hide)
                            rows = {row.member_id: row for row in top}
                            assert len(rows) == len(top), where
                            assert {row.display_name for row in top} <= set(ids), where
                            for row in top:
                                ahead = sum(other.points > row.points for other in top)
                                assert row.rank == 1 + ahead, (where, top)
                            for name, member_id in ids.items():
                                mine = await uow.leaderboard.row_for(key, member_id, hide)
                                assert mine == rows.get(member_id), (where, name, mine, top)
                            snapshot[(guild, label, window.value, start, hide)] = [
                                (r.rank, r.display_name, r.points, r.answers, r.correct)
                                for r in top
                            ]
    return snapshot


HISTOGRAM = text(
    "SELECT community_id, scope, scope_id, period, period_start, points, members, departed "
    "FROM board_point_counts"
)
RECOUNT = text(
    "SELECT b.community_id, b.scope, b.scope_id, b.period, b.period_start, b.points, "
    "COUNT(*), SUM(CASE WHEN m.left_at IS NULL THEN 0 ELSE 1 END) "
    "FROM board_totals b JOIN members m ON m.id = b.member_id "
    "GROUP BY b.community_id, b.scope, b.scope_id, b.period, b.period_start, b.points"
)


def _buckets(rows) -> dict[tuple[Any, ...], tuple[int, int]]:
    """(community, scope, scope id, period, period start, points) -> (members, departed),
    leaving out empty buckets; SQLite hands plain-SQL dates back as text."""
    found = {}
    for community, scope, scope_id, period, start, points, members, departed in rows:
        if isinstance(start, str):
            start = date.fromisoformat(start)
        if members or departed:
            found[(community, scope, scope_id, period, start, points)] = (
                int(members),
                int(departed),
            )
    return found


async def histogram(engine) -> dict[tuple[Any, ...], tuple[int, int]]:
    async with engine.connect() as conn:
        return _buckets((await conn.execute(HISTOGRAM)).all())


async def check_histogram(engine, step: str) -> None:
    """The maintained histogram equals a recount from board_totals (no stale buckets)."""
    async with engine.connect() as conn:
        recount = _buckets((await conn.execute(RECOUNT)).all())
    assert await histogram(engine) == recount, step


async def play(core, clock: FakeClock, uow_factory, engine=None) -> list[tuple[str, Snapshot]]:
    rng = random.Random(SEED)
    days: list[date] = []
    snapshots: list[tuple[str, Snapshot]] = []

    async def step(label: str, only_today: bool = False) -> None:
        # Answers land on today's boards only, so after a round of answers the boards of
        # windows holding today are checked; after anything else, every board so far.
        shown = days[-1:] if only_today else days
        snapshots.append((label, await observe(uow_factory, shown, label)))
        if engine is not None:
            await check_histogram(engine, label)

    def at(day: date, hour: int) -> None:
        clock.set(datetime.combine(day, time(hour), UTC))
        if day not in days:
            days.append(day)

    async def answers(label: str, names: list[str], others: list[str] = ()) -> None:
        """One concurrent round: `names` of guild-r and `others` of guild-s answer 1-3
        questions each, in random channels, all in one gather (so in shared batches)."""
        calls = []
        for guild, who in (("guild-r", names), ("guild-s", others)):
            for name in who:
                for _ in range(rng.randint(1, 3)):
                    question = rng.choice(sorted(ANSWERS))
                    answer = rng.choice(ANSWERS[question])
                    channel = rng.choice([*CHANNELS, None])
                    caller = member(name, guild, channel)
                    calls.append(core.quiz.submit(caller, question, answer))
        replies = await asyncio.gather(*calls)
        assert all(not r.error and r.title == "Your grade" for r in replies), replies
        await step(label, only_today=True)

    async def cohort(caller: Caller, *args: str) -> None:
        reply = await core.cohorts.command(caller, list(args))
        assert not reply.error, reply.text

    def some(pool: list[str]) -> list[str]:
        return rng.sample(pool, rng.randint(3, len(pool)))

    everyone = GUILDS["guild-r"]
    at(date(2026, 1, 29), 9)
    await cohort(ADMIN, "create", "crew", "2026-01-30", "2026-02-02")
    for name in ("ada", "ben", "cy", "dee", "fay", "gus"):
        await cohort(member(name), "join", "crew")
    await step("cohort created")
    at(date(2026, 1, 29), 10)
    await answers("29 Jan morning", some(everyone), GUILDS["guild-s"])
    at(date(2026, 1, 29), 18)
    await answers("29 Jan evening", some(everyone))
    at(date(2026, 1, 30), 12)
    await answers("30 Jan", some(everyone))
    await core.privacy.member_left("discord", "guild-r", "fay")
    await step("fay left")
    at(date(2026, 1, 31), 12)
    await answers("31 Jan", some([n for n in everyone if n != "fay"]))
    done = await core.privacy.forget_me(member("ben"), ["confirm"])
    assert "deleted" in done.text
    await step("ben forgotten")
    await core.privacy.member_left("discord", "guild-r", "gus")
    await step("gus left")
    at(date(2026, 2, 1), 12)
    await answers("1 Feb", some(["ada", "cy", "dee", "eli", "hal"]), ["jon"])
    await core.privacy.member_returned("discord", "guild-r", "gus")
    await step("gus returned")
    await cohort(ADMIN, "remove", "crew", "cy")
    await step("cy removed from crew")
    await cohort(member("hal"), "join", "crew")
    await step("hal joined crew")
    at(date(2026, 2, 2), 12)
    await answers("2 Feb", some(["ada", "cy", "dee", "eli", "gus", "hal"]))
    await answers("2 Feb, fay answers after leaving", ["fay"])
    await cohort(ADMIN, "dates", "crew", "2026-01-29", "2026-02-01")
    await step("crew dates changed")
    await answers("2 Feb, ben is back as a new member", ["ben"])
    at(date(2026, 2, 3), 12)
    await answers("3 Feb", some([n for n in everyone if n != "fay"]), GUILDS["guild-s"])
    await cohort(member("dee"), "leave", "crew")
    await step("dee left crew")
    await cohort(ADMIN, "dates", "crew", "-", "-")
    await step("crew open-ended")
    await core.privacy.member_left("discord", "guild-r", "ada")
    await cohort(ADMIN, "add", "crew", "eli")
    await step("ada left, eli added to crew")
    done = await core.privacy.forget_member(ADMIN, ["fay", "confirm"])
    assert "Deleted fay" in done.text
    await step("departed fay forgotten")
    at(date(2026, 2, 4), 12)
    await answers("4 Feb", some(["cy", "dee", "eli", "gus", "hal"]), ["ivy"])
    await cohort(ADMIN, "delete", "crew", "confirm")
    await step("crew deleted")
    return snapshots


async def test_ranks_are_exact_through_a_random_scenario(engine, sample_questions):
    fake_clock = FakeClock()
    fake_uow = FakeUnitOfWorkFactory()
    fake = build_core(fake_uow, fake_clock, random.Random(7))
    await fake.catalog.sync(sample_questions)
    expected = await play(fake, fake_clock, fake_uow)

    sql_clock = FakeClock()
    sql_uow = SqlAlchemyUnitOfWorkFactory(engine)
    core = build_core(sql_uow, sql_clock, random.Random(7))
    await core.catalog.sync(sample_questions)
    actual = await play(core, sql_clock, sql_uow, engine)

    assert [label for label, _ in actual] == [label for label, _ in expected]
    for (label, got), (_, want) in zip(actual, expected, strict=True):
        assert got.keys() == want.keys(), label
        for key in want:
            assert got[key] == want[key], (label, key)
    # The scenario is not vacuous: ties, departed members and several boards show up.
    steps = dict(expected)
    alltime = date(1970, 1, 1)
    before = steps["ada left, eli added to crew"]
    everyone = before[("guild-r", "community", "all", alltime, False)]
    shown = before[("guild-r", "community", "all", alltime, True)]
    assert {row[1] for row in everyone} - {row[1] for row in shown} == {"fay", "ada"}
    assert "ben" in {row[1] for row in shown}  # back as a new member
    crew = before[("guild-r", "cohort crew", "all", alltime, False)]
    assert {"ada", "fay", "gus", "eli"} <= {row[1] for row in crew}
    assert not {"ben", "cy", "dee"} & {row[1] for row in crew}
    assert any(len({r[0] for r in rows}) < len(rows) for rows in before.values()), "no tie"
    after = steps["departed fay forgotten"]
    assert "fay" not in {row[1] for rows in after.values() for row in rows}
    assert not any(key[1] == "cohort crew" for key in expected[-1][1])


async def test_the_0005_migration_backfills_histograms(database_url, sample_questions):
    engine = create_engine(database_url)
    try:
        for revision in ("0002", "0003", "0004"):
            await migrate(engine, revision)
        now = datetime(2026, 1, 5, 9, tzinfo=UTC)
        stamp = bindparam("at", type_=UTCDateTime())
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO communities (id, platform, external_id, name, timezone, "
                    "created_at, hide_departed) VALUES (:id, 'discord', :ext, :ext, 'UTC', :at, "
                    ":hide)"
                ).bindparams(stamp),
                [
                    {"id": 1, "ext": "g1", "at": now, "hide": True},
                    {"id": 2, "ext": "g2", "at": now, "hide": True},
                ],
            )
            await conn.execute(
                text(
                    "INSERT INTO members (id, community_id, external_id, display_name, "
                    "created_at, left_at) VALUES (:id, :community, :name, :name, :at, :left)"
                ).bindparams(stamp, bindparam("left", type_=UTCDateTime())),
                [
                    {"id": i, "community": c, "name": n, "at": now, "left": left}
                    for i, c, n, left in (
                        (1, 1, "ann", None),
                        (2, 1, "bob", None),
                        (3, 1, "cat", None),
                        (4, 1, "dan", now),  # departed
                        (5, 1, "eve", None),
                        (6, 1, "fin", None),
                        (7, 2, "gil", None),
                    )
                ],
            )
            week, alltime = date(2026, 1, 5), date(1970, 1, 1)
            boards = [
                # community 1, all time: ann 30, dan 25 (departed), bob 20, cat 20, eve 10, fin 0
                *[
                    (1, "community", 0, "all", alltime, m, p)
                    for m, p in ((1, 30), (2, 20), (3, 20), (4, 25), (5, 10), (6, 0))
                ],
                # community 1, one week: dan 40 (departed), bob 5, fin 5
                *[(1, "community", 0, "week", week, m, p) for m, p in ((4, 40), (2, 5), (6, 5))],
                # a channel board of community 1, and community 2's board
                *[(1, "channel", 9, "all", alltime, m, p) for m, p in ((1, 10), (4, 10))],
                (2, "community", 0, "all", alltime, 7, 50),
            ]
            await conn.execute(
                text(
                    "INSERT INTO board_totals (community_id, scope, scope_id, period, "
                    "period_start, member_id, points, answers, correct) VALUES "
                    "(:c, :scope, :sid, :period, :start, :m, :p, 1, 0)"
                ).bindparams(bindparam("start", type_=Date())),
                [
                    {"c": c, "scope": s, "sid": sid, "period": per, "start": st, "m": m, "p": p}
                    for c, s, sid, per, st, m, p in boards
                ],
            )
        await migrate(engine)

        assert await histogram(engine) == {
            (1, "community", 0, "all", alltime, 30): (1, 0),
            (1, "community", 0, "all", alltime, 25): (1, 1),
            (1, "community", 0, "all", alltime, 20): (2, 0),
            (1, "community", 0, "all", alltime, 10): (1, 0),
            (1, "community", 0, "all", alltime, 0): (1, 0),
            (1, "community", 0, "week", week, 40): (1, 1),
            (1, "community", 0, "week", week, 5): (2, 0),
            (1, "channel", 9, "all", alltime, 10): (2, 1),
            (2, "community", 0, "all", alltime, 50): (1, 0),
        }

        uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
        everyone = BoardKey(1, LeaderboardScope.COMMUNITY, 0, LeaderboardWindow.ALL, alltime)
        this_week = BoardKey(1, LeaderboardScope.COMMUNITY, 0, LeaderboardWindow.WEEK, week)
        channel = BoardKey(1, LeaderboardScope.CHANNEL, 9, LeaderboardWindow.ALL, alltime)
        other = BoardKey(2, LeaderboardScope.COMMUNITY, 0, LeaderboardWindow.ALL, alltime)
        expected = {
            (everyone, True): {1: 1, 2: 2, 3: 2, 5: 4, 6: 5},
            (everyone, False): {1: 1, 4: 2, 2: 3, 3: 3, 5: 5, 6: 6},
            (this_week, True): {2: 1, 6: 1},
            (this_week, False): {4: 1, 2: 2, 6: 2},
            (channel, True): {1: 1},
            (channel, False): {1: 1, 4: 1},
            (other, True): {7: 1},
        }

        async def check(expected: dict) -> None:
            async with uow_factory() as uow:
                for (key, hide), ranks in expected.items():
                    top = await uow.leaderboard.top(key, 100, hide)
                    assert {r.member_id: r.rank for r in top} == ranks, (key, hide)
                    for member_id in range(1, 8):
                        row = await uow.leaderboard.row_for(key, member_id, hide)
                        want = next((r for r in top if r.member_id == member_id), None)
                        assert row == want, (key, hide, member_id)
                        assert (row.rank if row else None) == ranks.get(member_id)

        await check(expected)
        # The backfilled histograms carry on from there: fin answers for 25 points this week
        # (0 -> 25 all time, 5 -> 30 this week).
        async with uow_factory() as uow:
            await uow.questions.sync(sample_questions, now)
            await uow.attempts.add_many(
                [
                    NewAttempt(
                        1,
                        6,
                        "nlp-basics-sample-gpt3",
                        "nlp-basics",
                        "A",
                        100,
                        "correct",
                        25,
                        True,
                        "quiz",
                        date(2026, 1, 7),
                        now,
                    )
                ]
            )
        expected[(everyone, True)] = {1: 1, 6: 2, 2: 3, 3: 3, 5: 5}
        expected[(everyone, False)] = {1: 1, 4: 2, 6: 2, 2: 4, 3: 4, 5: 6}
        expected[(this_week, True)] = {6: 1, 2: 2}
        expected[(this_week, False)] = {4: 1, 6: 2, 2: 3}
        await check(expected)
        await check_histogram(engine, "after an answer")
        # dan comes back: he counts again on the boards that hide departed members.
        async with uow_factory() as uow:
            await uow.members.set_left(4, None)
        expected[(everyone, True)] = expected[(everyone, False)]
        expected[(this_week, True)] = expected[(this_week, False)]
        expected[(channel, True)] = expected[(channel, False)]
        await check(expected)
        await check_histogram(engine, "after dan returned")
    finally:
        await engine.dispose()


async def test_add_many_returns_the_ids_of_the_rows_it_stored(engine, sql_uow, sample_questions):
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    rng = random.Random(5)
    async with sql_uow() as uow:
        await uow.questions.sync(sample_questions, now)
        community = await uow.communities.get_or_create("discord", "g", "g", "UTC", now)
        people = await uow.members.get_or_create_many(
            community.id, {n: n for n in ("ann", "bob", "cat", "dan")}, now
        )
    questions = sorted(ANSWERS)
    batches: list[list[NewAttempt]] = []
    for batch_size in (1, 7, 120):
        batch = []
        for i in range(batch_size):
            name = rng.choice(sorted(people))
            question = rng.choice(questions)
            # Many rows alike in member, question and counted, told apart only by the text;
            # every third one repeats the previous row exactly.
            answer = batch[-1].answer if batch and i % 3 == 0 else f"{name} answer {i}"
            previous = batch[-1] if batch and i % 3 == 0 else None
            score = rng.choice([0, 40, 100])
            batch.append(
                previous
                or NewAttempt(
                    community_id=community.id,
                    member_id=people[name].id,
                    question_id=question,
                    topic="nlp-basics",
                    answer=answer,
                    score=score,
                    verdict=Verdict.from_score(score).value,
                    points=score // 10,
                    counted=rng.random() < 0.3,
                    context="quiz",
                    local_date=date(2026, 1, 5),
                    created_at=now,
                    channel_id=None,
                )
            )
        batches.append(batch)
    returned = []
    for batch in batches:
        async with sql_uow() as uow:
            stored = await uow.attempts.add_many(batch)
        assert len(stored) == len(batch)
        returned.append(stored)
    async with engine.connect() as conn:
        rows = {
            r[0]: tuple(r[1:])
            for r in await conn.execute(
                text(
                    "SELECT id, member_id, question_id, answer, counted, score, points "
                    "FROM attempts"
                )
            )
        }
    ids = [a.id for stored in returned for a in stored]
    assert len(set(ids)) == len(ids) == len(rows) == sum(map(len, batches))
    for batch, stored in zip(batches, returned, strict=True):
        for given, attempt in zip(batch, stored, strict=True):
            member_id, question_id, answer, counted, score, points = rows[attempt.id]
            assert (member_id, question_id, answer, bool(counted), score, points) == (
                given.member_id,
                given.question_id,
                given.answer,
                given.counted,
                given.score,
                given.points,
            ), attempt
            assert (attempt.answer, attempt.counted, attempt.member_id) == (
                given.answer,
                given.counted,
                given.member_id,
            )
    # And the totals folded in are those of the counted attempts.
    async with sql_uow() as uow:
        for name, person in people.items():
            progress = await uow.attempts.progress(person.id)
            mine = [a for batch in batches for a in batch if a.member_id == person.id]
            assert progress is not None, name
            assert progress.points == sum(a.points for a in mine if a.counted), name
            assert progress.answers == sum(a.counted for a in mine), name


async def wait_until_blocked(engine) -> None:
    """Give a second transaction time to reach the row lock the first one holds."""
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(0.2)  # SQLite: it waits for the one pooled connection
        return
    probe = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    async with engine.connect() as conn:
        for _ in range(100):
            if (await conn.execute(probe)).scalar():
                return
            await asyncio.sleep(0.02)


MEMBERSHIP_RACES = [
    pytest.param(first, change, id=f"{first} first-{change}")
    for first in ("answer", "change")
    for change in ("leave", "return", "forget", "cohort remove")
    # A member deleted first makes the answer fail on its foreign key: nothing to race.
    if (first, change) != ("change", "forget")
]


@pytest.mark.parametrize(("first", "change"), MEMBERSHIP_RACES)
async def test_ranks_stay_exact_when_membership_changes_while_an_answer_is_recorded(
    engine, sql_uow, sample_questions, first, change
):
    """A member leaves, comes back, is deleted or is removed from a cohort in one
    transaction (another process, or another task of this one) while their answer is being
    recorded in another: the boards and their histograms must agree afterwards, whichever
    transaction takes its locks first."""
    now = datetime(2026, 1, 5, 9, tzinfo=UTC)
    async with sql_uow() as uow:
        await uow.questions.sync(sample_questions, now)
        community = await uow.communities.get_or_create("discord", "g", "g", "UTC", now)
        people = await uow.members.get_or_create_many(
            community.id, {n: n for n in ("ann", "bob", "cat")}, now
        )
        crew = await uow.cohorts.create(Cohort(0, community.id, "crew"), now)
        for person in people.values():
            await uow.cohorts.add_member(crew.id, person.id, now)
        if change == "return":
            await uow.members.set_left(people["ann"].id, now)

    def attempt(name: str, points: int, day: date = date(2026, 1, 5)) -> NewAttempt:
        return NewAttempt(
            community.id,
            people[name].id,
            "nlp-basics-sample-gpt3",
            "nlp-basics",
            "A",
            100,
            "correct",
            points,
            True,
            "quiz",
            day,
            now,
        )

    async with sql_uow() as uow:
        await uow.attempts.add_many([attempt("ann", 10), attempt("bob", 20), attempt("cat", 5)])
    ann = people["ann"].id

    async def record_answer(uow) -> None:
        # ann's next answer (10 -> 40 points), the way QuizService._record stores it.
        await uow.attempts.lock_members([(ann, community.id)])
        await uow.attempts.counted_keys([(ann, "nlp-basics-sample-gpt3", date(2026, 1, 6))])
        await uow.attempts.add_many([attempt("ann", 30, date(2026, 1, 6))])

    async def change_membership(uow) -> None:
        if change == "leave":
            await uow.members.set_left(ann, now)
        elif change == "return":
            await uow.members.set_left(ann, None)
        elif change == "forget":
            await uow.members.delete(ann)
        else:
            assert await uow.cohorts.remove_member(crew.id, ann)

    async def in_own_transaction(work) -> None:
        async with sql_uow() as uow:
            await work(uow)

    earlier, later = (
        (record_answer, change_membership)
        if first == "answer"
        else (change_membership, record_answer)
    )
    holding = sql_uow()
    await holding.__aenter__()
    try:
        await earlier(holding)
        other = asyncio.ensure_future(in_own_transaction(later))
        await wait_until_blocked(engine)  # the later one waits for the earlier's locks
    finally:
        await holding.__aexit__(None, None, None)
    await asyncio.wait_for(other, timeout=10)

    present = change in ("return", "cohort remove")
    alltime = date(1970, 1, 1)
    async with sql_uow() as uow:
        for scope, scope_id, ann_there in (
            (LeaderboardScope.COMMUNITY, 0, change != "forget"),
            (LeaderboardScope.COHORT, crew.id, change not in ("forget", "cohort remove")),
        ):
            key = BoardKey(community.id, scope, scope_id, LeaderboardWindow.ALL, alltime)
            for hide in (True, False):
                top = await uow.leaderboard.top(key, 10, hide)
                shown = ann_there and (present or not hide)
                want = [("ann", 1, 40)] if shown else []
                want += [("bob", 1 + shown, 20), ("cat", 2 + shown, 5)]
                assert [(r.display_name, r.rank, r.points) for r in top] == want, (scope, hide)
                for person in people.values():
                    row = await uow.leaderboard.row_for(key, person.id, hide)
                    mine = next((r for r in top if r.member_id == person.id), None)
                    assert row == mine, (scope, hide, person.display_name, top)
    await check_histogram(engine, change)
