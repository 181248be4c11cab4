"""Shared fixtures: the sample pack, fake and real units of work, the console harness."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import AsyncIterator
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


def _backends() -> list[object]:
    backends: list[object] = ["sqlite"]
    backends.append(
        pytest.param(
            "postgres",
            marks=pytest.mark.skipif(
                not POSTGRES_URL, reason="set PREPBOT_TEST_POSTGRES_URL to test PostgreSQL"
            ),
        )
    )
    return backends


@pytest.fixture(params=_backends())
async def database_url(request, tmp_path) -> AsyncIterator[str]:
    """A freshly migrated, empty database: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    assert POSTGRES_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}search_path={schema}"
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


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
