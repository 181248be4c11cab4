"""Community settings: `/settings` shows them and lets an admin change one.

Discord and Slack give a server no timezone, so the one fixed at creation (from
`PREPBOT_TIMEZONE`) is only a start. The timezone decides "today" for streaks, the
one-counted-answer-per-day rule and the day/week/month boards. Each attempt stores its
local day when it is recorded, so a change moves window boundaries from then on and never
rewrites stored points.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from rapidfuzz import process

from bot.domain import Community, Role
from bot.ports import Clock, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.services.roles import PermissionDenied, community_role, require
from bot.views import Field, Reply, error

SWITCHES = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}
# Setting name (and the words people use for it) -> the canonical name.
NAMES = {
    "timezone": "timezone",
    "tz": "timezone",
    "time-zone": "timezone",
    "qotd-best": "qotd-best",
    "best": "qotd-best",
    "reveal-best": "qotd-best",
    "hide-departed": "hide-departed",
    "departed": "hide-departed",
}
USAGE = (
    "Usage: /settings (show all) · /settings timezone Area/City · "
    "/settings qotd-best on|off · /settings hide-departed on|off"
)


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA zone name, by its case-folded spelling."""
    names = zoneinfo.available_timezones() | {"UTC"}
    return {name.casefold(): name for name in names}


@functools.cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name, sorted: read from the tz database once per process (a
    platform's autocomplete asks on every keystroke)."""
    return tuple(sorted(_zones().values()))


class SettingError(ValueError):
    pass


def find_timezone(text: str) -> str:
    """The IANA name `text` spells, in any case (`europe/paris` -> `Europe/Paris`)."""
    wanted = text.strip().replace(" ", "_")
    name = _zones().get(wanted.casefold())
    if name is None:
        suggestion = process.extractOne(wanted.casefold(), list(_zones()), score_cutoff=80)
        hint = f" Did you mean `{_zones()[suggestion[0]]}`?" if suggestion else ""
        raise SettingError(
            f"`{text[:40]}` is not an IANA timezone.{hint} Use Area/City, e.g. Europe/Paris, "
            "America/New_York, Asia/Kolkata, or UTC."
        )
    ZoneInfo(name)  # present in the tz database this process reads
    return name


def _switch(name: str, value: str) -> bool:
    switch = SWITCHES.get(value.strip().casefold())
    if switch is None:
        raise SettingError(f"{name} is on or off, not `{value[:20]}`.")
    return switch


def describe(community: Community, now: datetime) -> tuple[Field, ...]:
    local = now.astimezone(ZoneInfo(community.timezone))
    return (
        Field(
            "timezone",
            f"{community.timezone} (now {local:%a %d %b %H:%M} there): decides 'today' for "
            "streaks, daily points and the day/week/month boards",
        ),
        Field(
            "qotd-best",
            ("on" if community.qotd_show_best else "off")
            + ": a new question-of-the-day schedule names the best answers at its reveal "
            "(each schedule can change it: /qotd setup best=on|off)",
        ),
        Field(
            "hide-departed",
            ("on" if community.hide_departed else "off")
            + ": boards and digests hide members who left",
        ),
    )


class SettingsService:
    """`/settings`: the community's settings, for its admins."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def command(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """Show every setting (no arguments) or set one (`NAME VALUE`). Admins only."""
        words = [a for a in args if a.strip()]
        now = self.clock.now()
        async with self.uow() as uow:
            who = await resolve(uow, caller, now)
            try:
                require(community_role(caller, who.member), Role.ADMIN, "change settings")
            except PermissionDenied as exc:
                return error(str(exc))
            if not words:
                return Reply(
                    text="This community's settings.",
                    title="Settings",
                    fields=describe(who.community, now),
                    footer=USAGE,
                )
            name = NAMES.get(words[0].casefold())
            if name is None:
                return error(f"There is no setting `{words[0][:30]}`. {USAGE}")
            if len(words) < 2:
                return error(f"Give {name} a value. {USAGE}")
            value = " ".join(words[1:])
            try:
                if name == "timezone":
                    zone = find_timezone(value)
                    before = who.community.timezone
                    changed = await uow.communities.update_settings(who.community.id, timezone=zone)
                    note = (
                        f"Timezone changed from {before} to {zone}. 'Today', daily points and "
                        "the day/week/month boards follow it from now on; points already earned "
                        "stay where they are. Question-of-the-day schedules keep their own "
                        f"time (/qotd setup tz={zone} moves one)."
                    )
                elif name == "qotd-best":
                    on = _switch(name, value)
                    changed = await uow.communities.update_settings(
                        who.community.id, qotd_show_best=on
                    )
                    note = f"qotd-best is {'on' if on else 'off'} for new schedules."
                else:
                    on = _switch(name, value)
                    changed = await uow.communities.update_settings(
                        who.community.id, hide_departed=on
                    )
                    note = (
                        "Boards now hide members who left."
                        if on
                        else "Boards now show members who left."
                    )
            except SettingError as exc:
                return error(str(exc))
        return Reply(text=note, title="Settings", fields=describe(changed, now))
