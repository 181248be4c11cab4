"""The things a Slack workspace holds (teams, people, conversations, messages, views, files)
and the errors Slack answers with. Plain data; the rules that change it live in workspace.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The scopes a fresh install grants unless a test says otherwise (an OAuth install grants
# exactly the scopes its authorize URL asks for).
DEFAULT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "users:read",
    "files:write",
)
TRIGGER_TTL = 3.0  # seconds a trigger_id can be exchanged for a view
RESPONSE_URL_USES = 5  # Slack: a response_url works up to five times ...
RESPONSE_URL_TTL = 30 * 60.0  # ... within thirty minutes
MODAL_STACK_LIMIT = 3  # views.push refuses a fourth modal


def _utc_offset(tz: str) -> int:
    """Seconds east of UTC now, as users.info reports `tz_offset`."""
    try:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


class SlackError(Exception):
    """A refusal as Slack words it: the `error` code plus any extra response fields."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


class RateLimited(SlackError):
    """Slack's 429: the call was not made; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("ratelimited")
        self.retry_after = retry_after


@dataclass
class Team:
    id: str
    name: str
    domain: str
    enterprise_id: str | None
    bot_user_id: str
    bot_id: str
    bot_token: str | None = None  # None until the app is installed
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    installer_id: str | None = None
    revoked_tokens: set[str] = field(default_factory=set)

    @property
    def installed(self) -> bool:
        return self.bot_token is not None


@dataclass
class User:
    id: str
    team_id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    deleted: bool = False
    tz: str = "UTC"

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": self.deleted,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": _utc_offset(self.tz),
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "team": self.team_id,
            },
        }

    def brief(self) -> dict[str, Any]:
        """The `user` object of an interaction payload."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": self.team_id}


@dataclass
class Message:
    ts: str
    channel_id: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    bot_id: str | None = None
    app_id: str | None = None
    team_id: str = ""
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    replies: list[Message] = field(default_factory=list)
    edited: bool = False
    deleted: bool = False
    broadcast: bool = False

    def to_api(self, *, metadata: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
            "team": self.team_id,
        }
        if self.blocks:
            out["blocks"] = self.blocks
        if self.bot_id:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
            if self.broadcast:
                out["subtype"] = "thread_broadcast"
        if self.replies:
            out["thread_ts"] = self.ts
            out["reply_count"] = len(self.replies)
            out["latest_reply"] = self.replies[-1].ts
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        if self.files:
            out["files"] = [{"id": f} for f in self.files]
        if metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        return out


@dataclass
class Ephemeral:
    """A message only `user` sees; Slack keeps no copy the API can read back."""

    ts: str
    channel_id: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    via: str = "chat.postEphemeral"  # or "response_url", "ack"
    deleted: bool = False


@dataclass
class Channel:
    id: str
    team_id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    orphans: list[Message] = field(default_factory=list)  # replies to a ts naming no message

    def find(self, ts: str) -> Message | None:
        for message in self.messages:
            if message.ts == ts:
                return message
            for reply in message.replies:
                if reply.ts == ts:
                    return reply
        return None

    def to_api(self) -> dict[str, Any]:
        if self.is_im:
            return {"id": self.id, "is_im": True, "user": self.im_user, "is_open": True}
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_im": False,
            "num_members": len(self.members),
        }


@dataclass
class View:
    id: str
    team_id: str
    user_id: str
    app_id: str
    bot_id: str
    spec: dict[str, Any]  # what the app sent: type, title, blocks, callback_id ...
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    values: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # response_action=errors, per block
    closed: bool = False

    @property
    def type(self) -> str:
        return str(self.spec.get("type", ""))

    @property
    def callback_id(self) -> str:
        return str(self.spec.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.spec.get("private_metadata", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.spec.get("blocks", []))

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.values},
            "hash": self.hash,
            "title": self.spec.get("title"),
            "clear_on_close": bool(self.spec.get("clear_on_close", False)),
            "notify_on_close": bool(self.spec.get("notify_on_close", False)),
            "close": self.spec.get("close"),
            "submit": self.spec.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": self.app_id,
            "external_id": self.spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }


@dataclass
class Trigger:
    id: str
    team_id: str
    user_id: str
    issued_at: float
    exchanged: bool = False


@dataclass
class ResponseUrl:
    """Where an app answers a command or an interaction after its ack."""

    token: str
    team_id: str
    channel_id: str
    user_id: str
    issued_at: float
    source_ts: str | None = None  # the message the interaction came from
    source_ephemeral: bool = False
    last_posted_ts: str | None = None  # a command's "original" is its latest ephemeral reply
    uses: int = 0
    payloads: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class File:
    id: str
    team_id: str
    filename: str
    length: int
    title: str = ""
    content: bytes | None = None
    channels: list[str] = field(default_factory=list)
    initial_comment: str = ""
    completed: bool = False

    @property
    def text(self) -> str:
        return (self.content or b"").decode("utf-8", "replace")

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.filename,
            "title": self.title or self.filename,
            "size": len(self.content or b""),
            "channels": list(self.channels),
        }


@dataclass
class OAuthGrant:
    code: str
    team_id: str
    installer_id: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    issued_at: float
    used: bool = False
