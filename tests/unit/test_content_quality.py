"""Rubric quality checks: key points are claims, accepted answers are whole, new fields load."""

from __future__ import annotations

from pathlib import Path

from bot.cli import main
from bot.content.loader import load_packs, parse_pack
from bot.content.quality import rubric_report
from bot.storage.codec import question_from_dict, question_to_dict

OPEN = """
topic: statistics
questions:
  - id: statistics-pvalue-meaning
    kind: open
    level: mid
    prompt: What does a p-value tell you?
    model_answer: >-
      The probability, assuming the null hypothesis is true, of data at least as extreme as
      what was observed. It is not the probability that the null hypothesis is true.
    key_points:
      - text: probability of data at least as extreme as observed
        synonyms: [chance of a result this extreme]
        core: true
        claim: the p-value is computed assuming the null hypothesis holds
      - text: computed assuming the null hypothesis is true
        synonyms: [under the null hypothesis]
        core: true
      - text: small p-values are evidence against the null
        core: false
    misconceptions:
      - claim: the p-value is the probability that the null hypothesis is true
        phrasings: [probability the hypothesis is true, chance the null is correct]
        correction: it is computed assuming the null is true, so it cannot be its probability
"""


def _problems(text: str) -> list[str]:
    questions, problems = parse_pack(text, "pack.yaml")
    return [str(p) for p in problems]


def test_new_fields_load_and_survive_the_database_codec() -> None:
    questions, problems = parse_pack(OPEN, "pack.yaml")
    assert not problems
    question = questions[0]
    assert [p.core for p in question.key_points] == [True, True, False]
    assert (
        question.key_points[0].claim == "the p-value is computed assuming the null hypothesis holds"
    )
    assert question.misconceptions[0].phrasings == (
        "probability the hypothesis is true",
        "chance the null is correct",
    )
    assert question_from_dict(question_to_dict(question)) == question


def test_old_question_json_without_the_new_fields_still_decodes() -> None:
    questions, _ = parse_pack(OPEN, "pack.yaml")
    data = question_to_dict(questions[0])
    del data["misconceptions"]
    for point in data["key_points"]:
        point.pop("core", None)
        point.pop("claim", None)
    old = question_from_dict(data)
    assert old.misconceptions == ()
    assert all(p.core is None for p in old.key_points)


def test_a_single_generic_word_is_refused_as_a_phrasing() -> None:
    text = OPEN.replace("[under the null hypothesis]", "[under the null hypothesis, evaluation]")
    assert any("'evaluation' is a single generic word" in p for p in _problems(text))


def test_a_phrasing_that_only_restates_the_prompt_is_refused() -> None:
    text = OPEN.replace("[chance of a result this extreme]", "[what a p-value tells you]")
    problems = _problems(text)
    assert any("only repeats words of the prompt" in p for p in problems), problems
    assert any("[statistics-pvalue-meaning] key_points.0" in p for p in problems)


def test_short_questions_keep_single_word_accepted_answers_but_not_fragments() -> None:
    short = """
topic: transformers
questions:
  - id: transformers-paper
    kind: short
    level: junior
    prompt: Which paper introduced the transformer?
    accepted: [Attention Is All You Need, Attention Is All You Need (Vaswani et al., 2017)]
    model_answer: Attention Is All You Need.
"""
    problems = _problems(short)
    assert any("'2017)' is a fragment" in p for p in problems), problems
    quoted = short.replace(
        "Attention Is All You Need (Vaswani et al., 2017)]",
        '"Attention Is All You Need (Vaswani et al., 2017)"]',
    )
    assert _problems(quoted) == []
    single = short.replace("[Attention Is All You Need, ", "[Attention, ")
    assert (
        _problems(single.replace(", Attention Is All You Need (Vaswani et al., 2017)]", "]")) == []
    )


def test_core_marks_are_all_or_nothing_and_misconceptions_only_for_open_kinds() -> None:
    half = OPEN.replace("        core: false\n", "")
    assert any("mark every point core" in p for p in _problems(half))
    behavioral = OPEN.replace("kind: open", "kind: behavioral").replace(
        "    key_points:",
        "    star: {situation: the setting, task: the goal, action: the steps, result: the end}"
        "\n    key_points:",
    )
    assert any("misconceptions: only open" in p for p in _problems(behavioral))


def test_validate_reports_the_remaining_rubric_work(tmp_path: Path, capsys) -> None:
    path = tmp_path / "statistics.yaml"
    path.write_text(OPEN, encoding="utf-8")
    assert main(["content", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 of 1 open, scenario and coding questions have no misconceptions" in out
    bare = OPEN.split("    misconceptions:")[0].replace("        core: true\n", "")
    bare = bare.replace("        core: false\n", "")
    path.write_text(bare, encoding="utf-8")
    assert main(["content", "validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 open, scenario and coding questions have no misconceptions" in out
    assert "1 have no core/supporting marks" in out
    assert "0 of 0 behavioral questions have no core/supporting marks" in out


def test_the_shipped_bank_has_no_refused_phrasings() -> None:
    result = load_packs(Path(__file__).resolve().parents[2] / "content")
    assert result.ok, "\n".join(str(p) for p in result.problems[:20])
    report = rubric_report(result.questions)
    assert report.open_questions >= 200


FOLLOW_UP = """
    follow_ups:
      - trigger: missed
        about: computed assuming the null hypothesis is true
        prompt: Under what assumption is a p-value computed?
        key_points:
          - text: the p-value assumes the null hypothesis holds
            synonyms: [SYNONYMS]
        model_answer: It is computed as if the null hypothesis were true.
"""


def _with_follow_up(synonyms: str) -> str:
    return OPEN + FOLLOW_UP.replace("SYNONYMS", synonyms)


def test_follow_up_key_points_must_be_claims_too() -> None:
    assert _problems(_with_follow_up("computed as if the null were true")) == []
    generic = _problems(_with_follow_up("evaluation"))
    assert any("follow_ups.0.key_points.0" in p and "single generic word" in p for p in generic), (
        generic
    )
    restated = _problems(_with_follow_up("what assumption a p-value is computed under"))
    assert any("only repeats words of the prompt" in p for p in restated), restated


def test_a_number_cut_at_its_thousands_comma_is_a_fragment() -> None:
    cut = _problems(_with_follow_up("one-hot creates 50, 000 sparse columns"))
    assert any("'000 sparse columns' is a fragment" in p for p in cut), cut
    whole = _with_follow_up('"one-hot creates 50,000 sparse columns", 512 rows per batch')
    assert _problems(whole) == []
