"""The quiz flow against the in-memory fakes."""

from __future__ import annotations

import pytest

from bot.services.context import Caller
from bot.services.quiz import MAX_ANSWER_CHARS, FilterError, parse_filters


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


async def test_choice_question_graded_by_letter_and_points_recorded(fake_core):
    reply = await fake_core.quiz.ask(alice(), ["nlp-basics", "choice"])
    assert "GPT-3" in reply.text
    assert reply.choices[0] == "Decoder-only"
    graded = await fake_core.quiz.answer(alice(), "A")
    assert graded.text.startswith("Correct: 100/100 (+10 points)")
    board = await fake_core.leaderboard.board(alice())
    assert "alice — 10 pts, 1 answered, 100% correct" in board.text


async def test_wrong_choice_explains_why_and_shows_the_answer(fake_core):
    await fake_core.quiz.ask(alice(), ["choice"])
    graded = await fake_core.quiz.answer(alice(), "B")
    assert graded.text.startswith("Not quite: 0/100")
    fields = {f.name: f.value for f in graded.fields}
    assert fields["Answer"] == "Decoder-only"
    assert "BERT" in fields["Feedback"]


async def test_no_repeat_until_pool_exhausted(fake_core):
    served = []
    for _ in range(3):
        reply = await fake_core.quiz.ask(alice())
        served.append(reply.text)
        await fake_core.quiz.skip(alice())
    assert len(set(served)) == 3
    again = await fake_core.quiz.ask(alice())
    assert "seen all 3 questions" in again.text


async def test_level_filter_uses_every_askable_level(fake_core):
    reply = await fake_core.quiz.ask(alice(), ["mid"])
    assert "stemming" in reply.text.casefold()
    assert reply.title and "mid" in reply.title


async def test_repeating_a_question_the_same_day_earns_nothing(fake_core, clock):
    await fake_core.quiz.ask(alice(), ["choice"])
    await fake_core.quiz.answer(alice(), "A")
    # The pool for "choice" has one question: asking again serves it again.
    await fake_core.quiz.ask(alice(), ["choice"])
    second = await fake_core.quiz.answer(alice(), "A")
    assert "no points" in second.text
    clock.advance(days=1)
    await fake_core.quiz.ask(alice(), ["choice"])
    third = await fake_core.quiz.answer(alice(), "A")
    assert "+10 points" in third.text
    board = await fake_core.leaderboard.board(alice())
    assert "alice — 20 pts, 2 answered" in board.text


async def test_answer_without_question_and_empty_answer(fake_core):
    reply = await fake_core.quiz.answer(alice(), "transformers use attention")
    assert reply.error and "/quiz" in reply.text
    await fake_core.quiz.ask(alice())
    empty = await fake_core.quiz.answer(alice(), "   ")
    assert empty.error and "empty" in empty.text


async def test_overlong_answer_is_refused_and_question_kept(fake_core):
    await fake_core.quiz.ask(alice(), ["open"])
    long_answer = "stemming strips suffixes " * 1000
    assert len(long_answer) > MAX_ANSWER_CHARS
    refused = await fake_core.quiz.answer(alice(), long_answer)
    assert refused.error and "still waiting" in refused.text
    graded = await fake_core.quiz.answer(
        alice(),
        "Stemming chops off word endings with rules and may give non-words, while "
        "lemmatization maps each word to its dictionary form using a vocabulary.",
    )
    assert not graded.error
    assert graded.text.startswith("Correct")


async def test_unknown_topic_is_a_clear_message(fake_core):
    reply = await fake_core.quiz.ask(alice(), ["transfromers"])
    assert reply.error
    assert "transfromers" in reply.text and "Did you mean `transformers`" in reply.text


async def test_topic_with_no_questions(fake_core):
    reply = await fake_core.quiz.ask(alice(), ["statistics"])
    assert reply.error and "no questions for statistics" in reply.text


async def test_members_and_communities_are_separate(fake_core):
    await fake_core.quiz.ask(alice(), ["choice"])
    await fake_core.quiz.answer(alice(), "A")
    other = alice(community_external_id="elsewhere", member_external_id="bob", display_name="bob")
    board = await fake_core.leaderboard.board(other)
    assert "alice" not in board.text
    # bob has no pending question even though alice has answered one
    reply = await fake_core.quiz.answer(other, "A")
    assert reply.error


async def test_leaderboard_ties_share_a_rank(fake_core):
    for name in ("carol", "dave"):
        who = alice(member_external_id=name, display_name=name)
        await fake_core.quiz.ask(who, ["choice"])
        await fake_core.quiz.answer(who, "A")
    eve = alice(member_external_id="eve", display_name="eve")
    await fake_core.quiz.ask(eve, ["choice"])
    await fake_core.quiz.answer(eve, "C")
    board = (await fake_core.leaderboard.board(eve)).text.splitlines()
    assert board[0].startswith("  1. carol") and board[1].startswith("  1. dave")
    assert board[2].startswith("  3. eve")


async def test_display_names_are_cleaned(fake_core):
    who = alice(member_external_id="m1", display_name="\x1b[31mmallory\n" + "x" * 300)
    await fake_core.quiz.ask(who, ["choice"])
    await fake_core.quiz.answer(who, "A")
    board = await fake_core.leaderboard.board(who)
    assert "\x1b" not in board.text and "\n" not in board.text.splitlines()[0][5:]


def test_parse_filters_in_any_order():
    filters = parse_filters(["senior", "LLMs", "open"])
    assert (filters.topic, filters.level, filters.kind) == ("llms", "senior", "open")
    with pytest.raises(FilterError):
        parse_filters(["quantum-chemistry"])


async def test_a_point_stated_wrongly_is_shown_as_such_and_not_as_covered(fake_core):
    await fake_core.quiz.ask(alice(), ["open"])
    graded = await fake_core.quiz.answer(
        alice(),
        "Stemming chops off word endings with rules. Lemmatization does not return the "
        "dictionary form.",
    )
    fields = {f.name: f.value for f in graded.fields}
    assert "lemmatization returns the dictionary form" in fields["Stated wrongly"]
    assert "lemmatization returns the dictionary form" not in fields.get("Covered", "")
