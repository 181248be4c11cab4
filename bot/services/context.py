"""Who is asking, in platform-neutral terms, and how that resolves to stored rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain import Channel, Community, Member
from bot.ports import UnitOfWork

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


@dataclass(frozen=True, slots=True)
class Resolved:
    community: Community
    member: Member
    channel: Channel | None

    def local_date(self, now: datetime) -> date:
        """`now` as a calendar day in the community's timezone."""
        return now.astimezone(ZoneInfo(self.community.timezone)).date()


def clean_name(name: str) -> str:
    """A display name safe to store and show: printable, one line, bounded."""
    printable = "".join(ch for ch in name if ch.isprintable()).strip()
    return (printable or "member")[:MAX_NAME]


async def resolve(uow: UnitOfWork, caller: Caller, now: datetime) -> Resolved:
    community = await uow.communities.get_or_create(
        caller.platform,
        caller.community_external_id,
        caller.community_name,
        caller.timezone,
        now,
    )
    member = await uow.members.get_or_create(
        community.id, caller.member_external_id, clean_name(caller.display_name), now
    )
    channel = None
    if caller.channel_external_id:
        channel = await uow.channels.get_or_create(community.id, caller.channel_external_id, "")
    return Resolved(community, member, channel)
