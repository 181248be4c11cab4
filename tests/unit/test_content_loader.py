"""Pack validation: every problem is reported with its file, question id and field."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from bot.content.loader import load_packs, parse_pack

GOOD = """
topic: llms
questions:
  - id: llms-test-one
    kind: short
    level: junior
    prompt: Which company released the Gemma family of open models?
    accepted: [Google, Google DeepMind]
    model_answer: Google (Google DeepMind).
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_pack_loads(tmp_path):
    result = load_packs(write(tmp_path, "llms.yaml", GOOD))
    assert result.ok
    assert result.questions[0].topic == "llms"


def test_bad_yaml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "broken.yaml", "topic: llms\nquestions:\n  - id: [unclosed\n")
    result = load_packs(path)
    assert not result.ok
    assert "broken.yaml" in str(result.problems[0])
    assert "line" in result.problems[0].message


def test_missing_field_names_question_and_field(tmp_path):
    text = GOOD.replace("    model_answer: Google (Google DeepMind).\n", "")
    [problem] = parse_pack(text, "llms.yaml")[1]
    assert problem.question_id == "llms-test-one"
    assert problem.field == "model_answer"


def test_duplicate_ids_across_packs(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("Which company", "What organisation"))
    result = load_packs(tmp_path)
    assert any(
        p.question_id == "llms-test-one" and "duplicate id" in p.message for p in result.problems
    )


def test_near_duplicate_prompts(tmp_path):
    second = GOOD.replace("llms-test-one", "llms-test-two").replace("open models?", "open models")
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", second)
    result = load_packs(tmp_path)
    assert any("near-duplicate of llms-test-one" in p.message for p in result.problems)


def test_choice_rules(tmp_path):
    text = """
topic: transformers
questions:
  - id: transformers-bad-choice
    kind: choice
    level: junior
    prompt: Which model is encoder-only?
    choices:
      - text: BERT
      - text: GPT-3
        why_wrong: decoder-only
    answer: T5
    model_answer: BERT.
"""
    [problem] = parse_pack(text, "t.yaml")[1]
    assert problem.question_id == "transformers-bad-choice"
    assert "not one of the options" in problem.message
    duplicated = text.replace("GPT-3", "bert").replace("answer: T5", "answer: BERT")
    [problem] = parse_pack(duplicated, "t.yaml")[1]
    assert "duplicate options" in problem.message


def test_open_question_needs_key_points_and_ids_must_be_slugs():
    text = """
topic: nlp-basics
questions:
  - id: nlp-basics-no-points
    kind: open
    level: mid
    prompt: Why do we tokenize text?
    model_answer: To turn text into units.
  - id: Not A Slug
    kind: short
    level: mid
    prompt: Name one subword tokenizer.
    accepted: [BPE]
    model_answer: BPE.
"""
    problems = parse_pack(text, "n.yaml")[1]
    messages = {(p.question_id, p.field): p.message for p in problems}
    assert "key points" in messages[("nlp-basics-no-points", None)]
    assert "slug" in messages[("Not A Slug", "id")]


def test_unknown_topic():
    problems = parse_pack(GOOD.replace("topic: llms", "topic: astrology"), "x.yaml")[1]
    assert problems[0].field == "topic" and "unknown topic" in problems[0].message


def test_validate_command_exit_codes(tmp_path, capsys):
    good = write(tmp_path, "good.yaml", GOOD)
    assert main(["content", "validate", str(good)]) == 0
    bad = write(tmp_path, "bad.yaml", GOOD.replace("kind: short", "kind: riddle"))
    assert main(["content", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml [llms-test-one] kind" in out
