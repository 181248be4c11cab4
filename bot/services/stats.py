"""A member's own progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import LeaderboardRow, LeaderboardScope, LeaderboardWindow
from bot.ports import (
    BoardKey,
    Clock,
    MemberProgress,
    TopicAccuracy,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services.context import Caller, Resolved, resolve
from bot.services.practice import end_of_local_day
from bot.services.progress import live_streak
from bot.views import Button, Field, Reply

WEAKEST_TOPICS = 3


@dataclass(frozen=True, slots=True)
class _Progress:
    """What /stats and the home tab both show: who, streak data, all-time board row,
    accuracy per topic and practice cards due before the end of the local day."""

    who: Resolved
    progress: MemberProgress | None
    row: LeaderboardRow | None
    topics: list[TopicAccuracy]
    due: int


async def _progress(uow: UnitOfWork, caller: Caller, now: datetime) -> _Progress:
    who = await resolve(uow, caller, now)
    board = BoardKey(
        who.community.id,
        LeaderboardScope.COMMUNITY,
        0,
        LeaderboardWindow.ALL,
        LeaderboardWindow.ALL.start(who.local_date(now)),
    )
    return _Progress(
        who,
        await uow.attempts.progress(who.member.id),
        await uow.leaderboard.row_for(board, who.member.id, hide_departed=False),
        list(await uow.attempts.accuracy_by_topic(who.member.id)),
        await uow.cards.count_due(who.member.id, end_of_local_day(now, who.community.timezone)),
    )


class StatsService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def stats(self, caller: Caller) -> Reply:
        """Rank, points, streaks, accuracy per topic and practice cards due today (before
        the end of the member's local day in the community's timezone)."""
        now = self.clock.now()
        async with self.uow() as uow:
            mine = await _progress(uow, caller, now)
        who, progress, row, topics, due = mine.who, mine.progress, mine.row, mine.topics, mine.due
        title = f"Stats for {who.member.display_name}"
        if progress is None or row is None:
            return Reply(text="No answers yet. Try /quiz to start.", title=title)
        streak = live_streak(progress, who.local_date(now))
        fields = tuple(
            Field(t.topic, f"{t.correct}/{t.answers} correct ({t.correct / t.answers:.0%})", True)
            for t in topics
            if t.answers
        )
        return Reply(
            text=(
                f"Rank {row.rank} · {row.points} points · {row.answers} answered · "
                f"{row.accuracy:.0%} correct · streak {streak} day(s), longest "
                f"{progress.longest_streak} · {due} card{'' if due == 1 else 's'} due today"
            ),
            title=title,
            fields=fields,
        )

    async def home(self, caller: Caller) -> Reply:
        """A member's dashboard (Slack's App Home): streak, points and rank, cards due
        today, weakest topics, cohorts, and buttons to practise or take a quiz."""
        now = self.clock.now()
        async with self.uow() as uow:
            mine = await _progress(uow, caller, now)
            cohorts = await uow.cohorts.of_member(mine.who.member.id)
        who, progress, row, topics, due = mine.who, mine.progress, mine.row, mine.topics, mine.due
        streak = live_streak(progress, who.local_date(now)) if progress else 0
        answered = [t for t in topics if t.answers]
        weakest = sorted(answered, key=lambda t: (t.correct / t.answers, -t.answers, t.topic))
        fields = (
            Field("Streak", f"{streak} day{'' if streak == 1 else 's'}", True),
            Field("Points", str(row.points) if row else "0", True),
            Field("Rank", str(row.rank) if row else "not ranked yet", True),
            Field("Cards due today", str(due), True),
            Field(
                "Weakest topics",
                ", ".join(f"{t.topic} ({t.correct}/{t.answers})" for t in weakest[:WEAKEST_TOPICS])
                or "answer a few questions to find out",
            ),
            Field("Cohorts", ", ".join(sorted(c.name for c in cohorts)) or "none"),
        )
        return Reply(
            title=f"{who.member.display_name}'s interview prep",
            text="Practice brings back what you are about to forget; a quiz asks something new.",
            fields=fields,
            buttons=(Button("Practice", "practice", "primary"), Button("Quiz", "quiz")),
        )
