"""Issue 10 through the real `prepbot run` process: the scripted console session of its
"done when" (unreadable choices, no points for wrong answers, cohort names with spaces,
board words, control characters, settings), multi-line answers, roles and the log file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_PACKS
from tests.e2e.test_console import run_console

SCRIPT = (
    "/as ada\n"
    "/settings\n"
    "/settings timezone europe/paris\n"
    "/quiz choice\n"
    "I think A\n"
    "🤖 B ✅\n"
    "A\n"
    "/quiz short\n"
    "general purpose transformer\n"
    '/cohort create "My Cohort"\n'
    "/as bob member\n"
    "/cohort join My Cohort\n"
    "/settings timezone UTC\n"
    "/leaderboard year\n"
    '/leaderboard "week\n'
    "/quiz open\n"
    "stemming \x1b[31mstrips\x1b[0m suffixes\x07 and\x08 lemmas\x00 are words\n"
    "/my-data\n"
    "/leaderboard week My Cohort\n"
)


@pytest.fixture
def sample_content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SAMPLE_PACKS, target)
    return target


def test_the_scripted_session_of_issue_10(tmp_path, sample_content):
    result = run_console(SCRIPT, tmp_path / "data", sample_content, PREPBOT_LOG_LEVEL="INFO")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Settings: shown, and the timezone found in any case.
    assert "timezone: UTC" in out
    assert "Timezone changed from UTC to Europe/Paris" in out
    # 1: unreadable choices are not graded; the question waits for a readable one.
    assert out.count("! I can't tell which option") == 2
    assert "Correct: 100/100 (+10 points)" in out
    # 2: a wrong answer earns nothing.
    assert "no points: an incorrect answer earns none" in out
    # 5: the instruction the bot gives works as written.
    assert "Members join with /cohort join My Cohort." in out
    assert "You joined My Cohort." in out
    # Roles: bob plays a member, who may not change settings.
    assert "You are now bob (a member, not an admin)." in out
    assert "! Only an admin can change settings." in out
    # 6: words a board does not know, and an unclosed quote.
    assert "! I don't understand `year`. Windows: day, week, month, all" in out
    assert "! That command has an unclosed quote" in out
    # 8: control characters never come back.
    assert "stemming strips suffixes and lemmas are words" in out
    assert not any(ch in out for ch in "\x1b\x07\x08\x00")
    assert "Leaderboard · cohort My Cohort · this week" in out
    assert "resets Mon" in out and "Europe/Paris" in out
    # The console logs to a file in the data folder, not into the terminal.
    log = (tmp_path / "data" / "prepbot.log").read_text(encoding="utf-8")
    assert "content: 3 questions" in log
    assert "content: 3 questions" not in result.stderr + out


def test_a_multi_line_answer_ends_with_its_terminator(tmp_path, sample_content):
    script = (
        "/as alice\n/quiz open\n"
        '"""\n'
        "Stemming strips suffixes with heuristic rules,\n"
        "and it can produce non-words.\n"
        "\n"
        "Lemmatization returns the dictionary form.\n"
        '"""\n'
        "/my-data\n"
        "/quiz open\n"
        '"""\n' + "word " * 1300 + "\n" + '"""\n'
        '"""\nnever ended\n'
    )
    result = run_console(script, tmp_path / "data", sample_content)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '(multi-line answer: end it with a line holding only """)' in out
    assert "Correct: 100/100" in out
    assert "heuristic rules,\nand it can produce" in out  # one answer, lines kept
    assert "the limit is 6,000" in out and "your question is still waiting" in out
    assert 'The multi-line answer was never ended with """: nothing was sent.' in out
