"""The LLM judge wired into the core on real storage (SQLite always, PostgreSQL when
PREPBOT_TEST_POSTGRES_URL is set): quiz, question-of-the-day and interview answers are
graded by the judge, and a slow judge holds no transaction, so another member's answer
is recorded while it thinks."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime

import pytest

from bot.bootstrap import build_core, make_grader
from bot.config import Settings
from bot.domain import Kind
from bot.services.context import Caller
from bot.services.grading import ClaimsGrader
from bot.services.interview.followups import step_question
from bot.services.judge import ChatCompletions, JudgeGrader
from bot.services.scoring import grade
from bot.testing import FakeChat, FakeClock
from bot.testing.judge import FakeJudge, Slow, Verdicts
from tests.interview_script import answer_for, interview_questions

ALICE = Caller("discord", "guild-1", "alice", "Alice", "study")
BOB = Caller("discord", "guild-1", "bob", "Bob", "study")
ADMIN = Caller("discord", "guild-1", "ada", "Ada", "study", is_admin=True)
OPEN_ANSWER = "Stemming cuts suffixes by rule and can produce non-words."
SLOW = "slowly"


@pytest.fixture
async def judge():
    async with FakeJudge() as fake:
        # A slow judge for answers that say "slowly", a quick one for the rest.
        fake.decide = lambda case: (
            Slow(0.8, Verdicts(feedback="Took a while."))
            if SLOW in case.get("candidate_answer", "")
            else Verdicts()
        )
        yield fake


@pytest.fixture
async def core(sql_uow, clock, sample_questions, judge):
    grader = JudgeGrader(ChatCompletions(judge.url, judge.model, None, timeout=5.0))
    core = build_core(sql_uow, clock, random.Random(7), grader=grader)
    await core.catalog.sync([*sample_questions, *interview_questions()])
    yield core
    await core.quiz.drain()
    await grader.close()


async def _attempts(core, caller: Caller):
    async with core.quiz.uow() as uow:
        community = await uow.communities.find(caller.platform, caller.community_external_id)
        member = await uow.members.find(community.id, caller.member_external_id)
        return await uow.attempts.for_members([member.id], None, None)


async def test_a_quiz_answer_is_graded_by_the_judge(core, judge, sample_questions):
    asked = await core.handle_text(ALICE, "/quiz nlp-basics open")
    assert "stemming" in asked.text.casefold()
    reply = await core.handle_text(ALICE, OPEN_ANSWER)
    # The claims grader finds two of the three points; the judge (asserting all) gives 100.
    stemming = next(q for q in sample_questions if q.kind is Kind.OPEN)
    assert grade(stemming, OPEN_ANSWER).score < 100
    assert reply.text.startswith("Correct: 100/100")
    assert "Clear answer." in reply.plain_text()
    assert judge.answers == [OPEN_ANSWER]
    (attempt,) = await _attempts(core, ALICE)
    assert attempt.score == 100


async def test_a_slow_judge_holds_no_transaction_in_the_quiz(core, judge):
    await core.handle_text(ALICE, "/quiz nlp-basics open")
    await core.handle_text(BOB, "/quiz nlp-basics choice")
    alice = asyncio.ensure_future(core.handle_text(ALICE, f"{OPEN_ANSWER} I answer {SLOW}."))
    await asyncio.wait_for(judge.received(), 5)
    # While the judge thinks about Alice's answer, Bob's answer is graded and recorded.
    bob = await core.handle_text(BOB, "A")
    assert bob.text.startswith("Correct") and not alice.done()
    assert len(await _attempts(core, BOB)) == 1
    reply = await alice
    assert reply.text.startswith("Correct: 100/100") and "Took a while." in reply.plain_text()
    assert len(await _attempts(core, ALICE)) == 1


async def test_a_quiz_answer_is_recorded_even_if_the_caller_stops_waiting(core, judge):
    await core.handle_text(ALICE, "/quiz nlp-basics open")
    caller = asyncio.ensure_future(core.handle_text(ALICE, f"{OPEN_ANSWER} {SLOW}"))
    await asyncio.wait_for(judge.received(), 5)
    caller.cancel()  # a closed connection, a platform timeout
    await core.quiz.drain()
    (attempt,) = await _attempts(core, ALICE)
    assert attempt.score == 100


async def test_a_slow_judge_holds_no_transaction_for_the_question_of_the_day(
    sql_uow, sample_questions, judge
):
    clock = FakeClock(datetime(2026, 1, 5, 7, tzinfo=UTC))
    grader = JudgeGrader(ChatCompletions(judge.url, judge.model, None, timeout=5.0))
    core = build_core(sql_uow, clock, random.Random(3), chat=FakeChat(), grader=grader)
    # Only the open question, so it is the one posted.
    await core.catalog.sync([q for q in sample_questions if q.kind is Kind.OPEN])
    try:
        await core.handle_text(ADMIN, "/qotd setup 09:00 reveal=8h")
        assert core.qotd is not None
        assert (await core.qotd.tick(datetime(2026, 1, 5, 9, tzinfo=UTC))).posted == 1
        clock.advance(hours=2)
        alice = asyncio.ensure_future(
            core.handle_text(ALICE, f"/qotd answer {OPEN_ANSWER} I answer {SLOW}.")
        )
        await asyncio.wait_for(judge.received(), 5)
        bob = await core.handle_text(BOB, f"/qotd answer {OPEN_ANSWER}")
        assert bob.text.startswith("Correct") and not alice.done()
        reply = await alice
        assert "100/100" in reply.text and "Took a while." in reply.plain_text()
        again = await core.handle_text(ALICE, "/qotd answer something else")
        assert "100/100" in again.text and judge.calls == 2  # the first answer stands
        assert [a.score for a in await _attempts(core, ALICE)] == [100]
    finally:
        await core.qotd.settle() if core.qotd else None
        await grader.close()


async def test_interview_answers_are_graded_by_the_judge(core, judge, clock):
    questions = interview_questions()
    reply = await core.handle(ALICE, "interview", ["start", "mid", "llm", "standard"])
    for _ in range(20):
        if reply.title and reply.title.startswith("Interview scorecard"):
            break
        assert not reply.error, reply.text
        clock.advance(minutes=2)
        reply = await core.handle_text(ALICE, answer_for(reply, questions))
    else:
        raise AssertionError("the interview never ended")
    async with core.quiz.uow() as uow:
        community = await uow.communities.find("discord", "guild-1")
        member = await uow.members.find(community.id, "alice")
        (interview,) = await uow.interviews.history(member.id)
        steps = await uow.interviews.steps(interview.id)
        by_id = await uow.questions.get_many(sorted({s.question_id for s in steps}))
    judged = [
        s
        for s in steps
        if s.status == "answered"
        and step_question(by_id[s.question_id], s.follow_up, s.follow_up_index).kind
        in (Kind.OPEN, Kind.SCENARIO, Kind.CODING)
    ]
    assert judged and len(judge.requests) == len(judged)
    assert all(s.grade is not None and s.grade["score"] == 100 for s in judged)


def test_make_grader_follows_the_settings_and_never_logs_the_key(caplog, monkeypatch):
    for name in ("PREPBOT_GRADER_URL", "PREPBOT_GRADER_MODEL", "PREPBOT_GRADER_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.INFO):
        assert isinstance(make_grader(Settings(_env_file=None)), ClaimsGrader)  # type: ignore[call-arg]
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            PREPBOT_GRADER_URL="https://user:pw@llm.example/v1/?api-version=abc",
            PREPBOT_GRADER_MODEL="judge-1",
            PREPBOT_GRADER_API_KEY="sk-very-secret",
        )
        grader = make_grader(settings)
    assert isinstance(grader, JudgeGrader)
    assert grader.client.url == "https://user:pw@llm.example/v1/chat/completions?api-version=abc"
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.bootstrap"]
    assert lines[0].startswith("grader: claims")
    assert "grader: LLM judge judge-1 at https://llm.example/v1/chat/completions" in lines[1]
    assert "sk-very-secret" not in caplog.text and "pw@" not in caplog.text
    assert "api-version=abc" not in caplog.text
