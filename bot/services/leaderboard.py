"""Leaderboards over a window (day, week, month, all time) and a scope (community, channel,
cohort). Boards read pre-aggregated rows (see AttemptRepository.add), so they cost the same
with a hundred attempts or millions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain import LeaderboardRow, LeaderboardScope, LeaderboardWindow
from bot.ports import BoardKey, Clock, UnitOfWork, UnitOfWorkFactory
from bot.services.context import Caller, Resolved, resolve
from bot.views import Reply, error

DEFAULT_TOP = 10
MAX_TOP = 50

WINDOW_WORDS = {
    "day": LeaderboardWindow.DAY,
    "today": LeaderboardWindow.DAY,
    "daily": LeaderboardWindow.DAY,
    "week": LeaderboardWindow.WEEK,
    "weekly": LeaderboardWindow.WEEK,
    "month": LeaderboardWindow.MONTH,
    "monthly": LeaderboardWindow.MONTH,
    "all": LeaderboardWindow.ALL,
    "all-time": LeaderboardWindow.ALL,
    "alltime": LeaderboardWindow.ALL,
}
SCOPE_WORDS = {
    "community": LeaderboardScope.COMMUNITY,
    "server": LeaderboardScope.COMMUNITY,
    "workspace": LeaderboardScope.COMMUNITY,
    "channel": LeaderboardScope.CHANNEL,
    "cohort": LeaderboardScope.COHORT,
}
WINDOW_TITLES = {
    LeaderboardWindow.DAY: "today",
    LeaderboardWindow.WEEK: "this week",
    LeaderboardWindow.MONTH: "this month",
    LeaderboardWindow.ALL: "all time",
}


@dataclass(frozen=True, slots=True)
class BoardRequest:
    window: LeaderboardWindow = LeaderboardWindow.ALL
    scope: LeaderboardScope = LeaderboardScope.COMMUNITY
    cohort_name: str | None = None
    # True when words that are no window or scope were read as a cohort's name
    # (`/leaderboard spring-2026`): if no cohort has it, they were a typo (`year`).
    implicit: bool = False


USAGE = (
    "Windows: day, week, month, all (default all). Scopes: community (default), channel, "
    "cohort NAME. E.g. /leaderboard week channel"
)


class BoardRequestError(ValueError):
    pass


def parse_board_request(args: Sequence[str]) -> BoardRequest:
    window = LeaderboardWindow.ALL
    scope = LeaderboardScope.COMMUNITY
    rest: list[str] = []
    explicit = False
    for raw in args:
        word = raw.strip().casefold()
        if word in WINDOW_WORDS:
            window = WINDOW_WORDS[word]
        elif word in SCOPE_WORDS and not rest:
            # After a name's first word, "cohort" is part of it ("My Cohort").
            scope = SCOPE_WORDS[word]
            explicit = True
        elif raw.strip():
            rest.append(raw.strip())
    implicit = False
    if rest:
        if scope is LeaderboardScope.COMMUNITY and not explicit:
            # `/leaderboard spring-2026` (or `My Cohort`) reads as that cohort's board.
            scope, implicit = LeaderboardScope.COHORT, True
        if scope is not LeaderboardScope.COHORT:
            raise BoardRequestError(f"I don't understand `{' '.join(rest)[:40]}`. {USAGE}")
    return BoardRequest(window, scope, " ".join(rest) or None, implicit)


def row_line(row: LeaderboardRow, me: int | None) -> str:
    marker = "  ← you" if row.member_id == me else ""
    return (
        f"{row.rank:>3}. {row.display_name} — {row.points} pts, "
        f"{row.answers} answered, {row.accuracy:.0%} correct{marker}"
    )


class LeaderboardService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def board(
        self, caller: Caller, args: Sequence[str] = (), limit: int = DEFAULT_TOP
    ) -> Reply:
        """The top `limit` of a board plus the caller's own row when outside it. Ties share
        a rank (1, 2, 2, 4); departed members are hidden unless the community shows them."""
        try:
            request = parse_board_request(args)
        except BoardRequestError as exc:
            return error(str(exc))
        limit = max(1, min(limit, MAX_TOP))
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            located = await self._locate(uow, who, request)
            if isinstance(located, Reply):
                return located
            key, label = located
            hide = who.community.hide_departed
            rows = await uow.leaderboard.top(key, limit, hide)
            mine = await uow.leaderboard.row_for(key, who.member.id, hide)
        title = f"Leaderboard · {label} · {WINDOW_TITLES[request.window]}"
        period = window_line(request.window, who.local_date(now), who.community.timezone)
        return render_board(title, rows, mine, who.member.id, period)

    async def board_for(
        self, uow: UnitOfWork, who: Resolved, key: BoardKey, limit: int = DEFAULT_TOP
    ) -> list[LeaderboardRow]:
        """For other services (digests, rosters) already inside a unit of work."""
        return await uow.leaderboard.top(key, limit, who.community.hide_departed)

    async def _locate(
        self, uow: UnitOfWork, who: Resolved, request: BoardRequest
    ) -> tuple[BoardKey, str] | Reply:
        today = who.local_date(self.clock.now())
        start = request.window.start(today)
        community = who.community
        if request.scope is LeaderboardScope.COMMUNITY:
            key = BoardKey(community.id, request.scope, 0, request.window, start)
            return key, community.name or "community"
        if request.scope is LeaderboardScope.CHANNEL:
            if who.channel is None:
                return error("This board needs a channel: run it in the channel you mean.")
            key = BoardKey(community.id, request.scope, who.channel.id, request.window, start)
            return key, "this channel"
        if request.cohort_name:
            cohort = await uow.cohorts.by_name(community.id, request.cohort_name)
            if cohort is None:
                if request.implicit:
                    return error(f"I don't understand `{request.cohort_name[:40]}`. {USAGE}")
                return error(
                    f"There is no cohort called `{request.cohort_name[:60]}`. See /cohort list."
                )
        else:
            mine = await uow.cohorts.of_member(who.member.id)
            if len(mine) != 1:
                return error("Which cohort? Use /leaderboard cohort NAME (see /cohort list).")
            cohort = mine[0]
        key = BoardKey(community.id, request.scope, cohort.id, request.window, start)
        return key, f"cohort {cohort.name}"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def window_end(window: LeaderboardWindow, start: date) -> date | None:
    """The first local day after the window that starts on `start` (None: all time)."""
    if window is LeaderboardWindow.DAY:
        return start + timedelta(days=1)
    if window is LeaderboardWindow.WEEK:
        return start + timedelta(days=7)
    if window is LeaderboardWindow.MONTH:
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return None


def window_line(window: LeaderboardWindow, today: date, timezone: str) -> str:
    """When the board's window started and when it resets, in the community's timezone:
    `Week of Mon 30 Nov · resets Mon 7 Dec 00:00 Europe/Paris`."""
    start = window.start(today)
    end = window_end(window, start)
    if end is None:
        return f"All time · never resets · days in {timezone}"
    opened = {
        LeaderboardWindow.DAY: f"Today, {_day(start)}",
        LeaderboardWindow.WEEK: f"Week of {_day(start)}",
        LeaderboardWindow.MONTH: f"{start:%B %Y}",
    }[window]
    return f"{opened} · resets {_day(end)} 00:00 {timezone}"


def render_board(
    title: str,
    rows: Sequence[LeaderboardRow],
    mine: LeaderboardRow | None,
    me: int,
    period: str | None = None,
) -> Reply:
    if not rows:
        return Reply(
            text="Nobody has points on this board yet. Be the first: /quiz",
            title=title,
            footer=period,
        )
    lines = [row_line(row, me) for row in rows]
    if mine is not None and all(row.member_id != mine.member_id for row in rows):
        lines.append("  …")
        lines.append(row_line(mine, me))
    notes = [] if mine else ["You are not on this board yet: answer a question with /quiz."]
    if period:
        notes.insert(0, period)
    return Reply(text="\n".join(lines), title=title, footer="\n".join(notes) or None)
