"""The real `prepbot run` console process with the LLM judge switched on by its settings,
against the local fake OpenAI-compatible endpoint: the judge grades open answers, a broken
judge leaves the claims grade, and the log names the grader but never the key."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest

from bot.content.loader import load_packs
from bot.domain import Kind
from bot.services.scoring import grade
from bot.testing.judge import Content, FakeJudge, Verdicts
from tests.conftest import ROOT, SAMPLE_PACKS

KEY = "sk-console-secret"
ANSWER = "Stemming cuts suffixes by rule and can produce non-words."


@pytest.fixture
def sample_content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SAMPLE_PACKS, target)
    return target


async def run_console(script: str, data_dir: Path, content: Path, judge: FakeJudge) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DATABASE_URL"}
    }
    environment.update(
        PREPBOT_DATA_DIR=str(data_dir),
        PREPBOT_CONTENT_DIR=str(content),
        PREPBOT_LOG_LEVEL="INFO",
        PREPBOT_GRADER_URL=judge.url,
        PREPBOT_GRADER_MODEL=judge.model,
        PREPBOT_GRADER_API_KEY=KEY,
        PREPBOT_GRADER_TIMEOUT="5",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=environment,
    )
    out, err = await asyncio.wait_for(process.communicate(script.encode()), 120)
    assert process.returncode == 0, err.decode()
    assert b"Traceback" not in err
    return out.decode()


async def test_the_console_grades_open_answers_with_the_judge(tmp_path, sample_content):
    async with FakeJudge(api_key=KEY) as judge:
        judge.default = Verdicts(feedback="Judged by the fake endpoint.")
        out = await run_console(
            f"/as alice\n/quiz open\n{ANSWER}\n/quiz choice\nA\n",
            tmp_path / "data",
            sample_content,
            judge,
        )
        assert judge.answers == [ANSWER]  # the choice answer never went to the judge
    assert "Correct: 100/100" in out and "Judged by the fake endpoint." in out
    log = (tmp_path / "data" / "prepbot.log").read_text()
    assert f"grader: LLM judge {judge.model} at http://127.0.0.1:" in log
    assert KEY not in log and ANSWER not in log


async def test_a_broken_judge_leaves_the_claims_grade(tmp_path, sample_content):
    async with FakeJudge(api_key=KEY) as judge:
        judge.default = Content("Great answer, 10/10!")
        out = await run_console(
            f"/as alice\n/quiz open\n{ANSWER}\n", tmp_path / "data", sample_content, judge
        )
        assert judge.calls == 1
    stemming = next(q for q in load_packs(sample_content).questions if q.kind is Kind.OPEN)
    claims = grade(stemming, ANSWER)
    assert claims.score < 100 and f"{claims.score}/100" in out
    assert claims.feedback in out
    log = (tmp_path / "data" / "prepbot.log").read_text()
    assert "the LLM judge failed (invalid reply" in log
    assert ANSWER not in log
