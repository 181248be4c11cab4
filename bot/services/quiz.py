"""Quizzes: choose a question, grade the answer, record the attempt and points."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rapidfuzz import process

from bot.content.topics import TOPICS
from bot.domain import LEVELS, Attempt, Grade, Kind, Question, Verdict
from bot.ports import (
    Clock,
    Grader,
    NewAttempt,
    PendingQuestion,
    PoolFilter,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services import model_answer
from bot.services.batching import DEFAULT_MAX_BATCH, GroupCommit
from bot.services.context import Caller, Resolved, resolve, resolve_many
from bot.services.grading import ClaimsGrader
from bot.services.points import points_for
from bot.services.scoring import grade
from bot.services.scoring.choice import LETTERS, pick
from bot.text import normalise_phrase
from bot.views import Button, Field, Reply, error

MAX_ANSWER_CHARS = 6000
MAX_FIELD = 1000
NOT_PENDING = (
    "That question is no longer waiting for your answer (you answered or skipped it). "
    "Nothing was recorded. /quiz for a new one."
)


@dataclass(frozen=True, slots=True)
class QuizFilters:
    topic: str | None = None
    level: str | None = None
    kind: str | None = None


class FilterError(ValueError):
    pass


def _normalise_token(token: str) -> str:
    return token.strip().casefold().replace("_", "-").replace(" ", "-")


def parse_filters(args: Sequence[str], extra_topics: Sequence[str] = ()) -> QuizFilters:
    """Read `[topic] [level] [kind]` in any order; say clearly what was not understood
    and refuse two different values for one filter. `extra_topics` are the community's
    own (an imported trivia list keeps its name as its topic)."""
    topic = level = kind = None
    known = {**TOPICS, **{slug: slug for slug in extra_topics}}
    titles = {_normalise_token(title): slug for slug, title in known.items()}

    def chosen(current: str | None, new: str, what: str) -> str:
        # `/quiz llms junior senior` asks for two levels at once: say so, do not guess.
        if current is not None and current != new:
            raise FilterError(f"Pick one {what}: you asked for both `{current}` and `{new}`.")
        return new

    for raw in args:
        token = _normalise_token(raw)
        if not token:
            continue
        if token in LEVELS:
            level = chosen(level, token, "level")
        elif token in {k.value for k in Kind}:
            kind = chosen(kind, token, "kind")
        elif token in known:
            topic = chosen(topic, token, "topic")
        elif token in titles:
            topic = chosen(topic, titles[token], "topic")
        else:
            suggestion = process.extractOne(token, list(known), score_cutoff=70)
            hint = f" Did you mean `{suggestion[0]}`?" if suggestion else ""
            shown = raw if len(raw) <= 40 else raw[:40] + "…"
            raise FilterError(
                f"I don't know the topic `{shown}`.{hint} "
                "Use /topics to see them; levels are junior, mid and senior."
            )
    return QuizFilters(topic, level, kind)


def _clip(text: str, limit: int = MAX_FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def question_reply(question: Question, level: str | None, note: str | None = None) -> Reply:
    shown_level = level or question.level
    title = f"{TOPICS.get(question.topic, question.topic)} · {shown_level} · {question.kind.value}"
    footer = (
        "Answer with a letter or the option text. /skip to pass."
        if question.kind is Kind.CHOICE
        else "Type your answer in a message. /skip to pass."
    )
    text = question.prompt if not note else f"{note}\n\n{question.prompt}"
    return Reply(
        text=text,
        title=title,
        choices=tuple(c.text for c in question.choices),
        buttons=(Button("Skip", "skip"),),
        wants_text_answer=question.kind is not Kind.CHOICE,
        footer=footer,
        answer_action=f"answer:{question.id}",
    )


def _canonical(question: Question) -> str:
    """How a short answer is best written: the model answer's lead ("Low-Rank
    Adaptation" from "Low-Rank Adaptation: the pretrained ..."), else the first accepted."""
    lead = re.split(r"[:.;]\s", question.model_answer.strip(), maxsplit=1)[0].strip()
    lead = lead.rstrip(".")
    if lead and len(lead) <= 80:
        return lead
    return question.accepted[0] if question.accepted else question.model_answer[:80]


def accepted_line(question: Question, result: Grade, answer: str) -> str | None:
    """ "Accepted: *low rank adaption* → Low-Rank Adaptation" when a short answer was
    accepted though not written as the answer is; None when there is nothing to show."""
    if question.kind is not Kind.SHORT or result.verdict is not Verdict.CORRECT or not answer:
        return None
    said = normalise_phrase(answer)
    canonical = _canonical(question)
    written = {normalise_phrase(a) for a in (*question.accepted, canonical)}
    if said in written:
        return None
    shown = " ".join(answer.split())
    shown = shown if len(shown) <= 80 else shown[:79] + "…"
    return f"Accepted: *{shown}* → {canonical}"


def grade_reply(
    question: Question,
    result: Grade,
    points: int,
    counted: bool,
    extra_buttons: tuple[Button, ...] = (),
    answer: str = "",
) -> Reply:
    verdict_word = {
        Verdict.CORRECT: "Correct",
        Verdict.PARTIAL: "Partly right",
        Verdict.INCORRECT: "Not quite",
    }[result.verdict]
    if not counted:
        earned = "no points: you already answered this question today"
    elif result.verdict is Verdict.INCORRECT:
        earned = "no points: an incorrect answer earns none"
    else:
        earned = f"+{points} points"
    fields: list[Field] = []
    accepted = accepted_line(question, result, answer)
    if accepted:
        fields.append(Field("Accepted", accepted.removeprefix("Accepted: ")))
    if result.feedback:
        fields.append(Field("Feedback", _clip(result.feedback)))
    if result.covered:
        fields.append(Field("Covered", _clip("; ".join(result.covered))))
    if result.missed:
        fields.append(Field("Missed", _clip("; ".join(result.missed))))
    if result.contradicted:
        fields.append(Field("Stated wrongly", _clip("; ".join(result.contradicted))))
    correct = question.correct_choice
    if question.kind is Kind.CHOICE and correct is not None:
        fields.append(Field("Answer", correct.text))
    model, more = model_answer.preview(question)
    fields.append(model)
    fields.extend(model_answer.provenance_fields(question))
    why, why_more = model_answer.why_preview(question)
    if why is not None:
        fields.append(why)
        more = more or why_more
    return Reply(
        text=f"{verdict_word}: {result.score}/100 ({earned})",
        title="Your grade",
        fields=tuple(fields),
        buttons=(*extra_buttons, *more, Button("Next question", "quiz")),
        footer="/quiz for another question, /leaderboard to see the standings.",
    )


# Called with the attempts recorded by a transaction, in it (practice reviews the
# members' cards); returns, per attempt, the buttons to show under its grade (the
# self-rating ones).
GradedHook = Callable[[UnitOfWork, Sequence[Attempt]], Awaitable[list[tuple[Button, ...]]]]


@dataclass(frozen=True, slots=True)
class Pregraded:
    """A grade given before the job joined a batch, for this question at this level."""

    question_id: str
    level: str | None
    grade: Grade


@dataclass(frozen=True, slots=True)
class AnswerJob:
    """One member's answer on its way to being graded and recorded."""

    caller: Caller
    answer: str
    # None: the member's pending question (a typed answer); else the question a platform
    # button or form names.
    question_id: str | None = None
    context: str = "quiz"
    # True for a button or form of the question's own message: it answers the question
    # only while that question is still the member's pending one (a double click, or a
    # click after /skip, is refused and changes nothing).
    expect_pending: bool = False
    # Set when a remote grader (the LLM judge) graded the answer before the batch.
    graded: Pregraded | None = None


@dataclass(frozen=True, slots=True)
class _Graded:
    index: int
    who: Resolved
    question: Question
    asked: PendingQuestion
    answer: str
    result: Grade


class QuizService:
    """Solo quizzes: `ask` serves a question, `answer` grades the member's pending one."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random | None = None,
        on_graded: GradedHook | None = None,
        max_batch: int = DEFAULT_MAX_BATCH,
        grader: Grader | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.rng = rng or random.Random()
        self.on_graded = on_graded
        self.grader: Grader = grader or ClaimsGrader()
        # Answers arriving together are graded and recorded in one transaction.
        self.answers: GroupCommit[AnswerJob, Reply] = GroupCommit(self._record_batch, max_batch)
        # Answers being graded by a remote grader before they join a batch.
        self._grading: set[asyncio.Future[Reply]] = set()

    async def ask(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """Serve a question matching `[topic] [level] [kind]` the member has not seen yet."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            try:
                filters = parse_filters(args)
            except FilterError:
                # Perhaps one of the community's own topics: only then look them up.
                try:
                    filters = parse_filters(args, await community_topics(uow, who.community.id))
                except FilterError as exc:
                    return error(str(exc))
            pool = await uow.questions.pool(
                PoolFilter(who.community.id, filters.topic, filters.level, filters.kind)
            )
            if not pool:
                return error(_empty_pool_message(filters))
            seen = await uow.seen.seen(who.member.id)
            fresh = [qid for qid in pool if qid not in seen]
            note = None
            if not fresh:
                # Every question in this selection has been served: start the cycle again.
                await uow.seen.forget(who.member.id, pool)
                fresh = pool
                note = f"You have seen all {len(pool)} questions in this selection; starting over."
            question_id = self.rng.choice(fresh)
            question = await uow.questions.get(question_id)
            assert question is not None
            await uow.seen.mark(who.member.id, question_id, now)
            await uow.pending.put(
                PendingQuestion(
                    who.member.id,
                    question_id,
                    now,
                    who.channel.id if who.channel else None,
                    filters.level,
                )
            )
        return question_reply(question, filters.level, note)

    async def has_pending(self, caller: Caller) -> bool:
        """Whether the member has a question waiting for their answer."""
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            return await uow.pending.get(who.member.id) is not None

    async def answer(self, caller: Caller, text: str) -> Reply:
        """Grade `text` against the member's pending question and record the attempt."""
        answer = text.strip()
        problem = answer_problem(answer)
        if problem:
            return error(problem)
        return await self._submit(AnswerJob(caller, answer))

    async def submit(
        self,
        caller: Caller,
        question_id: str,
        text: str,
        context: str = "quiz",
        *,
        expect_pending: bool = False,
    ) -> Reply:
        """Grade an answer to a named question, as a platform button or form carries it.

        By default it works without a pending question (the per-day rule keeps a repeat
        from earning twice) and clears the pending one if it matches. With
        `expect_pending`, the question must still be the member's pending one: otherwise
        the answer is refused with a message and nothing changes.
        """
        answer = text.strip()
        problem = answer_problem(answer)
        if problem:
            return error(problem)
        job = AnswerJob(caller, answer, question_id, context, expect_pending)
        return await self._submit(job)

    async def _submit(self, job: AnswerJob) -> Reply:
        if not self.grader.remote:
            # Pure grading: done inside the batch's transaction, no extra read.
            return await self.answers.submit(job)
        # A remote grader is asked before the job joins a batch, so no transaction (and no
        # other member's answer) waits on it. Like a job in a batch, the answer is graded
        # and recorded even if the caller stops waiting.
        task = asyncio.ensure_future(self._grade_then_submit(job))
        self._grading.add(task)
        task.add_done_callback(self._grading.discard)
        return await asyncio.shield(task)

    async def _grade_then_submit(self, job: AnswerJob) -> Reply:
        target = await self._target(job)
        if target is not None:
            question, level = target
            if self.grader.consults(question) and not unreadable_choice(question, job.answer):
                result = await self.grader.grade(question, job.answer, level)
                job = replace(job, graded=Pregraded(question.id, level, result))
        return await self.answers.submit(job)

    async def _target(self, job: AnswerJob) -> tuple[Question, str | None] | None:
        """The question `job` answers and the level it was asked at, as the batch will see
        them unless something changes meanwhile (then the batch grades it itself)."""
        async with self.uow() as uow:
            who = await resolve(uow, job.caller, self.clock.now())
            waiting = await uow.pending.get(who.member.id)
            question_id = job.question_id or (waiting.question_id if waiting else None)
            if question_id is None:
                return None
            question = await uow.questions.get(question_id)
        if question is None or question.community_id not in (None, who.community.id):
            return None
        asked = waiting is not None and waiting.question_id == question_id
        return question, waiting.level if asked and waiting is not None else None

    async def drain(self) -> None:
        """Wait until every answer submitted so far is recorded (for a clean shutdown)."""
        while self._grading:
            await asyncio.gather(*list(self._grading), return_exceptions=True)
        await self.answers.drain()

    async def _record_batch(self, jobs: list[AnswerJob]) -> list[Reply]:
        """Grade and record a batch of answers in one transaction, each exactly as if it
        had come alone, in order: a member's second answer in the batch sees the first."""
        now = self.clock.now()
        replies: list[Reply | None] = [None] * len(jobs)
        async with self.uow() as uow:
            people = await resolve_many(uow, [job.caller for job in jobs], now)
            pending = await uow.pending.get_many(sorted({who.member.id for who in people}))
            wanted = {job.question_id for job in jobs if job.question_id}
            wanted.update(p.question_id for p in pending.values())
            questions = await uow.questions.get_many(sorted(wanted))
            cleared: set[int] = set()
            graded: list[_Graded] = []
            for index, (job, who) in enumerate(zip(jobs, people, strict=True)):
                member_id = who.member.id
                waiting = pending.get(member_id)
                if job.question_id is None:
                    if waiting is None:
                        replies[index] = error(
                            "You have no question waiting. Start one with /quiz."
                        )
                        continue
                    question = questions.get(waiting.question_id)
                    unreadable = question is not None and unreadable_choice(question, job.answer)
                    if unreadable:
                        # Not an answer the grader can read: the question keeps waiting.
                        replies[index] = error(unreadable)
                        continue
                    del pending[member_id]
                    cleared.add(member_id)
                    if question is None:
                        replies[index] = error(
                            "That question is no longer available. Try /quiz for a new one."
                        )
                        continue
                    asked = waiting
                else:
                    question = questions.get(job.question_id)
                    if question is None or question.community_id not in (None, who.community.id):
                        replies[index] = error(
                            "That question does not exist here. Try /quiz for a new one."
                        )
                        continue
                    if job.expect_pending and (
                        waiting is None or waiting.question_id != job.question_id
                    ):
                        replies[index] = error(NOT_PENDING)
                        continue
                    unreadable = unreadable_choice(question, job.answer)
                    if unreadable:
                        replies[index] = error(unreadable)
                        continue
                    if waiting is not None and waiting.question_id == job.question_id:
                        del pending[member_id]
                        cleared.add(member_id)
                        asked = waiting
                    else:
                        channel_id = who.channel.id if who.channel else None
                        asked = PendingQuestion(
                            member_id, question.id, now, channel_id, None, job.context
                        )
                result = await self._grade_in_batch(job, question, asked.level)
                graded.append(_Graded(index, who, question, asked, job.answer, result))
            if graded:
                stored, buttons = await self._record(uow, graded, now)
                for item, attempt, extra in zip(graded, stored, buttons, strict=True):
                    replies[item.index] = grade_reply(
                        item.question,
                        item.result,
                        attempt.points,
                        attempt.counted,
                        extra,
                        answer=item.answer,
                    )
            await uow.pending.clear_many(sorted(cleared))
        assert all(reply is not None for reply in replies)
        return [reply for reply in replies if reply is not None]

    async def _grade_in_batch(self, job: AnswerJob, question: Question, level: str | None) -> Grade:
        given = job.graded
        if given is not None and (given.question_id, given.level) == (question.id, level):
            return given.grade
        if not self.grader.consults(question):
            return await self.grader.grade(question, job.answer, level)
        # The remote grader graded another question than the batch found (the member's
        # pending question changed meanwhile): the claims grade, not a wait in here.
        return grade(question, job.answer, level)

    async def _record(
        self, work: UnitOfWork, graded: Sequence[_Graded], now: datetime
    ) -> tuple[list[Attempt], list[tuple[Button, ...]]]:
        """Store the attempts; only the first graded attempt per question per local day
        earns points, so repeating a question cannot farm the leaderboard."""
        await work.attempts.lock_members(
            sorted({(g.who.member.id, g.who.community.id) for g in graded})
        )
        keys = [(g.who.member.id, g.question.id, g.who.local_date(now)) for g in graded]
        already = await work.attempts.counted_keys(keys)
        attempts = []
        for item, key in zip(graded, keys, strict=True):
            counted = key not in already
            already.add(key)
            level = item.asked.level or item.question.level
            attempts.append(
                NewAttempt(
                    community_id=item.who.community.id,
                    member_id=item.who.member.id,
                    question_id=item.question.id,
                    topic=item.question.topic,
                    answer=item.answer,
                    score=item.result.score,
                    verdict=item.result.verdict.value,
                    points=points_for(item.result, level) if counted else 0,
                    counted=counted,
                    context=item.asked.context,
                    local_date=key[2],
                    created_at=now,
                    channel_id=item.asked.channel_id,
                )
            )
        stored = await work.attempts.add_many(attempts)
        if self.on_graded is None:
            return stored, [() for _ in stored]
        return stored, await self.on_graded(work, stored)

    async def skip(self, caller: Caller) -> Reply:
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            pending = await uow.pending.get(who.member.id)
            if pending is None:
                return error("Nothing to skip. Start a question with /quiz.")
            question = await uow.questions.get(pending.question_id)
            await uow.pending.clear(who.member.id)
            # Remembered so /rate can say a skipped question has no answer to rate.
            await uow.pending.note_skip(who.member.id, pending.question_id, now)
        if question is None or not question.model_answer:
            return Reply(text="Skipped.", buttons=(Button("Next question", "quiz"),))
        field, more = model_answer.preview(question)
        return Reply(
            text="Skipped. Here is the model answer, for next time.",
            fields=(field, *model_answer.provenance_fields(question)),
            buttons=(*more, Button("Next question", "quiz")),
        )

    async def full_answer(self, caller: Caller, args: Sequence[str]) -> Reply:
        """The whole model answer of a question the member has already answered or
        skipped (never of one still waiting for their answer)."""
        if len(args) != 1 or not args[0].strip():
            return error(
                f"Usage: /{model_answer.FULL_ANSWER} QUESTION-ID (see the Full answer button)."
            )
        question_id = args[0].strip()
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            question = await uow.questions.get(question_id)
            if question is None or question.community_id not in (None, who.community.id):
                return error("I don't know that question. Try /quiz for a new one.")
            pending = await uow.pending.get(who.member.id)
            if pending is not None and pending.question_id == question_id:
                return error("Answer that question (or /skip it) first; then see its model answer.")
            seen = question_id in await uow.seen.seen(who.member.id)
            skipped = await uow.pending.last_skip(who.member.id)
            answered = seen or (skipped is not None and skipped[0] == question_id)
            if not answered:
                attempts = await uow.attempts.for_members([who.member.id], None, None)
                answered = any(a.question_id == question_id for a in attempts)
        if not answered:
            return error("You can read a model answer once you have answered or skipped it.")
        return model_answer.full_answer_reply(question)


def unreadable_choice(question: Question, answer: str) -> str | None:
    """For a multiple-choice question, why `answer` names no option (in words for the
    member, listing what is understood); None when it names one, or for other kinds."""
    if question.kind is not Kind.CHOICE or pick(question, answer) is not None:
        return None
    letters = LETTERS[: len(question.choices)]
    shown = answer if len(answer) <= 40 else answer[:40] + "…"
    return (
        f"I can't tell which option `{shown}` means, so nothing was graded. Reply with a "
        f"letter ({'/'.join(letters)}), e.g. `B`, `(b)`, `b.` or `option B`, or with an "
        "option's text. The question is still waiting for your answer."
    )


def answer_problem(answer: str) -> str | None:
    """Why an answer cannot be graded, in words for the member; None when it can."""
    if not answer:
        return "That answer is empty. Type your answer, or /skip."
    if len(answer) > MAX_ANSWER_CHARS:
        return (
            f"That answer is {len(answer):,} characters; the limit is {MAX_ANSWER_CHARS:,}. "
            "Shorten it and send it again: your question is still waiting."
        )
    return None


async def community_topics(uow: UnitOfWork, community_id: int) -> list[str]:
    """Topics of the community's own questions that are not curriculum topics (an
    imported trivia list's name)."""
    counts = await uow.questions.counts(community_id)
    return sorted({c.topic for c in counts if c.topic not in TOPICS})


def _empty_pool_message(filters: QuizFilters) -> str:
    parts = [p for p in (filters.topic, filters.level, filters.kind) if p]
    wanted = " / ".join(parts) if parts else "any topic"
    return f"There are no questions for {wanted} yet. Try /topics to see what is available."
