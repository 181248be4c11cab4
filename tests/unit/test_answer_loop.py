"""The answer loop a learner repeats all week (issue 10): unreadable choices wait, wrong
answers earn nothing, long model answers stay whole, accepted spellings are shown,
conflicting filters are refused, control characters never come back."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain import Grade, Verdict
from bot.services.context import Caller
from bot.services.model_answer import MAX_FIELD, split_text
from bot.services.points import points_for


def alice(**overrides) -> Caller:
    values = dict(
        platform="console",
        community_external_id="local",
        member_external_id="alice",
        display_name="alice",
        channel_external_id="terminal",
    )
    values.update(overrides)
    return Caller(**values)


@pytest.mark.parametrize("said", ["I think A", "🤖 B ✅", "the one with recurrence, I guess"])
async def test_an_unreadable_choice_is_not_graded_and_the_question_waits(fake_core, said):
    await fake_core.quiz.ask(alice(), ["choice"])
    reply = await fake_core.handle_text(alice(), said)
    assert reply.error
    assert "still waiting" in reply.text and "`B`, `(b)`, `b.` or `option B`" in reply.text
    graded = await fake_core.handle_text(alice(), "A")
    assert graded.text.startswith("Correct: 100/100 (+10 points)")
    stats = await fake_core.stats.stats(alice())
    assert "1 answered" in stats.plain_text()


async def test_an_unreadable_choice_from_a_form_is_refused_too(fake_core):
    asked = await fake_core.quiz.ask(alice(), ["choice"])
    refused = await fake_core.act(alice(), asked.answer_action, text="no idea, honestly")
    assert refused.error and "still waiting" in refused.text
    graded = await fake_core.act(alice(), f"{asked.answer_action}:A")
    assert graded.text.startswith("Correct")


def test_an_incorrect_verdict_earns_no_points():
    assert points_for(Grade(22, Verdict.INCORRECT), "junior") == 0
    assert points_for(Grade(34, Verdict.INCORRECT), "senior") == 0
    assert points_for(Grade(35, Verdict.PARTIAL), "junior") == 4
    assert points_for(Grade(100, Verdict.CORRECT), "senior") == 20


async def test_a_wrong_answer_scores_but_earns_nothing(any_core):
    await any_core.quiz.ask(alice(), ["short"])
    graded = await any_core.handle_text(alice(), "term frequency")
    assert graded.text.startswith("Not quite: ")
    assert "no points: an incorrect answer earns none" in graded.text
    board = await any_core.leaderboard.board(alice())
    assert "alice — 0 pts, 1 answered" in board.text


LONG = " ".join(
    f"Sentence {n} of the model answer explains one more aspect of alignment in some detail."
    for n in range(1, 41)
)


@pytest.fixture
async def long_core(fake_core, sample_questions):
    questions = [
        replace(q, model_answer=LONG) if q.id == "nlp-basics-sample-stemming" else q
        for q in sample_questions
    ]
    await fake_core.catalog.sync(questions)
    return fake_core


async def test_a_long_model_answer_is_never_cut_silently(long_core):
    await long_core.quiz.ask(alice(), ["open"])
    graded = await long_core.handle_text(alice(), "stemming chops suffixes, lemmas are words")
    shown = {f.name: f.value for f in graded.fields}["Model answer"]
    assert len(shown) <= MAX_FIELD  # the note fits inside the field's limit
    assert "the whole answer is 4 parts" in shown
    actions = [b.action for b in graded.buttons]
    assert "full-answer:nlp-basics-sample-stemming" in actions
    full = await long_core.act(alice(), "full-answer:nlp-basics-sample-stemming")
    assert not full.error
    parts = [f for f in full.fields if f.name.startswith("Model answer")]
    assert [f.name for f in parts] == [f"Model answer ({n}/4)" for n in range(1, 5)]
    assert all(len(f.value) <= MAX_FIELD for f in parts)
    assert " ".join(f.value for f in parts) == LONG


async def test_skip_offers_the_full_answer_and_a_waiting_question_keeps_it_hidden(long_core):
    await long_core.quiz.ask(alice(), ["open"])
    hidden = await long_core.handle(alice(), "full-answer", ["nlp-basics-sample-stemming"])
    assert hidden.error and "first" in hidden.text
    bob = alice(member_external_id="bob", display_name="bob")
    never = await long_core.handle(bob, "full-answer", ["nlp-basics-sample-stemming"])
    assert never.error
    skipped = await long_core.handle(alice(), "skip")
    assert "full-answer:nlp-basics-sample-stemming" in [b.action for b in skipped.buttons]
    full = await long_core.handle(alice(), "full-answer", ["nlp-basics-sample-stemming"])
    assert not full.error and len(full.fields) == 4


def test_split_text_cuts_at_sentences_and_words():
    text = "One. " * 300 + "x" * 2500
    pieces = split_text(text, 1000)
    assert all(len(p) <= 1000 for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert pieces[0].endswith("One.")


async def test_an_accepted_near_miss_shows_the_canonical_answer(fake_core):
    await fake_core.quiz.ask(alice(), ["short"])
    graded = await fake_core.handle_text(alice(), "term frequency inverse document frequncy")
    assert graded.text.startswith("Correct")
    fields = {f.name: f.value for f in graded.fields}
    assert fields["Accepted"] == (
        "*term frequency inverse document frequncy* → Term frequency-inverse document frequency"
    )


async def test_an_exact_answer_needs_no_accepted_line(fake_core):
    await fake_core.quiz.ask(alice(), ["short"])
    graded = await fake_core.handle_text(alice(), "TF-IDF")
    assert "Accepted" not in {f.name for f in graded.fields}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nlp-basics", "junior", "senior"], "Pick one level: you asked for both `junior` and"),
        (["choice", "open"], "Pick one kind"),
        (["llms", "nlp-basics"], "Pick one topic"),
    ],
)
async def test_conflicting_filters_are_refused(fake_core, args, message):
    reply = await fake_core.handle(alice(), "quiz", args)
    assert reply.error and message in reply.text


async def test_a_repeated_filter_is_fine(fake_core):
    reply = await fake_core.handle(alice(), "quiz", ["junior", "Junior", "choice"])
    assert not reply.error


async def test_a_choice_result_says_why_once(fake_core):
    await fake_core.quiz.ask(alice(), ["choice"])
    graded = await fake_core.handle_text(alice(), "A")
    fields = {f.name: f.value for f in graded.fields}
    why = "Causal self-attention lets each position see only earlier tokens."
    assert fields["Why"] == why
    assert "Causal" not in fields["Feedback"]


HOSTILE = "ok\x00\x07 \x1b[31mred\x1b[0m back\x08space\r\nnext\tline \u202eevil"


async def test_control_characters_never_reach_storage_or_replies(any_core):
    who = alice(display_name="Mal\x1b[2J\x07lory", member_external_id="mallory")
    await any_core.handle_text(who, "/quiz open")
    graded = await any_core.handle_text(who, "stemming strips suffixes " + HOSTILE)
    assert graded.title == "Your grade"
    mine = (await any_core.handle_text(who, "/my-data")).plain_text()
    board = (await any_core.handle_text(who, "/leaderboard")).plain_text()
    for shown in (mine, board):
        assert not any(ch in shown for ch in "\x00\x07\x1b\x08\r\u202e"), shown
        assert "[31m" not in shown and "[2J" not in shown
    assert "Mallory" in board
    assert "red back" in mine and "next\tline" in mine or "next line" in mine


async def test_control_characters_in_command_arguments_are_dropped(fake_core):
    reply = await fake_core.handle_text(
        alice(is_admin=True), "/cohort create Night\x1b[5m Owls\x07"
    )
    assert "Night Owls" in reply.text and "\x1b" not in reply.text
    listed = await fake_core.handle(alice(is_admin=True), "cohort", ["list"])
    assert "Night Owls" in listed.text


async def test_a_long_explanation_is_not_cut_silently_either(fake_core, sample_questions):
    why = " ".join(f"Reason {n} why the layout matters for generation." for n in range(40))
    await fake_core.catalog.sync([replace(q, explanation=why) for q in sample_questions])
    await fake_core.quiz.ask(alice(), ["choice"])
    graded = await fake_core.handle_text(alice(), "A")
    shown = {f.name: f.value for f in graded.fields}["Why"]
    assert "(continued: Full answer, or /full-answer nlp-basics-sample-gpt3)" in shown
    assert "full-answer:nlp-basics-sample-gpt3" in [b.action for b in graded.buttons]
    full = await fake_core.act(alice(), "full-answer:nlp-basics-sample-gpt3")
    parts = [f.value for f in full.fields if f.name.startswith("Why")]
    assert " ".join(parts) == why
