"""The core facade: adapters hold a `Prepbot` and call it with neutral arguments."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.commands import BY_NAME, CommandError, help_text, parse
from bot.services.catalog import CatalogService
from bot.services.cohorts import CohortService
from bot.services.confirm import Confirmations, confirm_action, reads_as
from bot.services.context import Caller, clean_args, clean_caller
from bot.services.interview import InterviewService
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeService
from bot.services.privacy import PrivacyService
from bot.services.qotd import QotdService
from bot.services.quiz import QuizService
from bot.services.settings import SettingsService
from bot.services.stats import StatsService
from bot.text.control import strip_controls
from bot.views import Reply, error

log = logging.getLogger(__name__)

MAX_ACTION_CHARS = 200
UNREADABLE_ACTION = "That button is not one I know any more. Try /help."
NO_INTERVIEWS = "Mock interviews are not available here."


REMOTE_CALLS_FACTOR = 4
"""With a remote judge, adapters allow this many times more core calls in flight, so answers
waiting on the judge do not hold every slot while other members' commands queue."""


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
    settings: SettingsService | None = None
    confirmations: Confirmations = field(default_factory=Confirmations)
    interview: InterviewService | None = None
    remote_grading: bool = False
    """Whether answers are graded by a remote judge: a call that grades then mostly waits on
    the network, so adapters may run more calls at once (`core_call_limit`)."""

    def core_call_limit(self, local: int) -> int:
        """How many core calls an adapter should run at once, given its limit for calls
        that keep the event loop busy (`local`)."""
        return local * REMOTE_CALLS_FACTOR if self.remote_grading else local

    async def handle(self, caller: Caller, name: str, args: Sequence[str] = ()) -> Reply:
        """Run catalogue command `name` for `caller`."""
        # The edge of the core: every text a member sends loses its control characters.
        caller, args = clean_caller(caller), clean_args(args)
        reply = await self._run(caller, name, args)
        # A reply asking "are you sure?" lets the member's next line say yes in words.
        asked = confirm_action(reply)
        if asked is not None:
            self.confirmations.ask(caller, asked)
        return reply

    async def _run(self, caller: Caller, name: str, args: Sequence[str]) -> Reply:
        if name not in BY_NAME:
            return error(f"Unknown command /{name[:40]}. Try /help.")
        if name == "help":
            return Reply(text=help_text(), title="prepbot commands")
        if name == "quiz":
            return await self.quiz.ask(caller, args)
        if name == "skip":
            return await self.quiz.skip(caller)
        if name == "full-answer":
            return await self.quiz.full_answer(caller, args)
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
        if name == "interview":
            if self.interview is None:
                return error(NO_INTERVIEWS)
            return await self.interview.command(caller, args)
        if name == "my-data":
            return await self.privacy.my_data(caller, args)
        if name == "forget-me":
            return await self.privacy.forget_me(caller, args)
        if name == "forget-member":
            return await self.privacy.forget_member(caller, args)
        if name == "qotd":
            if self.qotd is None:
                return error("The question of the day is not available here.")
            return await self.qotd.command(caller, args)
        if name == "settings":
            if self.settings is None:
                return error("Settings are not available here.")
            return await self.settings.command(caller, args)
        raise AssertionError(f"catalogue command {name} has no handler")

    async def act(self, caller: Caller, action: str, text: str | None = None) -> Reply:
        """Run a `Button.action` or `Reply.answer_action` a member pressed or submitted.

        Actions are `name[:arg[:arg]]`: `answer:QID:LETTER` (a choice button) or
        `answer:QID` with `text` (a free-text form) answer the member's pending quiz
        question; `qotd:answer:POST[:LETTER]` (or with `text`) answers a question of the
        day; `interview:answer:ID:STEP[:LETTER]` (or with `text`) answers step STEP of
        interview ID while it is still waiting; anything else is a catalogue command with
        its arguments (`rate:good:42`, `forget-me:confirm`, `quiz`). A malformed action
        gets a message, never an error.
        """
        if not action or len(action) > MAX_ACTION_CHARS:
            return error(UNREADABLE_ACTION)
        caller, action = clean_caller(caller), strip_controls(action)
        text = strip_controls(text) if text is not None else None
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
        if name == "interview" and args[:1] == ["answer"]:
            if self.interview is None:
                return error(NO_INTERVIEWS)
            if len(args) not in (3, 4) or not args[1].isdigit() or not args[2]:
                return error(UNREADABLE_ACTION)
            answer = args[3] if len(args) == 4 else (text or "")
            return await self.interview.submit(caller, int(args[1]), args[2], answer)
        if name not in BY_NAME:
            return error(UNREADABLE_ACTION)
        # A pressed button settles any confirmation still waiting for a typed yes, so a
        # later "yes" cannot run it a second time.
        self.confirmations.drop(caller)
        return await self.handle(caller, name, args)

    async def home(self, caller: Caller) -> Reply:
        """The member's dashboard (a platform's home tab): progress and where to go next."""
        return await self.stats.home(caller)

    async def community_removed(
        self,
        platform: str,
        community_external_id: str,
        reason: str = "the bot was removed from this community",
    ) -> int:
        """The bot was removed from a community (Discord guild left, Slack app uninstalled
        or tokens revoked): pause its questions of the day so no process keeps posting
        there. Members' data stays until they or an admin delete it. Returns how many
        schedules were paused."""
        if self.qotd is None:
            return 0
        paused = await self.qotd.pause_community(platform, community_external_id, reason)
        return len(paused)

    async def handle_text(self, caller: Caller, line: str) -> Reply:
        """A line typed by a member: a /command, or else an answer to their question."""
        caller, line = clean_caller(caller), strip_controls(line)
        waiting = self.confirmations.take(caller)
        if waiting is not None and not line.lstrip().startswith("/"):
            said = reads_as(line)
            if said == "yes":
                return await self.act(caller, waiting)
            if said == "no":
                return Reply(text="Cancelled: nothing was changed.")
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
        if self.interview is not None:
            # An active interview takes the line unless a quiz question was asked after
            # the interview's current one (then the line answers that newer question).
            answered = await self.interview.answer_pending(caller, line)
            if answered is not None:
                return answered
        if reads_as(line) == "yes" and not await self.quiz.has_pending(caller):
            return error(
                "Nothing is waiting for a yes (a confirmation lasts a few minutes). Run the "
                "command again, e.g. /forget-me, then answer yes."
            )
        return await self.quiz.answer(caller, line)
