"""Question of the day: per-channel schedules, posts, private answers, reveals and a weekly
digest, each exactly once across restarts and processes.

How "exactly once" works. Every post is a slot (subscription, local date, kind) with a
unique key in `qotd_posts`. Before anything is sent the slot is *claimed* by inserting its
row in a transaction of its own; only the process whose insert succeeds sends, then records
the platform's message id. A restart or a second process running the same due-check finds
the row and does nothing. A send that fails transiently marks the row `failed` and a later
tick may take it over (a compare-and-set, again won by one process) while the slot is still
inside the grace window; a claim whose process died before recording anything is taken over
the same way after `CLAIM_LEASE`. A channel the platform reports gone or forbidden pauses
its subscription and tells the admins instead of being retried forever.

The scheduler (bot/scheduling.py) only decides *when* to call `QotdService.tick(now)`; the
due-check itself reads the database, so tests drive it with any `now` they like.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import statistics
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.topics import TOPICS
from bot.domain import LEVELS, Grade, Kind, LeaderboardRow, Question, Verdict
from bot.ports import (
    ChannelGone,
    ChatError,
    ChatPort,
    Clock,
    Grader,
    NewAttempt,
    NewQotdPost,
    PendingQuestion,
    PoolFilter,
    QotdAnswer,
    QotdPost,
    QotdSettings,
    SentMessage,
    Subscription,
    Target,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services.context import Caller, resolve
from bot.services.grading import ClaimsGrader
from bot.services.model_answer import provenance_fields, split_text
from bot.services.points import points_for
from bot.services.quiz import GradedHook, accepted_line, community_topics, unreadable_choice
from bot.services.scoring import grade
from bot.views import Button, Field, Reply, error

log = logging.getLogger(__name__)

QUESTION = "question"
DIGEST = "digest"
DEFAULT_GRACE = timedelta(hours=2)
# A claim older than this without a recorded result belongs to a process that died.
CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
DEFAULT_CONCURRENCY = 64
MAX_ANSWER_CHARS = 6000
MAX_FIELD = 1000
ANSWERS_CLOSED = "Answers for that question closed when the answer was revealed."
DIGEST_TOP = 10
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ADMIN_SUBCOMMANDS = ("setup", "show", "pause", "resume", "skip", "now")

USAGE = (
    "/qotd answer [TEXT] — answer today's question privately (without TEXT, your next "
    "message is the answer)\n"
    "Admins: /qotd setup [HH:MM] [tz=Area/City] [days=mon-fri|daily|mon,wed] "
    "[topics=llms,transformers] [levels=junior,mid] [reveal=8h] [digest=sun|off] "
    "[best=on|off] [notify=CHANNEL] [cohort=N]\n"
    "        /qotd show · /qotd pause · /qotd resume · /qotd skip (today's) · /qotd now"
)


class SetupError(ValueError):
    """An admin's /qotd setup arguments could not be understood."""


# -- schedule arithmetic --------------------------------------------------------------------


def slot_time(settings: QotdSettings, local_date: date) -> datetime:
    """When `local_date`'s post is due, in aware UTC.

    The wall-clock time is read in the subscription's timezone, so the post moves in UTC
    when daylight saving starts or ends. A time that does not exist that day (inside a
    spring-forward gap) is read with the offset before the change, landing just after the
    gap; a time that happens twice (fall back) means the first one. APScheduler's
    CronTrigger fires at the same instants, and the unique slot key absorbs its second
    firing in the repeated hour.
    """
    zone = ZoneInfo(settings.timezone)
    local = datetime.combine(local_date, settings.post_time).replace(tzinfo=zone, fold=0)
    return local.astimezone(ZoneInfo("UTC"))


@dataclass(frozen=True, slots=True)
class Slot:
    subscription: Subscription
    kind: str
    local_date: date
    at: datetime

    @property
    def key(self) -> tuple[int, date, str]:
        return (self.subscription.id, self.local_date, self.kind)


def slots_until(subscription: Subscription, now: datetime) -> Iterator[Slot]:
    """The subscription's slots of yesterday and today (local) that are due by `now` and
    were scheduled after it was set up or resumed."""
    settings = subscription.settings
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    for local_date in (today - timedelta(days=1), today):
        at = slot_time(settings, local_date)
        if at > now or at < subscription.active_since:
            continue
        if local_date.weekday() in settings.days:
            yield Slot(subscription, QUESTION, local_date, at)
        if settings.digest_day == local_date.weekday():
            yield Slot(subscription, DIGEST, local_date, at)


def next_post_time(
    subscription: Subscription, now: datetime, taken: Collection[date] = ()
) -> datetime | None:
    """When the next question will really be posted: the first scheduled slot after
    `now` whose local day is not `taken` already (posted early with /qotd now, or
    skipped)."""
    settings = subscription.settings
    if not settings.days:
        return None
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    for offset in range(0, 9):
        local_date = today + timedelta(days=offset)
        at = slot_time(settings, local_date)
        if local_date.weekday() in settings.days and at > now and local_date not in taken:
            return at
    return None


def describe_post(post: QotdPost, timezone: str) -> str:
    """One line of /qotd show's history, in words: `Wed 2 Dec: posted transformers-x;
    answer revealed Wed 02 Dec 17:00 CET`."""
    day = f"{post.local_date:%a} {post.local_date.day} {post.local_date:%b}"
    if post.kind == DIGEST:
        what = {"posted": "weekly digest posted"}.get(post.status, f"weekly digest {post.status}")
        return f"{day}: {what}"
    if post.status == "posted":
        line = f"{day}: posted {post.question_id or 'a question'}"
        if post.reveal_status == "done":
            line += "; answer revealed"
        elif post.reveal_status in ("pending", "claimed") and post.reveal_at is not None:
            line += f"; answer to be revealed {_local(post.reveal_at, timezone)}"
        elif post.reveal_status not in ("none",):
            line += f"; reveal {post.reveal_status.replace('_', ' ')}"
        return line
    reason = f" ({post.error})" if post.error else ""
    words = {
        "skipped": "skipped",
        "missed": "missed",
        "empty": "nothing to post",
        "failed": "posting failed",
        "gone": "channel gone",
        "claimed": "being posted",
    }
    return f"{day}: {words.get(post.status, post.status)}{reason}"


def _retryable(post: QotdPost, now: datetime) -> bool:
    if post.attempts >= MAX_ATTEMPTS:
        return False
    if post.status == "failed":
        return True
    return post.status == "claimed" and post.claimed_at < now - CLAIM_LEASE


# -- parsing admin input ------------------------------------------------------------------

_TIME = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")
_DURATION = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")


def parse_days(text: str) -> tuple[int, ...]:
    value = text.strip().casefold()
    if value in ("daily", "all", "every", "everyday"):
        return tuple(range(7))
    if value in ("weekdays", "workdays"):
        return (0, 1, 2, 3, 4)
    if value == "weekends":
        return (5, 6)
    days: set[int] = set()
    for part in value.split(","):
        part = part.strip()
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first), _day(last)
            span = (end - start) % 7
            days.update((start + i) % 7 for i in range(span + 1))
        elif part:
            days.add(_day(part))
    if not days:
        raise SetupError("`days` needs at least one day, e.g. days=mon-fri")
    return tuple(sorted(days))


def _day(name: str) -> int:
    key = name.strip().casefold()[:3]
    if key not in DAY_NAMES:
        raise SetupError(f"I don't know the day `{name[:20]}`; use mon, tue, … sun.")
    return DAY_NAMES.index(key)


def parse_duration(text: str) -> int:
    """'8h', '90m', '1h30m' or a number of minutes -> minutes (5 minutes to 7 days)."""
    value = text.strip().casefold()
    if value.isdigit():
        minutes = int(value)
    else:
        match = _DURATION.match(value)
        if not match or not any(match.groups()):
            raise SetupError(f"I can't read the delay `{text[:20]}`; try reveal=8h or 90m.")
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 5 <= minutes <= 7 * 24 * 60:
        raise SetupError("The reveal delay must be between 5 minutes and 7 days.")
    return minutes


def parse_setup(
    args: Sequence[str],
    default_timezone: str,
    current: QotdSettings | None,
    default_show_best: bool = True,
    extra_topics: Collection[str] = (),
) -> QotdSettings:
    """Read `/qotd setup` arguments over the current settings (or the defaults: the
    community's timezone and its `qotd-best` setting)."""
    settings = current or QotdSettings(
        post_time=time(9, 0), timezone=default_timezone, show_best=default_show_best
    )
    changes: dict[str, object] = {}
    for raw in args:
        token = raw.strip()
        if not token:
            continue
        key, sep, value = token.partition("=")
        key = key.casefold() if sep else ""
        if not sep:
            value = token
            if _TIME.match(value):
                key = "time"
            elif "/" in value or value.upper() == "UTC":
                key = "tz"
            else:
                raise SetupError(
                    f"I don't understand `{token[:40]}`. Options look like 09:00 tz=Europe/"
                    "Berlin days=mon-fri topics=llms levels=mid reveal=8h digest=sun."
                )
        if key in ("time", "at"):
            match = _TIME.match(value.strip())
            if not match:
                raise SetupError(f"`{value[:20]}` is not a time of day; use HH:MM, e.g. 09:00.")
            changes["post_time"] = time(int(match.group(1)), int(match.group(2)))
        elif key in ("tz", "timezone"):
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise SetupError(
                    f"`{value[:40]}` is not an IANA timezone; use e.g. Europe/Berlin or UTC."
                ) from None
            changes["timezone"] = value
        elif key == "days":
            changes["days"] = parse_days(value)
        elif key in ("topics", "topic"):
            topics = tuple(t.strip().casefold() for t in value.split(",") if t.strip())
            unknown = [
                t for t in topics if t not in TOPICS and t not in extra_topics and t != "any"
            ]
            if unknown:
                raise SetupError(f"Unknown topic `{unknown[0][:40]}`. See /topics.")
            changes["topics"] = tuple(t for t in topics if t != "any")
        elif key in ("levels", "level"):
            levels = tuple(lv.strip().casefold() for lv in value.split(",") if lv.strip())
            if any(lv not in (*LEVELS, "any") for lv in levels):
                raise SetupError("Levels are junior, mid and senior.")
            changes["levels"] = tuple(lv for lv in levels if lv != "any")
        elif key in ("reveal", "reveal_after"):
            changes["reveal_minutes"] = parse_duration(value)
        elif key == "digest":
            changes["digest_day"] = None if value.casefold() in ("off", "none") else _day(value)
        elif key == "best":
            if value.casefold() not in ("on", "off", "yes", "no", "true", "false"):
                raise SetupError("best=on or best=off: whether the reveal names the best answer.")
            changes["show_best"] = value.casefold() in ("on", "yes", "true")
        elif key == "notify":
            cleaned = value.strip().lstrip("#")
            changes["notify_channel"] = None if cleaned.casefold() in ("off", "") else cleaned[:64]
        elif key == "cohort":
            if value.casefold() in ("off", "none"):
                changes["cohort_id"] = None
            elif value.isdigit():
                changes["cohort_id"] = int(value)
            else:
                raise SetupError("cohort=N takes a cohort number, or cohort=off.")
        else:
            raise SetupError(f"Unknown option `{key[:20]}`. {USAGE.splitlines()[1]}")
    return replace(settings, **changes)  # type: ignore[arg-type]


# -- replies --------------------------------------------------------------------------------


def _clip(text: str, limit: int = MAX_FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _local(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %H:%M %Z")


def _level_for(subscription: Subscription) -> str | None:
    levels = subscription.settings.levels
    return levels[0] if len(levels) == 1 else None


def question_post(
    question: Question,
    subscription: Subscription,
    post_id: int,
    reveal_at: datetime,
    answered: int = 0,
    closed: bool = False,
) -> Reply:
    """The public post of a daily question; `answered` keeps its answer count current,
    and `closed` is the post as the reveal leaves it (answering closed)."""
    level = _level_for(subscription) or question.level
    topic = TOPICS.get(question.topic, question.topic)
    if closed:
        footer = (
            f"Answers closed · {answered} answered · the answer and everyone's results are "
            "in the reveal."
        )
    else:
        footer = (
            "Answer privately with /qotd answer YOUR ANSWER: one graded answer each. "
            f"The answer is revealed {_local(reveal_at, subscription.settings.timezone)}."
        )
    return Reply(
        title=f"Question of the day · {topic} · {level}",
        text=question.prompt,
        choices=tuple(c.text for c in question.choices),
        fields=(Field("Answered", str(answered), inline=True),),
        buttons=(Button("Answer privately", f"qotd:answer:{post_id}", "primary"),),
        wants_text_answer=question.kind is not Kind.CHOICE,
        answer_action=f"qotd:answer:{post_id}",
        private=False,
        footer=footer,
        key=f"qotd:{post_id}:question",
        closed=closed,
    )


def score_spread(scores: Sequence[int]) -> str:
    if not scores:
        return "no answers"
    bands = (
        sum(1 for s in scores if s >= 70),
        sum(1 for s in scores if 35 <= s < 70),
        sum(1 for s in scores if s < 35),
    )
    median = statistics.median(scores)
    return (
        f"{bands[0]} correct (70+), {bands[1]} partly right (35-69), {bands[2]} not quite; "
        f"median {median:g}, range {min(scores)}-{max(scores)}"
    )


def reveal_post(
    question: Question,
    answers: Sequence[QotdAnswer],
    show_best: bool,
    post: QotdPost | None = None,
) -> Reply:
    fields: list[Field] = []
    correct = question.correct_choice
    if question.kind is Kind.CHOICE and correct is not None:
        fields.append(Field("Answer", correct.text))
    # The reveal is public and posted once: the whole model answer goes in it, in as many
    # fields as it needs, never cut.
    parts = split_text(question.model_answer)
    fields.extend(
        Field("Model answer" if len(parts) == 1 else f"Model answer ({n}/{len(parts)})", part)
        for n, part in enumerate(parts, start=1)
    )
    why = split_text(question.explanation) if question.explanation else []
    fields.extend(
        Field("Why" if len(why) == 1 else f"Why ({n}/{len(why)})", part)
        for n, part in enumerate(why, start=1)
    )
    fields.extend(provenance_fields(question))
    fields.append(Field("Answered", str(len(answers)), inline=True))
    fields.append(Field("Scores", score_spread([a.score for a in answers]), inline=True))
    if show_best and answers:
        top = max(a.score for a in answers)
        best = [a.display_name for a in answers if a.score == top][:3]
        fields.append(Field("Best answer", f"{', '.join(best)} ({top}/100)"))
    return Reply(
        title="Question of the day · the answer",
        text=_clip(question.prompt, 300),
        fields=tuple(fields),
        private=False,
        footer="Discuss it in the thread. A new question comes tomorrow.",
        key=f"qotd:{post.id}:reveal" if post is not None else None,
        reply_to=post.message_id if post is not None else None,
    )


def digest_post(rows: Sequence[LeaderboardRow], week_start: date) -> Reply:
    if not rows:
        text = "Nobody answered this week. Today's a good day to start: /quiz"
    else:
        text = "\n".join(
            f"{row.rank:>3}. {row.display_name} — {row.points} pts, {row.answers} answered"
            for row in rows
        )
    return Reply(
        title=f"Weekly leaderboard · week of {week_start.isoformat()}",
        text=text,
        private=False,
        footer="/leaderboard for the full standings.",
    )


def grade_reply(question: Question, answer: QotdAnswer, again: bool) -> Reply:
    verdict = {
        Verdict.CORRECT.value: "Correct",
        Verdict.PARTIAL.value: "Partly right",
        Verdict.INCORRECT.value: "Not quite",
    }.get(answer.verdict, answer.verdict)
    graded = answer.grade
    fields: list[Field] = []
    accepted = accepted_line(question, Grade(answer.score, Verdict(answer.verdict)), answer.answer)
    if accepted:
        fields.append(Field("Accepted", accepted.removeprefix("Accepted: ")))
    if graded.get("feedback"):
        fields.append(Field("Feedback", _clip(str(graded["feedback"]))))
    if graded.get("covered"):
        fields.append(Field("Covered", _clip("; ".join(map(str, graded["covered"])))))
    if graded.get("missed"):
        fields.append(Field("Missed", _clip("; ".join(map(str, graded["missed"])))))
    prefix = "You already answered today's question; your first answer counts. " if again else ""
    if answer.verdict == Verdict.INCORRECT.value and not answer.points:
        earned = "no points: an incorrect answer earns none"
    else:
        earned = f"+{answer.points} points"
    return Reply(
        title="Question of the day · your grade",
        text=f"{prefix}{verdict}: {answer.score}/100 ({earned})",
        fields=tuple(fields),
        footer="The model answer and everyone's results are revealed in the channel.",
    )


def digest_week(local_date: date) -> date:
    """The Monday of the week a digest posted on `local_date` covers: the week that just
    ended for a Monday digest, else the week in progress (Sunday's digest covers it all)."""
    monday = local_date - timedelta(days=local_date.weekday())
    return monday - timedelta(days=7) if local_date.weekday() == 0 else monday


async def weekly_board(
    uow: UnitOfWork, community_id: int, local_day: date, limit: int = DIGEST_TOP
) -> list[LeaderboardRow]:
    """The leaderboard the weekly digest shows. The one place the digest reads a board:
    the community's ISO-week board where windowed boards exist, else the all-time one."""
    try:
        from bot.domain import LeaderboardScope, LeaderboardWindow
        from bot.ports import BoardKey
    except ImportError:  # all-time totals only
        return await uow.leaderboard.top(community_id, limit)  # type: ignore[arg-type]
    week = LeaderboardWindow.WEEK
    key = BoardKey(community_id, LeaderboardScope.COMMUNITY, 0, week, week.start(local_day))
    return await uow.leaderboard.top(key, limit)


# -- the service ----------------------------------------------------------------------------


class UnconnectedChat:
    """The ChatPort of a core built without a platform: every send fails, transiently."""

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        raise ChatError("no chat platform is connected")

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        raise ChatError("no chat platform is connected")

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        return None


@dataclass
class TickReport:
    """What one due-check did (benchmarks and logs read it)."""

    posted: int = 0
    digests: int = 0
    revealed: int = 0
    missed: int = 0
    failed: int = 0
    gone: int = 0
    raced: int = 0  # slots another process (or an earlier tick) already owned
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Answered:
    """An answer's outcome; `recorded_post` is the post whose answer count changed."""

    reply: Reply
    recorded_post: int | None = None


@dataclass(frozen=True, slots=True)
class _ToGrade:
    """An answer to grade outside any unit of work (the grader consults a remote model)."""

    post_id: int
    question: Question
    level: str | None


class QotdService:
    """Question of the day. Admin commands change subscriptions; `tick(now)` posts what is
    due (questions, late ones within the grace window, reveals, weekly digests); members
    answer privately with `answer`."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        chat: ChatPort | None = None,
        *,
        grace: timedelta = DEFAULT_GRACE,
        rng: random.Random | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        on_graded: GradedHook | None = None,
        platforms: frozenset[str] | None = None,
        grader: Grader | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.on_graded = on_graded
        self.grader: Grader = grader or ClaimsGrader()
        # The platforms this process posts to (None: all). A Slack-only process sharing a
        # database with a Discord one must leave Discord's channels alone.
        self.platforms = platforms
        self.chat: ChatPort = chat or UnconnectedChat()
        self.grace = grace
        self.rng = rng or random.Random()
        self.concurrency = concurrency
        # Set by the scheduler: a subscription changed / a reveal is due at a time.
        self.on_change: Callable[[int], Awaitable[None]] | None = None
        self.on_reveal_scheduled: Callable[[datetime], None] | None = None
        # Posts whose answer count changed: one refresh task per post, coalescing bursts.
        self._refreshing: dict[int, asyncio.Task[None]] = {}
        self._stale: set[int] = set()

    # -- commands ---------------------------------------------------------------------

    async def command(self, caller: Caller, args: Sequence[str]) -> Reply:
        """`/qotd SUBCOMMAND ...`: admins manage the channel's schedule, members answer."""
        if not args:
            return Reply(title="Question of the day", text=USAGE)
        sub, rest = args[0].casefold(), list(args[1:])
        if sub == "answer":
            return await self.answer(caller, " ".join(rest))
        if sub not in ADMIN_SUBCOMMANDS:
            return error(f"Unknown /qotd subcommand `{sub[:20]}`.\n{USAGE}")
        if not caller.is_admin:
            return error(
                f"Only community admins can use /qotd {sub}. "
                "You can answer today's question with /qotd answer."
            )
        if caller.channel_external_id is None:
            return error("Run /qotd in the channel the question of the day is for.")
        if sub == "setup":
            return await self.setup(caller, rest)
        if sub == "show":
            return await self.show(caller)
        if sub == "pause":
            return await self.pause(caller)
        if sub == "resume":
            return await self.resume(caller)
        if sub == "skip":
            return await self.skip(caller)
        return await self.post_now(caller)

    async def setup(self, caller: Caller, args: Sequence[str]) -> Reply:
        """Create or change the channel's schedule (unpauses it)."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            assert who.channel is not None
            current = await uow.subscriptions.for_channel(who.channel.id)
            try:
                settings = parse_setup(
                    args,
                    who.community.timezone,
                    current.settings if current else None,
                    who.community.qotd_show_best,
                    await community_topics(uow, who.community.id),
                )
            except SetupError as exc:
                return error(str(exc))
            saved = await uow.subscriptions.upsert(who.community.id, who.channel.id, settings, now)
            taken = {p.local_date for p in await uow.qotd.recent(saved.id, 3) if p.kind == QUESTION}
        await self._changed(saved.id)
        return Reply(
            title="Question of the day is set up"
            if current is None
            else "Question of the day updated",
            text=self._describe(saved, now, taken),
            footer="/qotd now posts today's question at once; /qotd show shows this again.",
        )

    async def show(self, caller: Caller) -> Reply:
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            assert who.channel is not None
            subscription = await uow.subscriptions.for_channel(who.channel.id)
            recent = await uow.qotd.recent(subscription.id, 7) if subscription else []
        if subscription is None:
            return Reply(
                text="This channel has no question of the day. Start one: /qotd setup 09:00"
            )
        taken = {p.local_date for p in recent if p.kind == QUESTION}
        lines = [self._describe(subscription, now, taken)]
        if recent:
            lines.append("Recent:")
            for post in recent:
                lines.append(f"  {describe_post(post, subscription.settings.timezone)}")
        return Reply(title="Question of the day", text="\n".join(lines))

    def _describe(
        self, subscription: Subscription, now: datetime, taken: Collection[date] = ()
    ) -> str:
        s = subscription.settings
        days = "daily" if len(s.days) == 7 else ",".join(DAY_NAMES[d] for d in s.days)
        hours, minutes = divmod(s.reveal_minutes, 60)
        reveal = f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
        lines = [
            f"Posts at {s.post_time.strftime('%H:%M')} {s.timezone}, {days}.",
            f"Topics: {', '.join(s.topics) or 'any'} · levels: {', '.join(s.levels) or 'any'}",
            f"Answer revealed after {reveal}; best answer "
            f"{'named' if s.show_best else 'not named'}.",
            "Weekly digest: "
            + (DAY_NAMES[s.digest_day] if s.digest_day is not None else "off")
            + (f" · admin notices to {s.notify_channel}" if s.notify_channel else ""),
        ]
        if s.cohort_id is not None:
            lines.append(f"Cohort: {s.cohort_id}")
        if subscription.paused:
            lines.append(f"PAUSED: {subscription.paused_reason or 'by an admin'}. /qotd resume")
        else:
            upcoming = next_post_time(subscription, now, taken)
            if upcoming:
                lines.append(f"Next question: {_local(upcoming, s.timezone)}")
        return "\n".join(lines)

    async def pause(self, caller: Caller) -> Reply:
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            assert who.channel is not None
            subscription = await uow.subscriptions.for_channel(who.channel.id)
            if subscription is None:
                return error("This channel has no question of the day to pause.")
            if subscription.paused:
                return Reply(text="The question of the day is already paused here.")
            reason = f"paused by {who.member.display_name}"
            await uow.subscriptions.set_paused(subscription.id, True, reason, now)
        await self._changed(subscription.id)
        return Reply(text="Paused. No questions will be posted here until /qotd resume.")

    async def resume(self, caller: Caller) -> Reply:
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            assert who.channel is not None
            subscription = await uow.subscriptions.for_channel(who.channel.id)
            if subscription is None:
                return error("This channel has no question of the day. Start one: /qotd setup")
            await uow.subscriptions.set_paused(subscription.id, False, None, now)
            resumed = await uow.subscriptions.for_channel(who.channel.id)
            recent = await uow.qotd.recent(subscription.id, 3)
        assert resumed is not None
        await self._changed(subscription.id)
        taken = {p.local_date for p in recent if p.kind == QUESTION}
        return Reply(text="Resumed.\n" + self._describe(resumed, now, taken))

    async def skip(self, caller: Caller) -> Reply:
        """Skip today's question: claim today's slot as skipped so no process posts it."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            assert who.channel is not None
            subscription = await uow.subscriptions.for_channel(who.channel.id)
            if subscription is None:
                return error("This channel has no question of the day.")
            settings = subscription.settings
            today = now.astimezone(ZoneInfo(settings.timezone)).date()
            if today.weekday() not in settings.days:
                return Reply(text="There is no question scheduled here today.")
            claimed = await uow.qotd.claim(
                NewQotdPost(
                    subscription.id,
                    subscription.community_id,
                    subscription.channel_id,
                    QUESTION,
                    today,
                    slot_time(settings, today),
                    now,
                    status="skipped",
                    error=f"skipped by {who.member.display_name}",
                ),
                now - CLAIM_LEASE,
                MAX_ATTEMPTS,
            )
        if claimed is None:
            return error("Today's question has already been posted (or skipped) here.")
        return Reply(text=f"Skipped today's question ({today.isoformat()}). See you tomorrow.")

    async def post_now(self, caller: Caller) -> Reply:
        """Post today's question at once (it then counts as today's: no second post)."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            assert who.channel is not None
            subscription = await uow.subscriptions.for_channel(who.channel.id)
        if subscription is None:
            return error("This channel has no question of the day. Start one: /qotd setup")
        today = now.astimezone(ZoneInfo(subscription.settings.timezone)).date()
        report = TickReport()
        await self._post_slot(Slot(subscription, QUESTION, today, now), now, report)
        if report.posted:
            return Reply(text="Posted today's question of the day.")
        if report.raced:
            return error("Today's question has already been posted (or skipped) here.")
        if report.gone:
            return error("I can't post in this channel any more; the subscription is paused.")
        detail = report.errors[-1] if report.errors else "unknown error"
        return error(f"Could not post the question: {detail}")

    # -- answers ----------------------------------------------------------------------

    async def answer(self, caller: Caller, text: str, post_id: int | None = None) -> Reply:
        """Grade a member's answer to the open daily question in their channel (or to
        `post_id`). One graded answer per member: answering again returns the first.

        With a grader that consults a remote model (the LLM judge), the answer is graded
        between two units of work, so no transaction waits on the model; the second one
        checks everything again at the time the answer was sent."""
        answer = text.strip()
        if len(answer) > MAX_ANSWER_CHARS:
            return error(
                f"That answer is {len(answer):,} characters; the limit is {MAX_ANSWER_CHARS:,}."
            )
        now = self.clock.now()
        async with self.uow() as uow:
            outcome = await self._answer_in(uow, caller, answer, post_id, now, None)
        if isinstance(outcome, _ToGrade):
            result = await self.grader.grade(outcome.question, answer, outcome.level)
            async with self.uow() as uow:
                outcome = await self._answer_in(
                    uow, caller, answer, outcome.post_id, now, (outcome, result)
                )
        assert isinstance(outcome, _Answered)
        if outcome.recorded_post is not None:
            self._count_changed(outcome.recorded_post)
        return outcome.reply

    async def _answer_in(
        self,
        uow: UnitOfWork,
        caller: Caller,
        answer: str,
        post_id: int | None,
        now: datetime,
        graded: tuple[_ToGrade, Grade] | None,
    ) -> _Answered | _ToGrade:
        """`answer` in one unit of work: refused, recorded, or (when the grader must wait
        on a remote model and no grade is given yet) what to grade outside it."""
        who = await resolve(uow, caller, now)
        if post_id is not None:
            post = await uow.qotd.get(post_id)
            if post is not None and post.community_id != who.community.id:
                post = None
        elif who.channel is not None:
            post = await uow.qotd.open_in_channel(who.channel.id, now)
        else:
            post = None
        if post is None or post.question_id is None:
            return _Answered(error("There is no question of the day open here right now."))
        question = await uow.questions.get(post.question_id)
        if question is None:
            return _Answered(error("That question is no longer available."))
        first = await uow.qotd.answer_for(post.id, who.member.id)
        if first is not None:
            return _Answered(grade_reply(question, first, again=True))
        if post.reveal_at is None or now >= post.reveal_at or post.reveal_status != "pending":
            return _Answered(error(ANSWERS_CLOSED))
        subscription = await uow.subscriptions.for_channel(post.channel_id)
        level = _level_for(subscription) if subscription else None
        if not answer:
            # Collect the answer from the member's next message.
            await uow.pending.put(
                PendingQuestion(
                    who.member.id, question.id, now, post.channel_id, level, context="qotd"
                )
            )
            return _Answered(
                Reply(
                    text="Type your answer to the question of the day in your next message.",
                    title="Question of the day",
                )
            )
        unreadable = unreadable_choice(question, answer)
        if unreadable:
            return _Answered(error(unreadable.replace("/skip", "the reveal")))
        if graded is not None and graded[0] == _ToGrade(post.id, question, level):
            result = graded[1]
        elif not self.grader.consults(question):
            result = await self.grader.grade(question, answer, level)
        elif graded is None:
            return _ToGrade(post.id, question, level)
        else:
            # The question changed while the remote grader worked (a re-synced pack): the
            # claims grade, rather than a second wait.
            result = grade(question, answer, level)
        local_date = who.local_date(now)
        await uow.attempts.lock_member(who.member.id, who.community.id)
        counted = not await uow.attempts.has_counted(who.member.id, question.id, local_date)
        points = points_for(result, level or question.level) if counted else 0
        stored = QotdAnswer(
            post.id,
            who.member.id,
            who.member.display_name,
            answer,
            result.score,
            result.verdict.value,
            points,
            result.as_dict(),
            now,
        )
        # The unique (post, member) row decides a race between two answers.
        if not await uow.qotd.add_answer(stored):
            first = await uow.qotd.answer_for(post.id, who.member.id)
            assert first is not None
            return _Answered(grade_reply(question, first, again=True))
        attempt = await uow.attempts.add(
            NewAttempt(
                community_id=who.community.id,
                member_id=who.member.id,
                question_id=question.id,
                topic=question.topic,
                answer=answer,
                score=result.score,
                verdict=result.verdict.value,
                points=points,
                counted=counted,
                context="qotd",
                local_date=local_date,
                created_at=now,
                channel_id=post.channel_id,
            )
        )
        if self.on_graded is not None:
            # The daily question also schedules the member's practice card; the
            # self-rating buttons belong after the reveal, so they are not shown here.
            await self.on_graded(uow, [attempt])
        pending = await uow.pending.get(who.member.id)
        if pending is not None and pending.context == "qotd":
            await uow.pending.clear(who.member.id)
        return _Answered(grade_reply(question, stored, again=False), recorded_post=post.id)

    async def answer_pending(self, caller: Caller, text: str) -> Reply | None:
        """A plain message from a member who asked to answer the daily question with their
        next message; None when they have no such pending answer."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            pending = await uow.pending.get(who.member.id)
            if pending is None or pending.context != "qotd":
                return None
            if not text.strip():
                return error("That answer is empty. Type your answer to the question of the day.")
            question = await uow.questions.get(pending.question_id)
            unreadable = unreadable_choice(question, text.strip()) if question else None
            if unreadable:
                # Keep waiting for a readable choice, as a quiz question does.
                return error(unreadable)
            await uow.pending.clear(who.member.id)
            post = (
                await uow.qotd.open_in_channel(pending.channel_id, now)
                if pending.channel_id is not None
                else None
            )
        if post is None or post.question_id != pending.question_id:
            return error("Answers for that question of the day have closed.")
        return await self.answer(caller, text, post.id)

    async def pause_community(
        self, platform: str, community_external_id: str, reason: str
    ) -> list[int]:
        """Pause every active subscription of a community the bot can no longer reach
        (removed from a Discord guild, uninstalled from a Slack workspace). Returns the
        paused subscriptions' ids; an admin resumes each with /qotd resume once the bot is
        back. Nothing else of the community is touched."""
        now = self.clock.now()
        async with self.uow() as uow:
            community = await uow.communities.find(platform, community_external_id)
            if community is None:
                return []
            paused = [
                s
                for s in await uow.subscriptions.active()
                if s.community_id == community.id and not s.paused
            ]
            for subscription in paused:
                await uow.subscriptions.set_paused(subscription.id, True, reason[:300], now)
        for subscription in paused:
            await self._changed(subscription.id)
        if paused:
            log.warning(
                "qotd: paused %d subscription(s) of %s community %s: %s",
                len(paused),
                platform,
                community_external_id,
                reason,
            )
        return [s.id for s in paused]

    # -- the due-check ----------------------------------------------------------------

    async def schedules(self) -> list[Subscription]:
        """Every active subscription, for the scheduler to build its jobs from."""
        async with self.uow() as uow:
            return [s for s in await uow.subscriptions.active() if self.serves(s.platform)]

    def serves(self, platform: str) -> bool:
        """Whether this process posts to `platform`'s channels."""
        return self.platforms is None or platform in self.platforms

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Post everything due at `now`: questions (late ones within the grace window),
        weekly digests and reveals. Safe to run in many processes at once."""
        now = now or self.clock.now()
        report = TickReport()
        async with self.uow() as uow:
            active = await uow.subscriptions.active()
            subscriptions = [s for s in active if self.serves(s.platform)]
            taken_rows = await uow.qotd.since((now - timedelta(days=3)).date())
            reveals = await uow.qotd.due_reveals(now, now - CLAIM_LEASE)
            if self.platforms is not None:
                # Most reveals belong to active subscriptions, already read; only a paused
                # one's channel is looked up.
                platform_of = {s.channel_id: s.platform for s in active}
                kept = []
                for post in reveals:
                    platform = platform_of.get(post.channel_id)
                    if platform is None:
                        owner = await uow.subscriptions.for_channel(post.channel_id)
                        platform = owner.platform if owner is not None else None
                    if platform is None or self.serves(platform):
                        kept.append(post)
                reveals = kept
        taken = {(p.subscription_id, p.local_date, p.kind): p for p in taken_rows}
        due: list[Slot] = []
        missed: list[Slot] = []
        for subscription in subscriptions:
            for slot in slots_until(subscription, now):
                existing = taken.get(slot.key)
                if existing is not None and not _retryable(existing, now):
                    continue
                (missed if slot.at < now - self.grace else due).append(slot)
        semaphore = asyncio.Semaphore(self.concurrency)

        async def limited(job: Awaitable[None]) -> None:
            async with semaphore:
                await job

        jobs: list[Awaitable[None]] = [self._mark_missed(slot, now, report) for slot in missed]
        # Questions before digests, so a digest never lands above the day's question.
        jobs += [
            self._post_slot(s, now, report, taken.get(s.key)) for s in due if s.kind == QUESTION
        ]
        jobs += [self._post_slot(s, now, report) for s in due if s.kind == DIGEST]
        jobs += [self._reveal(post, now, report) for post in reveals]
        await asyncio.gather(*(limited(job) for job in jobs))
        if report.posted or report.revealed or report.missed or report.failed or report.gone:
            log.info(
                "qotd tick %s: %d posted, %d digests, %d revealed, %d missed, %d failed, "
                "%d gone, %d already taken",
                now.isoformat(timespec="seconds"),
                report.posted,
                report.digests,
                report.revealed,
                report.missed,
                report.failed,
                report.gone,
                report.raced,
            )
        return report

    async def _mark_missed(self, slot: Slot, now: datetime, report: TickReport) -> None:
        sub = slot.subscription
        late = now - slot.at
        async with self.uow() as uow:
            claimed = await uow.qotd.claim(
                NewQotdPost(
                    sub.id,
                    sub.community_id,
                    sub.channel_id,
                    slot.kind,
                    slot.local_date,
                    slot.at,
                    now,
                    status="missed",
                    error=f"bot was down: {int(late.total_seconds() // 60)} min late",
                ),
                now - CLAIM_LEASE,
                MAX_ATTEMPTS,
            )
        if claimed is not None:
            report.missed += 1
            log.warning(
                "qotd: skipped the %s of %s for subscription %d (channel %s): due %s, now %s "
                "is past the %d-minute grace window",
                slot.kind,
                slot.local_date,
                sub.id,
                sub.channel,
                slot.at.isoformat(),
                now.isoformat(),
                int(self.grace.total_seconds() // 60),
            )

    async def _pick(self, uow: UnitOfWork, subscription: Subscription) -> Question | None:
        """A question matching the filters, not yet posted in this channel; when all have
        been posted, the cycle starts again."""
        topics: Sequence[str | None] = subscription.settings.topics or (None,)
        levels: Sequence[str | None] = subscription.settings.levels or (None,)
        pool: set[str] = set()
        for topic in topics:
            for level in levels:
                pool.update(
                    await uow.questions.pool(PoolFilter(subscription.community_id, topic, level))
                )
        if not pool:
            return None
        posted = set(await uow.qotd.posted_questions(subscription.channel_id))
        fresh = sorted(pool - posted) or sorted(pool)
        return await uow.questions.get(self.rng.choice(fresh))

    async def _post_slot(
        self, slot: Slot, now: datetime, report: TickReport, previous: QotdPost | None = None
    ) -> None:
        sub = slot.subscription
        board: list[LeaderboardRow] = []
        question: Question | None = None
        async with self.uow() as uow:
            if slot.kind == QUESTION and previous is not None and previous.question_id:
                # A retry posts the question the first attempt picked: that attempt may
                # have reached the channel (a platform that deduplicates then returns
                # its message), and the recorded question must be the one shown.
                question = await uow.questions.get(previous.question_id)
            if slot.kind == QUESTION and question is None:
                question = await self._pick(uow, sub)
            post = await uow.qotd.claim(
                NewQotdPost(
                    sub.id,
                    sub.community_id,
                    sub.channel_id,
                    slot.kind,
                    slot.local_date,
                    slot.at,
                    now,
                    status="empty" if slot.kind == QUESTION and question is None else "claimed",
                    question_id=question.id if question else None,
                    error="no question matches the topics and levels"
                    if slot.kind == QUESTION and question is None
                    else None,
                ),
                now - CLAIM_LEASE,
                MAX_ATTEMPTS,
            )
            if post is not None and slot.kind == DIGEST:
                board = await weekly_board(uow, sub.community_id, digest_week(slot.local_date))
        if post is None:
            report.raced += 1
            return
        if post.status == "empty":
            report.failed += 1
            report.errors.append("no question matches the topics and levels")
            log.warning("qotd: no question matches subscription %d's filters", sub.id)
            return
        reveal_at: datetime | None = None
        if question is not None:
            reveal_at = now + timedelta(minutes=sub.settings.reveal_minutes)
            reply = question_post(question, sub, post.id, reveal_at)
        else:
            reply = replace(
                digest_post(board, digest_week(slot.local_date)), key=f"qotd:{post.id}:digest"
            )
        reply = replace(reply, resend=post.attempts > 1)
        target = Target(sub.platform, sub.channel, community=sub.community or None)
        try:
            sent = await self.chat.send(target, reply)
        except ChannelGone as exc:
            report.gone += 1
            await self._gone(sub, post, exc, now, reveal=False)
            return
        except Exception as exc:  # noqa: BLE001 - any adapter failure is retried, not fatal
            report.failed += 1
            report.errors.append(str(exc)[:200])
            final = post.attempts >= MAX_ATTEMPTS
            log.warning(
                "qotd: posting subscription %d's %s failed (attempt %d%s): %s",
                sub.id,
                slot.kind,
                post.attempts,
                ", giving up" if final else ", will retry",
                exc,
            )
            async with self.uow() as uow:
                await uow.qotd.update(post.id, status="failed", error=str(exc)[:300])
            return
        async with self.uow() as uow:
            await uow.qotd.update(
                post.id,
                status="posted",
                message_id=sent.message_id,
                posted_at=now,
                reveal_at=reveal_at,
                reveal_status="pending" if reveal_at else "none",
                error=None,
            )
        if slot.kind == QUESTION:
            report.posted += 1
        else:
            report.digests += 1
        if reveal_at is not None and self.on_reveal_scheduled is not None:
            self.on_reveal_scheduled(reveal_at)

    async def _reveal(self, post: QotdPost, now: datetime, report: TickReport) -> None:
        async with self.uow() as uow:
            if not await uow.qotd.claim_reveal(post.id, now, now - CLAIM_LEASE, MAX_ATTEMPTS):
                report.raced += 1
                return
            subscription = await uow.subscriptions.for_channel(post.channel_id)
            question = await uow.questions.get(post.question_id) if post.question_id else None
            answers = await uow.qotd.answers(post.id)
        if subscription is None or question is None:
            async with self.uow() as uow:
                await uow.qotd.update(post.id, reveal_status="gave_up", error="no subscription")
            return
        reply = replace(
            reveal_post(question, answers, subscription.settings.show_best, post),
            resend=post.reveal_attempts > 0,
        )
        target = Target(
            subscription.platform, subscription.channel, community=subscription.community or None
        )
        await self._close_post(post, subscription, question, len(answers))
        try:
            sent = await self.chat.send(target, reply)
        except ChannelGone as exc:
            report.gone += 1
            await self._gone(subscription, post, exc, now, reveal=True)
            return
        except Exception as exc:  # noqa: BLE001
            report.failed += 1
            report.errors.append(str(exc)[:200])
            attempts = post.reveal_attempts + 1
            status = "gave_up" if attempts >= MAX_ATTEMPTS else "failed"
            log.warning("qotd: reveal of post %d failed (%s): %s", post.id, status, exc)
            async with self.uow() as uow:
                await uow.qotd.update(post.id, reveal_status=status, error=str(exc)[:300])
            return
        thread: Target | None = None
        try:
            thread = await self.chat.open_thread(sent, "Question of the day: discuss")
        except Exception as exc:  # noqa: BLE001 - a thread is a nicety, the reveal is out
            log.info("qotd: no discussion thread for post %d: %s", post.id, exc)
        async with self.uow() as uow:
            await uow.qotd.update(
                post.id,
                reveal_status="done",
                revealed_at=now,
                thread_id=thread.thread if thread else None,
            )
        report.revealed += 1

    async def _gone(
        self, sub: Subscription, post: QotdPost, exc: Exception, now: datetime, *, reveal: bool
    ) -> None:
        """The platform says the channel is gone or forbidden: pause, log, tell admins."""
        local = now.astimezone(ZoneInfo(sub.settings.timezone)).date()
        reason = f"channel unavailable since {local.isoformat()} ({exc})"[:300]
        async with self.uow() as uow:
            if reveal:
                await uow.qotd.update(post.id, reveal_status="gone", error=reason)
            else:
                await uow.qotd.update(post.id, status="gone", error=reason)
            await uow.subscriptions.set_paused(sub.id, True, reason, now)
        log.warning(
            "qotd: paused subscription %d: %s channel %s is gone or forbidden: %s",
            sub.id,
            sub.platform,
            sub.channel,
            exc,
        )
        notify = sub.settings.notify_channel
        if notify and notify != sub.channel:
            notice = Reply(
                title="Question of the day paused",
                text=(
                    f"I can no longer post in channel {sub.channel}: {exc}. Its question of "
                    "the day is paused; fix the channel's permissions and run /qotd resume "
                    "there, or /qotd setup in another channel."
                ),
                private=False,
            )
            try:
                await self.chat.send(
                    Target(sub.platform, notify, community=sub.community or None), notice
                )
            except Exception as notify_exc:  # noqa: BLE001
                log.warning("qotd: could not notify admins in %s: %s", notify, notify_exc)
        await self._changed(sub.id)

    def _count_changed(self, post_id: int) -> None:
        """Edit the post's answer count soon, off the answering member's path: a burst of
        answers becomes a few edits, each showing the count at the time."""
        self._stale.add(post_id)
        if post_id in self._refreshing:
            return
        try:
            task = asyncio.get_running_loop().create_task(self._refresh_count(post_id))
        except RuntimeError:  # no running loop (a synchronous caller): nothing to refresh
            self._stale.discard(post_id)
            return
        self._refreshing[post_id] = task
        task.add_done_callback(lambda _: self._refreshing.pop(post_id, None))

    async def _refresh_count(self, post_id: int) -> None:
        while post_id in self._stale:
            self._stale.discard(post_id)
            try:
                async with self.uow() as uow:
                    post = await uow.qotd.get(post_id)
                    if post is None or post.reveal_status != "pending" or not post.message_id:
                        return
                    subscription = await uow.subscriptions.for_channel(post.channel_id)
                    question = (
                        await uow.questions.get(post.question_id) if post.question_id else None
                    )
                    answered = len(await uow.qotd.answers(post.id))
                if subscription is None or question is None or post.reveal_at is None:
                    return
                reply = question_post(question, subscription, post.id, post.reveal_at, answered)
                target = Target(
                    subscription.platform,
                    subscription.channel,
                    community=subscription.community or None,
                )
                await self.chat.edit(SentMessage(target, post.message_id), reply)
            except Exception as exc:  # noqa: BLE001 - a stale count is cosmetic
                log.info("qotd: could not update the answer count of post %d: %s", post_id, exc)
                return

    async def settle(self) -> None:
        """Wait for answer-count edits in flight (shutdown, tests, benchmarks)."""
        while self._refreshing:
            await asyncio.gather(*list(self._refreshing.values()), return_exceptions=True)

    async def _close_post(
        self, post: QotdPost, subscription: Subscription, question: Question, answered: int
    ) -> None:
        """Leave the question's post closed (its buttons disabled) before the reveal."""
        running = self._refreshing.get(post.id)
        if running is not None:
            await asyncio.gather(running, return_exceptions=True)
        if not post.message_id or post.reveal_at is None:
            return
        reply = question_post(
            question, subscription, post.id, post.reveal_at, answered, closed=True
        )
        target = Target(
            subscription.platform, subscription.channel, community=subscription.community or None
        )
        try:
            await self.chat.edit(SentMessage(target, post.message_id), reply)
        except Exception as exc:  # noqa: BLE001 - the reveal itself matters more
            log.info("qotd: could not close post %d: %s", post.id, exc)

    async def _changed(self, subscription_id: int) -> None:
        if self.on_change is not None:
            await self.on_change(subscription_id)
