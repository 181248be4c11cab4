"""The fake Discord's world: snowflakes, guilds, channels, members, messages, and their payloads.

Payload builders return dicts shaped as Discord documents them (ids as strings, permissions
as strings, ISO timestamps), because the unmodified discord.py client parses them.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
CHANGE_NICKNAME = 1 << 26
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1

MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
# What the bot is granted when invited: enough to post, embed, attach and open threads.
BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)

# Message flags.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
HAS_THREAD = 1 << 5

# Channel types.
GUILD_TEXT = 0
GUILD_VOICE = 2
GUILD_CATEGORY = 4
GUILD_ANNOUNCEMENT = 5
PUBLIC_THREAD = 11

THREAD_TYPES = frozenset({10, 11, 12})


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat()


class Snowflakes:
    """Discord ids: milliseconds since the Discord epoch << 22, then worker and increment.

    `shard` steers a guild id onto a shard: Discord routes guild `id` to shard
    `(id >> 22) % shard_count`, so the timestamp part decides it.
    """

    def __init__(self) -> None:
        self._last_ms = 0
        self._increment = itertools.count()

    def next(self, *, shard: tuple[int, int] | None = None) -> int:
        ms = max(int(time.time() * 1000) - DISCORD_EPOCH_MS, self._last_ms)
        if shard is not None:
            shard_id, count = shard
            while ms % count != shard_id:
                ms += 1
        self._last_ms = ms
        return (ms << 22) | (1 << 17) | (next(self._increment) & 0xFFF)


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


@dataclass(eq=False)
class FakeUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeRole:
    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeChannel:
    id: int
    guild: FakeGuild
    name: str
    type: int = GUILD_TEXT
    parent_id: int | None = None
    position: int = 0
    # The bot cannot see or post here (a permission overwrite denies it): 403 Missing Access.
    forbidden: bool = False
    deleted: bool = False
    owner_id: int | None = None
    starter_message_id: int | None = None
    auto_archive_duration: int = 1440
    created_at: float = field(default_factory=time.time)
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "flags": 0,
            "rate_limit_per_user": 0,
            "last_message_id": None,
        }
        if self.is_thread:
            data.update(
                owner_id=str(self.owner_id),
                message_count=self.message_count,
                member_count=1,
                total_message_sent=self.message_count,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": iso(self.created_at),
                    "locked": False,
                    "create_timestamp": iso(self.created_at),
                },
            )
        else:
            data.update(topic=None, nsfw=False, permission_overwrites=self._overwrites())
        return data

    def _overwrites(self) -> list[dict[str, Any]]:
        if not self.forbidden:
            return []
        # Deny the bot's role: how a server hides a channel from a bot.
        return [
            {
                "id": str(self.guild.bot_role.id),
                "type": 0,
                "allow": "0",
                "deny": str(VIEW_CHANNEL | SEND_MESSAGES),
            }
        ]


@dataclass(eq=False)
class FakeMember:
    user: FakeUser
    guild: FakeGuild
    admin: bool = False
    nick: str | None = None
    role_ids: list[int] = field(default_factory=list)
    joined_at: float = field(default_factory=time.time)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def display_name(self) -> str:
        return self.nick or self.user.global_name or self.user.username

    @property
    def permissions(self) -> int:
        total = self.guild.everyone_role.permissions
        for role in self.guild.roles:
            if role.id in self.role_ids:
                total |= role.permissions
        if total & ADMINISTRATOR or self.guild.owner_id == self.id:
            return ALL_PERMISSIONS
        return total

    def payload(self, *, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.user.payload(),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(role_id) for role_id in self.role_ids],
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_permissions:
            data["permissions"] = str(self.permissions)
        return data


@dataclass(eq=False)
class FakeGuild:
    id: int
    name: str
    owner_id: int
    locale: str = "en-US"
    roles: list[FakeRole] = field(default_factory=list)
    channels: list[FakeChannel] = field(default_factory=list)
    members: dict[int, FakeMember] = field(default_factory=dict)
    joined_at: float = field(default_factory=time.time)
    # The bot is no longer in this guild (kicked, or it left).
    removed: bool = False

    @property
    def everyone_role(self) -> FakeRole:
        return self.roles[0]

    @property
    def bot_role(self) -> FakeRole:
        return next(role for role in self.roles if role.managed)

    @property
    def admin_role(self) -> FakeRole:
        return next(role for role in self.roles if role.name == "Admin")

    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels if not c.deleted and not c.is_thread]

    def payload(self, bot_member: FakeMember) -> dict[str, Any]:
        """A GUILD_CREATE payload. Without the GUILD_MEMBERS intent Discord sends only the bot's
        own member, which is what this fake does."""
        live = [c for c in self.channels if not c.deleted]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [role.payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso(self.joined_at),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members) + 1,
            "voice_states": [],
            "members": [bot_member.payload()],
            "channels": [c.payload() for c in live if not c.is_thread],
            "threads": [c.payload() for c in live if c.is_thread],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass(eq=False)
class FakeAttachment:
    id: int
    filename: str
    data: bytes
    url: str
    content_type: str = "application/octet-stream"
    description: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
            "description": self.description,
        }


@dataclass(eq=False)
class FakeMessage:
    """A message as Discord stores it. `data` is the payload Discord would return for it."""

    id: int
    channel_id: int
    guild_id: int | None
    data: dict[str, Any]
    attachments: list[FakeAttachment] = field(default_factory=list)
    # Ephemeral messages exist only for this member; nobody else can see or click them.
    visible_to: int | None = None
    interaction_id: int | None = None
    nonce: str | None = None
    created_at: float = field(default_factory=time.time)
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    thread_id: int | None = None

    @property
    def content(self) -> str:
        return str(self.data.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.data.get("embeds") or [])

    @property
    def components(self) -> list[dict[str, Any]]:
        return list(self.data.get("components") or [])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def edits(self) -> int:
        return len(self.history)

    @property
    def mentioned_user_ids(self) -> list[int]:
        """Who this message pings (after allowed_mentions): should be empty for a safe bot."""
        return [int(user["id"]) for user in self.data.get("mentions") or []]

    @property
    def mentions_everyone(self) -> bool:
        return bool(self.data.get("mention_everyone"))

    @property
    def text(self) -> str:
        """Everything a member reads: content, then each embed's title, description, fields and
        footer, one per line (for assertions)."""
        parts = [self.content] if self.content else []
        for embed in self.embeds:
            for key in ("title", "description"):
                if embed.get(key):
                    parts.append(str(embed[key]))
            for item in embed.get("fields") or []:
                parts.append(f"{item.get('name', '')}: {item.get('value', '')}")
            if (embed.get("footer") or {}).get("text"):
                parts.append(str(embed["footer"]["text"]))
        return "\n".join(parts)

    def buttons(self) -> list[dict[str, Any]]:
        """Every button in the message (label, custom_id, style, disabled, url)."""
        return [c for c in walk_components(self.components) if c.get("type") == 2]

    def custom_ids(self) -> list[str]:
        return [str(c["custom_id"]) for c in walk_components(self.components) if c.get("custom_id")]

    def component(self, custom_id: str) -> dict[str, Any] | None:
        for item in walk_components(self.components):
            if item.get("custom_id") == custom_id:
                return item
        return None

    def button_labelled(self, label: str) -> dict[str, Any]:
        for button in self.buttons():
            if button.get("label") == label:
                return button
        raise LookupError(f"no button labelled {label!r} in message {self.id}: {self.buttons()}")


def walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten layout components (action rows, labels, sections, containers)."""
    found: list[dict[str, Any]] = []
    for item in components:
        found.append(item)
        if isinstance(item.get("components"), list):
            found.extend(walk_components(item["components"]))
        if isinstance(item.get("component"), dict):
            found.extend(walk_components([item["component"]]))
        if isinstance(item.get("accessory"), dict):
            found.extend(walk_components([item["accessory"]]))
    return found


_USER_MENTION = re.compile(r"<@!?(\d{1,20})>")
_ROLE_MENTION = re.compile(r"<@&(\d{1,20})>")


def resolve_mentions(
    content: str, allowed: dict[str, Any] | None, guild: FakeGuild | None
) -> tuple[list[dict[str, Any]], list[str], bool]:
    """Who a message pings, as Discord decides it from content and allowed_mentions.

    Without allowed_mentions Discord parses every mention kind; with it, only what `parse`,
    `users` and `roles` allow (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
    """
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    allowed_users = {str(x) for x in (allowed or {}).get("users") or []}
    allowed_roles = {str(x) for x in (allowed or {}).get("roles") or []}
    users: list[dict[str, Any]] = []
    if guild is not None:
        for raw in dict.fromkeys(_USER_MENTION.findall(content)):
            member = guild.members.get(int(raw))
            if member is not None and ("users" in parse or raw in allowed_users):
                users.append(member.user.payload())
    roles = [
        raw
        for raw in dict.fromkeys(_ROLE_MENTION.findall(content))
        if "roles" in parse or raw in allowed_roles
    ]
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    return users, roles, everyone
