"""The only place that wires the engine, the services and the clock together."""

from __future__ import annotations

import gc
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Prepbot
from bot.config import Settings, redact_url
from bot.content.loader import LoadResult, load_packs
from bot.domain import Question
from bot.ports import ChatPort, Clock, Grader, SyncReport, SystemClock, UnitOfWorkFactory
from bot.scheduling import QotdJobs, Scheduler
from bot.services.catalog import CatalogService
from bot.services.cohorts import CohortService
from bot.services.grading import ClaimsGrader
from bot.services.interview import InterviewService
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeService
from bot.services.privacy import PrivacyService
from bot.services.qotd import DEFAULT_GRACE, QotdService
from bot.services.quiz import QuizService
from bot.services.ratelimit import RateLimitedChat, RateLimiter
from bot.services.settings import SettingsService
from bot.services.stats import StatsService
from bot.storage.engine import create_engine, migrate
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory

log = logging.getLogger(__name__)


# Answers allocate many short-lived objects and few reference cycles: with CPython's
# default (700, 10, 10) the young generation is collected every few hundred allocations,
# which cost the answer path about 15% (`prepbot bench leaderboard`).
GC_THRESHOLDS = (100_000, 50, 100)


def tune_garbage_collector() -> None:
    """Collect young objects less often, and move everything loaded so far (modules, the
    question packs) out of the collector's sight for good (`gc.freeze`). Called once the
    bot has started; cycles are still collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


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


def build_core(
    uow: UnitOfWorkFactory,
    clock: Clock,
    rng: random.Random | None = None,
    *,
    chat: ChatPort | None = None,
    qotd_grace: timedelta = DEFAULT_GRACE,
    platforms: frozenset[str] | None = None,
    grader: Grader | None = None,
) -> Prepbot:
    """The core with every service; `chat` is where scheduled posts (QOTD) go, `grader`
    grades answers (the claims grader by default)."""
    practice = PracticeService(uow, clock, rng)
    grader = grader or ClaimsGrader()
    return Prepbot(
        quiz=QuizService(uow, clock, rng, on_graded=practice.review_attempts, grader=grader),
        leaderboard=LeaderboardService(uow, clock),
        stats=StatsService(uow, clock),
        catalog=CatalogService(uow, clock),
        cohorts=CohortService(uow, clock),
        privacy=PrivacyService(uow, clock),
        qotd=QotdService(
            uow,
            clock,
            chat,
            grace=qotd_grace,
            rng=rng,
            on_graded=practice.review_attempts,
            platforms=platforms,
            grader=grader,
        ),
        practice=practice,
        settings=SettingsService(uow, clock),
        interview=InterviewService(uow, clock, rng, practice, grader=grader),
        remote_grading=grader.remote,
    )


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    uow: SqlAlchemyUnitOfWorkFactory
    core: Prepbot
    clock: Clock
    qotd_jobs: QotdJobs | None = None
    grader: Grader | None = None

    def start_qotd(self) -> QotdJobs:
        """The QOTD scheduler jobs for this runtime (call `await jobs.start()` in the
        running event loop)."""
        assert self.core.qotd is not None
        self.qotd_jobs = QotdJobs(self.core.qotd, Scheduler(), self.clock)
        return self.qotd_jobs

    async def close(self) -> None:
        if self.qotd_jobs is not None:
            self.qotd_jobs.stop()
        # Answers already submitted are recorded before the database goes away.
        await self.core.quiz.drain()
        if self.core.qotd is not None:
            await self.core.qotd.settle()
        if self.grader is not None:
            await self.grader.close()
        await self.engine.dispose()


def make_grader(settings: Settings) -> Grader:
    """The LLM judge when PREPBOT_GRADER_URL and PREPBOT_GRADER_MODEL are set, else the
    claims grader; logs which one grades (never the key)."""
    if not (settings.judge_configured and settings.grader_url and settings.grader_model):
        log.info("grader: claims (set PREPBOT_GRADER_URL and PREPBOT_GRADER_MODEL for a judge)")
        return ClaimsGrader()
    from bot.services.judge import ChatCompletions, JudgeGrader

    key = settings.grader_api_key.get_secret_value() if settings.grader_api_key else None
    client = ChatCompletions(
        settings.grader_url, settings.grader_model, key, settings.grader_timeout
    )
    log.info(
        "grader: LLM judge %s at %s (%s, timeout %gs); the claims grader stands in on failure",
        settings.grader_model,
        shown_url(client.url),
        "with an API key" if key else "no API key",
        settings.grader_timeout,
    )
    return JudgeGrader(client)


def shown_url(url: str) -> str:
    """An HTTP URL safe to log: no user, password or query string."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def load_content(content_dir: Path) -> LoadResult:
    result = load_packs(content_dir)
    if not result.ok:
        raise ContentError(result)
    return result


async def start(
    settings: Settings,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    chat: ChatPort | None = None,
    platforms: frozenset[str] | None = None,
) -> Runtime:
    """Validate content, migrate the database, sync the packs, and build the core.

    Content is checked before anything touches the database, so a broken pack stops the
    bot without changing what is stored.
    """
    content = load_content(settings.content_dir)
    runtime, report = await open_runtime(
        settings, content.questions, clock, rng, chat, platforms=platforms
    )
    tune_garbage_collector()
    log.info(
        "content: %d questions (%d added, %d updated, %d retired)",
        len(content.questions),
        report.added,
        report.updated,
        report.retired,
    )
    return runtime


async def open_runtime(
    settings: Settings,
    questions: Sequence[Question],
    clock: Clock | None = None,
    rng: random.Random | None = None,
    chat: ChatPort | None = None,
    *,
    platforms: frozenset[str] | None = None,
    limiter: RateLimiter | None = None,
) -> tuple[Runtime, SyncReport]:
    """Migrate the database, build the core around `chat` (behind the rate limiter) and
    sync `questions` into it: `start` without reading the packs or tuning the process,
    for harnesses that bring their own questions (an adapter's local platform)."""
    url = settings.resolved_database_url
    log.info("database: %s", redact_url(url))
    engine = create_engine(url)
    try:
        await migrate(engine)
        uow = SqlAlchemyUnitOfWorkFactory(engine)
        the_clock = clock or SystemClock()
        if chat is not None:
            chat = RateLimitedChat(chat, limiter or RateLimiter())
        grace = timedelta(minutes=settings.qotd_grace_minutes)
        grader = make_grader(settings)
        core = build_core(
            uow,
            the_clock,
            rng,
            chat=chat,
            qotd_grace=grace,
            platforms=platforms,
            grader=grader,
        )
        report: SyncReport = await core.catalog.sync(questions)
    except BaseException:
        await engine.dispose()
        raise
    return Runtime(settings, engine, uow, core, the_clock, grader=grader), report
