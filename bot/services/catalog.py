"""The question catalogue: syncing packs into the database, and what is in it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bot.content.topics import TOPICS
from bot.domain import Question
from bot.ports import Clock, SyncReport, TopicCount, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.views import Reply


class CatalogService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def sync(self, questions: Sequence[Question]) -> SyncReport:
        """Make the shipped questions in the database exactly `questions` (idempotent):
        edited questions update, removed ones retire, attempts are never touched."""
        async with self.uow() as uow:
            return await uow.questions.sync(questions, self.clock.now())

    async def counts(self, community_id: int | None = None) -> list[TopicCount]:
        async with self.uow() as uow:
            return await uow.questions.counts(community_id)

    async def topics(self, caller: Caller) -> Reply:
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            counts = await uow.questions.counts(who.community.id)
        per_topic: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in counts:
            per_topic[row.topic][row.level] += row.count
        if not per_topic:
            return Reply(text="No questions are loaded.", title="Topics", error=True)
        lines = []
        for slug in sorted(per_topic, key=lambda t: list(TOPICS).index(t) if t in TOPICS else 99):
            levels = per_topic[slug]
            detail = ", ".join(
                f"{lv} {levels[lv]}" for lv in ("junior", "mid", "senior") if levels.get(lv)
            )
            lines.append(f"`{slug}` — {TOPICS.get(slug, slug)} ({detail})")
        return Reply(
            text="\n".join(lines),
            title="Topics",
            footer="/quiz TOPIC [junior|mid|senior] for a question on one of them.",
        )
