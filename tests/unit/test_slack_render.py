"""Block Kit rendering on its own: escaping, Slack's limits, buttons and the answer modal."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from adapters.slack.commands import help_reply, subcommand
from adapters.slack.render import (
    ACT,
    FORM,
    MAX_ACTION_ID,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_FIELD,
    MAX_SECTION,
    MAX_VALUE,
    ModalTarget,
    answer_modal,
    blocks_for,
    escape,
    home_view,
    read_form_value,
    render,
    slack_commands,
)
from bot.views import Button, Field, Reply


def texts(blocks) -> list[str]:
    """Every text in the blocks, as Slack would read it."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


def elements(blocks) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


HOSTILE = "<!channel> <!here> <!everyone> <@U12345> <https://evil.example|click> & co"


def test_user_text_can_never_become_a_mention_or_a_link():
    reply = Reply(
        title=f"Stats for {HOSTILE}",
        text=f"Cohort {HOSTILE}",
        fields=(Field(HOSTILE, HOSTILE), Field("inline", HOSTILE, inline=True)),
        choices=(HOSTILE,),
        buttons=(Button(HOSTILE, "quiz"),),
        footer=HOSTILE,
        answer_action="answer:q1",
    )
    rendered = render(reply)
    for text in [rendered.text, *texts(rendered.blocks)]:
        assert "<!" not in text and "<@" not in text and "<http" not in text
    assert "&lt;!channel&gt;" in json.dumps(rendered.blocks)
    assert escape("a & b <c>") == "a &amp; b &lt;c&gt;"


def test_core_commands_are_named_as_prep_subcommands():
    assert slack_commands("Try /quiz or /leaderboard week.") == (
        "Try /prep quiz or /prep leaderboard week."
    )
    # Not inside URLs or paths, and not for words that are not commands.
    assert slack_commands("see https://x.io/quiz and a/quiz and /quizzes") == (
        "see https://x.io/quiz and a/quiz and /quizzes"
    )
    assert "/prep qotd answer" in texts(render(Reply(text="Use /qotd answer TEXT")).blocks)[0]


def test_limits_hold_for_huge_replies():
    huge = "word " * 5000 + "&" * 4000
    reply = Reply(
        title="t" * 5000,
        text=huge,
        fields=tuple(Field(f"&{i}" * 100, huge, inline=i % 2 == 0) for i in range(60)),
        choices=tuple("<&>" * 1000 for _ in range(5)),
        answer_action="answer:q1",
        buttons=tuple(Button("b" * 300, "x" * 3000) for i in range(30)),
        footer=huge,
    )
    blocks = blocks_for(reply)
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= MAX_SECTION
        for field in block.get("fields", []):
            assert len(field["text"]) <= MAX_FIELD
        assert len(block.get("fields", [])) <= 10
        if block["type"] == "actions":
            assert len(block["elements"]) <= 25
    for element in elements(blocks):
        assert len(element["text"]["text"]) <= MAX_BUTTON_TEXT
        assert len(element["value"]) <= MAX_VALUE
        assert len(element["action_id"]) <= MAX_ACTION_ID
    # An entity is never cut in half.
    for text in texts(blocks):
        assert not re.search(r"&(?!(amp|lt|gt);)", text)
    assert "shortened" in json.dumps(blocks)


def test_choices_are_lettered_buttons_and_action_ids_are_unique():
    reply = Reply(
        text="Which?",
        choices=("one", "two", "three"),
        buttons=(Button("Skip", "skip"),),
        answer_action="answer:q7",
    )
    found = elements(blocks_for(reply))
    assert [e["value"] for e in found] == ["answer:q7:A", "answer:q7:B", "answer:q7:C", "skip"]
    assert [e["text"]["text"] for e in found[:3]] == ["A", "B", "C"]
    assert len({e["action_id"] for e in found}) == len(found)
    assert all(e["action_id"].startswith(ACT) for e in found)


def test_free_text_gets_a_modal_button_and_the_qotd_answer_button_opens_it():
    quiz = Reply(text="Explain attention.", wants_text_answer=True, answer_action="answer:q9")
    (opener,) = elements(blocks_for(quiz))
    assert opener["action_id"].startswith(FORM)
    assert read_form_value(opener["value"]) == ("answer:q9", "Explain attention.")
    assert read_form_value("answer:q9") == ("answer:q9", "")
    long = Reply(text="x" * 9000, wants_text_answer=True, answer_action="answer:q9")
    (opener,) = elements(blocks_for(long))
    assert len(opener["value"]) <= MAX_VALUE and read_form_value(opener["value"])[0] == "answer:q9"
    qotd = Reply(
        text="Explain attention.",
        buttons=(Button("Answer privately", "qotd:answer:5", "primary"),),
        wants_text_answer=True,
        answer_action="qotd:answer:5",
        private=False,
    )
    (opener,) = elements(blocks_for(qotd))
    assert opener["action_id"].startswith(FORM) and opener["text"]["text"] == "Answer privately"
    # A choice question of the day is answered by its letters; no modal.
    choice = Reply(
        text="Pick",
        choices=("a", "b"),
        buttons=(Button("Answer privately", "qotd:answer:5"),),
        answer_action="qotd:answer:5",
    )
    assert [e["value"] for e in elements(blocks_for(choice))] == [
        "qotd:answer:5:A",
        "qotd:answer:5:B",
    ]


def test_answer_modal_carries_its_target_and_says_the_limit():
    target = ModalTarget("answer:q9", "C1", "https://hooks.example/respond/1")
    view = answer_modal(target, "Explain <attention> & more")
    assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
    assert ModalTarget.load(view["private_metadata"]) == target
    box = view["blocks"][-1]
    assert box["element"]["max_length"] == 3000
    assert "3,000 characters" in box["hint"]["text"]
    assert "&lt;attention&gt; &amp; more" in json.dumps(view["blocks"])
    for bad in (None, "", "not json", "[1]", '{"a": 5}', '{"a": "x", "c": 3}', "x" * 4000):
        assert ModalTarget.load(bad) is None


def test_home_view_and_errors():
    view = home_view(Reply(text="hi", buttons=(Button("Practice", "practice", "primary"),)))
    assert view["type"] == "home" and elements(view["blocks"])[0]["style"] == "primary"
    assert texts(blocks_for(Reply(text="nope", error=True)))[0].startswith(":warning:")


def test_prep_subcommands_come_from_the_catalogue():
    assert subcommand("  Quiz  llms senior ") == ("quiz", "llms senior")
    assert subcommand("") == ("", "")
    unknown = help_reply("dance")
    assert "dance" in unknown.text and "/quiz" in unknown.text


def test_a_closed_post_has_nothing_to_press():
    open_post = Reply(
        text="Which layout does GPT-3 use?",
        choices=("Decoder-only", "Encoder-only"),
        buttons=(Button("Answer privately", "qotd:answer:7", "primary"),),
        answer_action="qotd:answer:7",
        private=False,
    )
    assert any(b["type"] == "actions" for b in blocks_for(open_post))
    closed = blocks_for(replace(open_post, closed=True, footer="Answers closed · 3 answered"))
    assert not any(b["type"] == "actions" for b in closed)
    assert "Answers closed" in str(closed)
