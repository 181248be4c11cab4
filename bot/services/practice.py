"""Spaced-repetition practice and self-assessment, on FSRS (the `fsrs` package).

Every member has at most one card per question. Every graded answer (quiz, practice, and
any other path that calls `PracticeService.review_attempts`) reviews the member's card for
that question, with a rating taken from the grade:

    score   0-34  -> Again
    score  35-69  -> Hard
    score  70-89  -> Good
    score 90-100  -> Easy

so Again is an incorrect verdict, Hard a partial one, and a correct verdict is Good or, from
90, Easy. After seeing the model answer the member may rate themselves instead
(`/rate again|hard|good|easy`, or the four buttons under the grade). A self-rating replaces
the grade's review rather than adding a second one: the card is put back as it was before
that review and reviewed again, at the same moment, with the member's rating. Each graded
answer can be self-rated once. Ratings only steer scheduling: points, streaks and
leaderboards come from the grade alone.

`/practice [topic]` serves, in order:

1. due cards (due now or earlier), lowest retrievability (the scheduler's predicted chance
   of recall right now) first; ties by earliest due;
2. otherwise a question the member has no card for yet, from their weakest topic. A topic's
   strength is its Laplace-smoothed accuracy over counted answers, (correct + 1) /
   (answers + 2): a topic never tried sits at 50%, after topics where the member gets under
   half right and before those they are good at. Ties go to the topic with fewer answers,
   then to catalogue order;
3. otherwise, when the next card falls due.

The served question becomes the member's pending question with context "practice", so the
normal answer path grades it and awards points by the usual first-attempt-per-day rule.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler

from bot.content.topics import TOPICS
from bot.domain import Attempt, Question
from bot.ports import (
    Clock,
    PendingQuestion,
    PoolFilter,
    PracticeCard,
    TopicAccuracy,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services.context import Caller, Resolved, resolve
from bot.services.quiz import FilterError, community_topics, parse_filters, question_reply
from bot.views import Button, Reply, error

RATINGS: dict[str, Rating] = {
    "again": Rating.Again,
    "hard": Rating.Hard,
    "good": Rating.Good,
    "easy": Rating.Easy,
}
RATING_NAMES = {rating: name for name, rating in RATINGS.items()}


def rating_for_score(score: int) -> Rating:
    """The FSRS rating a grade's score (0-100) stands for; see the module docstring."""
    if score >= 90:
        return Rating.Easy
    if score >= 70:
        return Rating.Good
    if score >= 35:
        return Rating.Hard
    return Rating.Again


def rate_buttons(attempt_id: int) -> tuple[Button, ...]:
    """The self-rating buttons under a grade: `rate:<rating>:<attempt id>`."""
    return tuple(Button(name.capitalize(), f"rate:{name}:{attempt_id}") for name in RATINGS)


def end_of_local_day(now: datetime, timezone: str) -> datetime:
    """The next local midnight after `now` in `timezone`, as UTC."""
    zone = ZoneInfo(timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(UTC)


def topic_strength(accuracy: TopicAccuracy | None) -> float:
    """Laplace-smoothed accuracy: an untried topic counts as 50%."""
    if accuracy is None:
        return 0.5
    return (accuracy.correct + 1) / (accuracy.answers + 2)


def weakest_first(topics: Sequence[str], accuracy: Sequence[TopicAccuracy]) -> list[str]:
    """`topics` by smoothed accuracy, weakest first; ties: fewer answers, catalogue order."""
    by_topic = {a.topic: a for a in accuracy}
    order = {slug: index for index, slug in enumerate(TOPICS)}

    def key(topic: str) -> tuple[float, int, int, str]:
        known = by_topic.get(topic)
        return (
            topic_strength(known),
            known.answers if known else 0,
            order.get(topic, len(order)),
            topic,
        )

    return sorted(topics, key=key)


def recall_phrase(chance: float) -> str:
    """The scheduler's predicted recall in words. Floored, so a card the scheduler
    expects you to remember reads 99%, never a certain 100%."""
    percent = max(0, min(99, int(chance * 100)))
    if chance >= 0.9:
        feel = "you probably still remember it"
    elif chance >= 0.7:
        feel = "a good moment to refresh it"
    else:
        feel = "you have likely forgotten it"
    return f"predicted recall {percent}% ({feel})"


def _when(moment: datetime, now: datetime, timezone: str) -> str:
    """'in 3 hours (Tue 6 Jan 09:10, Asia/Tokyo)'."""
    delta = moment - now
    if delta <= timedelta(0):
        relative = "now"
    elif delta < timedelta(hours=1):
        minutes = max(1, round(delta.total_seconds() / 60))
        relative = f"in {minutes} minute{'s' if minutes != 1 else ''}"
    elif delta < timedelta(days=2):
        hours = round(delta.total_seconds() / 3600)
        relative = f"in {hours} hour{'s' if hours != 1 else ''}"
    else:
        relative = f"in {delta.days} days"
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{relative} ({local:%a} {local.day} {local:%b %H:%M}, {timezone})"


class PracticeService:
    """`/practice` serves due and new cards; `/rate` is the self-assessment; and
    `review_attempts` is the hook that turns every graded attempt into a card review."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        rng: random.Random | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.rng = rng or random.Random()
        # No fuzzing: fsrs draws the fuzz from the global `random` module, which would make
        # due dates differ between runs and between the fakes and the databases.
        self.scheduler = scheduler or Scheduler(enable_fuzzing=False)

    # -- the hook ---------------------------------------------------------------------

    async def review_attempts(
        self, work: UnitOfWork, attempts: Sequence[Attempt]
    ) -> list[tuple[Button, ...]]:
        """Review each member's card for each attempt's question with the grade's rating,
        in the attempts' own transaction (a card is created on a first answer), in order.
        Returns, per attempt, the self-rating buttons to show under its grade."""
        keys = [(a.member_id, a.question_id) for a in attempts]
        cards = await work.cards.get_many(keys)
        reviewed_cards: dict[tuple[int, str], PracticeCard] = {}
        for attempt, key in zip(attempts, keys, strict=True):
            at = attempt.created_at.astimezone(UTC)
            existing = reviewed_cards.get(key) or cards.get(key)
            card = (
                Card.from_dict(existing.card)  # type: ignore[arg-type]
                if existing
                else Card(card_id=attempt.id, due=at)
            )
            rating = rating_for_score(attempt.score)
            reviewed, _ = self.scheduler.review_card(card, rating, at)
            reviewed_cards[key] = _record(
                attempt.member_id,
                attempt.question_id,
                attempt.community_id,
                reviewed,
                attempt_id=attempt.id,
                before=card,
                rating=rating,
                self_rated=False,
            )
        await work.cards.put_many(list(reviewed_cards.values()))
        return [rate_buttons(attempt.id) for attempt in attempts]

    async def review_scores(
        self,
        work: UnitOfWork,
        member_id: int,
        community_id: int,
        scores: Sequence[tuple[str, int]],
        at: datetime,
    ) -> list[PracticeCard]:
        """Review the member's card for each (question id, score) at `at`, rated from the
        score, in `work`'s transaction: answers that are not attempts (a mock interview's)
        schedule practice without touching points. No attempt backs these reviews, so
        `/rate` leaves them alone."""
        moment = at.astimezone(UTC)
        keys = [(member_id, question_id) for question_id, _ in scores]
        cards = await work.cards.get_many(keys)
        reviewed_cards: dict[tuple[int, str], PracticeCard] = {}
        for offset, ((question_id, score), key) in enumerate(zip(scores, keys, strict=True)):
            existing = reviewed_cards.get(key) or cards.get(key)
            card = (
                Card.from_dict(existing.card)  # type: ignore[arg-type]
                if existing
                else Card(card_id=int(moment.timestamp() * 1000) + offset, due=moment)
            )
            rating = rating_for_score(score)
            reviewed, _ = self.scheduler.review_card(card, rating, moment)
            reviewed_cards[key] = _record(
                member_id,
                question_id,
                community_id,
                reviewed,
                attempt_id=None,
                before=card,
                rating=rating,
                self_rated=False,
            )
        await work.cards.put_many(list(reviewed_cards.values()))
        return list(reviewed_cards.values())

    # -- /practice --------------------------------------------------------------------

    async def practice(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """Serve the member's most forgotten due card, else a new question from their
        weakest topic, else say when the next card is due."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            try:
                filters = parse_filters(args)
            except FilterError:
                # Perhaps one of the community's own topics (an imported list's name).
                try:
                    filters = parse_filters(args, await community_topics(uow, who.community.id))
                except FilterError as exc:
                    return error(str(exc))
            if filters.level or filters.kind:
                return error("/practice takes a topic only, e.g. `/practice transformers`.")
            topic = filters.topic
            member_id = who.member.id
            due = await uow.cards.for_member(member_id, topic, due_by=now)
            if due:
                chosen = min(due, key=lambda c: (self._retrievability(c, now), c.due))
                question = await uow.questions.get(chosen.question_id)
                assert question is not None
                note = self._due_note(chosen, len(due), now)
            else:
                found = await self._new_question(uow, who, topic)
                if found is None:
                    return await self._nothing_left(uow, who, topic, now)
                question, note = found
            await uow.pending.put(
                PendingQuestion(
                    member_id,
                    question.id,
                    now,
                    who.channel.id if who.channel else None,
                    None,
                    "practice",
                )
            )
        return question_reply(question, None, note)

    def _retrievability(self, card: PracticeCard, now: datetime) -> float:
        return self.scheduler.get_card_retrievability(
            Card.from_dict(card.card),  # type: ignore[arg-type]
            now,
        )

    def _due_note(self, card: PracticeCard, due_count: int, now: datetime) -> str:
        chance = self._retrievability(card, now)
        others = due_count - 1
        more = f"; {others} more due after it" if others else ""
        return f"Review: a card due now, {recall_phrase(chance)}{more}."

    async def _new_question(
        self, uow: UnitOfWork, who: Resolved, topic: str | None
    ) -> tuple[Question, str] | None:
        carded = {c.question_id for c in await uow.cards.for_member(who.member.id)}
        accuracy = await uow.attempts.accuracy_by_topic(who.member.id)
        if topic is not None:
            candidates = [topic]
        else:
            counts = await uow.questions.counts(who.community.id)
            candidates = weakest_first(sorted({c.topic for c in counts}), accuracy)
        by_topic = {a.topic: a for a in accuracy}
        for candidate in candidates:
            pool = await uow.questions.pool(PoolFilter(who.community.id, candidate))
            fresh = [qid for qid in pool if qid not in carded]
            if not fresh:
                continue
            question = await uow.questions.get(self.rng.choice(fresh))
            assert question is not None
            known = by_topic.get(candidate)
            record = (
                f"{known.correct}/{known.answers} correct so far"
                if known and known.answers
                else "not tried yet"
            )
            title = TOPICS.get(candidate, candidate)
            why = "the topic you asked for" if topic else "your weakest topic"
            return question, f"New question from {why}, {title} ({record})."
        return None

    async def _nothing_left(
        self, uow: UnitOfWork, who: Resolved, topic: str | None, now: datetime
    ) -> Reply:
        cards = await uow.cards.for_member(who.member.id, topic)
        where = f" in {topic}" if topic else ""
        if not cards:
            return error(
                f"There are no questions{where} to practise yet. Try /topics to see what is "
                "available."
            )
        upcoming = cards[0].due
        return Reply(
            text=(
                f"Nothing is due{where} and you have a card for every question{where}. "
                f"Your next card is due {_when(upcoming, now, who.community.timezone)}."
            ),
            title="Practice",
            footer="/quiz for a question anyway.",
        )

    # -- /rate ------------------------------------------------------------------------

    async def rate(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """Replace the review from the member's latest graded answer (or the one whose
        buttons were pressed) with their own rating. Never touches points."""
        if not args:
            return error("Rate your last answer: /rate again, hard, good or easy.")
        name = args[0].strip().casefold()
        rating = RATINGS.get(name)
        if rating is None:
            shown = args[0] if len(args[0]) <= 20 else args[0][:20] + "…"
            return error(f"I don't know the rating `{shown}`. Use again, hard, good or easy.")
        attempt_id: int | None = None
        if len(args) > 1:
            if not args[1].isdigit() or len(args) > 2:
                return error("Use /rate again, hard, good or easy (nothing after it).")
            attempt_id = int(args[1])
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            stored = await uow.cards.reviewed_by(who.member.id, attempt_id)
            if attempt_id is None:
                skipped = await skipped_since(uow, who.member.id, stored)
                if skipped is not None:
                    return skipped
            if stored is None or stored.before is None or stored.last_review is None:
                if attempt_id is None:
                    return error(
                        "Nothing to rate yet: answer a question (/practice or /quiz), then "
                        "rate yourself once you have seen the model answer."
                    )
                return error(
                    "I can't find that answer to rate: it is not yours, or you have answered "
                    "the same question again since (rate the newer answer instead)."
                )
            if stored.self_rated:
                previous = RATING_NAMES.get(Rating(stored.rating or 1), "?")
                return error(
                    f"You already rated that answer ({previous}). Each answer is rated once."
                )
            before = Card.from_dict(stored.before)  # type: ignore[arg-type]
            # The same moment as the grade's review, so the rating takes its place exactly.
            at = stored.last_review.astimezone(UTC)
            reviewed, _ = self.scheduler.review_card(before, rating, at)
            fresh = _record(
                stored.member_id,
                stored.question_id,
                stored.community_id,
                reviewed,
                attempt_id=stored.attempt_id,
                before=before,
                rating=rating,
                self_rated=True,
            )
            await uow.cards.put(fresh)
            timezone = who.community.timezone
            rated = await uow.questions.get(stored.question_id)
        return Reply(
            text=(
                f"Rated {name.capitalize()}: {_named(rated, stored.question_id)}. Next review "
                f"of this question: {_when(fresh.due, now, timezone)}."
            ),
            title="Self-assessment",
            footer="Ratings steer your practice schedule only; points and boards are unchanged.",
            buttons=(Button("Practice", "practice"),),
        )

    # -- /stats -----------------------------------------------------------------------

    @staticmethod
    async def due_today(uow: UnitOfWork, who: Resolved, now: datetime) -> int:
        """Cards due before the end of the member's local day (community timezone)."""
        return await uow.cards.count_due(
            who.member.id, end_of_local_day(now, who.community.timezone)
        )


def _named(question: Question | None, question_id: str) -> str:
    """A question as a member recognises it: its prompt, shortened, and its id."""
    if question is None:
        return question_id
    prompt = " ".join(question.prompt.split())
    prompt = prompt if len(prompt) <= 70 else prompt[:69] + "…"
    return f"“{prompt}” ({question_id})"


async def skipped_since(
    uow: UnitOfWork, member_id: int, latest: PracticeCard | None
) -> Reply | None:
    """When the member's latest act was skipping a question, the message saying it has
    no answer to rate (and how to rate their last real answer); else None."""
    skip = await uow.pending.last_skip(member_id)
    if skip is None:
        return None
    question_id, skipped_at = skip
    if latest is not None and latest.last_review is not None and latest.last_review >= skipped_at:
        return None
    question = await uow.questions.get(question_id)
    text = (
        f"You skipped {_named(question, question_id)}: a skipped question has no answer to "
        "rate, so nothing was rated."
    )
    buttons: tuple[Button, ...] = ()
    if latest is not None and latest.attempt_id is not None and not latest.self_rated:
        earlier = await uow.questions.get(latest.question_id)
        text += f" To rate your last answer, {_named(earlier, latest.question_id)}, use these."
        buttons = rate_buttons(latest.attempt_id)
    return Reply(text=text, title="Self-assessment", buttons=buttons, error=True)


def _record(
    member_id: int,
    question_id: str,
    community_id: int,
    card: Card,
    *,
    attempt_id: int | None,
    before: Card,
    rating: Rating,
    self_rated: bool,
) -> PracticeCard:
    """The stored form of `card`, reviewed from `before` with `rating` by `attempt_id`."""
    return PracticeCard(
        member_id=member_id,
        question_id=question_id,
        community_id=community_id,
        card=dict(card.to_dict()),
        due=card.due.astimezone(UTC),
        state=int(card.state),
        last_review=card.last_review.astimezone(UTC) if card.last_review else None,
        attempt_id=attempt_id,
        before=dict(before.to_dict()),
        rating=int(rating),
        self_rated=self_rated,
    )
