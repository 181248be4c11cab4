"""Several processes answering into one database lose nothing and count nothing twice."""

from __future__ import annotations

import asyncio
import os
import sys
import time

import pytest
from sqlalchemy import text

from bot.storage.engine import create_engine, migrate
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from tests.conftest import ROOT, _postgres_param, fresh_database
from tests.integration.submitter import MEMBERS, QUESTIONS

PER_MEMBER = 12


@pytest.mark.parametrize(
    ("backend", "processes"),
    [("sqlite", 2), pytest.param("postgres", 4, marks=_postgres_param().marks)],
)
async def test_processes_answering_together(backend, processes, tmp_path, sample_questions, clock):
    async with fresh_database(backend, tmp_path) as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            async with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
                await uow.questions.sync(sample_questions, clock.now())
            start_at = time.time() + 4.0
            workers = [
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.integration.submitter",
                    url,
                    str(PER_MEMBER),
                    f"p{n}",
                    str(start_at),
                    cwd=ROOT,
                    env={**os.environ},
                    stderr=asyncio.subprocess.PIPE,
                )
                for n in range(processes)
            ]
            for worker in workers:
                _, err = await asyncio.wait_for(worker.communicate(), timeout=180)
                assert worker.returncode == 0, err.decode()[-2000:]
            async with engine.connect() as conn:
                total, distinct = (
                    await conn.execute(
                        text("SELECT COUNT(*), COUNT(DISTINCT answer) FROM attempts")
                    )
                ).one()
                counted = (
                    await conn.execute(text("SELECT COUNT(*) FROM attempts WHERE counted"))
                ).scalar_one()
                per_day = (
                    await conn.execute(
                        text(
                            "SELECT COUNT(*) FROM (SELECT member_id, question_id, local_date "
                            "FROM attempts WHERE counted GROUP BY member_id, question_id, "
                            "local_date HAVING COUNT(*) > 1) AS d"
                        )
                    )
                ).scalar_one()
                board_answers, board_points = (
                    await conn.execute(
                        text(
                            "SELECT SUM(answers), SUM(points) FROM board_totals "
                            "WHERE scope = 'community' AND period = 'all'"
                        )
                    )
                ).one()
                attempt_points = (
                    await conn.execute(text("SELECT SUM(points) FROM attempts WHERE counted"))
                ).scalar_one()
                totals = (
                    await conn.execute(text("SELECT SUM(answers) FROM member_totals"))
                ).scalar_one()
        finally:
            await engine.dispose()
    expected = processes * MEMBERS * PER_MEMBER
    assert total == distinct == expected  # nothing lost, nothing stored twice
    # Each member answers each question at most once per day for points.
    assert per_day == 0
    assert counted == MEMBERS * len(QUESTIONS)
    assert board_answers == counted == totals
    assert board_points == attempt_points
