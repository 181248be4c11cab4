"""Answers recorded in group-commit batches, on the fakes, SQLite and PostgreSQL: whatever
lands in one batch must come out exactly as if each answer had come alone, in order."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.services.context import Caller
from bot.services.quiz import QuizService

GPT3 = "nlp-basics-sample-gpt3"  # choice, junior: "A" is right (+10), "B" wrong (+0)
TFIDF = "nlp-basics-sample-tfidf"  # short, junior: "tf-idf" is right (+10)
STEMMING = "nlp-basics-sample-stemming"  # open, mid: a full answer earns +15
FULL_STEMMING = (
    "Stemming chops off word endings with rules and may give non-words, while "
    "lemmatization maps each word to its dictionary form using a vocabulary."
)
HALF_STEMMING = "stemming chops off word endings"  # partial, one point of three: 67, +10

NO_POINTS = "no points: you already answered this question today"
NOTHING_WAITING = "You have no question waiting. Start one with /quiz."
NOT_HERE = "That question does not exist here. Try /quiz for a new one."

BASE = Caller("discord", "guild-1", "ann", "ann", "general", community_name="Study")


def who(name: str, **overrides) -> Caller:
    return replace(BASE, member_external_id=name, display_name=name, **overrides)


def expected_ranks(points: dict[str, int]) -> dict[str, int]:
    return {name: 1 + sum(p > mine for p in points.values()) for name, mine in points.items()}


async def stats_of(core, caller: Caller) -> dict[str, int]:
    reply = await core.handle(caller, "stats")
    assert not reply.error, reply.text
    found = re.match(
        r"Rank (\d+) · (\d+) points · (\d+) answered · \d+% correct · streak (\d+) day\(s\), "
        r"longest (\d+)",
        reply.text,
    )
    assert found, reply.text
    rank, points, answers, streak, longest = map(int, found.groups())
    return {
        "rank": rank,
        "points": points,
        "answers": answers,
        "streak": streak,
        "longest": longest,
    }


async def full_board(core, caller: Caller, *args: str) -> list[tuple[int, str, int, int]]:
    """(rank, name, points, answers) of every row of a board."""
    reply = await core.leaderboard.board(caller, list(args), limit=50)
    assert not reply.error, reply.text
    rows = []
    for line in reply.text.splitlines():
        found = re.match(r"\s*(\d+)\. (\S+) — (\d+) pts, (\d+) answered", line)
        if found:
            rank, name, points, answers = found.groups()
            rows.append((int(rank), name, int(points), int(answers)))
    return rows


async def test_many_members_answering_at_once_are_graded_and_counted(any_core):
    plan = []  # (caller, question id, answer, points)
    for i in range(30):
        member = who(f"m{i:02d}", channel_external_id=("general", "nlp", None)[i % 3])
        if i % 3 == 0:
            plan.append((member, GPT3, "A", 10))
        elif i % 3 == 1:
            plan.append((member, GPT3, "B", 0))
        else:
            plan.append((member, STEMMING, FULL_STEMMING, 15))
        if i % 4 == 0:
            plan.append((member, TFIDF, "tf-idf", 10))
        if i % 5 == 0 and i % 3 != 2:
            plan.append((member, STEMMING, HALF_STEMMING, 10))
    replies = await asyncio.gather(*(any_core.quiz.submit(c, q, a) for c, q, a, _ in plan))
    for (caller, question, _, points), reply in zip(plan, replies, strict=True):
        assert not reply.error, (caller.member_external_id, question, reply.text)
        assert reply.title == "Your grade"
        earned = f"(+{points} points)" if points else "(no points: an incorrect answer earns none)"
        assert earned in reply.text, (caller.member_external_id, reply.text)
    # The answers went in far fewer transactions than there were answers.
    assert any_core.quiz.answers.batches < len(plan) // 2

    points: dict[str, int] = {}
    answers: dict[str, int] = {}
    for caller, _, _, earned in plan:
        name = caller.member_external_id
        points[name] = points.get(name, 0) + earned
        answers[name] = answers.get(name, 0) + 1
    ranks = expected_ranks(points)
    # The board: every member once, ordered by points then name, ties sharing a rank.
    board = await full_board(any_core, who("m00"))
    want = sorted(
        ((ranks[n], n, points[n], answers[n]) for n in points), key=lambda r: (-r[2], r[1])
    )
    assert board == want
    # /leaderboard through the facade shows the same top ten.
    top = await any_core.handle(who("m00"), "leaderboard")
    lines = [line for line in top.text.splitlines() if re.match(r"\s*\d+\. ", line)]
    assert len(lines) == 10
    for line, (rank, name, pts, n) in zip(lines, want, strict=False):
        assert line.startswith(f"{rank:>3}. {name} — {pts} pts, {n} answered"), line
    # /stats of every member: rank, points and answers as counted.
    for caller in {c.member_external_id: c for c, *_ in plan}.values():
        name = caller.member_external_id
        mine = await stats_of(any_core, caller)
        assert (mine["rank"], mine["points"], mine["answers"]) == (
            ranks[name],
            points[name],
            answers[name],
        )
        assert (mine["streak"], mine["longest"]) == (1, 1)
    # The channel board counts only that channel's answers.
    in_nlp = {c.member_external_id for c, *_ in plan if c.channel_external_id == "nlp"}
    channel = await full_board(any_core, who("m01", channel_external_id="nlp"), "channel")
    assert {name for _, name, _, _ in channel} == in_nlp
    assert all(pts == points[name] for _, name, pts, _ in channel)


async def test_the_same_question_twice_at_once_counts_once(any_core):
    twice = [who("ann"), who("ann"), who("bob"), who("bob"), who("bob")]
    replies = await asyncio.gather(*(any_core.quiz.submit(c, GPT3, "A") for c in twice))
    assert all(not r.error and r.text.startswith("Correct: 100/100") for r in replies)
    # The first in arrival order earns; the repeats are graded but earn nothing.
    assert "(+10 points)" in replies[0].text and NO_POINTS in replies[1].text
    assert "(+10 points)" in replies[2].text
    assert all(NO_POINTS in r.text for r in replies[3:])
    for name in ("ann", "bob"):
        mine = await stats_of(any_core, who(name))
        assert (mine["rank"], mine["points"], mine["answers"]) == (1, 10, 1), name
    assert await full_board(any_core, who("ann")) == [(1, "ann", 10, 1), (1, "bob", 10, 1)]


async def test_a_wrong_first_answer_is_the_one_that_counts(any_core):
    wrong_then_right = await asyncio.gather(
        any_core.quiz.submit(who("cat"), GPT3, "B"), any_core.quiz.submit(who("cat"), GPT3, "A")
    )
    assert wrong_then_right[0].text.startswith("Not quite: 0/100 (no points: an incorrect")
    assert wrong_then_right[1].text.startswith("Correct: 100/100")
    assert NO_POINTS in wrong_then_right[1].text
    mine = await stats_of(any_core, who("cat"))
    assert (mine["points"], mine["answers"]) == (0, 1)
    # A later batch sees the counted attempt the earlier batch stored.
    again = await any_core.quiz.submit(who("cat"), GPT3, "A")
    assert NO_POINTS in again.text


async def test_two_answers_to_one_pending_question_grade_once(any_core):
    names = ["ann", "bob", "cat", "dan"]
    for name in names:
        asked = await any_core.quiz.ask(who(name), ["choice"])
        assert not asked.error and "GPT-3" in asked.text
    calls = []
    for name in names:
        calls += [any_core.quiz.answer(who(name), "A"), any_core.quiz.answer(who(name), "A")]
    replies = await asyncio.gather(*calls)
    for first, second in zip(replies[::2], replies[1::2], strict=True):
        assert first.text.startswith("Correct: 100/100 (+10 points)"), first.text
        assert second.error and second.text == NOTHING_WAITING
    for name in names:
        mine = await stats_of(any_core, who(name))
        assert (mine["points"], mine["answers"]) == (10, 1)
    # The pending question is gone: nothing left to answer or skip.
    assert (await any_core.quiz.answer(who("ann"), "A")).text == NOTHING_WAITING
    assert (await any_core.quiz.skip(who("ann"))).text.startswith("Nothing to skip")


async def test_submitting_the_pending_question_clears_it_in_the_same_batch(any_core):
    await any_core.quiz.ask(who("ann"), ["choice"])
    by_button, typed = await asyncio.gather(
        any_core.quiz.submit(who("ann"), GPT3, "A"), any_core.quiz.answer(who("ann"), "A")
    )
    assert "(+10 points)" in by_button.text
    assert typed.error and typed.text == NOTHING_WAITING


async def test_bad_jobs_get_clear_errors_and_the_rest_of_the_batch_is_recorded(any_core, clock):
    custom_id = "guild-1-custom-gpt3"
    async with any_core.quiz.uow() as uow:
        home = await uow.communities.get_or_create(
            "discord", "guild-1", "Study", "UTC", clock.now()
        )
        shipped = await uow.questions.get(GPT3)
        assert shipped is not None
        await uow.questions.sync([replace(shipped, id=custom_id)], clock.now(), home.id)
    stranger = who("eve", community_external_id="guild-2")
    calls = [
        (who("ann"), GPT3, "A"),
        (who("bob"), "no-such-question", "A"),
        (who("cat"), custom_id, "A"),
        (stranger, custom_id, "A"),
        (who("dan"), TFIDF, "tf-idf"),
        (stranger, GPT3, "A"),
    ]
    replies = await asyncio.gather(*(any_core.quiz.submit(c, q, a) for c, q, a in calls))
    assert replies[1].error and replies[1].text == NOT_HERE
    assert replies[3].error and replies[3].text == NOT_HERE
    for index in (0, 2, 4, 5):
        assert not replies[index].error
        assert replies[index].text.startswith("Correct: 100/100 (+10 points)")
    assert any_core.quiz.answers.batches < len(calls)
    assert await full_board(any_core, who("ann")) == [
        (1, "ann", 10, 1),
        (1, "cat", 10, 1),
        (1, "dan", 10, 1),
    ]
    assert await full_board(any_core, stranger) == [(1, "eve", 10, 1)]
    bob = await any_core.handle(who("bob"), "stats")
    assert "No answers yet" in bob.text


async def test_a_job_that_raises_fails_alone_and_the_others_are_recorded_once(any_core):
    broken = who("zed", community_external_id="guild-9", timezone="Not/AZone")
    calls = [
        any_core.quiz.submit(who("ann"), GPT3, "A"),
        any_core.quiz.submit(broken, GPT3, "A"),
        any_core.quiz.submit(who("bob"), STEMMING, FULL_STEMMING),
        any_core.quiz.submit(who("ann"), TFIDF, "tf-idf"),
    ]
    replies = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(replies[1], Exception), replies[1]
    assert "(+10 points)" in replies[0].text
    assert "(+15 points)" in replies[2].text
    assert "(+10 points)" in replies[3].text
    # The failed batch was rolled back and each answer then recorded once, not twice.
    assert await full_board(any_core, who("ann")) == [(1, "ann", 20, 2), (2, "bob", 15, 1)]
    ann = await stats_of(any_core, who("ann"))
    assert (ann["points"], ann["answers"], ann["streak"]) == (20, 2, 1)
    # The core keeps answering after the failure.
    later = await any_core.quiz.submit(who("cat"), GPT3, "A")
    assert "(+10 points)" in later.text


async def test_batches_spanning_a_day_boundary_keep_streaks_and_day_rules(any_core, clock):
    la = "America/Los_Angeles"
    west = [who(n, community_external_id="guild-west", timezone=la) for n in ("ann", "bob")]
    east = [who(n, community_external_id="guild-east", timezone="Asia/Tokyo") for n in ("cat",)]
    # 07:30 UTC on 6 Jan: 23:30 on 5 Jan in Los Angeles, 16:30 on 6 Jan in Tokyo.
    clock.set(datetime(2026, 1, 6, 7, 30, tzinfo=UTC))
    quiz = any_core.quiz
    first = [asyncio.ensure_future(quiz.submit(c, GPT3, "A")) for c in (*west, *east)]
    first.append(asyncio.ensure_future(quiz.submit(west[0], TFIDF, "tf-idf")))
    # Once the first batch has read the clock, midnight passes in Los Angeles; answers
    # arriving now are on 6 Jan there (and still on 6 Jan in Tokyo).
    for _ in range(1000):
        if quiz.answers.batches:
            break
        await asyncio.sleep(0)
    clock.set(datetime(2026, 1, 6, 8, 30, tzinfo=UTC))
    second = [asyncio.ensure_future(quiz.submit(c, GPT3, "A")) for c in (*west, *east)]
    second.append(asyncio.ensure_future(quiz.submit(west[0], GPT3, "A")))
    done = await asyncio.gather(*first, *second)
    assert all(not r.error for r in done)
    before, after = done[: len(first)], done[len(first) :]
    assert all("(+10 points)" in r.text for r in before)
    # A new local day in Los Angeles: the same question earns again, once.
    assert "(+10 points)" in after[0].text and "(+10 points)" in after[1].text
    assert NO_POINTS in after[3].text
    # Still the same day in Tokyo: no points for cat's repeat.
    assert NO_POINTS in after[2].text
    for caller, streak, pts, n in ((west[0], 2, 30, 3), (west[1], 2, 20, 2), (east[0], 1, 10, 1)):
        mine = await stats_of(any_core, caller)
        assert (mine["streak"], mine["longest"], mine["points"], mine["answers"]) == (
            streak,
            streak,
            pts,
            n,
        ), caller.member_external_id
    # 7 Jan in Los Angeles, 8 Jan in Tokyo: ann answers twice in one batch, cat once.
    clock.set(datetime(2026, 1, 7, 20, tzinfo=UTC))
    third = await asyncio.gather(
        quiz.submit(west[0], STEMMING, FULL_STEMMING),
        quiz.submit(west[0], GPT3, "B"),
        quiz.submit(east[0], GPT3, "A"),
    )
    assert "(+15 points)" in third[0].text and "(no points: an incorrect" in third[1].text
    assert "(+10 points)" in third[2].text
    ann = await stats_of(any_core, west[0])
    assert (ann["streak"], ann["longest"], ann["answers"]) == (3, 3, 5)
    cat = await stats_of(any_core, east[0])
    # cat skipped 7 Jan in Tokyo: the streak starts again.
    assert (cat["streak"], cat["longest"]) == (1, 1)
    bob = await stats_of(any_core, west[1])
    assert (bob["streak"], bob["longest"]) == (2, 2)  # answered yesterday: still alive
    # Days later, answers in one batch on both sides start fresh streaks.
    clock.advance(days=5)
    await asyncio.gather(*(quiz.submit(c, TFIDF, "tf-idf") for c in (*west, *east)))
    for caller, longest in ((west[0], 3), (west[1], 2), (east[0], 1)):
        mine = await stats_of(any_core, caller)
        assert (mine["streak"], mine["longest"]) == (1, longest), caller.member_external_id
    # The day boards are per local day.
    today = await full_board(any_core, west[0], "day")
    assert today == [(1, "ann", 10, 1), (1, "bob", 10, 1)]


@pytest.mark.parametrize("max_batch", [1, 3])
async def test_small_batches_give_the_same_results(any_core, max_batch):
    shared = any_core.quiz
    quiz = QuizService(shared.uow, shared.clock, shared.rng, shared.on_graded, max_batch)
    calls = [(who(f"m{i}"), (GPT3, TFIDF)[i % 2], ("A", "tf-idf")[i % 2]) for i in range(7)]
    calls += [(who("m0"), GPT3, "A"), (who("m1"), TFIDF, "nope")]
    replies = await asyncio.gather(*(quiz.submit(c, q, a) for c, q, a in calls))
    assert all("(+10 points)" in r.text for r in replies[:7])
    assert NO_POINTS in replies[7].text and NO_POINTS in replies[8].text
    assert quiz.answers.batches == -(-len(calls) // max_batch)
    board = await full_board(any_core, who("m0"))
    assert board == [(1, f"m{i}", 10, 1) for i in range(7)]
    await quiz.answers.drain()


async def test_answers_submitted_before_shutdown_are_recorded_by_drain(any_core):
    quiz = any_core.quiz
    tasks = [asyncio.ensure_future(quiz.submit(who(f"m{i}"), GPT3, "A")) for i in range(6)]
    await asyncio.sleep(0)
    for task in tasks[::2]:
        task.cancel()  # the callers went away
    await quiz.answers.drain()
    assert all(task.done() for task in tasks)
    assert all(task.cancelled() for task in tasks[::2])
    assert all("(+10 points)" in task.result().text for task in tasks[1::2])
    board = await full_board(any_core, who("m0"))
    assert board == [(1, f"m{i}", 10, 1) for i in range(6)]
