"""A separate process submitting answers (used by test_multiprocess.py).

Run as `python -m tests.integration.submitter URL N TAG START_AT`.

Used by test_multiprocess.py; each process has its own engine and event loop, as separate
bot processes sharing one PostgreSQL database would.
"""

from __future__ import annotations

import asyncio
import sys
import time

from bot.bootstrap import build_core
from bot.ports import SystemClock
from bot.services.context import Caller
from bot.storage.engine import create_engine
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory

QUESTIONS = ("nlp-basics-sample-gpt3", "nlp-basics-sample-tfidf", "nlp-basics-sample-stemming")
# Each answer carries a unique tag; a multiple-choice one must still name its option, or it
# is not graded at all.
ANSWERS = (
    "my answer is A",
    "tf-idf",
    "stemming strips suffixes; lemmatization returns the dictionary form",
)
MEMBERS = 8


async def main(url: str, count: int, tag: str, start_at: float) -> None:
    engine = create_engine(url)
    core = build_core(SqlAlchemyUnitOfWorkFactory(engine), SystemClock())
    # Every process starts at the same instant, so their first answers really collide.
    await asyncio.sleep(max(0.0, start_at - time.time()))

    async def member(index: int) -> None:
        caller = Caller("discord", "guild", f"m{index}", f"member {index}", "general")
        for k in range(count):
            # Every process hits the same members and questions, to collide on purpose.
            which = (index + k) % len(QUESTIONS)
            reply = await core.quiz.submit(
                caller, QUESTIONS[which], f"#{tag}-{index}-{k} {ANSWERS[which]}"
            )
            assert not reply.error, reply.text

    try:
        await asyncio.gather(*(member(i) for i in range(MEMBERS)))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])))
