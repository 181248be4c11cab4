"""Question of the day with the in-memory twins and a controlled clock: the due-check is
driven directly with a given `now`; nothing sleeps."""

from __future__ import annotations

import logging
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.bootstrap import build_core
from bot.ports import NewQotdPost
from bot.services.context import Caller
from bot.services.qotd import (
    CLAIM_LEASE,
    QotdService,
    SetupError,
    parse_days,
    parse_duration,
    parse_setup,
    slot_time,
)
from bot.testing import FakeChat, FakeClock, FakeUnitOfWorkFactory

ADMIN = Caller("discord", "guild-1", "ada", "Ada", "study", is_admin=True)
ALICE = Caller("discord", "guild-1", "alice", "Alice", "study")
BOB = Caller("discord", "guild-1", "bob", "Bob", "study")

# Monday 5 January 2026.
MONDAY = date(2026, 1, 5)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class World:
    """One community on a fake platform, with a core per 'process' sharing one store."""

    def __init__(self, sample_questions, start: datetime | None = None) -> None:
        self.clock = FakeClock(start or at(MONDAY, 7))
        self.uow = FakeUnitOfWorkFactory()
        self.chat = FakeChat()
        self.core = self.process()
        self.questions = sample_questions

    def process(self, grace: timedelta = timedelta(hours=2)):
        """A fresh core (as after a restart, or in another process) on the same store."""
        return build_core(self.uow, self.clock, random.Random(3), chat=self.chat, qotd_grace=grace)

    @property
    def qotd(self) -> QotdService:
        assert self.core.qotd is not None
        return self.core.qotd

    async def sync(self) -> None:
        await self.core.catalog.sync(self.questions)

    async def run(self, line: str, caller: Caller = ADMIN) -> str:
        reply = await self.core.handle_text(caller, line)
        return ("! " if reply.error else "") + reply.plain_text()

    def posts(self, channel: str = "study") -> list[str]:
        return self.chat.texts(channel)

    def questions_posted(self, channel: str = "study") -> list[str]:
        return [t for t in self.posts(channel) if t.startswith("Question of the day ·")]

    def reveals(self, channel: str = "study") -> list[str]:
        return [t for t in self.posts(channel) if t.startswith("Question of the day · the answer")]


@pytest.fixture
async def world(sample_questions) -> World:
    w = World(sample_questions)
    await w.sync()
    return w


# -- parsing --------------------------------------------------------------------------------


def test_parse_setup_reads_every_option_and_rejects_nonsense():
    settings = parse_setup(
        [
            "18:30",
            "tz=America/New_York",
            "days=mon-fri",
            "topics=nlp-basics",
            "levels=junior",
            "reveal=1h30m",
            "digest=fri",
            "best=off",
            "notify=#admins",
            "cohort=4",
        ],
        "UTC",
        None,
    )
    assert settings.post_time.strftime("%H:%M") == "18:30"
    assert settings.timezone == "America/New_York"
    assert settings.days == (0, 1, 2, 3, 4)
    assert settings.topics == ("nlp-basics",)
    assert settings.levels == ("junior",)
    assert settings.reveal_minutes == 90
    assert settings.digest_day == 4
    assert settings.show_best is False
    assert settings.notify_channel == "admins"
    assert settings.cohort_id == 4
    assert parse_days("fri-mon") == (0, 4, 5, 6)
    assert parse_duration("45") == 45
    for bad in (["25:00"], ["tz=Mars/Olympus"], ["days=someday"], ["reveal=1m"], ["x=1"]):
        with pytest.raises(SetupError):
            parse_setup(bad, "UTC", None)


# -- commands -------------------------------------------------------------------------------


async def test_only_admins_manage_the_schedule_and_setup_is_shown(world):
    refused = await world.run("/qotd setup 09:00", ALICE)
    assert refused.startswith("! Only community admins can use /qotd setup")
    out = await world.run("/qotd setup 09:00 tz=Europe/Berlin days=mon-fri reveal=6h")
    assert "Posts at 09:00 Europe/Berlin, mon,tue,wed,thu,fri." in out
    shown = await world.run("/qotd show")
    assert "Answer revealed after 6h" in shown
    assert "Next question: Mon 05 Jan 09:00 CET" in shown
    assert (await world.run("/qotd show", ALICE)).startswith("! Only community admins")
    bad = await world.run("/qotd setup 9:00 tz=Nowhere/Land")
    assert bad.startswith("! `Nowhere/Land` is not an IANA timezone")


async def test_posts_on_time_in_the_channel_timezone_and_only_once(world):
    await world.run("/qotd setup 09:00 tz=Europe/Berlin")
    # 09:00 in Berlin (CET, UTC+1) is 08:00 UTC.
    assert (await world.qotd.tick(at(MONDAY, 7, 59))).posted == 0
    assert world.questions_posted() == []
    report = await world.qotd.tick(at(MONDAY, 8, 0))
    assert report.posted == 1
    for minutes in (0, 1, 30, 90):
        await world.qotd.tick(at(MONDAY, 8, 0) + timedelta(minutes=minutes))
    assert len(world.questions_posted()) == 1
    post = world.chat.messages[world.chat.sent[0][1]]
    assert "Answer privately with /qotd answer" in (post.footer or "")
    assert post.buttons[0].action.startswith("qotd:answer:")
    assert not post.private


async def test_daylight_saving_change_moves_the_post_in_utc(world):
    world.clock.set(datetime(2026, 3, 6, 12, tzinfo=UTC))
    await world.run("/qotd setup 09:00 tz=America/New_York")
    saturday, monday = date(2026, 3, 7), date(2026, 3, 9)
    # Saturday, still EST (UTC-5): 09:00 local is 14:00 UTC.
    assert (await world.qotd.tick(at(saturday, 13, 0))).posted == 0
    assert (await world.qotd.tick(at(saturday, 14, 0))).posted == 1
    # DST started on Sunday 8 March: on Monday 09:00 EDT (UTC-4) is 13:00 UTC.
    assert (await world.qotd.tick(at(monday, 12, 59))).posted == 0
    assert (await world.qotd.tick(at(monday, 13, 0))).posted == 1
    # And back in November: Monday 2 Nov 09:00 EST is 14:00 UTC again.
    settings = parse_setup(["09:00", "tz=America/New_York"], "UTC", None)
    assert slot_time(settings, date(2026, 10, 30)) == datetime(2026, 10, 30, 13, tzinfo=UTC)
    assert slot_time(settings, date(2026, 11, 2)) == datetime(2026, 11, 2, 14, tzinfo=UTC)


async def test_the_repeated_hour_at_fall_back_posts_once(world):
    world.clock.set(datetime(2026, 10, 31, 12, tzinfo=UTC))
    await world.run("/qotd setup 01:30 tz=America/New_York")
    sunday = date(2026, 11, 1)
    # 01:30 happens at 05:30 UTC (EDT) and again at 06:30 UTC (EST): one post.
    assert (await world.qotd.tick(at(sunday, 5, 30))).posted == 1
    assert (await world.qotd.tick(at(sunday, 6, 30))).posted == 0
    assert len(world.questions_posted()) == 1


async def test_restart_in_the_middle_of_the_day_neither_repeats_nor_loses(world):
    await world.run("/qotd setup 09:00 reveal=8h")
    await world.qotd.tick(at(MONDAY, 9))
    await world.run("/qotd answer Decoder-only", ALICE)
    # The process restarts at noon: a new core on the same database.
    world.core = world.process()
    await world.qotd.tick(at(MONDAY, 12))
    assert len(world.questions_posted()) == 1
    # The new process still reveals the morning's question at 17:00, once.
    await world.qotd.tick(at(MONDAY, 16, 59))
    assert world.reveals() == []
    await world.qotd.tick(at(MONDAY, 17))
    await world.process().qotd.tick(at(MONDAY, 17, 1))  # and another process after it
    assert len(world.reveals()) == 1


async def test_missed_post_is_made_late_within_the_grace_window(world):
    await world.run("/qotd setup 09:00")
    # The bot was down from 08:00 to 10:45; it catches up at start.
    report = await world.qotd.tick(at(MONDAY, 10, 45))
    assert report.posted == 1
    assert len(world.questions_posted()) == 1
    # The reveal window starts when the question was actually posted.
    assert "revealed Mon 05 Jan 18:45 UTC" in world.questions_posted()[0]


async def test_post_past_the_grace_window_is_skipped_and_logged(world, caplog):
    await world.run("/qotd setup 09:00")
    with caplog.at_level(logging.WARNING, logger="bot.services.qotd"):
        report = await world.qotd.tick(at(MONDAY, 11, 1))
    assert report.posted == 0 and report.missed == 1
    assert world.questions_posted() == []
    assert "past the 120-minute grace window" in caplog.text
    await world.qotd.tick(at(MONDAY, 11, 2))
    assert (await world.qotd.tick(at(MONDAY, 12))).missed == 0  # logged once
    assert "missed" in await world.run("/qotd show")
    # The next day is on time again.
    assert (await world.qotd.tick(at(MONDAY + timedelta(days=1), 9))).posted == 1


async def test_grace_window_is_configurable(world):
    world.core = world.process(grace=timedelta(minutes=30))
    await world.run("/qotd setup 09:00")
    assert (await world.qotd.tick(at(MONDAY, 9, 45))).missed == 1
    assert world.questions_posted() == []


async def test_paused_channel_gets_nothing_and_resume_does_not_post_the_past(world):
    await world.run("/qotd setup 09:00")
    assert "Paused" in await world.run("/qotd pause")
    await world.qotd.tick(at(MONDAY, 9))
    assert world.questions_posted() == []
    assert "PAUSED: paused by Ada" in await world.run("/qotd show")
    world.clock.set(at(MONDAY, 9, 30))
    assert "Resumed." in await world.run("/qotd resume")
    await world.qotd.tick(at(MONDAY, 9, 31))
    assert world.questions_posted() == []
    await world.qotd.tick(at(MONDAY + timedelta(days=1), 9))
    assert len(world.questions_posted()) == 1


async def test_vanished_channel_pauses_and_tells_the_admins(world, caplog):
    await world.run("/qotd setup 09:00 notify=admins")
    world.chat.gone.add("study")
    with caplog.at_level(logging.WARNING, logger="bot.services.qotd"):
        report = await world.qotd.tick(at(MONDAY, 9))
    assert report.gone == 1
    assert "paused subscription" in caplog.text and "gone or forbidden" in caplog.text
    notices = world.posts("admins")
    assert len(notices) == 1 and "paused" in notices[0]
    shown = await world.run("/qotd show")
    assert "PAUSED: channel unavailable since 2026-01-05" in shown
    assert "Mon 5 Jan: channel gone" in shown
    # It is not retried: not later that day, not the next day.
    await world.qotd.tick(at(MONDAY, 9, 30))
    await world.qotd.tick(at(MONDAY + timedelta(days=1), 9))
    assert world.posts("study") == []
    assert len(world.posts("admins")) == 1


async def test_transient_failure_is_retried_within_the_grace_window(world):
    await world.run("/qotd setup 09:00")
    world.chat.fail_next = 1
    assert (await world.qotd.tick(at(MONDAY, 9))).failed == 1
    assert world.questions_posted() == []
    assert (await world.qotd.tick(at(MONDAY, 9, 1))).posted == 1
    await world.qotd.tick(at(MONDAY, 9, 2))
    assert len(world.questions_posted()) == 1


async def test_a_claim_left_by_a_dead_process_is_taken_over_after_the_lease(world):
    await world.run("/qotd setup 09:00")
    sub = (await world.qotd.schedules())[0]
    # Another process claimed the slot at 09:00 and died before sending.
    async with world.uow() as uow:
        await uow.qotd.claim(
            NewQotdPost(
                sub.id,
                sub.community_id,
                sub.channel_id,
                "question",
                MONDAY,
                at(MONDAY, 9),
                at(MONDAY, 9),
            ),
            at(MONDAY, 9) - CLAIM_LEASE,
            3,
        )
    assert (await world.qotd.tick(at(MONDAY, 9, 5))).posted == 0  # it may still be sending
    assert (await world.qotd.tick(at(MONDAY, 9, 11))).posted == 1
    assert len(world.questions_posted()) == 1


async def test_skip_and_now(world):
    await world.run("/qotd setup 09:00")
    assert "Skipped today's question" in await world.run("/qotd skip")
    await world.qotd.tick(at(MONDAY, 9))
    assert world.questions_posted() == []
    assert (await world.run("/qotd now")).startswith("! Today's question has already")
    tuesday = MONDAY + timedelta(days=1)
    world.clock.set(at(tuesday, 7))
    assert "Posted today's question" in await world.run("/qotd now")
    await world.qotd.tick(at(tuesday, 9))
    assert len(world.questions_posted()) == 1
    assert (await world.run("/qotd skip")).startswith("! Today's question has already")


async def test_no_repeat_in_a_channel_until_the_pool_is_exhausted(world):
    await world.run("/qotd setup 09:00")
    for offset in range(4):
        await world.qotd.tick(at(MONDAY + timedelta(days=offset), 9))
    async with world.uow() as uow:
        posts = sorted(await uow.qotd.since(MONDAY), key=lambda p: p.local_date)
    ids = [p.question_id for p in posts if p.kind == "question"]
    assert len(ids) == 4
    assert len(set(ids[:3])) == 3  # the sample pack has three questions
    assert ids[3] in ids[:3]


async def test_filters_choose_the_questions(world):
    await world.run("/qotd setup 09:00 levels=mid")
    await world.qotd.tick(at(MONDAY, 9))
    assert (
        "Explain the difference between stemming and lemmatization" in (world.questions_posted()[0])
    )


async def test_member_answers_privately_once_and_earns_points(world):
    await world.run("/qotd setup 09:00 levels=junior topics=nlp-basics")
    assert (await world.run("/qotd answer hello", ALICE)).startswith("! There is no question")
    world.clock.set(at(MONDAY, 9))
    await world.qotd.tick(at(MONDAY, 9))
    question = world.questions_posted()[0]
    world.clock.set(at(MONDAY, 10))
    answer = _right_answer(question)
    first = await world.core.handle(ALICE, "qotd", ("answer", answer))
    assert first.private and first.text.startswith("Correct: 100/100 (+10 points)")
    again = await world.core.handle(ALICE, "qotd", ("answer", "something else entirely"))
    assert again.text.startswith("You already answered today's question")
    assert "Correct: 100/100" in again.text
    # One attempt, context "qotd", on the leaderboard like a quiz answer.
    attempts = world.uow.store.attempts
    assert len(attempts) == 1 and attempts[0].points == 10
    board = await world.run("/leaderboard", ALICE)
    assert "Alice — 10 pts" in board
    # Bob answers with his next message.
    prompt = await world.run("/qotd answer", BOB)
    assert "next message" in prompt
    graded = await world.run(_wrong_answer(question), BOB)
    assert "Not quite" in graded or "Partly right" in graded
    # The window closes at the reveal.
    world.clock.set(at(MONDAY, 17))
    await world.qotd.tick(at(MONDAY, 17))
    late = await world.run("/qotd answer Decoder-only", BOB)
    assert late.startswith("! There is no question of the day open here")


async def test_reveal_shows_answer_counts_spread_best_and_opens_a_thread(world):
    await world.run("/qotd setup 09:00 levels=junior topics=nlp-basics reveal=2h")
    world.clock.set(at(MONDAY, 9))
    await world.qotd.tick(at(MONDAY, 9))
    answer = _right_answer(world.questions_posted()[0])
    await world.run(f"/qotd answer {answer}", ALICE)
    await world.run(f"/qotd answer {_wrong_answer(world.questions_posted()[0])}", BOB)
    await world.qotd.tick(at(MONDAY, 11))
    reveal = world.reveals()[0]
    assert "Model answer:" in reveal
    assert "Answered: 2" in reveal
    assert "Scores: 1 correct (70+)" in reveal and "range 0-100" in reveal
    assert "Best answer: Alice (100/100)" in reveal
    async with world.uow() as uow:
        post = (await uow.qotd.since(MONDAY))[0]
    assert post.reveal_status == "done" and post.thread_id is not None


async def test_best_answer_can_be_turned_off_and_threads_are_optional(world):
    world.chat.threads = False
    await world.run("/qotd setup 09:00 best=off reveal=1h")
    await world.qotd.tick(at(MONDAY, 9))
    world.clock.set(at(MONDAY, 9, 5))
    await world.run(f"/qotd answer {_wrong_answer(world.questions_posted()[0])}", ALICE)
    await world.qotd.tick(at(MONDAY, 10))
    reveal = world.reveals()[0]
    assert "Answered: 1" in reveal and "Best answer" not in reveal


async def test_weekly_digest_on_the_configured_day(world):
    await world.run("/qotd setup 09:00 digest=mon levels=junior topics=nlp-basics")
    world.clock.set(at(MONDAY, 9))
    await world.qotd.tick(at(MONDAY, 9))
    answer = _right_answer(world.questions_posted()[0])
    world.clock.set(at(MONDAY, 9, 10))
    await world.run(f"/qotd answer {answer}", ALICE)
    digests = [t for t in world.posts() if t.startswith("Weekly leaderboard")]
    assert len(digests) == 1  # posted with Monday's question, before anyone answered
    assert "Nobody answered this week" in digests[0]
    next_monday = MONDAY + timedelta(days=7)
    await world.qotd.tick(at(next_monday - timedelta(days=1), 9))  # Sunday: no digest
    await world.qotd.tick(at(next_monday, 9))
    await world.qotd.tick(at(next_monday, 9, 1))
    digests = [t for t in world.posts() if t.startswith("Weekly leaderboard")]
    assert len(digests) == 2
    # A Monday digest looks back on the week that just ended.
    assert "week of 2026-01-05" in digests[1] and "Alice — 10 pts" in digests[1]


def _wrong_answer(post_text: str) -> str:
    # A choice question needs a readable wrong option; an unreadable one is not graded.
    return "B" if "GPT-3" in post_text else "I do not know"


def _right_answer(post_text: str) -> str:
    if "GPT-3" in post_text:
        return "Decoder-only"
    if "TF-IDF" in post_text:
        return "term frequency-inverse document frequency"
    return (
        "Stemming strips suffixes with heuristic rules and can produce non-words; "
        "lemmatization returns the dictionary form."
    )


async def test_a_daily_answer_schedules_the_practice_card(world):
    await world.run("/qotd setup 09:00 levels=junior topics=nlp-basics")
    world.clock.set(at(MONDAY, 9))
    await world.qotd.tick(at(MONDAY, 9))
    question = world.questions_posted()[0]
    await world.core.handle(ALICE, "qotd", ("answer", _right_answer(question)))
    [attempt] = world.uow.store.attempts
    async with world.uow() as uow:
        card = await uow.cards.get(attempt.member_id, attempt.question_id)
    assert card is not None and card.due > at(MONDAY, 9)


# -- issue 10 ---------------------------------------------------------------------------------


async def test_show_after_posting_now_names_the_next_real_post(world):
    await world.run("/qotd setup 09:00 days=daily")
    assert "Next question: Mon 05 Jan 09:00" in await world.run("/qotd show")
    assert (await world.run("/qotd now")).startswith("Posted")
    shown = await world.run("/qotd show")
    assert "Next question: Tue 06 Jan 09:00" in shown
    # A restart reads the same history from the store.
    world.core = world.process()
    assert "Next question: Tue 06 Jan 09:00" in await world.run("/qotd show")
    assert "Mon 5 Jan: posted nlp-basics-sample-" in shown
    assert "answer to be revealed Mon 05 Jan" in shown
    assert "reveal pending" not in shown


async def test_skipping_today_moves_the_next_question_to_tomorrow(world):
    await world.run("/qotd setup 09:00 days=daily")
    await world.run("/qotd skip")
    shown = await world.run("/qotd show")
    assert "Next question: Tue 06 Jan 09:00" in shown
    assert "Mon 5 Jan: skipped (skipped by Ada)" in shown


async def test_an_unreadable_choice_to_the_daily_question_waits(world):
    world.questions = [q for q in world.questions if q.id == "nlp-basics-sample-gpt3"]
    await world.sync()
    await world.run("/qotd setup 09:00 levels=junior topics=nlp-basics")
    world.clock.set(at(MONDAY, 9))
    await world.qotd.tick(at(MONDAY, 9))
    refused = await world.run("/qotd answer I think A", ALICE)
    assert refused.startswith("! I can't tell which option")
    await world.run("/qotd answer", BOB)
    waiting = await world.run("hmm, the first one?", BOB)
    assert waiting.startswith("! I can't tell which option")
    graded = await world.run("A", BOB)
    assert "Correct: 100/100" in graded
    assert len(world.uow.store.attempts) == 1


async def test_the_community_setting_decides_whether_new_schedules_name_the_best(world):
    assert "qotd-best is off" in await world.run("/settings qotd-best off")
    shown = await world.run("/qotd setup 09:00")
    assert "best answer not named" in shown


async def test_a_long_model_answer_is_revealed_whole_and_a_wrong_answer_earns_nothing(world):
    long = " ".join(f"Part {n} says one more thing about causal attention." for n in range(60))
    # Only this question is left to post.
    world.questions = [
        replace(q, model_answer=long) for q in world.questions if q.id == "nlp-basics-sample-gpt3"
    ]
    await world.sync()
    await world.run("/qotd setup 09:00 levels=junior topics=nlp-basics reveal=1h")
    world.clock.set(at(MONDAY, 9))
    await world.qotd.tick(at(MONDAY, 9))
    wrong = await world.run("/qotd answer B", ALICE)
    assert "Not quite: 0/100 (no points: an incorrect answer earns none)" in wrong
    await world.qotd.tick(at(MONDAY, 10))
    reveal = world.reveals()[0]
    parts = [line for line in reveal.splitlines() if line.startswith("Model answer (")]
    assert len(parts) == 4
    assert " ".join(p.split(": ", 1)[1] for p in parts) == long


async def test_an_accepted_spelling_is_shown_for_the_daily_question(world):
    world.questions = [q for q in world.questions if q.id == "nlp-basics-sample-tfidf"]
    await world.sync()
    await world.run("/qotd setup 09:00 levels=junior topics=nlp-basics")
    world.clock.set(at(MONDAY, 9))
    await world.qotd.tick(at(MONDAY, 9))
    graded = await world.run("/qotd answer term frequency inverse document frequncy", ALICE)
    assert "Accepted: *term frequency inverse document frequncy* → Term frequency-" in graded
