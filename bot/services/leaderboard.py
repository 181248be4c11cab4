"""Community leaderboards."""

from __future__ import annotations

from bot.domain import LeaderboardRow
from bot.ports import Clock, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.views import Reply

DEFAULT_TOP = 10


def _row_line(row: LeaderboardRow, me: int) -> str:
    marker = "  ← you" if row.member_id == me else ""
    return (
        f"{row.rank:>3}. {row.display_name} — {row.points} pts, "
        f"{row.answers} answered, {row.accuracy:.0%} correct{marker}"
    )


class LeaderboardService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def board(self, caller: Caller, limit: int = DEFAULT_TOP) -> Reply:
        """The community's all-time board: the top `limit`, plus the caller's own row
        when they are outside it. Ties share a rank (1, 2, 2, 4)."""
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            rows = await uow.leaderboard.top(who.community.id, limit)
            mine = await uow.leaderboard.row_for(who.community.id, who.member.id)
        if not rows:
            return Reply(text="Nobody has answered yet. Be the first: /quiz", title="Leaderboard")
        lines = [_row_line(row, who.member.id) for row in rows]
        if mine is not None and all(row.member_id != mine.member_id for row in rows):
            lines.append("  …")
            lines.append(_row_line(mine, who.member.id))
        footer = None if mine else "You are not on the board yet: answer a question with /quiz."
        return Reply(text="\n".join(lines), title="Leaderboard · all time", footer=footer)
