"""Storage on real databases: SQLite always, PostgreSQL when PREPBOT_TEST_POSTGRES_URL is set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.domain import ALL_TIME_START, LeaderboardScope, LeaderboardWindow
from bot.ports import BoardKey, NewAttempt, PendingQuestion, PoolFilter
from bot.services.context import Caller
from bot.storage.engine import alembic_config, migrate

CALLER = Caller("console", "local", "alice", "alice", "terminal")


def all_time(community_id: int) -> BoardKey:
    return BoardKey(
        community_id, LeaderboardScope.COMMUNITY, 0, LeaderboardWindow.ALL, ALL_TIME_START
    )


async def test_sync_is_idempotent_and_retires_without_deleting_attempts(
    sql_uow, sample_questions, clock
):
    async with sql_uow() as uow:
        first = await uow.questions.sync(sample_questions, clock.now())
    assert (first.added, first.updated, first.retired) == (3, 0, 0)
    async with sql_uow() as uow:
        again = await uow.questions.sync(sample_questions, clock.now())
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)

    async with sql_uow() as uow:
        community = await uow.communities.get_or_create("console", "local", "", "UTC", clock.now())
        member = await uow.members.get_or_create(community.id, "alice", "alice", clock.now())
        await uow.attempts.add(
            NewAttempt(
                community.id,
                member.id,
                "nlp-basics-sample-tfidf",
                "nlp-basics",
                "tf-idf",
                100,
                "correct",
                10,
                True,
                "quiz",
                date(2026, 1, 5),
                clock.now(),
            )
        )
    edited = [replace(sample_questions[0], prompt="Which layout does GPT-3 use, exactly?")]
    async with sql_uow() as uow:
        report = await uow.questions.sync(edited, clock.now())
    assert (report.updated, report.retired) == (1, 2)
    async with sql_uow() as uow:
        pool = await uow.questions.pool(PoolFilter(community.id))
        assert pool == [sample_questions[0].id]
        retired = await uow.questions.get("nlp-basics-sample-tfidf")
        assert retired is not None  # old attempts keep their question
        board = await uow.leaderboard.top(all_time(community.id), 10)
        assert board[0].points == 10


async def test_question_round_trips_through_json(sql_uow, sample_questions, clock):
    async with sql_uow() as uow:
        await uow.questions.sync(sample_questions, clock.now())
    async with sql_uow() as uow:
        for question in sample_questions:
            assert await uow.questions.get(question.id) == question


async def test_rollback_leaves_nothing(sql_uow, clock):
    with pytest.raises(RuntimeError):
        async with sql_uow() as uow:
            await uow.communities.get_or_create("console", "x", "", "UTC", clock.now())
            raise RuntimeError("boom")
    async with sql_uow() as uow:
        assert await uow.communities.get(1) is None


async def test_pending_question_survives_a_new_engine(database_url, sql_core, clock):
    await sql_core.quiz.ask(CALLER, ["choice"])
    from bot.bootstrap import build_core
    from bot.storage.engine import create_engine
    from bot.storage.uow import SqlAlchemyUnitOfWorkFactory

    engine = create_engine(database_url)
    try:
        restarted = build_core(SqlAlchemyUnitOfWorkFactory(engine), clock)
        graded = await restarted.quiz.answer(CALLER, "Decoder-only")
        assert graded.text.startswith("Correct")
    finally:
        await engine.dispose()


async def test_full_quiz_flow_and_leaderboard(sql_core, clock):
    bob = replace(CALLER, member_external_id="bob", display_name="bob")
    await sql_core.quiz.ask(CALLER, ["choice"])
    await sql_core.quiz.answer(CALLER, "a")
    await sql_core.quiz.ask(bob, ["choice"])
    await sql_core.quiz.answer(bob, "Encoder-only")
    board = await sql_core.leaderboard.board(bob)
    lines = board.text.splitlines()
    assert lines[0].startswith("  1. alice — 10 pts")
    assert lines[1].startswith("  2. bob — 0 pts, 1 answered, 0% correct")
    stats = await sql_core.stats.stats(CALLER)
    assert "Rank 1" in stats.text
    assert stats.fields[0].name == "nlp-basics"


async def test_migrate_twice_is_harmless(engine):
    await migrate(engine)
    async with engine.connect() as conn:
        versions = set(
            (await conn.execute(text("select version_num from alembic_version"))).scalars()
        )
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    assert versions == heads and "0001" not in versions


async def test_tenants_do_not_share_members(sql_uow, clock, sample_questions):
    async with sql_uow() as uow:
        await uow.questions.sync(sample_questions, clock.now())
        a = await uow.communities.get_or_create("discord", "g1", "", "UTC", clock.now())
        b = await uow.communities.get_or_create("slack", "g1", "", "UTC", clock.now())
        assert a.id != b.id
        ma = await uow.members.get_or_create(a.id, "u1", "Ann", clock.now())
        mb = await uow.members.get_or_create(b.id, "u1", "Ann", clock.now())
        assert ma.id != mb.id
        await uow.pending.put(PendingQuestion(ma.id, "nlp-basics-sample-gpt3", clock.now()))
        assert await uow.pending.get(mb.id) is None


async def test_the_0006_migration_keeps_every_row(database_url):
    """0006 adds a column to `communities`: rebuilding that table on SQLite would cascade
    deletes into every member; it must add the column in place."""
    from bot.storage.engine import create_engine

    engine = create_engine(database_url)
    try:
        for revision in ("0004", "0005"):
            await migrate(engine, revision)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO communities (id, platform, external_id, name, timezone, "
                    "created_at) VALUES (1, 'discord', 'g', 'g', 'Europe/Paris', "
                    "'2026-01-05 09:00:00')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO members (id, community_id, external_id, display_name, "
                    "created_at) VALUES (1, 1, 'ann', 'Ann', '2026-01-05 09:00:00')"
                )
            )
        await migrate(engine)
        async with engine.connect() as conn:
            members = (await conn.execute(text("SELECT COUNT(*) FROM members"))).scalar()
            row = (
                await conn.execute(text("SELECT timezone, qotd_show_best FROM communities"))
            ).one()
        assert members == 1
        assert row[0] == "Europe/Paris" and bool(row[1]) is True
    finally:
        await engine.dispose()


async def test_every_upgrade_path_keeps_child_rows(database_url):
    """Batch migrations rebuild a table on SQLite (copy, drop, rename); with foreign keys
    on, dropping the old `communities` cascaded deletes into every member. `migrate` turns
    foreign keys off for the migration and checks them after, so rows survive."""
    from bot.storage.engine import create_engine

    engine = create_engine(database_url)
    try:
        await migrate(engine, "0002")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO communities (id, platform, external_id, name, timezone, "
                    "created_at) VALUES (1, 'discord', 'g', 'g', 'UTC', '2026-01-05 09:00:00')"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO members (id, community_id, external_id, display_name, "
                    "created_at) VALUES (1, 1, 'ann', 'Ann', '2026-01-05 09:00:00')"
                )
            )
        await migrate(engine)
        async with engine.connect() as conn:
            members = (await conn.execute(text("SELECT COUNT(*) FROM members"))).scalar()
            if engine.dialect.name == "sqlite":
                # The bot's own connections still enforce foreign keys afterwards.
                enforced = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
                assert enforced == 1
        assert members == 1
    finally:
        await engine.dispose()
