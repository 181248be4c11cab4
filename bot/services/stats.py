"""A member's own progress."""

from __future__ import annotations

from bot.ports import Clock, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.views import Field, Reply


class StatsService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def stats(self, caller: Caller) -> Reply:
        """Points, rank and accuracy per topic for the caller."""
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            row = await uow.leaderboard.row_for(who.community.id, who.member.id)
            topics = await uow.attempts.accuracy_by_topic(who.member.id)
        if row is None:
            return Reply(
                text="No answers yet. Try /quiz to start.",
                title=f"Stats for {who.member.display_name}",
            )
        fields = tuple(
            Field(
                t.topic,
                f"{t.correct}/{t.answers} correct ({t.correct / t.answers:.0%})",
                inline=True,
            )
            for t in topics
            if t.answers
        )
        return Reply(
            text=(
                f"Rank {row.rank} · {row.points} points · {row.answers} answered · "
                f"{row.accuracy:.0%} correct"
            ),
            title=f"Stats for {who.member.display_name}",
            fields=fields,
        )
