"""Shared fixtures: the sample pack, fake and real units of work, the console harness."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.bootstrap import build_core
from bot.content.loader import load_packs
from bot.domain import Question
from bot.storage.engine import create_engine, migrate
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from bot.testing import FakeClock, FakeUnitOfWorkFactory

TESTS = Path(__file__).parent
ROOT = TESTS.parent
SAMPLE_PACKS = TESTS / "data" / "packs"
POSTGRES_URL = os.environ.get("PREPBOT_TEST_POSTGRES_URL")


@pytest.fixture
def sample_questions() -> list[Question]:
    result = load_packs(SAMPLE_PACKS)
    assert result.ok, result.problems
    return result.questions


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_uow() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


@pytest.fixture
async def fake_core(fake_uow, clock, sample_questions):
    core = build_core(fake_uow, clock, random.Random(7))
    await core.catalog.sync(sample_questions)
    return core


def _postgres_param(name: str = "postgres") -> object:
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="set PREPBOT_TEST_POSTGRES_URL to test PostgreSQL"
        ),
    )


@asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A URL to an empty database: a SQLite file, or a private PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    assert POSTGRES_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}search_path={schema}"
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(params=["sqlite", _postgres_param()])
async def database_url(request, tmp_path) -> AsyncIterator[str]:
    async with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sql_uow(engine) -> SqlAlchemyUnitOfWorkFactory:
    return SqlAlchemyUnitOfWorkFactory(engine)


@pytest.fixture
async def sql_core(sql_uow, clock, sample_questions):
    core = build_core(sql_uow, clock, random.Random(7))
    await core.catalog.sync(sample_questions)
    return core


@pytest.fixture(params=["fake", "sqlite", _postgres_param()])
async def any_core(request, clock, sample_questions, tmp_path):
    """The core on the in-memory fakes and on real storage, so both must agree."""
    if request.param == "fake":
        core = build_core(FakeUnitOfWorkFactory(), clock, random.Random(7))
        await core.catalog.sync(sample_questions)
        yield core
        return
    async with fresh_database(request.param, tmp_path) as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            core = build_core(SqlAlchemyUnitOfWorkFactory(engine), clock, random.Random(7))
            await core.catalog.sync(sample_questions)
            yield core
        finally:
            await engine.dispose()
