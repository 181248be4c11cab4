"""The core's ChatPort on Slack's Web API: where the question of the day is posted.

- `send` is `chat.postMessage` with Block Kit, and with message `metadata` naming the post
  (`Reply.key`). When the core says an earlier attempt may already be out (`Reply.resend`:
  a crash or a timeout between sending and recording), the channel's recent history (or
  the thread's replies) is searched for that key first, so the post never appears twice.
- A reply that follows up a message (`Reply.reply_to`, the reveal) goes into its thread.
- `edit` is `chat.update`; `open_thread` names the thread the reveal started.
- Slack's refusals become the core's errors: `ChannelGone` for a channel that is gone or
  closed to the app, `RateLimited` for a 429 (after the client's own retry handler).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import render
from bot.ports import ChannelGone, ChatError, RateLimited, SentMessage, Target
from bot.views import Reply

log = logging.getLogger(__name__)

METADATA_EVENT = "prepbot_post"
# How far back a resend looks: the post went out minutes ago at most, and a study channel
# rarely gets 100 messages in that time.
HISTORY_LIMIT = 100
GONE_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "channel_is_archived",
        "account_inactive",
        "token_revoked",
        "invalid_auth",
        "team_access_not_granted",
    }
)
# Thread parents of recent reveals (reveal ts -> parent ts) for `open_thread`.
THREAD_MEMORY = 1000

ClientFor = Callable[[str | None], Awaitable[AsyncWebClient]]


def translate(exc: SlackApiError) -> ChatError:
    """A Web API refusal as the core's error."""
    response = exc.response
    code = str(response.get("error", "")) if response is not None else ""
    status = getattr(response, "status_code", None)
    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", {}) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
        try:
            retry_after = max(float(raw), 0.0)
        except ValueError:
            retry_after = 1.0
        return RateLimited(retry_after, scope="channel")
    if code in GONE_ERRORS:
        return ChannelGone(f"slack: {code}")
    return ChatError(f"slack: {code or status or exc}")


class SlackChat:
    """ChatPort for Slack. `client_for(team_id)` gives the Web API client holding that
    workspace's bot token (one client for a single-workspace app)."""

    platform = "slack"

    def __init__(self, client_for: ClientFor) -> None:
        self.client_for = client_for
        self._parents: OrderedDict[str, str] = OrderedDict()

    async def _call(self, target: Target, method: str, **kwargs: Any) -> dict[str, Any]:
        client = await self.client_for(target.community)
        # The SDK's typed methods, so each is sent the way Slack takes it (JSON for
        # chat.*, query parameters for conversations.* reads).
        call = getattr(client, method.replace(".", "_"))
        try:
            response = await call(**kwargs)
        except SlackApiError as exc:
            raise translate(exc) from exc
        except ChatError:
            raise
        except Exception as exc:  # noqa: BLE001 - network trouble is transient for the core
            raise ChatError(f"slack: {method} failed: {exc}") from exc
        data = response.data
        return data if isinstance(data, dict) else {}

    async def find_post(self, target: Target, key: str, thread: str | None) -> str | None:
        """The ts of a message this app already sent with `key`, if it is still there."""
        if thread:
            method, extra = "conversations.replies", {"ts": thread}
        else:
            method, extra = "conversations.history", {}
        data = await self._call(
            target,
            method,
            channel=target.channel,
            limit=HISTORY_LIMIT,
            include_all_metadata=True,
            **extra,
        )
        for message in data.get("messages", []):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                ts = message.get("ts")
                return str(ts) if ts else None
        return None

    def _remember_parent(self, ts: str, parent: str) -> None:
        self._parents[ts] = parent
        while len(self._parents) > THREAD_MEMORY:
            self._parents.popitem(last=False)

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        thread = reply.reply_to or target.thread
        if reply.key and reply.resend:
            found = await self.find_post(target, reply.key, thread)
            if found is not None:
                log.info("slack: %s is already in %s; not posting it again", reply.key, target)
                if thread:
                    self._remember_parent(found, thread)
                return SentMessage(target, found)
        rendered = render(reply)
        body: dict[str, Any] = {
            "channel": target.channel,
            "text": rendered.text,
            "blocks": rendered.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if reply.key:
            body["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": reply.key}}
        if thread:
            body["thread_ts"] = thread
        data = await self._call(target, "chat.postMessage", **body)
        ts = str(data.get("ts") or (data.get("message") or {}).get("ts") or "")
        if not ts:
            raise ChatError("slack: chat.postMessage answered without a ts")
        if thread:
            self._remember_parent(ts, thread)
        return SentMessage(target, ts)

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        rendered = render(reply)
        await self._call(
            message.target,
            "chat.update",
            channel=message.target.channel,
            ts=message.message_id,
            text=rendered.text,
            blocks=rendered.blocks,
        )

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        # A Slack thread is the replies under a message; a reveal posted as a reply lives
        # in its question's thread, so the discussion goes there too.
        parent = self._parents.get(message.message_id, message.message_id)
        return Target(
            message.target.platform,
            message.target.channel,
            thread=parent,
            community=message.target.community,
        )
