"""Mock interviews through the real `prepbot run` process, scripted on stdin."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import SAMPLE_PACKS
from tests.e2e.test_console import run_console
from tests.interview_script import INTERVIEW_PACKS

# Whatever questions are drawn, eight answers cover four questions and a follow-up after
# each; lines left over once the scorecard is out fall to the quiz, which says so.
ANSWERS = [
    # The warm-up may be multiple choice: a letter is an answer to any kind of question.
    "A",
    "I would start from a pretrained model, fine-tune it on labelled examples with LoRA to "
    "keep memory low, and evaluate on a held-out set with the metric the task needs.",
    "I would classify intents, call backend APIs for orders, use retrieval for policy "
    "questions, escalate to a human agent on low confidence, and track containment and CSAT.",
    "I would loop over the inputs, keep a running total in a dictionary, handle the empty "
    "case first and return the sorted result; it runs in linear time.",
    "I would measure it on a held-out set and compare it with a simple baseline first.",
    "The trade-off is latency and cost against quality, so I would try the smaller model first.",
    "I would add monitoring and alerts and roll out behind an A/B test.",
    "I would write unit tests for the edge cases and profile it on realistic data.",
]


def test_a_whole_interview_reaches_a_scorecard(tmp_path):
    script = "\n".join(
        [
            "/as alice",
            "/interview start mid llm short",
            *ANSWERS,
            "/interview history",
            "/interview show 1",
        ]
    )
    result = run_console(script + "\n", tmp_path / "data")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Interview · mid · LLM · Q1/4 · Warm-up concept" in out
    assert "Mock interview: mid (your choice), LLM track, short: 4 questions" in out
    for section in ("Technical depth", "Scenario / system design", "Coding"):
        assert f"· {section}" in out
    assert "Interview scorecard\n" in out and "That was the last question." in out
    assert "Overall: " in out
    for competency in ("Fundamentals", "Depth", "System design", "Coding", "Communication"):
        assert f"- {competency}: " in out
    assert "- Behavioral: not assessed" in out
    assert "Study plan: " in out or "Strengths: " in out
    assert "#1 " in out and "mid LLM short" in out
    assert "Interview scorecard #1" in out
    assert "Traceback" not in result.stderr


def test_an_interview_resumes_after_a_restart(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_PACKS, content)
    for pack in Path(INTERVIEW_PACKS).glob("*.yaml"):
        shutil.copy(pack, content / f"interview-{pack.name}")
    data = tmp_path / "data"
    first = run_console("/as alice\n/interview start mid llm short\nA\n", data, content)
    assert first.returncode == 0, first.stderr
    assert "Q2/4 · Technical depth" in first.stdout
    second = run_console(
        "/as alice\n/interview\n/interview start\n/interview end\n/interview history\n",
        data,
        content,
    )
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "Your current question:" in out and "Q2/4 · Technical depth" in out
    assert "You already have an interview in progress" in out
    assert "Interview ended early." in out
    assert "(ended early)" in out
    assert "Traceback" not in second.stderr
