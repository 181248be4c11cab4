"""The core facade: adapters hold a `Prepbot` and call it with neutral arguments."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.commands import BY_NAME, CommandError, help_text, parse
from bot.services.catalog import CatalogService
from bot.services.cohorts import CohortService
from bot.services.context import Caller
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeService
from bot.services.privacy import PrivacyService
from bot.services.qotd import QotdService
from bot.services.quiz import QuizService
from bot.services.stats import StatsService
from bot.views import Reply, error

log = logging.getLogger(__name__)

MAX_ACTION_CHARS = 200
UNREADABLE_ACTION = "That button is not one I know any more. Try /help."


@dataclass
class Prepbot:
    quiz: QuizService
    leaderboard: LeaderboardService
    stats: StatsService
    catalog: CatalogService
    cohorts: CohortService
    privacy: PrivacyService
    qotd: QotdService | None = None
    practice: PracticeService | None = None

    async def handle(self, caller: Caller, name: str, args: Sequence[str] = ()) -> Reply:
        """Run catalogue command `name` for `caller`."""
        if name not in BY_NAME:
            return error(f"Unknown command /{name[:40]}. Try /help.")
        if name == "help":
            return Reply(text=help_text(), title="prepbot commands")
        if name == "quiz":
            return await self.quiz.ask(caller, args)
        if name == "skip":
            return await self.quiz.skip(caller)
        if name == "leaderboard":
            return await self.leaderboard.board(caller, args)
        if name in ("practice", "rate"):
            if self.practice is None:
                return error("Practice is not available here.")
            if name == "practice":
                return await self.practice.practice(caller, args)
            return await self.practice.rate(caller, args)
        if name == "stats":
            return await self.stats.stats(caller)
        if name == "topics":
            return await self.catalog.topics(caller)
        if name == "cohort":
            return await self.cohorts.command(caller, args)
        if name == "my-data":
            return await self.privacy.my_data(caller)
        if name == "forget-me":
            return await self.privacy.forget_me(caller, args)
        if name == "forget-member":
            return await self.privacy.forget_member(caller, args)
        if name == "qotd":
            if self.qotd is None:
                return error("The question of the day is not available here.")
            return await self.qotd.command(caller, args)
        raise AssertionError(f"catalogue command {name} has no handler")

    async def act(self, caller: Caller, action: str, text: str | None = None) -> Reply:
        """Run a `Button.action` or `Reply.answer_action` a member pressed or submitted.

        Actions are `name[:arg[:arg]]`: `answer:QID:LETTER` (a choice button) or
        `answer:QID` with `text` (a free-text form) answer the member's pending quiz
        question; `qotd:answer:POST[:LETTER]` (or with `text`) answers a question of the
        day; anything else is a catalogue command with its arguments (`rate:good:42`,
        `forget-me:confirm`, `quiz`). A malformed action gets a message, never an error.
        """
        if not action or len(action) > MAX_ACTION_CHARS:
            return error(UNREADABLE_ACTION)
        name, *args = action.split(":")
        if name == "answer":
            if not args or len(args) > 2 or not args[0]:
                return error(UNREADABLE_ACTION)
            answer = args[1] if len(args) == 2 else (text or "")
            return await self.quiz.submit(caller, args[0], answer, expect_pending=True)
        if name == "qotd" and args[:1] == ["answer"]:
            if self.qotd is None:
                return error("The question of the day is not available here.")
            if len(args) not in (2, 3) or not args[1].isdigit():
                return error(UNREADABLE_ACTION)
            answer = args[2] if len(args) == 3 else (text or "")
            return await self.qotd.answer(caller, answer, int(args[1]))
        if name not in BY_NAME:
            return error(UNREADABLE_ACTION)
        return await self.handle(caller, name, args)

    async def home(self, caller: Caller) -> Reply:
        """The member's dashboard (a platform's home tab): progress and where to go next."""
        return await self.stats.home(caller)

    async def community_removed(self, platform: str, community_external_id: str) -> int:
        """The bot was removed from a community (Slack app uninstalled, tokens revoked):
        pause its questions of the day so no process keeps posting there. Members' data
        stays until they or an admin delete it. Returns how many schedules were paused."""
        if self.qotd is None:
            return 0
        return await self.qotd.pause_community(platform, community_external_id)

    async def handle_text(self, caller: Caller, line: str) -> Reply:
        """A line typed by a member: a /command, or else an answer to their question."""
        if line.lstrip().startswith("/"):
            try:
                invocation = parse(line)
            except CommandError as exc:
                return error(str(exc))
            return await self.handle(caller, invocation.name, invocation.args)
        if self.qotd is not None:
            # After `/qotd answer` with no text, the next plain line is the QOTD answer.
            routed = await self.qotd.answer_pending(caller, line)
            if routed is not None:
                return routed
        return await self.quiz.answer(caller, line)
