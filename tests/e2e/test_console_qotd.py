"""The question of the day in the console: the real `prepbot` process scripted through
stdin, and the console adapter with the scheduler's due-check on a controlled clock."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from adapters.console import ConsoleChat, ConsoleSession
from bot.bootstrap import build_core
from bot.scheduling import QotdJobs, Scheduler
from bot.testing import FakeClock, FakeUnitOfWorkFactory
from tests.e2e.test_console import run_console, sample_content  # noqa: F401 - fixture


def test_setup_now_answer_and_show_in_the_console(tmp_path, sample_content):  # noqa: F811
    script = "\n".join(
        [
            "/as ada",
            "/qotd setup 09:00 tz=Europe/Berlin levels=junior reveal=8h",
            "/qotd now",
            "/as alice",
            "/qotd answer",
            "I am not sure at all",
            "Encoder-only",
            "/qotd answer Decoder-only",
            "/qotd show",
            "/help",
        ]
    )
    result = run_console(script + "\n", tmp_path / "data", sample_content)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Posts at 09:00 Europe/Berlin, daily." in out
    assert "[#terminal] Question of the day · " in out
    assert "Posted today's question of the day." in out
    assert "Type your answer to the question of the day in your next message." in out
    # An unreadable line is not graded (the choice question waits); the next readable
    # line is alice's one answer, and asking again returns it.
    if "Which transformer layout does GPT-3 use?" in out:
        assert "I can't tell which option" in out
    assert "You already answered today's question" in out
    assert "Recent:" in out and ": posted nlp-basics-sample-" in out
    assert "/qotd answer TEXT" in out
    assert "Traceback" not in result.stderr

    # A restart the same day does not post today's question again.
    again = run_console("/qotd show\n", tmp_path / "data", sample_content)
    assert again.returncode == 0, again.stderr
    assert "[#terminal] Question of the day" not in again.stdout


async def test_due_question_appears_in_the_running_console(sample_questions):
    printed: list[str] = []
    clock = FakeClock(datetime(2026, 1, 5, 7, tzinfo=UTC))
    core = build_core(
        FakeUnitOfWorkFactory(), clock, random.Random(2), chat=ConsoleChat(printed.append)
    )
    await core.catalog.sync(sample_questions)
    assert core.qotd is not None
    session = ConsoleSession(core, member="ada")
    assert "Posts at 09:00 UTC" in await session.exec("/qotd setup 09:00 reveal=1h")
    jobs = QotdJobs(core.qotd, Scheduler(), clock)
    await jobs.rebuild()
    clock.set(datetime(2026, 1, 5, 8, 59, tzinfo=UTC))
    await jobs.run_now()
    assert printed == []
    clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    await jobs.run_now()  # what the 09:00 cron job runs
    assert len(printed) == 1 and printed[0].startswith("[#terminal] Question of the day")
    clock.set(datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    await jobs.run_now()  # the reveal's wake-up
    assert printed[-1].startswith("[#terminal] Question of the day · the answer")
    assert "Answered: 0" in printed[-1]
