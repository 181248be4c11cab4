"""Cohorts: how instructors run a bootcamp group inside a community.

Admins create cohorts (and become their instructor) or hand a cohort to an instructor; an
instructor manages their own cohorts and may create more. Members join and leave
themselves. A cohort's boards count only attempts on local days between its dates; changing
the dates or the roster rebuilds them from the attempts, so they are always exact.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from bot.domain import Cohort, Member, Role, Verdict
from bot.ports import AttemptSummary, Clock, UnitOfWork, UnitOfWorkFactory
from bot.services.context import Caller, Resolved, resolve
from bot.services.progress import live_streak
from bot.services.roles import PermissionDenied, cohort_role, community_role, require
from bot.views import Button, Reply, error

NAME = re.compile(r"^[\w][\w .\-]{0,59}$")
_DATE_WORD = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|-)$")
MIN_TOPIC_ANSWERS = 2
USAGE = (
    "Usage: /cohort list | create NAME [START] [END] | join NAME | leave NAME | "
    "add NAME MEMBER | remove NAME MEMBER | dates NAME START|- END|- | bind NAME | "
    "owner NAME MEMBER | roster NAME | export NAME | delete NAME  (dates as YYYY-MM-DD)"
)


@dataclass(frozen=True, slots=True)
class RosterLine:
    member: Member
    answers: int
    correct: int
    points: int
    streak: int
    strongest: str | None
    weakest: str | None
    # Mock interviews: how many the member finished and the latest one's readout.
    interviews: int = 0
    interview_readout: str | None = None

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


class CohortError(ValueError):
    pass


def parse_day(text: str) -> date | None:
    if text in ("-", "none", ""):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CohortError(f"`{text[:20]}` is not a date; use YYYY-MM-DD, or - for none.") from None


def check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise CohortError("The end date is before the start date.")


def roster_lines(
    members: Sequence[Member],
    attempts: Sequence[AttemptSummary],
    streaks: dict[int, int],
) -> list[RosterLine]:
    per_member: dict[int, list[AttemptSummary]] = defaultdict(list)
    for attempt in attempts:
        if attempt.counted:
            per_member[attempt.member_id].append(attempt)
    lines = []
    for member in members:
        mine = per_member.get(member.id, [])
        topics: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for attempt in mine:
            topics[attempt.topic][0] += 1
            topics[attempt.topic][1] += attempt.score
        # Strongest and weakest by mean score, among topics with enough answers to say.
        rated = sorted(
            ((total / n, topic) for topic, (n, total) in topics.items() if n >= MIN_TOPIC_ANSWERS),
        )
        strongest, weakest = strongest_and_weakest(rated)
        lines.append(
            RosterLine(
                member=member,
                answers=len(mine),
                correct=sum(a.verdict == Verdict.CORRECT.value for a in mine),
                points=sum(a.points for a in mine),
                streak=streaks.get(member.id, 0),
                strongest=strongest,
                weakest=weakest,
            )
        )
    lines.sort(key=lambda line: (-line.points, line.member.display_name))
    return lines


def strongest_and_weakest(rated: Sequence[tuple[float, str]]) -> tuple[str | None, str | None]:
    """From (mean score, topic) sorted ascending: the strongest topic, and the weakest
    when it is really weaker. Topics tied at the top are not "strongest" unless one
    stands alone, and the same mean is never called both strongest and weakest."""
    if not rated:
        return None, None
    top = rated[-1][0]
    leaders = [topic for score, topic in rated if score == top]
    strongest = leaders[0] if len(leaders) == 1 else None
    bottom = rated[0][0]
    trailing = [topic for score, topic in rated if score == bottom]
    weakest = trailing[0] if bottom < top and len(trailing) == 1 else None
    return strongest, weakest


def span(cohort: Cohort) -> str:
    """`2026-01-05 → 2026-03-27`, `from 2026-01-05`, `until ...`, or `no dates`."""
    if cohort.starts_on and cohort.ends_on:
        return f"{cohort.starts_on} → {cohort.ends_on}"
    if cohort.starts_on:
        return f"from {cohort.starts_on}"
    if cohort.ends_on:
        return f"until {cohort.ends_on}"
    return "no dates"


def roster_csv(cohort: Cohort, lines: Sequence[RosterLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "cohort",
            "member",
            "answers",
            "correct",
            "accuracy",
            "points",
            "streak",
            "strongest_topic",
            "weakest_topic",
            "interviews",
            "latest_interview",
        ]
    )
    for line in lines:
        writer.writerow(
            [
                cohort.name,
                _csv_safe(line.member.display_name),
                line.answers,
                line.correct,
                f"{line.accuracy:.2f}",
                line.points,
                line.streak,
                line.strongest or "",
                line.weakest or "",
                line.interviews,
                line.interview_readout or "",
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


class CohortService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def command(self, caller: Caller, args: Sequence[str]) -> Reply:
        """`/cohort SUBCOMMAND ...`: every cohort action, with role checks."""
        if not args:
            args = ["list"]
        action, rest = args[0].casefold(), list(args[1:])
        handlers = {
            "list": self._list,
            "create": self._create,
            "join": self._join,
            "leave": self._leave,
            "add": self._add,
            "remove": self._remove,
            "dates": self._dates,
            "bind": self._bind,
            "owner": self._owner,
            "roster": self._roster,
            "export": self._export,
            "delete": self._delete,
        }
        handler = handlers.get(action)
        if handler is None:
            return error(USAGE)
        now = self.clock.now()
        try:
            async with self.uow() as uow:
                who = await resolve(uow, caller, now)
                return await handler(uow, caller, who, rest)
        except (CohortError, PermissionDenied) as exc:
            return error(str(exc))

    async def names(self, caller: Caller, prefix: str = "", limit: int = 25) -> list[str]:
        """Names of the caller's community's cohorts starting with `prefix` (any case), for
        platforms that suggest values as a member types."""
        wanted = prefix.strip().casefold()
        async with self.uow() as uow:
            community = await uow.communities.find(caller.platform, caller.community_external_id)
            if community is None:
                return []
            cohorts = await uow.cohorts.in_community(community.id)
        names = sorted(c.name for c in cohorts if c.name.casefold().startswith(wanted))
        return names[:limit]

    async def export_csv(self, platform: str, community_external_id: str, name: str) -> str:
        """Operator export (`prepbot cohort export`): the roster CSV of a named cohort.

        Whoever runs the CLI has the database already, so no chat role is checked here.
        """
        async with self.uow() as uow:
            community = await uow.communities.find(platform, community_external_id)
            if community is None:
                raise CohortError(f"No community {platform}:{community_external_id} yet.")
            cohort = await uow.cohorts.by_name(community.id, name)
            if cohort is None:
                raise CohortError(f"There is no cohort called `{name[:60]}` in that community.")
            return roster_csv(cohort, await self._roster_lines(uow, cohort))

    # -- helpers ---------------------------------------------------------------------------

    async def _cohort(self, uow: UnitOfWork, who: Resolved, rest: list[str]) -> Cohort:
        """The cohort named by all of `rest` (`join My Cohort` needs no quotes)."""
        cohort, extra = await self._cohort_and_rest(uow, who, rest)
        if extra:
            raise CohortError(
                f"There is no cohort called `{' '.join(rest)[:60]}`. See /cohort list."
            )
        return cohort

    async def _cohort_and_rest(
        self, uow: UnitOfWork, who: Resolved, rest: list[str]
    ) -> tuple[Cohort, list[str]]:
        """The cohort named by the longest run of leading words of `rest`, and the words
        after it (`add My Cohort bob` -> My Cohort, [bob]), quoted or not."""
        if not rest:
            raise CohortError("Name the cohort. " + USAGE)
        for size in range(len(rest), 0, -1):
            name = " ".join(rest[:size])
            if len(name) > 60:
                continue
            cohort = await uow.cohorts.by_name(who.community.id, name)
            if cohort is not None:
                return cohort, rest[size:]
        raise CohortError(f"There is no cohort called `{rest[0][:60]}`. See /cohort list.")

    async def _member(self, uow: UnitOfWork, who: Resolved, name: str) -> Member:
        target = name.lstrip("@")
        member = await uow.members.find(who.community.id, target) or await uow.members.find(
            who.community.id, target.casefold()
        )
        if member is None:
            raise CohortError(f"I don't know a member `{target[:40]}` here yet.")
        return member

    async def _roster_lines(self, uow: UnitOfWork, cohort: Cohort) -> list[RosterLine]:
        member_ids = await uow.cohorts.member_ids(cohort.id)
        members = [m for m in [await uow.members.get(i) for i in member_ids] if m]
        attempts = await uow.attempts.for_members(member_ids, cohort.starts_on, cohort.ends_on)
        community = await uow.communities.get(cohort.community_id)
        zone = ZoneInfo(community.timezone if community else "UTC")
        today = self.clock.now().astimezone(zone).date()
        streaks = {}
        for member in members:
            progress = await uow.attempts.progress(member.id)
            if progress is not None:
                streaks[member.id] = live_streak(progress, today)
        lines = roster_lines(members, attempts, streaks)
        tallies = await uow.interviews.tallies(member_ids)
        return [
            replace(
                line,
                interviews=tallies[line.member.id].finished,
                interview_readout=tallies[line.member.id].latest_readout,
            )
            if line.member.id in tallies
            else line
            for line in lines
        ]

    # -- actions ---------------------------------------------------------------------------

    async def _list(self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]) -> Reply:
        cohorts = await uow.cohorts.in_community(who.community.id)
        if not cohorts:
            return Reply(
                text="No cohorts yet. An admin can create one: /cohort create NAME", title="Cohorts"
            )
        mine = {c.id for c in await uow.cohorts.of_member(who.member.id)}
        lines = []
        for cohort in cohorts:
            count = len(await uow.cohorts.member_ids(cohort.id))
            flag = " (you're in it)" if cohort.id in mine else ""
            noun = "member" if count == 1 else "members"
            lines.append(f"{cohort.name}: {count} {noun}, {span(cohort)}{flag}")
        return Reply(
            text="\n".join(lines), title="Cohorts", footer="/cohort join NAME to join one."
        )

    async def _create(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        cohorts = await uow.cohorts.in_community(who.community.id)
        require(community_role(caller, who.member, cohorts), Role.INSTRUCTOR, "create cohorts")
        # Trailing dates are dates; the words before them are the name, quoted or not.
        words = list(rest)
        dates: list[str] = []
        while words and len(dates) < 2 and _DATE_WORD.match(words[-1]):
            dates.insert(0, words.pop())
        name = " ".join(" ".join(words).split())
        if not name or not NAME.match(name):
            raise CohortError("Give the cohort a name: letters, digits, spaces, . and -, up to 60.")
        if await uow.cohorts.by_name(who.community.id, name):
            raise CohortError(f"A cohort called `{name}` already exists.")
        starts_on = parse_day(dates[0]) if dates else None
        ends_on = parse_day(dates[1]) if len(dates) > 1 else None
        check_dates(starts_on, ends_on)
        cohort = await uow.cohorts.create(
            Cohort(0, who.community.id, name, starts_on, ends_on, who.member.id),
            self.clock.now(),
        )
        if who.channel is not None:
            await uow.cohorts.bind_channel(cohort.id, who.channel.id)
        return Reply(
            text=f"Cohort {cohort.name} created; you are its instructor. Members join with "
            f"/cohort join {cohort.name}."
        )

    async def _join(self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]) -> Reply:
        cohort = await self._cohort(uow, who, rest)
        if not await uow.cohorts.add_member(cohort.id, who.member.id, self.clock.now()):
            return Reply(text=f"You are already in {cohort.name}.")
        await uow.leaderboard.rebuild_cohort(cohort)
        return Reply(
            text=f"You joined {cohort.name}. Your answers between its dates count on its board. "
            "Its instructors' roster also shows how many mock interviews you did and your "
            "latest interview readout (never your answers)."
        )

    async def _leave(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        cohort = await self._cohort(uow, who, rest)
        if not await uow.cohorts.remove_member(cohort.id, who.member.id):
            return Reply(text=f"You are not in {cohort.name}.")
        return Reply(text=f"You left {cohort.name}.")

    async def _add(self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]) -> Reply:
        cohort, extra = await self._cohort_and_rest(uow, who, rest)
        require(cohort_role(caller, who.member, cohort), Role.INSTRUCTOR, "add members")
        if len(extra) != 1:
            raise CohortError("Usage: /cohort add NAME MEMBER")
        member = await self._member(uow, who, extra[0])
        if not await uow.cohorts.add_member(cohort.id, member.id, self.clock.now()):
            return Reply(text=f"{member.display_name} is already in {cohort.name}.")
        await uow.leaderboard.rebuild_cohort(cohort)
        return Reply(text=f"Added {member.display_name} to {cohort.name}.")

    async def _remove(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        cohort, extra = await self._cohort_and_rest(uow, who, rest)
        require(cohort_role(caller, who.member, cohort), Role.INSTRUCTOR, "remove members")
        if len(extra) != 1:
            raise CohortError("Usage: /cohort remove NAME MEMBER")
        member = await self._member(uow, who, extra[0])
        if not await uow.cohorts.remove_member(cohort.id, member.id):
            return Reply(text=f"{member.display_name} is not in {cohort.name}.")
        return Reply(text=f"Removed {member.display_name} from {cohort.name}.")

    async def _dates(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        cohort, extra = await self._cohort_and_rest(uow, who, rest)
        require(cohort_role(caller, who.member, cohort), Role.INSTRUCTOR, "change the dates")
        if len(extra) != 2:
            raise CohortError("Usage: /cohort dates NAME START|- END|-")
        starts_on, ends_on = parse_day(extra[0]), parse_day(extra[1])
        check_dates(starts_on, ends_on)
        changed = replace(cohort, starts_on=starts_on, ends_on=ends_on)
        await uow.cohorts.update(changed)
        await uow.leaderboard.rebuild_cohort(changed)
        return Reply(text=f"{cohort.name} now runs {span(changed)}.")

    async def _bind(self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]) -> Reply:
        cohort = await self._cohort(uow, who, rest)
        require(cohort_role(caller, who.member, cohort), Role.INSTRUCTOR, "bind channels")
        if who.channel is None:
            raise CohortError("Run /cohort bind in the channel to bind.")
        await uow.cohorts.bind_channel(cohort.id, who.channel.id)
        return Reply(text=f"This channel is now bound to {cohort.name}.")

    async def _owner(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        cohort, extra = await self._cohort_and_rest(uow, who, rest)
        require(community_role(caller, who.member), Role.ADMIN, "hand a cohort to an instructor")
        if len(extra) != 1:
            raise CohortError("Usage: /cohort owner NAME MEMBER")
        member = await self._member(uow, who, extra[0])
        await uow.cohorts.update(replace(cohort, owner_id=member.id))
        return Reply(text=f"{member.display_name} is now the instructor of {cohort.name}.")

    async def _roster(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        cohort = await self._cohort(uow, who, rest)
        require(cohort_role(caller, who.member, cohort), Role.INSTRUCTOR, "see the roster")
        lines = await self._roster_lines(uow, cohort)
        if not lines:
            return Reply(text=f"{cohort.name} has no members yet.", title=f"Roster · {cohort.name}")
        text = "\n".join(
            f"{line.member.display_name}: {line.points} pts, {line.answers} answered, "
            f"{line.accuracy:.0%} correct, streak {line.streak}"
            + (f", strongest {line.strongest}" if line.strongest else "")
            + (f", weakest {line.weakest}" if line.weakest else "")
            + (
                f", {line.interviews} interview(s), latest {line.interview_readout}"
                if line.interviews
                else ", no interviews"
            )
            for line in lines
        )
        return Reply(
            text=text,
            title=f"Roster · {cohort.name}",
            footer=f"/cohort export {cohort.name} for a CSV.",
        )

    async def _export(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        cohort = await self._cohort(uow, who, rest)
        require(cohort_role(caller, who.member, cohort), Role.INSTRUCTOR, "export the roster")
        lines = await self._roster_lines(uow, cohort)
        filename = f"{cohort.name.replace(' ', '-')}-roster.csv"
        return Reply(
            text=f"Roster of {cohort.name} ({len(lines)} members).",
            attachment=(filename, roster_csv(cohort, lines)),
        )

    async def _delete(
        self, uow: UnitOfWork, caller: Caller, who: Resolved, rest: list[str]
    ) -> Reply:
        confirmed = len(rest) > 1 and rest[-1].casefold() == "confirm"
        named = rest[:-1] if confirmed else rest
        cohort = await self._cohort(uow, who, named)
        require(community_role(caller, who.member), Role.ADMIN, "delete cohorts")
        if not confirmed:
            count = len(await uow.cohorts.member_ids(cohort.id))
            noun = "member" if count == 1 else "members"
            return Reply(
                title="Delete a cohort?",
                text=f"This deletes the cohort {cohort.name}, its roster ({count} {noun}) and "
                "its boards. Members keep their own answers and points. Type yes (or "
                f"/cohort delete {cohort.name} confirm) to go ahead.",
                buttons=(
                    Button("Delete the cohort", f"cohort:delete:{cohort.name}:confirm", "danger"),
                ),
            )
        await uow.cohorts.delete(cohort.id)
        return Reply(
            text=f"Cohort {cohort.name} deleted. Members keep their own answers and points."
        )
