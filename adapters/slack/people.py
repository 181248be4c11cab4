"""Who is asking: a Slack user as the core's `Caller`, with the admin flag and display name
from `users.info` (cached), or from `SLACK_ADMIN_USER_IDS`."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.services.context import Caller

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Admin rights change rarely; a member promoted or demoted waits at most this long.
PROFILE_TTL = 600.0
# A failed lookup (missing scope, Slack trouble) is not retried on every request either.
FAILED_TTL = 60.0
PROFILE_CACHE_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    is_admin: bool


@dataclass(frozen=True, slots=True)
class Asker:
    """Where a request came from, as Slack tells it."""

    team_id: str
    user_id: str
    user_name: str = ""
    channel_id: str | None = None
    team_name: str = ""


class People:
    """`users.info` answers per (team, user), kept for `PROFILE_TTL` seconds."""

    def __init__(
        self,
        admin_ids: Iterable[str] = (),
        timezone: str = "UTC",
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.admin_ids = frozenset(a.strip() for a in admin_ids if a.strip())
        self.timezone = timezone
        self._monotonic = monotonic
        self._cache: OrderedDict[tuple[str, str], tuple[float, Profile | None]] = OrderedDict()

    @staticmethod
    def parse_admin_ids(raw: str | None) -> list[str]:
        return [part for part in (raw or "").replace(";", ",").split(",") if part.strip()]

    async def profile(self, client: AsyncWebClient, team_id: str, user_id: str) -> Profile | None:
        key = (team_id, user_id)
        now = self._monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            response = await client.users_info(user=user_id)
        except Exception as exc:  # noqa: BLE001 - no profile: not an admin, name from the request
            log.warning("slack: users.info for %s failed: %s", user_id, exc)
            self._remember(key, now + FAILED_TTL, None)
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or ""
        )
        found = Profile(
            name=str(name),
            is_admin=bool(
                user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
            ),
        )
        self._remember(key, now + PROFILE_TTL, found)
        return found

    def _remember(self, key: tuple[str, str], until: float, profile: Profile | None) -> None:
        self._cache[key] = (until, profile)
        self._cache.move_to_end(key)
        while len(self._cache) > PROFILE_CACHE_SIZE:
            self._cache.popitem(last=False)

    async def caller(self, client: AsyncWebClient, asker: Asker) -> Caller:
        """The core's view of `asker`."""
        profile = await self.profile(client, asker.team_id, asker.user_id)
        is_admin = asker.user_id in self.admin_ids or bool(profile and profile.is_admin)
        name = (profile.name if profile and profile.name else "") or asker.user_name
        return Caller(
            platform=PLATFORM,
            community_external_id=asker.team_id,
            member_external_id=asker.user_id,
            display_name=name or asker.user_id,
            channel_external_id=asker.channel_id,
            community_name=asker.team_name,
            timezone=self.timezone,
            is_admin=is_admin,
        )
