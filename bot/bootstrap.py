"""The only place that wires the engine, the services and the clock together."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Prepbot
from bot.config import Settings, redact_url
from bot.content.loader import LoadResult, load_packs
from bot.ports import Clock, SyncReport, SystemClock, UnitOfWorkFactory
from bot.services.catalog import CatalogService
from bot.services.leaderboard import LeaderboardService
from bot.services.quiz import QuizService
from bot.services.stats import StatsService
from bot.storage.engine import create_engine, migrate
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory

log = logging.getLogger(__name__)


class ContentError(RuntimeError):
    """The packs have problems; the bot must not start on half the content."""

    def __init__(self, result: LoadResult) -> None:
        self.result = result
        listed = "\n".join(f"  {p}" for p in result.problems[:50])
        more = len(result.problems) - 50
        suffix = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(result.problems)} problem(s) in the question packs; fix them "
            f"(`prepbot content validate`) and start again:\n{listed}{suffix}"
        )


def build_core(uow: UnitOfWorkFactory, clock: Clock, rng: random.Random | None = None) -> Prepbot:
    return Prepbot(
        quiz=QuizService(uow, clock, rng),
        leaderboard=LeaderboardService(uow, clock),
        stats=StatsService(uow, clock),
        catalog=CatalogService(uow, clock),
    )


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    uow: SqlAlchemyUnitOfWorkFactory
    core: Prepbot
    clock: Clock

    async def close(self) -> None:
        await self.engine.dispose()


def load_content(content_dir: Path) -> LoadResult:
    result = load_packs(content_dir)
    if not result.ok:
        raise ContentError(result)
    return result


async def start(
    settings: Settings, clock: Clock | None = None, rng: random.Random | None = None
) -> Runtime:
    """Validate content, migrate the database, sync the packs, and build the core.

    Content is checked before anything touches the database, so a broken pack stops the
    bot without changing what is stored.
    """
    content = load_content(settings.content_dir)
    url = settings.resolved_database_url
    log.info("database: %s", redact_url(url))
    engine = create_engine(url)
    try:
        await migrate(engine)
        uow = SqlAlchemyUnitOfWorkFactory(engine)
        the_clock = clock or SystemClock()
        core = build_core(uow, the_clock, rng)
        report: SyncReport = await core.catalog.sync(content.questions)
    except BaseException:
        await engine.dispose()
        raise
    log.info(
        "content: %d questions (%d added, %d updated, %d retired)",
        len(content.questions),
        report.added,
        report.updated,
        report.retired,
    )
    return Runtime(settings, engine, uow, core, the_clock)
