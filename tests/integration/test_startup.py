"""What `bootstrap.start` leaves behind: a migrated, synced database and a tuned collector."""

from __future__ import annotations

import gc

from bot.bootstrap import GC_THRESHOLDS, start
from bot.config import Settings
from bot.services.context import Caller
from tests.conftest import SAMPLE_PACKS


async def test_start_migrates_syncs_and_tunes_the_garbage_collector(tmp_path):
    before = gc.get_threshold()
    settings = Settings(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        PREPBOT_CONTENT_DIR=SAMPLE_PACKS,
    )
    try:
        runtime = await start(settings)
        try:
            assert gc.get_threshold() == GC_THRESHOLDS
            # What start-up loaded is out of the collector's sight from now on.
            assert gc.get_freeze_count() > 0
            caller = Caller("console", "local", "ann", "Ann", "terminal")
            reply = await runtime.core.quiz.ask(caller)
            assert not reply.error
        finally:
            await runtime.close()
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
