"""A member's own progress."""

from __future__ import annotations

from bot.domain import LeaderboardScope, LeaderboardWindow
from bot.ports import BoardKey, Clock, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.services.progress import live_streak
from bot.views import Field, Reply


class StatsService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def stats(self, caller: Caller) -> Reply:
        """Rank, points, streaks and accuracy per topic for the caller."""
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
                f"{progress.longest_streak}"
            ),
            title=title,
            fields=fields,
        )
