"""InterviewService: `/interview` and the answers to its questions."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain import Grade, Kind, Level, Question
from bot.ports import (
    Clock,
    Grader,
    Interview,
    InterviewStep,
    PoolFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services.context import Caller, Resolved, resolve
from bot.services.grading import ClaimsGrader
from bot.services.interview.followups import follow_up_question, pick_follow_up, step_question
from bot.services.interview.plan import (
    FOLLOW_UP_MINUTES,
    LENGTHS,
    NO_REPEAT_INTERVIEWS,
    RECENT_ANSWERS,
    SECTION_TITLES,
    StartError,
    choose_questions,
    parse_start,
    section_level,
    section_topics,
    suggest_level,
    suggested_seconds,
)
from bot.services.interview.render import (
    TRACK_TITLES,
    history_reply,
    minutes,
    question_reply,
    scorecard_reply,
)
from bot.services.interview.scorecard import AnswerRecord, Scorecard, compute
from bot.services.practice import PracticeService
from bot.services.quiz import answer_problem
from bot.services.scoring import grade
from bot.services.scoring.choice import pick as pick_option
from bot.services.scoring.keypoints import AnswerIndex, prose_factor
from bot.views import LETTERS, Reply, error

USAGE = (
    "Use /interview start [level] [track] [length], /interview (the current question), "
    "/interview skip, /interview end, /interview history, /interview show N."
)
NO_INTERVIEW = (
    "You have no interview in progress. Start one: /interview start [level] [track] [length]"
)
STALE = (
    "That question is no longer waiting for an answer (it was answered or skipped, or the "
    "interview is over). Nothing was recorded. /interview shows where you are."
)
WAITING = ("planned", "asked")
RECENT_DAYS = 90


def _waiting(steps: Sequence[InterviewStep]) -> InterviewStep | None:
    return next((s for s in steps if s.status in WAITING), None)


def _planned(steps: Sequence[InterviewStep]) -> int:
    return sum(1 for s in steps if not s.follow_up)


@dataclass(frozen=True, slots=True)
class _Pregraded:
    """An answer graded by a remote grader before the unit of work that records it."""

    interview_id: int
    label: str
    asked: Question
    level: str
    grade: Grade


class InterviewService:
    """Mock interviews: private, one active per member per community, stored step by step
    so they resume after a restart; a scorecard at the end; no points, ever."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random | None = None,
        practice: PracticeService | None = None,
        grader: Grader | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.rng = rng or random.Random()
        self.practice = practice
        self.grader: Grader = grader or ClaimsGrader()

    # -- the command ----------------------------------------------------------------------

    async def command(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """`/interview [start ... | skip | end | history | show N]`."""
        action = args[0].casefold() if args else ""
        rest = list(args[1:])
        if action in ("", "current"):
            return await self.current(caller)
        if action == "start":
            return await self.start(caller, rest)
        if action == "skip" and not rest:
            return await self._settle(caller, None, None, None)
        if action == "end" and not rest:
            return await self.end(caller)
        if action == "history" and not rest:
            return await self.history(caller)
        if action == "show":
            if len(rest) != 1 or not rest[0].lstrip("#").isdigit():
                return error("Use /interview show N, with N from /interview history.")
            return await self.show(caller, int(rest[0].lstrip("#")))
        return error(USAGE)

    async def start(self, caller: Caller, args: Sequence[str]) -> Reply:
        """Plan and start an interview, and ask its first question."""
        try:
            options = parse_start(args)
        except StartError as exc:
            return error(str(exc))
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            if await uow.interviews.active(who.member.id) is not None:
                return error(
                    "You already have an interview in progress: /interview shows its question, "
                    "/interview end stops it with a scorecard."
                )
            if options.level is not None:
                level, source, why = options.level, "chosen", "your choice"
            else:
                level, why = await self._suggested_level(uow, who, now)
                source = "suggested"
            sections = LENGTHS[options.length]
            candidates = await self._candidates(uow, who, options.track)
            recent = await uow.interviews.recent_questions(who.member.id, NO_REPEAT_INTERVIEWS)
            chosen = choose_questions(sections, level, options.track, candidates, recent, self.rng)
            if not chosen:
                return error("There are no questions to interview you with here yet.")
            steps = [
                InterviewStep(
                    interview_id=0,
                    number=number,
                    follow_up=0,
                    section=section,
                    question_id=question.id,
                    suggested_seconds=suggested_seconds(section, level, question),
                )
                for number, (section, question) in enumerate(chosen, start=1)
            ]
            draft = Interview(
                id=0,
                community_id=who.community.id,
                member_id=who.member.id,
                level=level,
                track=options.track,
                length=options.length,
                status="active",
                started_at=now,
                level_source=source,
            )
            interview_id = await uow.interviews.start(draft, steps)
            if interview_id is None:
                return error("You already have an interview in progress: /interview shows it.")
            interview = replace(draft, id=interview_id)
            first = replace(steps[0], interview_id=interview_id, status="asked", asked_at=now)
            await uow.interviews.mark_asked(interview_id, 1, 0, now)
        shown = [section for section, _ in chosen]
        missing = len(sections) - len(chosen)
        lacking = (
            f" ({missing} section(s) had no question here and were left out)" if missing else ""
        )
        note = (
            f"Mock interview: {level} ({why}), {TRACK_TITLES[options.track]} track, "
            f"{options.length}: {len(chosen)} questions{lacking}: {', '.join(shown)}. "
            "It is private and earns no points; the interviewer may ask one follow-up after "
            "an answer, and you get a scorecard at the end."
        )
        return question_reply(interview, first, chosen[0][1], len(chosen), note)

    async def _suggested_level(
        self, uow: UnitOfWork, who: Resolved, now: datetime
    ) -> tuple[Level, str]:
        since = who.local_date(now) - timedelta(days=RECENT_DAYS)
        attempts = await uow.attempts.for_members([who.member.id], since, None)
        latest = sorted(attempts, key=lambda a: a.created_at)[-RECENT_ANSWERS:]
        questions = await uow.questions.get_many(sorted({a.question_id for a in latest}))
        pairs = [
            (questions[a.question_id].level, a.score) for a in latest if a.question_id in questions
        ]
        level, why = suggest_level(pairs)
        return level, f"suggested: {why}"

    async def _candidates(self, uow: UnitOfWork, who: Resolved, track: str) -> list[Question]:
        topics: list[str] = []
        for section in SECTION_TITLES:
            topics.extend(t for t in section_topics(section, track) if t not in topics)
        ids: list[str] = []
        for topic in topics:
            ids.extend(await uow.questions.pool(PoolFilter(who.community.id, topic)))
        found = await uow.questions.get_many(sorted(set(ids)))
        return [found[qid] for qid in sorted(found)]

    # -- showing where the member is ------------------------------------------------------

    async def current(self, caller: Caller) -> Reply:
        """The question the member's interview is waiting on."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            interview = await uow.interviews.active(who.member.id)
            if interview is None:
                return Reply(text=NO_INTERVIEW, title="Interview")
            steps = await uow.interviews.steps(interview.id)
            step = _waiting(steps)
            if step is None:
                # Every step is settled but the interview was not closed (cannot happen
                # through this service; repair it rather than leave the member stuck).
                card = await self._close(uow, who, interview, steps, "finished", now)
                return scorecard_reply(card, note="Your interview is complete.")
            await uow.interviews.mark_asked(interview.id, step.number, step.follow_up, now)
            question = await self._question_for(uow, step)
        return question_reply(interview, step, question, _planned(steps), "Your current question:")

    async def _question_for(self, uow: UnitOfWork, step: InterviewStep) -> Question:
        question = await uow.questions.get(step.question_id)
        assert question is not None  # a foreign key keeps it
        return step_question(question, step.follow_up, step.follow_up_index)

    # -- answers --------------------------------------------------------------------------

    async def answer_pending(self, caller: Caller, text: str) -> Reply | None:
        """A plain message: the answer to the interview's current question, when the member
        has an interview whose question is newer than any quiz question they were asked;
        None to let the quiz have it. (`/qotd answer` with no text is looked at first, by
        `Prepbot.handle_text`: it is the member's explicit word about their next line.)"""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            interview = await uow.interviews.active(who.member.id)
            if interview is None:
                return None
            step = _waiting(await uow.interviews.steps(interview.id))
            pending = await uow.pending.get(who.member.id)
        if (
            step is not None
            and pending is not None
            and step.asked_at is not None
            and pending.asked_at > step.asked_at
        ):
            return None
        return await self._settle(caller, text, None, None)

    async def submit(self, caller: Caller, interview_id: int, label: str, text: str) -> Reply:
        """An answer from a button or form naming its interview and step
        (`interview:answer:<id>:<step>`): refused unless that step is still waiting."""
        return await self._settle(caller, text, interview_id, label)

    async def _pregrade(
        self, caller: Caller, answer: str, interview_id: int | None, label: str | None
    ) -> _Pregraded | None:
        """Grade the answer to the waiting step with a remote grader, before the unit of
        work that records it, so no transaction waits on the model."""
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            interview = await uow.interviews.active(who.member.id)
            if interview is None or interview_id not in (None, interview.id):
                return None
            step = _waiting(await uow.interviews.steps(interview.id))
            if step is None or label not in (None, step.label):
                return None
            question = await uow.questions.get(step.question_id)
        if question is None:
            return None
        asked = step_question(question, step.follow_up, step.follow_up_index)
        if not self.grader.consults(asked):
            return None
        level = section_level(step.section, interview.level)
        result = await self.grader.grade(asked, answer, level)
        return _Pregraded(interview.id, step.label, asked, level, result)

    async def _settle(
        self, caller: Caller, text: str | None, interview_id: int | None, label: str | None
    ) -> Reply:
        """Answer (`text`) or skip (None) the waiting step, then ask the next one or, after
        the last, close the interview with its scorecard."""
        answer = text.strip() if text is not None else None
        if answer is not None:
            problem = answer_problem(answer)
            if problem:
                return error(problem.replace("/skip", "/interview skip"))
        pregraded = None
        if answer is not None and self.grader.remote:
            pregraded = await self._pregrade(caller, answer, interview_id, label)
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            interview = await uow.interviews.active(who.member.id)
            if interview is None:
                return error(STALE if interview_id is not None else NO_INTERVIEW)
            if interview_id is not None and interview.id != interview_id:
                return error(STALE)
            steps = await uow.interviews.steps(interview.id)
            step = _waiting(steps)
            if step is None or (label is not None and label != step.label):
                return error(STALE)
            question = await uow.questions.get(step.question_id)
            assert question is not None
            level = section_level(step.section, interview.level)
            result: Grade | None = None
            record: dict[str, object] | None = None
            if answer is not None:
                asked = step_question(question, step.follow_up, step.follow_up_index)
                if asked.kind is Kind.CHOICE and pick_option(asked, answer) is None:
                    # Not a reading of any option: ask again rather than score it 0.
                    return error(
                        "Answer with a letter (A-"
                        f"{LETTERS[len(asked.choices) - 1]}) or the option text; the question "
                        "is still waiting. /interview skip to pass."
                    )
                if pregraded is not None and pregraded == _Pregraded(
                    interview.id, step.label, asked, level, pregraded.grade
                ):
                    result = pregraded.grade
                elif not self.grader.consults(asked):
                    result = await self.grader.grade(asked, answer, level)
                else:
                    # The step changed while the remote grader worked: the claims grade.
                    result = grade(asked, answer, level)
                record = _grade_record(result, answer)
            status = "skipped" if answer is None else "answered"
            if not await uow.interviews.settle(step, status, now, answer, record):
                return error(STALE)
            taken = now - (step.asked_at or now)
            done = replace(
                step,
                status=status,
                asked_at=step.asked_at or now,
                answered_at=now,
                answer=answer,
                grade=record,
            )
            steps = [done if s.label == step.label else s for s in steps]
            if answer is not None and result is not None and not step.follow_up:
                pick = pick_follow_up(question, level, answer, result)
                if pick is not None:
                    follow = InterviewStep(
                        interview_id=interview.id,
                        number=step.number,
                        follow_up=1,
                        section=step.section,
                        question_id=question.id,
                        suggested_seconds=FOLLOW_UP_MINUTES * 60,
                        status="asked",
                        follow_up_index=pick.index,
                        asked_at=now,
                    )
                    await uow.interviews.add_step(follow)
                    asked_question = follow_up_question(question, pick.index)
                    return question_reply(
                        interview,
                        follow,
                        asked_question,
                        _planned(steps),
                        f"{_noted(answer, taken)} {pick.intro()}",
                    )
            following = _waiting(steps)
            if following is None:
                card = await self._close(uow, who, interview, steps, "finished", now)
                return scorecard_reply(
                    card, note=f"{_noted(answer, taken)} That was the last question."
                )
            await uow.interviews.mark_asked(
                interview.id, following.number, following.follow_up, now
            )
            following = replace(following, status="asked", asked_at=now)
            next_question = await self._question_for(uow, following)
        return question_reply(
            interview, following, next_question, _planned(steps), _noted(answer, taken)
        )

    async def end(self, caller: Caller) -> Reply:
        """Stop the interview now, with a scorecard for what was answered."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            interview = await uow.interviews.active(who.member.id)
            if interview is None:
                return error(NO_INTERVIEW)
            steps = await uow.interviews.steps(interview.id)
            card = await self._close(uow, who, interview, steps, "ended", now)
        return scorecard_reply(card, note="Interview ended early.")

    async def _close(
        self,
        uow: UnitOfWork,
        who: Resolved,
        interview: Interview,
        steps: Sequence[InterviewStep],
        status: str,
        now: datetime,
    ) -> Scorecard:
        questions = await uow.questions.get_many(sorted({s.question_id for s in steps}))
        records = [_record(step, questions.get(step.question_id)) for step in steps]
        card = compute(
            interview.level, interview.track, interview.length, status, _planned(steps), records
        )
        await uow.interviews.finish(interview.id, status, now, card.to_dict(), card.summary)
        if self.practice is not None and card.card_questions:
            lowest: dict[str, int] = {}
            for gap in card.gaps:
                lowest[gap.question_id] = min(gap.score, lowest.get(gap.question_id, 100))
            await self.practice.review_scores(
                uow, who.member.id, who.community.id, sorted(lowest.items()), now
            )
        return card

    # -- history --------------------------------------------------------------------------

    async def history(self, caller: Caller) -> Reply:
        """The member's past interviews, newest first, numbered for `/interview show N`."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            closed = await uow.interviews.history(who.member.id)
        return history_reply(closed)

    async def show(self, caller: Caller, number: int) -> Reply:
        """Scorecard N of the member's own history."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            closed = await uow.interviews.history(who.member.id)
        if not 1 <= number <= len(closed) or closed[number - 1].scorecard is None:
            count = len(closed)
            have = f"you have {count} (1-{count})" if count else "you have none yet"
            return error(f"There is no interview #{number}: {have}. /interview history")
        stored = closed[number - 1].scorecard
        assert stored is not None
        return scorecard_reply(Scorecard.from_dict(stored), number)


def _grade_record(result: Grade, answer: str) -> dict[str, object]:
    """The grade as stored on the step, with what the communication score needs."""
    record = result.as_dict()
    record["prose"] = round(prose_factor(AnswerIndex.build(answer).tokens), 4)
    record["words"] = len(answer.split())
    return record


def _noted(answer: str | None, taken: timedelta) -> str:
    if answer is None:
        return "Skipped."
    return f"Noted ({minutes(int(taken.total_seconds()))})."


def _record(step: InterviewStep, question: Question | None) -> AnswerRecord:
    graded = step.grade or {}
    prompt = model = ""
    topic = ""
    one_liner = False
    if question is not None:
        topic = question.topic
        asked = step_question(question, step.follow_up, step.follow_up_index)
        prompt, model = asked.prompt, asked.model_answer
        one_liner = asked.kind in (Kind.CHOICE, Kind.SHORT)
    seconds = (
        int((step.answered_at - step.asked_at).total_seconds())
        if step.answered_at and step.asked_at
        else None
    )
    return AnswerRecord(
        label=step.label,
        section=step.section,
        follow_up=bool(step.follow_up),
        topic=topic,
        question_id=step.question_id,
        prompt=prompt,
        model_answer=model,
        status=step.status,
        score=int(graded.get("score", 0)),
        prose=float(graded.get("prose", 1.0)),
        words=int(graded.get("words", 0)),
        one_liner=one_liner,
        seconds=seconds,
        suggested_seconds=step.suggested_seconds,
        missed=tuple(graded.get("missed", ())),
        covered=tuple(graded.get("covered", ())),
    )
