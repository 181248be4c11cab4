"""Leaderboards, cohorts and privacy through the console, end to end."""

from __future__ import annotations

import shutil

from tests.conftest import SAMPLE_PACKS
from tests.e2e.test_console import run_console


def test_console_boards_cohorts_and_forget_me(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_PACKS, content)
    script = (
        "\n".join(
            [
                "/as alice",
                "/cohort create spring",
                "/cohort join spring",
                "/quiz choice",
                "A",
                "/as bob",
                "/quiz choice",
                "B",
                "/leaderboard week",
                "/leaderboard day channel",
                "/leaderboard cohort spring",
                "/cohort roster spring",
                "/cohort export spring",
                "/forget-me",
                "/forget-me confirm",
                "/leaderboard",
                "/leaderboard fortnight galaxy",
            ]
        )
        + "\n"
    )
    result = run_console(script, tmp_path / "data", content)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Cohort spring created" in out
    assert "Leaderboard · Local practice · this week" in out
    assert "Leaderboard · this channel · today" in out
    assert "Leaderboard · cohort spring · all time" in out
    assert "--- spring-roster.csv ---" in out
    assert "spring,alice,1,1,1.00,10,1" in out
    assert "Type yes (or /forget-me confirm)" in out
    assert "your data in this community is deleted" in out
    final_board = out.split("your data in this community is deleted")[1]
    assert "bob" not in final_board.split("I don't understand")[0]
    assert "1. alice — 10 pts" in final_board
    assert "I don't understand `fortnight galaxy`" in out
    assert "Traceback" not in result.stderr


def test_cli_cohort_export(tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    content = tmp_path / "content"
    shutil.copytree(SAMPLE_PACKS, content)
    run_console(
        "/as alice\n/cohort create spring\n/cohort join spring\n/quiz choice\nA\n",
        tmp_path / "data",
        content,
    )
    env = {**os.environ, "PREPBOT_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "cohort",
            "export",
            "--community",
            "console:local",
            "--cohort",
            "spring",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("spring,alice,1,1,1.00,10,1")
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "cohort",
            "export",
            "--community",
            "console:local",
            "--cohort",
            "nope",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert missing.returncode == 1 and "no cohort called `nope`" in missing.stderr
