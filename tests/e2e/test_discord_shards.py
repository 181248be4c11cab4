"""Scale-out: two real `prepbot run` processes split the shards of one bot (DISCORD_SHARD_IDS)
over one PostgreSQL database. Each serves the interactions of its own shard's guilds; both
run the question-of-the-day due-check at the same minute, and each question is posted
exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.discord.testing.server import FakeDiscord
from bot.storage.engine import create_engine
from tests.conftest import POSTGRES_URL, ROOT, SAMPLE_PACKS, fresh_database

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="set PREPBOT_TEST_POSTGRES_URL to test PostgreSQL"
)


async def _process(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "SLACK_")) and k != "DATABASE_URL"
    }
    environment.update(env)
    with log.open("wb") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=environment, stdout=sink, stderr=sink
        )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_two_processes_split_the_shards_and_post_each_question_once(tmp_path):
    async with FakeDiscord(shard_count=2) as fake, fresh_database("postgres", tmp_path) as url:
        guilds = [await fake.add_guild(f"Shard {n}", shard_id=n) for n in (0, 1)]
        rooms = [await fake.add_channel(guild, "study") for guild in guilds]
        admins = [fake.add_member(g, f"admin{n}", admin=True) for n, g in enumerate(guilds)]
        base = {
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DISCORD_SHARD_COUNT": "2",
            "DATABASE_URL": url,
            "PREPBOT_CONTENT_DIR": str(SAMPLE_PACKS),
            "PREPBOT_LOG_LEVEL": "INFO",
        }
        processes = []
        logs = [tmp_path / f"shard{n}.log" for n in (0, 1)]
        try:
            # One after the other: the first migrates the shared database.
            for shard in (0, 1):
                env = {
                    **base,
                    "DISCORD_SHARD_IDS": str(shard),
                    "PREPBOT_DATA_DIR": str(tmp_path / f"data{shard}"),
                }
                processes.append(await _process(env, logs[shard]))
                await fake.wait_until_ready(shards=[shard], within=90)
                # Each process has its own data directory, so each uploads the commands
                # once it is ready; members can use them after that.
                for _ in range(900):
                    if len(fake.command_syncs) > shard:
                        break
                    await asyncio.sleep(0.1)
                assert len(fake.command_syncs) > shard, logs[shard].read_text()[-2000:]
            assert {s.shard_id for s in fake.gateway.current_sessions()} == {0, 1}
            # Each shard's interactions reach the process that holds it.
            for guild, admin in zip(guilds, admins, strict=True):
                record = await fake.slash(admin, "help", within=20)
                assert "/quiz" in record.text
                assert record.shard_id == (0 if guild is guilds[0] else 1)
            # Both processes will wake for the same minute.
            now = datetime.now(UTC)
            post_at = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
            if (post_at - now).total_seconds() < 15:
                post_at += timedelta(minutes=1)
            for room, admin in zip(rooms, admins, strict=True):
                record = await fake.slash(
                    admin, "qotd setup", channel=room, time=post_at.strftime("%H:%M"), within=20
                )
                assert "set up" in record.text, record.text
            deadline = time.monotonic() + (post_at - datetime.now(UTC)).total_seconds() + 45

            def posted(room) -> list:
                return [m for m in fake.messages(room) if "Question of the day ·" in m.text]

            while time.monotonic() < deadline:
                if all(posted(r) for r in rooms):
                    break
                await asyncio.sleep(0.25)
            # Leave the slower process time to run its due-check too.
            await asyncio.sleep(5)
            for room in rooms:
                assert len(posted(room)) == 1, [m.text for m in fake.messages(room)]
        finally:
            for process in processes:
                await _stop(process)
        outputs = [log.read_text(errors="replace") for log in logs]
        for output in outputs:
            assert "Traceback" not in output, output[-3000:]
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(
                        text("SELECT status, attempts FROM qotd_posts WHERE kind = 'question'")
                    )
                ).all()
        finally:
            await engine.dispose()
        assert sorted(rows) == [("posted", 1), ("posted", 1)]
