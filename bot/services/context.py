"""Who is asking, in platform-neutral terms, and how that resolves to stored rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import Channel, Community, Member
from bot.ports import UnitOfWork
from bot.text.control import one_line, strip_controls

MAX_NAME = 100


@dataclass(frozen=True, slots=True)
class Caller:
    """An adapter builds one of these from a platform event."""

    platform: str
    community_external_id: str
    member_external_id: str
    display_name: str
    channel_external_id: str | None = None
    community_name: str = ""
    timezone: str = "UTC"
    # The adapter sets this from platform permissions (Discord "Manage Server", Slack
    # workspace admin); the core decides what an admin may do.
    is_admin: bool = False


def clean_caller(caller: Caller) -> Caller:
    """The caller with the texts a member controls (their name, the community's name)
    free of control characters; ids are the platform's and left alone."""
    name, community = one_line(caller.display_name), one_line(caller.community_name)
    if name == caller.display_name and community == caller.community_name:
        return caller
    return replace(caller, display_name=name, community_name=community)


def clean_args(args: Sequence[str]) -> tuple[str, ...]:
    """Command arguments without control characters (newlines and tabs kept)."""
    return tuple(strip_controls(arg) for arg in args)


@dataclass(frozen=True, slots=True)
class Resolved:
    community: Community
    member: Member
    channel: Channel | None

    def local_date(self, now: datetime) -> date:
        """`now` as a calendar day in the community's timezone."""
        return now.astimezone(ZoneInfo(self.community.timezone)).date()


def clean_name(name: str) -> str:
    """A display name safe to store and show: no control characters or escape sequences,
    one line, bounded."""
    printable = "".join(ch for ch in one_line(name) if ch.isprintable()).strip()
    return (printable or "member")[:MAX_NAME]


async def resolve(uow: UnitOfWork, caller: Caller, now: datetime) -> Resolved:
    return (await resolve_many(uow, [caller], now))[0]


async def resolve_many(uow: UnitOfWork, callers: Sequence[Caller], now: datetime) -> list[Resolved]:
    """`resolve` for several callers at once: one query per community for its members and
    one for its channels, however many callers there are."""
    communities: dict[tuple[str, str], Community] = {}
    names: dict[int, dict[str, str]] = {}
    channel_ids: dict[int, set[str]] = {}
    for caller in callers:
        key = (caller.platform, caller.community_external_id)
        community = communities.get(key)
        if community is None:
            community = await uow.communities.get_or_create(
                caller.platform,
                caller.community_external_id,
                caller.community_name,
                caller.timezone,
                now,
            )
            communities[key] = community
        names.setdefault(community.id, {})[caller.member_external_id] = clean_name(
            caller.display_name
        )
        if caller.channel_external_id:
            channel_ids.setdefault(community.id, set()).add(caller.channel_external_id)
    members = {
        community_id: await uow.members.get_or_create_many(community_id, named, now)
        for community_id, named in names.items()
    }
    channels = {
        community_id: await uow.channels.get_or_create_many(community_id, sorted(wanted))
        for community_id, wanted in channel_ids.items()
    }
    resolved = []
    for caller in callers:
        community = communities[(caller.platform, caller.community_external_id)]
        channel = (
            channels[community.id][caller.channel_external_id]
            if caller.channel_external_id
            else None
        )
        resolved.append(
            Resolved(community, members[community.id][caller.member_external_id], channel)
        )
    return resolved
