"""GroupCommit on its own: batching, bounds, failure isolation, cancellation, drain."""

from __future__ import annotations

import asyncio
import math

import pytest

from bot.services.batching import GroupCommit


class Store:
    """A tiny transactional store: a batch's writes land only if the whole run succeeds."""

    def __init__(self, fail_on: frozenset[int] = frozenset()) -> None:
        self.fail_on = fail_on
        self.committed: list[int] = []
        self.runs: list[list[int]] = []
        self.gate: asyncio.Event | None = None

    async def run(self, jobs: list[int]) -> list[int]:
        self.runs.append(list(jobs))
        if self.gate is not None:
            await self.gate.wait()
        pending = []
        for job in jobs:
            await asyncio.sleep(0)  # a statement's round trip
            if job in self.fail_on:
                raise ValueError(f"job {job} is bad")
            pending.append(job)
        self.committed.extend(pending)
        return [job * 10 for job in jobs]


async def within(awaitable, seconds: float = 5):
    """Await with a deadline: a worker that dies or stalls fails the test, never hangs it."""
    return await asyncio.wait_for(awaitable, seconds)


async def wait_for_runs(store: Store, count: int) -> None:
    for _ in range(1000):
        if len(store.runs) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"only {len(store.runs)} runs started, wanted {count}")


def test_max_batch_must_be_positive():
    with pytest.raises(ValueError):
        GroupCommit(Store().run, max_batch=0)


async def test_concurrent_submits_are_grouped_and_each_gets_its_own_result():
    store = Store()
    gc = GroupCommit(store.run)
    results = await within(asyncio.gather(*(gc.submit(i) for i in range(50))))
    assert results == [i * 10 for i in range(50)]
    assert gc.batches == len(store.runs)
    assert gc.batches <= 5, store.runs
    assert max(len(run) for run in store.runs) > 1
    # Every job ran exactly once, in the order it was submitted.
    assert [job for run in store.runs for job in run] == list(range(50))
    assert store.committed == list(range(50))


async def test_jobs_arriving_while_a_batch_runs_form_the_next_batch():
    store = Store()
    store.gate = asyncio.Event()
    gc = GroupCommit(store.run)
    first = asyncio.ensure_future(gc.submit(0))
    await wait_for_runs(store, 1)
    later = [asyncio.ensure_future(gc.submit(i)) for i in range(1, 11)]
    await asyncio.sleep(0)
    assert store.runs == [[0]]  # the later jobs wait for the running batch
    store.gate.set()
    assert await within(first) == 0
    assert await within(asyncio.gather(*later)) == [i * 10 for i in range(1, 11)]
    assert store.runs == [[0], list(range(1, 11))]
    assert gc.batches == 2


async def test_max_batch_bounds_every_batch():
    store = Store()
    gc = GroupCommit(store.run, max_batch=7)
    results = await within(asyncio.gather(*(gc.submit(i) for i in range(50))))
    assert results == [i * 10 for i in range(50)]
    assert all(1 <= len(run) <= 7 for run in store.runs), store.runs
    assert len(store.runs) >= math.ceil(50 / 7)
    assert [job for run in store.runs for job in run] == list(range(50))


async def test_a_job_alone_runs_alone_at_once():
    store = Store()
    gc = GroupCommit(store.run)
    assert await within(gc.submit(3)) == 30
    assert store.runs == [[3]]
    assert gc.batches == 1
    # One after the other, nothing waits alongside: each is its own batch.
    assert await within(gc.submit(4)) == 40
    assert await within(gc.submit(5)) == 50
    assert store.runs == [[3], [4], [5]]
    assert gc.batches == 3


async def test_a_failing_job_gets_its_exception_and_the_others_their_results():
    store = Store(fail_on=frozenset({4}))
    gc = GroupCommit(store.run)
    results = await within(
        asyncio.gather(*(gc.submit(i) for i in range(8)), return_exceptions=True)
    )
    assert isinstance(results[4], ValueError) and "job 4" in str(results[4])
    assert [r for i, r in enumerate(results) if i != 4] == [i * 10 for i in range(8) if i != 4]
    # The failed batch wrote nothing; each job then ran alone, the good ones once each.
    assert store.runs[0] == list(range(8))
    assert store.runs[1:] == [[i] for i in range(8)]
    assert gc.batches == 9
    assert store.committed == [i for i in range(8) if i != 4]
    # The worker survives the failure.
    assert await within(gc.submit(9)) == 90


async def test_wrong_number_of_results_reruns_every_job_alone():
    runs: list[list[int]] = []

    async def short_when_batched(jobs: list[int]) -> list[int]:
        runs.append(list(jobs))
        await asyncio.sleep(0)
        results = [job + 1 for job in jobs]
        return results[:-1] if len(jobs) > 1 else results

    gc = GroupCommit(short_when_batched)
    assert await within(asyncio.gather(*(gc.submit(i) for i in range(5)))) == [1, 2, 3, 4, 5]
    assert runs == [[0, 1, 2, 3, 4], [0], [1], [2], [3], [4]]
    assert gc.batches == 6


async def test_wrong_number_of_results_alone_is_that_jobs_error():
    async def always_empty(jobs: list[int]) -> list[int]:
        await asyncio.sleep(0)
        return []

    gc = GroupCommit(always_empty)
    results = await within(asyncio.gather(gc.submit(1), gc.submit(2), return_exceptions=True))
    assert all(isinstance(r, RuntimeError) for r in results), results
    assert "0 results for 1 jobs" in str(results[0])


async def test_a_cancelled_waiter_does_not_cancel_its_running_job():
    store = Store()
    store.gate = asyncio.Event()
    gc = GroupCommit(store.run)
    waiter = asyncio.ensure_future(gc.submit(1))
    await wait_for_runs(store, 1)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    store.gate.set()
    await within(gc.drain())
    assert store.committed == [1]  # the side effect happened anyway
    assert await within(gc.submit(2)) == 20
    assert store.committed == [1, 2]


async def test_a_cancelled_waiter_does_not_cancel_its_queued_job():
    store = Store()
    store.gate = asyncio.Event()
    gc = GroupCommit(store.run)
    running = asyncio.ensure_future(gc.submit(1))
    await wait_for_runs(store, 1)
    queued = asyncio.ensure_future(gc.submit(2))
    also_queued = asyncio.ensure_future(gc.submit(3))
    await asyncio.sleep(0)
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    store.gate.set()
    assert await within(running) == 10
    assert await within(also_queued) == 30
    await within(gc.drain())
    assert store.committed == [1, 2, 3]
    assert store.runs == [[1], [2, 3]]


async def test_a_timed_out_caller_still_gets_its_answer_recorded():
    store = Store()
    store.gate = asyncio.Event()
    gc = GroupCommit(store.run)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(gc.submit(7), timeout=0.01)
    assert store.committed == []
    store.gate.set()
    await within(gc.drain())
    assert store.committed == [7]


async def test_drain_waits_for_every_outstanding_job():
    store = Store()
    gc = GroupCommit(store.run, max_batch=3)
    await within(gc.drain())  # nothing submitted: returns at once
    store.gate = asyncio.Event()
    tasks = [asyncio.ensure_future(gc.submit(i)) for i in range(10)]
    await wait_for_runs(store, 1)
    asyncio.get_running_loop().call_later(0.02, store.gate.set)
    await within(gc.drain())
    assert store.committed == list(range(10))
    assert all(task.done() for task in tasks)
    assert [task.result() for task in tasks] == [i * 10 for i in range(10)]


def test_works_across_fresh_event_loops():
    store = Store()
    gc = GroupCommit(store.run)

    async def batch(jobs: range) -> list[int]:
        return list(await within(asyncio.gather(*(gc.submit(i) for i in jobs))))

    assert asyncio.run(batch(range(0, 5))) == [0, 10, 20, 30, 40]
    assert asyncio.run(batch(range(5, 10))) == [50, 60, 70, 80, 90]
    assert store.committed == list(range(10))


def test_a_worker_stuck_in_another_loop_does_not_block_a_new_loop():
    """A loop left with its worker mid-batch (not cancelled, not closed): a submit from a
    new loop gets a worker of its own instead of queueing behind one that cannot run."""
    store = Store()
    gc = GroupCommit(store.run)
    old = asyncio.new_event_loop()
    try:
        store.gate = asyncio.Event()

        async def abandon() -> None:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(gc.submit(1), timeout=0.01)

        old.run_until_complete(abandon())
        assert store.runs == [[1]] and store.committed == []
        gate, store.gate = store.gate, None

        async def fresh() -> int:
            return await asyncio.wait_for(gc.submit(2), timeout=2)

        assert asyncio.run(fresh()) == 20
        assert store.committed == [2]
        # Back in the old loop, the abandoned job still finishes.
        gate.set()
        old.run_until_complete(asyncio.sleep(0.01))
        assert sorted(store.committed) == [1, 2]
    finally:
        old.close()
