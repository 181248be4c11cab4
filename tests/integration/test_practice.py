"""Spaced-repetition practice and self-assessment, on the fakes and on real databases, with
the clock moved across days and timezones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain import Kind, Question
from bot.ports import PracticeCard
from bot.services.context import Caller
from bot.views import Reply

BASE = Caller("discord", "guild-1", "alice", "alice", "general", community_name="Study")


def who(name: str, **overrides) -> Caller:
    return replace(BASE, member_external_id=name, display_name=name, **overrides)


def short(qid: str, topic: str, prompt: str, accepted: str) -> Question:
    return Question(
        id=qid,
        prompt=prompt,
        kind=Kind.SHORT,
        topic=topic,
        level="junior",
        model_answer=accepted.capitalize() + ".",
        accepted=(accepted,),
    )


EXTRA = [
    short("tr-1", "transformers", "Which operation mixes information across tokens?", "attention"),
    short("tr-2", "transformers", "What is added to embeddings to encode order?", "positional"),
    short("st-1", "statistics", "Which test compares the means of two groups?", "t-test"),
    short("st-2", "statistics", "What is the middle value of a sorted sample called?", "median"),
    short("ll-1", "llms", "What do we call text given to an LLM to condition it?", "prompt"),
]
RIGHT = {q.id: q.accepted[0] for q in EXTRA}
WRONG = "no idea at all"


@pytest.fixture
async def core(any_core, sample_questions):
    await any_core.catalog.sync([*sample_questions, *EXTRA])
    return any_core


def served(reply: Reply) -> Question:
    """The question a /practice reply asks."""
    assert not reply.error, reply.text
    found = [q for q in EXTRA if q.prompt in reply.text]
    assert len(found) == 1, reply.text
    return found[0]


async def card_of(core, caller: Caller, question_id: str) -> PracticeCard | None:
    async with core.quiz.uow() as uow:
        community = await uow.communities.find(caller.platform, caller.community_external_id)
        assert community is not None
        member = await uow.members.find(community.id, caller.member_external_id)
        assert member is not None
        return await uow.cards.get(member.id, question_id)


async def stats_text(core, caller: Caller) -> str:
    return (await core.handle(caller, "stats")).text


async def test_every_graded_answer_creates_a_card_rated_from_the_grade(core, clock):
    alice = who("alice")
    graded = await core.quiz.submit(alice, "tr-1", "attention")
    assert graded.text.startswith("Correct: 100/100")
    # The grade offers the four self-ratings for exactly this answer.
    actions = [b.action for b in graded.buttons]
    assert [a.split(":")[:2] for a in actions[:4]] == [
        ["rate", "again"],
        ["rate", "hard"],
        ["rate", "good"],
        ["rate", "easy"],
    ]
    assert len({a.split(":")[2] for a in actions[:4]}) == 1
    easy = await card_of(core, alice, "tr-1")
    assert easy is not None and easy.rating == 4  # 100 -> Easy
    assert easy.due - clock.now() > timedelta(days=2)
    await core.quiz.submit(alice, "st-1", WRONG)
    again = await card_of(core, alice, "st-1")
    assert again is not None and again.rating == 1  # 0 -> Again
    assert again.due - clock.now() <= timedelta(minutes=1)


async def test_new_questions_come_from_the_weakest_topic(core, clock):
    alice = who("alice")
    await core.quiz.submit(alice, "st-1", WRONG)  # statistics 0/1: weakest
    await core.quiz.submit(alice, "tr-1", "attention")  # transformers 1/1: strongest
    first = served(await core.handle(alice, "practice"))
    assert first.id == "st-2"  # the statistics question without a card
    assert (
        "weakest topic, Statistics (0/1 correct so far)"
        in (await core.handle(alice, "practice")).text
    )
    await core.handle_text(alice, WRONG)
    # Statistics has nothing new left (and its cards are not due for a minute); untried
    # topics (50%) come before transformers (2/3 smoothed), and between two untried ones
    # catalogue order decides: NLP basics before LLMs.
    nxt = await core.handle(alice, "practice")
    assert not nxt.error and "your weakest topic, NLP basics (not tried yet)" in nxt.text
    asked = await core.handle(alice, "practice", ["transformers"])
    assert served(asked).id == "tr-2"
    assert "the topic you asked for, Transformers (1/1 correct so far)" in asked.text


async def test_due_cards_first_lowest_retrievability_first(core, clock):
    bob = who("bob", community_external_id="guild-ny", timezone="America/New_York")
    clock.set(datetime(2026, 1, 5, 9, tzinfo=UTC))
    await core.quiz.submit(bob, "tr-1", "attention")  # Easy: due in about eight days
    clock.set(datetime(2026, 1, 15, 9, tzinfo=UTC))
    await core.quiz.submit(bob, "st-1", WRONG)  # Again: due in a minute, barely learnt
    clock.set(datetime(2026, 1, 25, 9, tzinfo=UTC))
    tr1, st1 = await card_of(core, bob, "tr-1"), await card_of(core, bob, "st-1")
    assert tr1 is not None and st1 is not None
    assert tr1.due < st1.due  # by due date tr-1 would come first...
    reply = await core.handle(bob, "practice")
    assert served(reply).id == "st-1"  # ...but st-1 is the likelier to be forgotten
    assert "1 more due after it" in reply.text
    graded = await core.handle_text(bob, "t-test")
    assert graded.text.startswith("Correct") and "+10 points" in graded.text
    assert served(await core.handle(bob, "practice")).id == "tr-1"
    await core.handle_text(bob, "attention")
    # Nothing due any more: a new question rather than a repeat.
    fresh = await core.handle(bob, "practice")
    assert fresh.text.startswith("New question from your weakest topic")
    assert not any(q.prompt in fresh.text for q in EXTRA if q.id in {"tr-1", "st-1"})


async def test_practice_answers_follow_the_points_rule_and_the_local_day(core, clock):
    tokyo = who("kei", community_external_id="guild-jp", timezone="Asia/Tokyo")
    clock.set(datetime(2026, 1, 5, 14, 0, tzinfo=UTC))  # 23:00 on 5 Jan in Tokyo
    await core.quiz.submit(tokyo, "ll-1", WRONG)  # counted, 0 points, due in a minute
    clock.advance(minutes=2)
    assert served(await core.handle(tokyo, "practice", ["llms"])).id == "ll-1"
    again = await core.handle_text(tokyo, WRONG)  # Again once more: due in a minute
    assert "no points: you already answered this question today" in again.text
    clock.set(datetime(2026, 1, 5, 15, 30, tzinfo=UTC))  # 00:30 on 6 Jan in Tokyo
    assert served(await core.handle(tokyo, "practice", ["llms"])).id == "ll-1"
    next_day = await core.handle_text(tokyo, "prompt")
    assert "+10 points" in next_day.text
    # Two Tokyo days in a row, though one UTC day: a two-day streak.
    assert "streak 2 day(s)" in await stats_text(core, tokyo)


async def test_self_rating_replaces_the_review_and_never_changes_points(core, clock):
    alice, bob = who("alice"), who("bob")
    question = served(await core.handle(alice, "practice", ["transformers"]))
    # Bob misses the same question at the same moment: his card got Again from the grade.
    assert (await core.quiz.submit(bob, question.id, WRONG)).text.startswith("Not quite")
    graded = await core.handle_text(alice, RIGHT[question.id])
    assert graded.text.startswith("Correct: 100/100 (+10 points)")
    before_stats = (await stats_text(core, alice)).split(" · ")[:-1]
    before_board = (await core.handle(alice, "leaderboard")).text
    rated = await core.handle(alice, "rate", ["Again"])
    assert not rated.error, rated.text
    assert "Rated Again" in rated.text and "in 1 minute" in rated.text
    # The self-rating took the grade's place: the card is exactly what an Again on the
    # answer would have made (Bob's), not Easy followed by Again.
    mine = await card_of(core, alice, question.id)
    theirs = await card_of(core, bob, question.id)
    assert mine is not None and theirs is not None
    assert mine.self_rated and mine.rating == 1
    assert mine.due == theirs.due
    keys = ("state", "step", "stability", "difficulty", "due", "last_review")
    assert {k: mine.card[k] for k in keys} == {k: theirs.card[k] for k in keys}
    # Points, streak and boards are the grade's alone.
    after_stats = (await stats_text(core, alice)).split(" · ")
    assert after_stats[:-1] == before_stats
    assert after_stats[-1] == "1 card due today"  # it was 0: the card is due in a minute
    assert (await core.handle(alice, "leaderboard")).text == before_board
    # The card is due again a minute after the answer, where Easy would have put it days
    # away.
    clock.advance(minutes=1)
    assert served(await core.handle(alice, "practice")).id == question.id


async def test_rating_a_specific_answer_by_its_button(core, clock):
    alice = who("alice")
    first = await core.quiz.submit(alice, "tr-1", WRONG)
    second = await core.quiz.submit(alice, "st-1", "t-test")
    first_id = first.buttons[3].action.split(":")[2]
    # The Easy button under the first grade rates the first answer, not the latest.
    rated = await core.handle(alice, "rate", ["easy", first_id])
    assert "Rated Easy" in rated.text
    tr1, st1 = await card_of(core, alice, "tr-1"), await card_of(core, alice, "st-1")
    assert tr1 is not None and tr1.self_rated and tr1.rating == 4
    assert st1 is not None and not st1.self_rated
    # Answering tr-1 again supersedes the first answer: its buttons no longer apply.
    await core.quiz.submit(alice, "tr-1", "attention")
    stale = await core.handle(alice, "rate", ["hard", first_id])
    assert stale.error and "answered the same question again" in stale.text
    # Someone else's answer cannot be rated either.
    second_id = second.buttons[0].action.split(":")[2]
    assert (await core.handle(who("mallory"), "rate", ["again", second_id])).error


async def test_bad_ratings_change_nothing(core, clock):
    alice = who("alice")
    none_yet = await core.handle(alice, "rate", ["good"])
    assert none_yet.error and "Nothing to rate yet" in none_yet.text
    await core.quiz.submit(alice, "tr-1", "attention")
    original = await card_of(core, alice, "tr-1")
    for args in ([], ["meh"], ["good", "x"], ["good", "1", "2"]):
        reply = await core.handle(alice, "rate", args)
        assert reply.error, args
    assert "I don't know the rating `meh`" in (await core.handle(alice, "rate", ["meh"])).text
    assert await card_of(core, alice, "tr-1") == original
    assert not (await core.handle(alice, "rate", ["hard"])).error
    rated = await card_of(core, alice, "tr-1")
    twice = await core.handle(alice, "rate", ["again"])
    assert twice.error and "already rated that answer (hard)" in twice.text
    assert await card_of(core, alice, "tr-1") == rated != original


async def test_due_today_counts_up_to_local_midnight(core, clock):
    tokyo = who("kei", community_external_id="guild-jp", timezone="Asia/Tokyo")
    utc = who("una", community_external_id="guild-utc", timezone="UTC")
    clock.set(datetime(2026, 1, 5, 9, tzinfo=UTC))
    for caller in (tokyo, utc):
        await core.quiz.submit(caller, "tr-1", "attention")
    card = await card_of(core, tokyo, "tr-1")
    assert card is not None
    zone = ZoneInfo("Asia/Tokyo")
    local_day_starts = datetime.combine(card.due.astimezone(zone).date(), time(0), zone)
    assert local_day_starts.astimezone(UTC).date() < card.due.date()  # a different UTC day
    clock.set(local_day_starts.astimezone(UTC) - timedelta(seconds=1))
    assert "0 cards due today" in await stats_text(core, tokyo)
    clock.set(local_day_starts.astimezone(UTC))
    assert "1 card due today" in await stats_text(core, tokyo)
    # The same moment is still the day before in UTC: nothing due today there.
    assert "0 cards due today" in await stats_text(core, utc)
    stats = await core.handle(tokyo, "stats")
    assert [(f.name, f.value) for f in stats.fields] == [("transformers", "1/1 correct (100%)")]


async def test_nothing_due_and_nothing_new_says_when(core, clock):
    alice = who("alice", timezone="Europe/Paris", community_external_id="guild-fr")
    clock.set(datetime(2026, 1, 5, 9, tzinfo=UTC))
    await core.quiz.submit(alice, "ll-1", "prompt")
    reply = await core.handle(alice, "practice", ["llms"])
    assert not reply.error
    assert "Nothing is due in llms" in reply.text
    assert "Your next card is due in 8 days (Tue 13 Jan 10:00, Europe/Paris)" in reply.text
    assert (await core.handle(alice, "practice", ["senior"])).error
    assert (await core.handle(alice, "practice", ["transfromers"])).error


async def test_deleting_a_member_deletes_their_cards(core, clock):
    alice, bob = who("alice"), who("bob")
    await core.quiz.submit(alice, "tr-1", "attention")
    await core.quiz.submit(bob, "tr-1", "attention")
    async with core.quiz.uow() as uow:
        community = await uow.communities.find("discord", "guild-1")
        member = await uow.members.find(community.id, "alice")
        await uow.members.delete(member.id)
    async with core.quiz.uow() as uow:
        assert await uow.cards.for_member(member.id) == []
    assert await card_of(core, bob, "tr-1") is not None


# -- issue 10 ---------------------------------------------------------------------------------


async def test_rating_after_a_skip_says_the_skipped_question_cannot_be_rated(core, clock):
    alice = who("alice")
    await core.quiz.submit(alice, "tr-1", "attention")
    clock.advance(minutes=5)
    await core.handle(alice, "quiz", ["statistics"])
    clock.advance(minutes=1)
    skipped = await core.handle(alice, "skip")
    assert "Skipped" in skipped.text
    refused = await core.handle(alice, "rate", ["hard"])
    assert refused.error
    assert "You skipped “" in refused.text and "no answer to rate" in refused.text
    assert "“Which operation mixes information across tokens?” (tr-1)" in refused.text
    assert [b.action.split(":")[0] for b in refused.buttons] == ["rate"] * 4
    card = await card_of(core, alice, "tr-1")
    assert card is not None and not card.self_rated
    # Its buttons rate the earlier answer, and the reply names it.
    rated = await core.act(alice, refused.buttons[1].action)
    assert "Rated Hard: “Which operation mixes information across tokens?” (tr-1)" in rated.text
    # Answering again after the skip makes /rate rate that answer.
    clock.advance(minutes=1)
    await core.quiz.submit(alice, "st-2", "median")
    after = await core.handle(alice, "rate", ["good"])
    assert not after.error and "(st-2)" in after.text


async def test_the_practice_note_reads_as_a_predicted_recall(core, clock):
    bob = who("bob")
    clock.set(datetime(2026, 1, 5, 9, tzinfo=UTC))
    await core.quiz.submit(bob, "st-1", WRONG)  # Again: due in a minute
    clock.advance(minutes=2)
    reply = await core.handle(bob, "practice")
    assert "100%" not in reply.text and "most likely to have forgotten" not in reply.text
    assert "Review: a card due now, predicted recall 9" in reply.text
    assert "(you probably still remember it)" in reply.text
