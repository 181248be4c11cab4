"""Group commit: many concurrent requests, one transaction.

SQLite has one writer at a time and every statement through aiosqlite costs a thread
round trip, so an answer path that opens a transaction per answer tops out at a few
hundred answers a second. `GroupCommit` queues jobs while a batch is being written and
hands the next batch everything that queued meanwhile: one transaction and a fixed number
of statements for the whole batch. When nothing else is waiting a job runs at once, alone,
so a quiet bot pays no added latency.

A batch that fails is not allowed to sink the jobs in it: each is run again alone, and
only the job that fails alone reports its error.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

J = TypeVar("J")
R = TypeVar("R")

DEFAULT_MAX_BATCH = 200


class GroupCommit(Generic[J, R]):
    """`await submit(job)` returns `run([... job ...])`'s result for that job.

    `run` takes a list of jobs and returns one result per job, in order, doing all of them
    in one transaction; it must not depend on which other jobs share its batch beyond the
    order they came in.
    """

    def __init__(
        self, run: Callable[[list[J]], Awaitable[list[R]]], max_batch: int = DEFAULT_MAX_BATCH
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._run = run
        self._max_batch = max_batch
        self._queue: deque[tuple[J, asyncio.Future[R]]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self.batches = 0  # how many transactions ran, for benchmarks and tests

    async def submit(self, job: J) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((job, future))
        worker = self._worker
        if worker is None or worker.done() or worker.get_loop() is not loop:
            self._worker = loop.create_task(self._drain())
        # A caller that stops waiting (a timeout, a closed connection) does not cancel its
        # job: an answer once submitted is recorded.
        return await asyncio.shield(future)

    async def drain(self) -> None:
        """Wait until every job submitted so far has finished (for a clean shutdown)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def _drain(self) -> None:
        try:
            while self._queue:
                size = min(self._max_batch, len(self._queue))
                batch = [self._queue.popleft() for _ in range(size)]
                await self._settle(batch)
        except BaseException:
            # Cancelled with the event loop: nobody may wait forever on a queued job.
            for _, future in self._queue:
                future.cancel()
            self._queue.clear()
            raise

    async def _settle(self, batch: list[tuple[J, asyncio.Future[R]]]) -> None:
        self.batches += 1
        try:
            results = await self._run([job for job, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} results for {len(batch)} jobs")
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:
            if len(batch) == 1:
                future = batch[0][1]
                if not future.done():
                    future.set_exception(exc)
                return
            log.warning("a batch of %d jobs failed (%r); running each alone", len(batch), exc)
            for one in batch:
                await self._settle([one])
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
