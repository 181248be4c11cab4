"""A thin layer over APScheduler 3's AsyncIOScheduler, and the question-of-the-day jobs.

Jobs live in memory only (no pickled job store): the database is the source of truth and
`QotdJobs.rebuild` recreates every job from it at start and whenever a subscription
changes. Each job merely wakes the due-check (`QotdService.tick`), which reads the database
and posts whatever is due exactly once, so a late, duplicated or lost wake-up is harmless:
the minute sweep catches anything a cron job did not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.ports import Clock, Subscription
from bot.services.qotd import QotdService, TickReport

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


def daily_trigger(at: time, days: Sequence[int], timezone: str) -> CronTrigger:
    """Fire at wall-clock `at` in `timezone` on `days` (0 = Monday), DST-aware."""
    day_list = ",".join(str(d) for d in sorted(set(days)))
    return CronTrigger(
        day_of_week=day_list,
        hour=at.hour,
        minute=at.minute,
        second=0,
        timezone=ZoneInfo(timezone),
    )


class Scheduler:
    """`run_daily`, `run_once` and `run_repeating` over an AsyncIOScheduler (the shape of
    python-telegram-bot's JobQueue). Coroutine callbacks run on the running event loop."""

    def __init__(self, scheduler: AsyncIOScheduler | None = None) -> None:
        self._scheduler = scheduler or AsyncIOScheduler(timezone=UTC)

    def run_daily(
        self, job_id: str, callback: Job, *, at: time, days: Sequence[int], timezone: str
    ) -> None:
        self.cancel(job_id)
        self._scheduler.add_job(
            callback,
            daily_trigger(at, days, timezone),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def run_once(self, job_id: str, callback: Job, when: datetime) -> None:
        self.cancel(job_id)
        self._scheduler.add_job(
            callback,
            DateTrigger(run_date=when),
            id=job_id,
            replace_existing=True,
            misfire_grace_time=None,
        )

    def run_repeating(self, job_id: str, callback: Job, seconds: float) -> None:
        self.cancel(job_id)
        self._scheduler.add_job(
            callback,
            IntervalTrigger(seconds=seconds),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    def cancel(self, job_id: str) -> None:
        # Before start, APScheduler keeps replaced jobs as separate pending entries.
        while self._scheduler.get_job(job_id) is not None:
            self._scheduler.remove_job(job_id)

    def job_ids(self, prefix: str = "") -> list[str]:
        return sorted({job.id for job in self._scheduler.get_jobs() if job.id.startswith(prefix)})

    def next_run(self, job_id: str) -> datetime | None:
        job = self._scheduler.get_job(job_id)
        if job is None:
            return None
        when = getattr(job, "next_run_time", None)
        if when is None:  # not started yet: ask the trigger
            when = job.trigger.get_next_fire_time(None, datetime.now(UTC))
        return when.astimezone(UTC) if when else None

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)


class QotdJobs:
    """Keeps one cron job per active subscription, one job per pending reveal time and a
    minute sweep, all of which run the due-check. Several overlapping wake-ups collapse
    into one running tick plus, at most, one more after it."""

    SWEEP_SECONDS = 60.0

    def __init__(self, service: QotdService, scheduler: Scheduler, clock: Clock) -> None:
        self.service = service
        self.scheduler = scheduler
        self.clock = clock
        self._running: asyncio.Task[TickReport] | None = None
        self._again = False
        service.on_change = self.refresh
        service.on_reveal_scheduled = self.reveal_at

    @staticmethod
    def job_id(subscription_id: int) -> str:
        return f"qotd:sub:{subscription_id}"

    async def start(self) -> TickReport:
        """Build the jobs from the database, start the scheduler, and catch up at once
        (posts missed while the bot was down, within the grace window)."""
        await self.rebuild()
        self.scheduler.run_repeating("qotd:sweep", self.run, self.SWEEP_SECONDS)
        self.scheduler.start()
        return await self.run_now()

    def stop(self) -> None:
        self.scheduler.shutdown()

    async def rebuild(self) -> None:
        subscriptions = await self.service.schedules()
        wanted = {self.job_id(s.id) for s in subscriptions}
        for stale in set(self.scheduler.job_ids("qotd:sub:")) - wanted:
            self.scheduler.cancel(stale)
        for subscription in subscriptions:
            self._schedule(subscription)
        log.info("qotd: %d subscription job(s) scheduled", len(subscriptions))

    def _schedule(self, subscription: Subscription) -> None:
        settings = subscription.settings
        self.scheduler.run_daily(
            self.job_id(subscription.id),
            self.run,
            at=settings.post_time,
            days=sorted({*settings.days, *_digest(subscription)}),
            timezone=settings.timezone,
        )

    async def refresh(self, subscription_id: int) -> None:
        """A subscription changed (setup, pause, resume, channel gone): redo its job."""
        active = {s.id: s for s in await self.service.schedules()}
        if subscription_id in active:
            self._schedule(active[subscription_id])
        else:
            self.scheduler.cancel(self.job_id(subscription_id))

    def reveal_at(self, when: datetime) -> None:
        # One job per distinct reveal minute, however many posts reveal then.
        minute = when.astimezone(UTC).replace(second=0, microsecond=0)
        self.scheduler.run_once(f"qotd:reveal:{minute:%Y%m%dT%H%M}", self.run, when)

    async def run(self) -> None:
        await self.run_now()

    async def run_now(self) -> TickReport:
        if self._running is not None and not self._running.done():
            self._again = True
            return await asyncio.shield(self._running)
        self._running = asyncio.create_task(self._loop())
        return await asyncio.shield(self._running)

    async def _loop(self) -> TickReport:
        while True:
            self._again = False
            try:
                report = await self.service.tick(self.clock.now())
            except Exception:
                log.exception("qotd: due-check failed; the next wake-up will retry")
                report = TickReport()
            if not self._again:
                return report


def _digest(subscription: Subscription) -> tuple[int, ...]:
    day = subscription.settings.digest_day
    return () if day is None else (day,)
