"""A member's own progress."""

from __future__ import annotations

from bot.domain import LeaderboardScope, LeaderboardWindow
from bot.ports import BoardKey, Clock, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.services.practice import end_of_local_day
from bot.services.progress import live_streak
from bot.views import Button, Field, Reply

WEAKEST_TOPICS = 3


class StatsService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def stats(self, caller: Caller) -> Reply:
        """Rank, points, streaks, accuracy per topic and practice cards due today (before
        the end of the member's local day in the community's timezone)."""
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            progress = await uow.attempts.progress(who.member.id)
            board = BoardKey(
                who.community.id,
                LeaderboardScope.COMMUNITY,
                0,
                LeaderboardWindow.ALL,
                LeaderboardWindow.ALL.start(who.local_date(now)),
            )
            row = await uow.leaderboard.row_for(board, who.member.id, hide_departed=False)
            topics = await uow.attempts.accuracy_by_topic(who.member.id)
            due = await uow.cards.count_due(
                who.member.id, end_of_local_day(now, who.community.timezone)
            )
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
            who = await resolve(uow, caller, now)
            progress = await uow.attempts.progress(who.member.id)
            board = BoardKey(
                who.community.id,
                LeaderboardScope.COMMUNITY,
                0,
                LeaderboardWindow.ALL,
                LeaderboardWindow.ALL.start(who.local_date(now)),
            )
            row = await uow.leaderboard.row_for(board, who.member.id, hide_departed=False)
            topics = await uow.attempts.accuracy_by_topic(who.member.id)
            due = await uow.cards.count_due(
                who.member.id, end_of_local_day(now, who.community.timezone)
            )
            cohorts = await uow.cohorts.of_member(who.member.id)
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
