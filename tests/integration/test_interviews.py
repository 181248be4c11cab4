"""Mock interviews on the fakes, SQLite and PostgreSQL: a whole interview to its scorecard
(and the scorecard's arithmetic), follow-ups, ending early, history, resuming after a
restart, no repeats, one active interview, rosters, privacy and practice cards."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace

import pytest

from bot.bootstrap import build_core
from bot.domain import Question
from bot.services.context import Caller
from bot.services.interview.followups import follow_up_question
from bot.services.interview.plan import section_level
from bot.services.interview.scorecard import BARS, SECTION_COMPETENCY, round_half_up
from bot.services.scoring import grade
from bot.storage.engine import create_engine, migrate
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from bot.testing import FakeUnitOfWorkFactory
from bot.views import Reply
from tests.conftest import _postgres_param, fresh_database
from tests.interview_script import STAR, answer_for, asked, interview_questions

BASE = Caller("discord", "guild-1", "alice", "alice", "general", community_name="Study")


def who(name: str, **overrides) -> Caller:
    return replace(BASE, member_external_id=name, display_name=name, **overrides)


ALICE = who("alice")


@pytest.fixture
def questions() -> list[Question]:
    return interview_questions()


@pytest.fixture
async def core(any_core, sample_questions, questions):
    await any_core.catalog.sync([*sample_questions, *questions])
    return any_core


async def run(core, caller: Caller, *args: str) -> Reply:
    return await core.handle(caller, "interview", list(args))


async def play(core, clock, caller, first: Reply, questions, minutes: float = 2) -> Reply:
    """Answer every question the interview asks until the scorecard."""
    reply = first
    for _ in range(20):
        if reply.title and reply.title.startswith("Interview scorecard"):
            return reply
        assert not reply.error, reply.text
        clock.advance(minutes=minutes)
        reply = await core.handle_text(caller, answer_for(reply, questions))
    raise AssertionError("the interview never ended")


async def stored_interview(core, caller: Caller):
    async with core.quiz.uow() as uow:
        community = await uow.communities.find(caller.platform, caller.community_external_id)
        member = await uow.members.find(community.id, caller.member_external_id)
        closed = await uow.interviews.history(member.id)
        steps = await uow.interviews.steps(closed[-1].id) if closed else []
        return member, closed, steps


async def test_whole_interview_reaches_a_scorecard_with_exact_arithmetic(core, clock, questions):
    first = await run(core, ALICE, "start", "mid", "llm", "standard")
    assert first.title.startswith("Interview · mid · LLM · Q1/6 · Warm-up")
    assert first.private and first.answer_action.startswith("interview:answer:")
    card = await play(core, clock, ALICE, first, questions)
    member, closed, steps = await stored_interview(core, ALICE)
    assert [s.section for s in steps if not s.follow_up] == [
        "warm-up",
        "depth",
        "depth",
        "scenario",
        "coding",
        "behavioral",
    ]
    # The scorecard, recomputed here from the pack and the script's answers alone.
    by_id = {q.id: q for q in questions}
    per: dict[str, list[int]] = {}
    for step in steps:
        question = by_id[step.question_id]
        level = section_level(step.section, "mid")
        if step.follow_up:
            question = follow_up_question(question, step.follow_up_index)
        expected = grade(question, step.answer, level).score
        assert step.grade["score"] == expected
        per.setdefault(SECTION_COMPETENCY[step.section], []).append(expected)
    scorecard = closed[-1].scorecard
    results = {c["name"]: c for c in scorecard["competencies"]}
    for name, scores in per.items():
        score = round_half_up(sum(scores) / len(scores))
        assert results[name]["score"] == score, name
        bar = BARS["mid"][name]
        assert results[name]["bar"] == bar
        want = "below" if score < bar else ("above" if score >= bar + 15 else "at")
        assert results[name]["readout"].startswith(want)
        line = f"- {name.capitalize()}: {score} · {results[name]['readout']}"
        assert line in card.text
    assessed = [c["score"] for c in scorecard["competencies"] if c["score"] is not None]
    overall = round_half_up(sum(assessed) / len(assessed))
    assert scorecard["overall"] == overall
    assert f"Overall: {overall}/100" in card.text
    assert len(assessed) == 6  # every competency, communication included
    good = sum(1 for c in scorecard["competencies"] if c["readout"] != "below the bar")
    assert closed[-1].readout == f"mid: {scorecard['overall_readout']} ({good}/6 at or above)"
    # Private and pointless: no leaderboard row, no attempts.
    board = await core.leaderboard.board(ALICE, [])
    assert "Nobody" in board.text
    async with core.quiz.uow() as uow:
        assert await uow.attempts.for_members([member.id], None, None) == []


MISSING_ONE_POINT = {
    "iv-llms-lora": "LoRA learns two low-rank matrices per layer, so there are far fewer "
    "trainable parameters and much less memory is needed.",
    "iv-llms-rag": "RAG retrieves relevant documents at query time, and the knowledge can be "
    "updated without retraining.",
}
CONTRADICTING_ONE_POINT = {
    "iv-llms-lora": "LoRA does not freeze the pretrained weights; it learns two low-rank "
    "matrices per layer so there are fewer parameters to train.",
    "iv-llms-rag": "RAG retrieves relevant documents at query time, but it does not ground "
    "the answer in retrieved context.",
}
COMPLETE = {
    "iv-llms-lora": "LoRA freezes the pretrained weights and learns two low-rank matrices "
    "per layer, so there are far fewer trainable parameters and less memory.",
    "iv-llms-rag": "RAG retrieves relevant documents at query time and grounds the answer in "
    "the retrieved context, and the knowledge can be updated without retraining.",
}
PROBES = {
    "iv-llms-lora": ("What happens to the original model weights", "When would you pay"),
    "iv-llms-rag": ("How would you check that an answer", "What does retrieval cost you"),
}


async def depth_question(core, caller: Caller, questions, *start: str) -> tuple[Reply, str]:
    """Start an interview, answer the warm-up, and return the depth question's reply."""
    reply = await run(core, caller, "start", *start)
    reply = await core.handle_text(caller, answer_for(reply, questions))
    question, _ = asked(reply, questions)
    assert question.id in PROBES, question.id
    return reply, question.id


async def test_follow_up_on_a_missed_point(core, questions):
    _, qid = await depth_question(core, ALICE, questions, "mid", "llm", "short")
    follow = await core.handle_text(ALICE, MISSING_ONE_POINT[qid])
    assert "Follow-up, on something your answer did not get to." in follow.text
    assert PROBES[qid][0] in follow.text
    assert follow.title.endswith("Q2/4 follow-up · Technical depth")
    assert follow.answer_action.endswith(":2f") and follow.wants_text_answer
    # One follow-up at most: answering it moves on to the scenario.
    onward = await core.handle_text(ALICE, answer_for(follow, questions))
    assert "Scenario" in onward.title
    card = await run(core, ALICE, "end")
    _, _, steps = await stored_interview(core, ALICE)
    follow_step = next(s for s in steps if s.follow_up)
    assert follow_step.label == "2f" and follow_step.status == "answered"
    assert follow_step.grade["score"] > 0  # graded by its own key points
    assert "- Depth:" in card.text


async def test_follow_up_on_an_asserted_misconception(core, questions):
    _, qid = await depth_question(core, ALICE, questions, "mid", "llm", "short")
    challenged = await core.handle_text(ALICE, CONTRADICTING_ONE_POINT[qid])
    assert "goes against a core point" in challenged.text, challenged.text
    assert PROBES[qid][0] in challenged.text


async def test_no_follow_up_for_a_complete_mid_answer_but_a_trade_off_for_a_senior(core, questions):
    _, qid = await depth_question(core, ALICE, questions, "mid", "llm", "short")
    onward = await core.handle_text(ALICE, COMPLETE[qid])
    assert "Follow-up" not in onward.text and "Scenario" in onward.title
    bob = who("bob")
    _, qid = await depth_question(core, bob, questions, "senior", "llm", "short")
    follow = await core.handle_text(bob, COMPLETE[qid])
    assert "Follow-up, on the trade-offs." in follow.text
    assert PROBES[qid][1] in follow.text


async def test_end_early_history_and_show(core, clock, questions):
    assert "no interview in progress" in (await run(core, ALICE)).text
    reply = await run(core, ALICE, "start", "mid", "llm", "short")
    clock.advance(minutes=1)
    await core.handle_text(ALICE, answer_for(reply, questions))
    ended = await run(core, ALICE, "end")
    assert ended.title == "Interview scorecard"
    assert "Interview ended early." in ended.text
    assert "- Fundamentals:" in ended.text and "- Coding: not assessed" in ended.text
    assert "4 questions planned; 1 answered, 0 skipped." in ended.footer
    again = await run(core, ALICE, "end")
    assert again.error and "no interview in progress" in again.text
    history = await run(core, ALICE, "history")
    assert history.text.startswith("#1 ") and "(ended early)" in history.text
    shown = await run(core, ALICE, "show", "1")
    assert shown.title == "Interview scorecard #1"
    assert shown.text == ended.text.replace("Interview ended early.\n", "")
    for bad in (["show", "2"], ["show", "x"], ["show"], ["fly"], ["start", "wizard"]):
        assert (await run(core, ALICE, *bad)).error, bad
    # Nobody else sees alice's interviews.
    assert "No finished interviews" in (await run(core, who("bob"), "history")).text


async def test_skip_counts_zero_and_time_far_over_is_noted(core, clock, questions):
    reply = await run(core, ALICE, "start", "mid", "llm", "short")
    skipped = await run(core, ALICE, "skip")
    assert skipped.text.startswith("Skipped.")
    # The depth question: 5 minutes suggested; taking 25 is far over.
    clock.advance(minutes=25)
    reply = await core.handle_text(ALICE, answer_for(skipped, questions))
    if "Follow-up" in reply.text:
        reply = await core.handle_text(ALICE, answer_for(reply, questions))
    card = await run(core, ALICE, "end")
    assert "- Fundamentals: 0 · below the bar" in card.text
    time_field = next(f for f in card.fields if f.name == "Time")
    assert "Q2 ran far over: 25 min against 5 min suggested." in time_field.value
    assert any(f.name.startswith("Gap · Q1 fundamentals 0/100") for f in card.fields)


async def test_one_active_interview_per_member_per_community(core):
    assert not (await run(core, ALICE, "start")).error
    refused = await run(core, ALICE, "start", "junior")
    assert refused.error and "already have an interview" in refused.text
    # Another member, and the same person in another community, are independent.
    assert not (await run(core, who("bob"), "start")).error
    elsewhere = replace(ALICE, community_external_id="guild-2")
    assert not (await run(core, elsewhere, "start")).error


async def test_racing_starts_and_answers_leave_one_interview_and_one_answer(core, questions):
    # A double click on "start" and a double submit of an answer, concurrently.
    started = await asyncio.gather(*(run(core, ALICE, "start", "mid", "llm") for _ in range(2)))
    assert sorted(r.error for r in started) == [False, True]
    first = next(r for r in started if not r.error)
    text = answer_for(first, questions)
    answered = await asyncio.gather(
        *(core.act(ALICE, first.answer_action, text=text) for _ in range(2))
    )
    assert sorted(r.error for r in answered) == [False, True]
    member, _, _ = await stored_interview(core, ALICE)
    async with core.quiz.uow() as uow:
        active = await uow.interviews.active(member.id)
        steps = await uow.interviews.steps(active.id)
    assert [s.status for s in steps][:2] == ["answered", "asked"]


async def test_stale_and_forged_answers_are_refused(core, questions):
    first = await run(core, ALICE, "start", "mid", "llm", "short")
    action = first.answer_action
    text = answer_for(first, questions)
    done = await core.act(ALICE, action, text=text)
    assert not done.error
    again = await core.act(ALICE, action, text=text)
    assert again.error and "no longer waiting" in again.text
    # Someone else's interview id, or a step that is not the current one.
    interview_id = int(action.split(":")[2])
    assert (await core.act(who("bob"), action, text="hi")).error
    assert (await core.act(ALICE, f"interview:answer:{interview_id}:4", text="x")).error
    assert (await core.act(ALICE, f"interview:answer:{interview_id + 99}:2", text="x")).error
    empty = await core.act(ALICE, done.answer_action, text="   ")
    assert empty.error and "empty" in empty.text
    huge = await core.act(ALICE, done.answer_action, text="x" * 7000)
    assert huge.error and "still waiting" in huge.text
    # Nothing was lost: the current question is still the second one.
    current = await run(core, ALICE)
    assert "Q2/4" in current.title


async def test_no_repeats_from_recent_interviews(core, questions):
    for _ in range(2):
        assert not (await run(core, ALICE, "start", "mid", "llm", "short")).error
        await run(core, ALICE, "end")
    member, _, _ = await stored_interview(core, ALICE)
    async with core.quiz.uow() as uow:
        history = await uow.interviews.history(member.id)
        planned = [{s.question_id for s in await uow.interviews.steps(i.id)} for i in history]
    # The pack has two questions per section; the second interview asks the other ones.
    assert len(planned) == 2 and len(planned[0]) == 4
    assert not planned[0] & planned[1]
    # With every question recently asked, a third interview still gets a full plan.
    third = await run(core, ALICE, "start", "mid", "llm", "short")
    assert "Q1/4" in third.title


async def test_plain_lines_go_to_the_newest_question(core, clock, questions):
    await core.quiz.ask(ALICE, ["nlp-basics", "choice"])
    clock.advance(seconds=5)
    first = await run(core, ALICE, "start", "mid", "llm", "short")
    # The interview question is newer than the quiz's: the line answers the interview.
    moved = await core.handle_text(ALICE, answer_for(first, questions))
    assert "Q2/4" in moved.title
    # A quiz question asked after it takes the next line; the interview waits.
    clock.advance(seconds=5)
    await core.quiz.ask(ALICE, ["nlp-basics", "choice"])
    graded = await core.handle_text(ALICE, "A")
    assert graded.title == "Your grade"
    assert "Q2/4" in (await run(core, ALICE)).title


async def test_roster_shows_interviews_and_join_says_so(core, clock, questions):
    admin = who("admin", is_admin=True)
    await core.cohorts.command(admin, ["create", "spring"])
    joined = await core.cohorts.command(ALICE, ["join", "spring"])
    assert "mock interviews" in joined.text
    await core.cohorts.command(who("bob"), ["join", "spring"])
    first = await run(core, ALICE, "start", "mid", "llm", "short")
    await play(core, clock, ALICE, first, questions)
    roster = await core.cohorts.command(admin, ["roster", "spring"])
    _, closed, _ = await stored_interview(core, ALICE)
    alice_line = next(line for line in roster.text.splitlines() if line.startswith("alice"))
    assert f"1 interview(s), latest {closed[-1].readout}" in alice_line
    assert "no interviews" in next(
        line for line in roster.text.splitlines() if line.startswith("bob")
    )
    exported = await core.cohorts.command(admin, ["export", "spring"])
    assert ",1,mid: " in exported.attachment[1]


async def test_below_the_bar_answers_get_practice_cards_and_forget_me_deletes(core, questions):
    first = await run(core, ALICE, "start", "mid", "llm", "short")
    # The warm-up, well below the bar: a wrong letter for the choice one, wrong for the other.
    await core.handle_text(ALICE, "B")
    card = await run(core, ALICE, "end")
    _, closed, steps = await stored_interview(core, ALICE)
    gap_ids = closed[-1].scorecard["card_questions"]
    assert gap_ids == [steps[0].question_id]
    assert any(f.name == "Practice cards" for f in card.fields)
    member, _, _ = await stored_interview(core, ALICE)
    async with core.quiz.uow() as uow:
        assert await uow.cards.get(member.id, gap_ids[0]) is not None
    assert "1 finished" in (await core.privacy.my_data(ALICE)).plain_text()
    await core.privacy.forget_me(ALICE, ["confirm"])
    assert "No finished interviews" in (await run(core, ALICE, "history")).text
    assert first.private


async def test_level_defaults_to_mid_then_follows_recent_answers(core, questions):
    started = await run(core, ALICE, "start", "llm", "short")
    assert "mid (suggested: the default" in started.text
    await run(core, ALICE, "end")
    for _ in range(5):
        await core.quiz.ask(ALICE, ["nlp-basics", "choice"])
        await core.quiz.answer(ALICE, "B")  # wrong: 0 each
    started = await run(core, ALICE, "start", "llm", "short")
    assert started.title.startswith("Interview · junior")
    assert "junior (suggested: your last 5 answers average 0/100)" in started.text


@pytest.mark.parametrize("backend", ["fake", "sqlite", _postgres_param()])
async def test_resumes_after_a_restart(backend, clock, sample_questions, questions, tmp_path):
    everything = [*sample_questions, *questions]
    if backend == "fake":
        factory = FakeUnitOfWorkFactory()
        first = build_core(factory, clock, random.Random(1))
        await first.catalog.sync(everything)
        asked_first = await run(first, ALICE, "start", "mid", "llm", "short")
        await first.handle_text(ALICE, answer_for(asked_first, questions))
        # A new core over the same store: what a restart leaves.
        second = build_core(factory, clock, random.Random(2))
        resumed = await run(second, ALICE)
        assert "Q2/4" in resumed.title
        card = await play(second, clock, ALICE, resumed, questions)
        assert card.title == "Interview scorecard"
        return
    async with fresh_database(backend, tmp_path) as url:
        engine = create_engine(url)
        await migrate(engine)
        core = build_core(SqlAlchemyUnitOfWorkFactory(engine), clock, random.Random(1))
        await core.catalog.sync(everything)
        asked_first = await run(core, ALICE, "start", "mid", "llm", "short")
        await core.handle_text(ALICE, answer_for(asked_first, questions))
        await engine.dispose()
        engine = create_engine(url)
        try:
            core = build_core(SqlAlchemyUnitOfWorkFactory(engine), clock, random.Random(2))
            resumed = await run(core, ALICE)
            assert "Q2/4" in resumed.title and "Your current question" in resumed.text
            card = await play(core, clock, ALICE, resumed, questions)
            assert card.title == "Interview scorecard"
            assert "4 questions planned; " in card.footer
        finally:
            await engine.dispose()


def test_star_script_is_a_behavioral_answer():
    # The scripted STAR story must grade as one, or the behavioral checks above mean little.
    behavioral = next(q for q in interview_questions() if q.kind.value == "behavioral")
    assert grade(behavioral, STAR, "mid").score >= 70


async def test_an_interview_survives_its_follow_up_being_edited_away(core, questions, clock):
    reply, qid = await depth_question(core, ALICE, questions, "mid", "llm", "short")
    follow = await core.handle_text(ALICE, MISSING_ONE_POINT[qid])
    assert "Follow-up" in follow.text
    # The pack is edited while the interview waits on the follow-up: it has none any more.
    edited = [replace(q, follow_ups=()) if q.id == qid else q for q in questions]
    await core.catalog.sync(edited)
    current = await run(core, ALICE)
    assert not current.error and "Q2/4 follow-up" in current.title
    onward = await core.handle_text(ALICE, MISSING_ONE_POINT[qid])
    assert "Scenario" in onward.title
    card = await run(core, ALICE, "end")
    assert card.title == "Interview scorecard" and "- Depth:" in card.text


async def test_an_unreadable_choice_answer_is_asked_again_not_scored(any_core, questions):
    # Only the choice warm-up is left, so the interview must open with it.
    await any_core.catalog.sync([q for q in questions if q.id != "iv-llms-context-window"])
    first = await run(any_core, ALICE, "start", "mid", "llm", "short")
    assert first.choices and first.answer_action == f"{first.answer_action.rsplit(':', 1)[0]}:1"
    again = await any_core.handle_text(ALICE, "I think it is about creativity, mostly.")
    assert again.error and "Answer with a letter (A-B)" in again.text
    assert "Q1/4" in (await run(any_core, ALICE)).title
    onward = await any_core.act(ALICE, f"{first.answer_action}:A")
    assert "Q2/4" in onward.title
