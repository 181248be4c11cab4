"""Every shipped pack is valid, and the bank is big enough to be useful."""

from __future__ import annotations

import json
from collections import Counter

from bot.cli import main
from bot.config import PROJECT_ROOT
from bot.content.loader import load_packs

CONTENT = PROJECT_ROOT / "content"


def test_every_shipped_pack_validates():
    result = load_packs(CONTENT)
    assert result.ok, "\n".join(str(p) for p in result.problems)
    assert len(result.questions) >= 30


def test_export_lists_every_question_as_json(capsys):
    assert main(["content", "export", "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported) == len(load_packs(CONTENT).questions)
    for item in exported:
        assert {"id", "prompt", "kind", "topic", "level"} <= item.keys()


def test_stats_show_topic_by_level_and_kinds(capsys):
    assert main(["content", "stats"]) == 0
    out = capsys.readouterr().out
    questions = load_packs(CONTENT).questions
    kinds = Counter(q.kind.value for q in questions)
    assert f"{len(questions)} questions" in out
    assert f"choice {kinds['choice']}" in out
    assert "junior" in out.splitlines()[0]


def test_every_follow_up_is_answered_by_its_own_model_answer():
    # A follow-up's model answer must grade as correct against its own key points, or the
    # follow-up's grading is broken. Also: follow-ups exist where interviews draw from.
    from bot.services.interview.followups import follow_up_question
    from bot.services.scoring import grade

    questions = load_packs(CONTENT).questions
    weak = []
    for question in questions:
        for index, follow_up in enumerate(question.follow_ups):
            result = grade(follow_up_question(question, index), follow_up.model_answer)
            if result.score < 70:
                weak.append(f"{question.id}[{index}] {result.score}: {result.missed}")
    assert not weak, "\n".join(weak)
    followed = [q for q in questions if q.follow_ups]
    assert len(followed) >= 100
