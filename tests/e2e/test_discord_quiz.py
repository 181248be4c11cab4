"""Quiz, practice and self-rating through the unmodified discord.py client against the fake
Discord: slash commands, buttons, modals, ephemeral answers, the 3-second rule."""

from __future__ import annotations

import pytest

from adapters.discord.testing.interactions import DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
from tests.e2e.discord_world import discord_world

CHOICE_PROMPT = "Which transformer layout does GPT-3 use?"


@pytest.fixture
async def world(tmp_path):
    async with discord_world(tmp_path) as w:
        yield w


def _button(record, label: str) -> str:
    for button in record.buttons():
        if button["label"] == label:
            return str(button["custom_id"])
    raise AssertionError(f"no button {label!r} in {[b['label'] for b in record.buttons()]}")


async def test_quiz_answered_by_button(world):
    fake, alice = world.fake, world.alice
    asked = await fake.slash(alice, "quiz", kind="choice")
    assert asked.ephemeral and not asked.deferred
    assert CHOICE_PROMPT in asked.text
    assert "**A)** " in asked.text
    custom_id = _button(asked, "A")
    assert custom_id == "pb:a:answer:nlp-basics-sample-gpt3:A"
    graded = await fake.click(alice, asked.message_with(custom_id), custom_id)
    assert graded.ephemeral
    assert "Correct: 100/100 (+10 points)" in graded.text
    assert "Model answer: GPT-3 is a decoder-only transformer" in graded.text
    assert {"Again", "Hard", "Good", "Easy", "Next question"} <= {
        b["label"] for b in graded.buttons()
    }
    # A second press on the same (no longer pending) question changes nothing.
    again = await fake.click(alice, asked.message_with(custom_id), _button(asked, "B"))
    assert again.ephemeral
    assert "no longer" in again.text.lower() or "not waiting" in again.text.lower(), again.text
    board = await fake.slash(alice, "leaderboard")
    assert "Alice — 10 pts, 1 answered" in board.text


async def test_quiz_answered_by_modal_with_covered_and_missed_points(world):
    fake, bob = world.fake, world.bob
    asked = await fake.slash(bob, "quiz", kind="open")
    assert "stemming and lemmatization" in asked.text
    custom_id = _button(asked, "Answer")
    assert custom_id.startswith("pb:f:answer:")
    opened = await fake.click(bob, asked.message_with(custom_id), custom_id)
    assert opened.modal is not None
    modal_id = opened.modal["custom_id"]
    assert modal_id == "pb:m:" + custom_id[len("pb:f:") :]
    inputs = [
        c
        for row in opened.modal["components"]
        for c in row.get("components", [row.get("component")])
    ]
    assert inputs[0]["style"] == 2 and inputs[0]["max_length"] == 4000
    graded = await fake.submit_modal(
        bob, modal_id, {"answer": "Stemming chops off word endings with rules."}
    )
    assert graded.ephemeral
    assert "/100" in graded.text and "Model answer" in graded.text
    assert "Covered: stemming strips suffixes" in graded.text
    assert "Missed: " in graded.text and "dictionary form" in graded.text


async def test_practice_then_self_rating(world):
    fake, alice = world.fake, world.alice
    asked = await fake.slash(alice, "practice")
    assert asked.ephemeral and asked.text
    buttons = {b["label"]: b["custom_id"] for b in asked.buttons()}
    if "A" in buttons:
        graded = await fake.click(alice, asked.message_with(buttons["A"]), buttons["A"])
    else:
        opened = await fake.click(alice, asked.message_with(buttons["Answer"]), buttons["Answer"])
        graded = await fake.submit_modal(
            alice, opened.modal["custom_id"], {"answer": "it reduces words to their stems"}
        )
    rate = _button(graded, "Hard")
    assert rate.startswith("pb:a:rate:hard:")
    rated = await fake.click(alice, graded.message_with(rate), rate)
    assert "Rated Hard" in rated.text
    twice = await fake.click(alice, graded.message_with(rate), _button(graded, "Easy"))
    assert "already rated" in twice.text
    by_command = await fake.slash(alice, "rate", rating="good")
    assert "already rated" in by_command.text or "Rated Good" in by_command.text


async def test_a_slow_core_is_deferred_then_followed_up(world):
    assert world.bot is not None and world.bot.adapter.handler is not None
    world.bot.adapter.handler.defer_after = 0.0
    record = await world.fake.slash(world.alice, "topics")
    assert record.callback_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert record.complete and "nlp" in record.text.lower()
    assert not record.late and record.ephemeral


async def test_help_and_topics_and_stats_answer_privately(world):
    fake, alice = world.fake, world.alice
    for command in ("help", "topics", "stats", "my-data"):
        record = await fake.slash(alice, command)
        assert record.ephemeral and record.text, command
        assert not record.refusals, record.refusals
    help_text = (await fake.slash(alice, "help")).text
    assert "/quiz" in help_text and "/cohort" in help_text


async def test_topic_autocomplete(world):
    choices = await world.fake.autocomplete(world.alice, "quiz", "topic", "nlp")
    assert any(c["value"] == "nlp-basics" for c in choices)
    assert len(choices) <= 25
    none = await world.fake.autocomplete(world.alice, "practice", "topic", "zzzz")
    assert none == []


async def test_a_double_click_grades_once(world):
    import asyncio

    fake, alice = world.fake, world.alice
    asked = await fake.slash(alice, "quiz", kind="choice")
    a = _button(asked, "A")
    message = asked.message_with(a)
    first, second = await asyncio.gather(
        fake.click(alice, message, a), fake.click(alice, message, a)
    )
    texts = sorted([first.text, second.text])
    assert sum("Correct: 100/100 (+10 points)" in t for t in texts) == 1
    assert sum("no longer waiting" in t for t in texts) == 1
    stats = await fake.slash(alice, "stats")
    assert "10 points" in stats.text
