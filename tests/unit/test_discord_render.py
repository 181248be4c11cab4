"""Discord rendering on its own: a neutral Reply becomes an embed and button rows that stay
inside every limit Discord enforces, with custom_ids that carry their action."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.render import (
    BUTTONS_PER_ROW,
    CUSTOM_ID_LIMIT,
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_COUNT_LIMIT,
    FIELD_VALUE_LIMIT,
    ROW_LIMIT,
    clip,
    closed,
    render,
)
from bot.views import Button, Field, Reply


def _embed_size(embed: discord.Embed) -> int:
    data = embed.to_dict()
    size = len(data.get("title", "")) + len(data.get("description", ""))
    size += len(data.get("footer", {}).get("text", ""))
    for item in data.get("fields", []):
        size += len(item["name"]) + len(item["value"])
    return size


def _ids(rendered) -> list[str]:
    return [b.custom_id for row in rendered.rows for b in row]


def test_a_question_with_choices_gets_lettered_answer_buttons():
    reply = Reply(
        text="Which layer mixes information across tokens?",
        title="transformers · junior · choice",
        choices=("attention", "layer norm", "embedding", "softmax"),
        buttons=(Button("Skip", "skip"),),
        answer_action="answer:tf-001",
    )
    rendered = render(reply)
    assert _ids(rendered) == [
        "pb:a:answer:tf-001:A",
        "pb:a:answer:tf-001:B",
        "pb:a:answer:tf-001:C",
        "pb:a:answer:tf-001:D",
        "pb:a:skip",
    ]
    description = rendered.embed.description or ""
    assert "**A)** attention" in description and "**D)** softmax" in description
    assert rendered.rows[0][0].label == "A"


def test_a_free_text_question_gets_one_form_button_first():
    reply = Reply(
        text="Explain attention.",
        buttons=(Button("Skip", "skip"),),
        wants_text_answer=True,
        answer_action="answer:tf-002",
    )
    rendered = render(reply)
    assert _ids(rendered) == ["pb:f:answer:tf-002", "pb:a:skip"]
    assert rendered.rows[0][0].style is discord.ButtonStyle.primary


def test_a_qotd_post_uses_its_own_answer_button_as_the_form():
    free = Reply(
        text="Why warm up the learning rate?",
        buttons=(Button("Answer privately", "qotd:answer:7", "primary"),),
        wants_text_answer=True,
        answer_action="qotd:answer:7",
        private=False,
    )
    assert _ids(render(free)) == ["pb:f:qotd:answer:7"]
    choice = Reply(
        text="Pick one",
        choices=("a", "b"),
        buttons=(Button("Answer privately", "qotd:answer:7", "primary"),),
        answer_action="qotd:answer:7",
        private=False,
    )
    # The letters answer; a second, text-less answer button would only confuse.
    assert _ids(render(choice)) == ["pb:a:qotd:answer:7:A", "pb:a:qotd:answer:7:B"]


def test_limits_are_respected_and_cuts_are_visible():
    long = "x" * 10_000
    reply = Reply(
        text=long,
        title="t" * 400,
        fields=tuple(Field(f"field {i}", long) for i in range(40)),
        footer="f" * 3000,
    )
    embed = render(reply).embed
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert (embed.description or "").endswith("…")
    assert len(embed.title or "") <= 256
    assert len(embed.fields) <= FIELD_COUNT_LIMIT
    assert all(len(f.value or "") <= FIELD_VALUE_LIMIT for f in embed.fields)
    assert _embed_size(embed) <= EMBED_TOTAL_LIMIT


def test_a_long_field_is_cut_to_1024_with_an_ellipsis():
    embed = render(Reply(text="ok", fields=(Field("Model answer", "y" * 2000),))).embed
    assert len(embed.fields[0].value or "") == FIELD_VALUE_LIMIT
    assert (embed.fields[0].value or "").endswith("…")


def test_buttons_fill_rows_of_five_and_at_most_five_rows():
    reply = Reply(text="many", buttons=tuple(Button(f"b{i}", f"quiz:{i}") for i in range(31)))
    rendered = render(reply)
    assert len(rendered.rows) == ROW_LIMIT
    assert all(len(row) <= BUTTONS_PER_ROW for row in rendered.rows)
    assert sum(len(row) for row in rendered.rows) == 25
    assert len(rendered.dropped) == 6


def test_an_action_too_long_for_a_custom_id_is_dropped_not_cut():
    reply = Reply(text="x", buttons=(Button("Long", "rate:" + "9" * 200), Button("Ok", "quiz")))
    rendered = render(reply)
    assert _ids(rendered) == ["pb:a:quiz"]
    assert rendered.dropped == ("Long",)
    assert all(len(i) <= CUSTOM_ID_LIMIT for i in _ids(rendered))


def test_errors_private_and_public_replies_look_different():
    colours = {
        render(Reply(text="no", error=True)).embed.colour,
        render(Reply(text="mine")).embed.colour,
        render(Reply(text="everyone", private=False)).embed.colour,
    }
    assert len(colours) == 3


def test_attachments_become_files_and_closed_disables_buttons():
    rendered = render(
        Reply(
            text="roster",
            attachment=("spring.csv", "name,points\nAda,3\n"),
            buttons=(Button("Next", "quiz"),),
        )
    )
    assert rendered.attachment == ("spring.csv", b"name,points\nAda,3\n")
    shut = closed(rendered)
    assert all(b.disabled for row in shut.rows for b in row)
    assert not any(b.disabled for row in rendered.rows for b in row)


@pytest.mark.parametrize("text", ["", "a", "a" * 10])
def test_clip_only_marks_real_cuts(text):
    assert clip(text, 10) == text
    assert clip(text + "bc", 10).endswith("…") == (len(text) + 2 > 10)
