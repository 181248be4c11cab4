"""A member's own progress."""

from __future__ import annotations

from bot.domain import LeaderboardScope, LeaderboardWindow
from bot.ports import BoardKey, Clock, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.services.practice import end_of_local_day
from bot.services.progress import live_streak
from bot.views import Field, Reply


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
