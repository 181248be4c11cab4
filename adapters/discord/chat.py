"""The ChatPort the core posts through on Discord (questions of the day, reveals, digests).

Failures become the core's errors: 404 and 403 (the channel was deleted, or the bot lost
access) are `ChannelGone`, which pauses the subscription; a 429 is `RateLimited`. discord.py
already sleeps out each 429's `retry_after` and retries (its own per-route buckets), so when
it finally gives up the wait has been served: the core is told to retry at once
(`retry_after=0`) rather than wait a second time. Only a 429 discord.py refused to wait for
(longer than its `max_ratelimit_timeout`) carries its full `retry_after` to the core.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any, Literal

import aiohttp
import discord

from adapters.discord.components import view_for
from adapters.discord.render import Rendered, closed, render
from bot.ports import ChannelGone, ChatError, RateLimited, SentMessage, Target
from bot.views import Reply

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100
# A day: long enough for the day's discussion, short enough not to clutter the channel.
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440


def nonce_for(key: str) -> str:
    """Discord's nonce for a post: the same post (retried after a crash between sending
    and recording) always gets the same nonce, so Discord returns the first message
    instead of creating a second one. At most 25 characters, as Discord requires."""
    return str(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _channel_id(target: Target) -> int:
    raw = target.thread or target.channel
    if not raw.isdigit():
        raise ChannelGone(f"{raw[:40]!r} is not a Discord channel id")
    return int(raw)


def translate(exc: Exception, what: str) -> ChatError:
    """A discord.py failure as the core's ChatError."""
    if isinstance(exc, discord.NotFound | discord.Forbidden):
        return ChannelGone(f"{what}: {exc.status} {exc.text or exc.__class__.__name__}"[:300])
    if isinstance(exc, discord.RateLimited):
        return RateLimited(exc.retry_after)
    if isinstance(exc, discord.HTTPException) and exc.status == 429:
        # discord.py already waited out every retry_after it was given.
        return RateLimited(0.0)
    return ChatError(f"{what}: {exc}"[:300])


class DiscordChat:
    """Posts, edits and threads through the running discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def _kwargs(self, rendered: Rendered) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"embed": rendered.embed}
        if rendered.rows:
            kwargs["view"] = view_for(rendered.rows)
        return kwargs

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        channel = self.client.get_partial_messageable(_channel_id(target))
        rendered = render(reply)
        kwargs = self._kwargs(rendered)
        if rendered.attachment is not None:
            name, data = rendered.attachment
            kwargs["file"] = discord.File(io.BytesIO(data), filename=name)
        if reply.key:
            kwargs["nonce"] = nonce_for(reply.key)
        try:
            message = await channel.send(**kwargs)
        except (discord.DiscordException, aiohttp.ClientError, OSError) as exc:
            raise translate(exc, f"send to {channel.id}") from exc
        return SentMessage(target, str(message.id))

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        channel = self.client.get_partial_messageable(_channel_id(message.target))
        rendered = render(reply)
        if reply.closed:
            rendered = closed(rendered)
        kwargs = self._kwargs(rendered)
        if not rendered.rows:
            kwargs["view"] = None
        try:
            await channel.get_partial_message(int(message.message_id)).edit(**kwargs)
        except (discord.DiscordException, aiohttp.ClientError, OSError, ValueError) as exc:
            raise translate(exc, f"edit {message.message_id}") from exc

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        channel_id = _channel_id(message.target)
        try:
            # The REST call itself: a partial message knows no guild, which discord.py's
            # Message.create_thread wants, and the guild cache may not hold this channel.
            thread = await self.client.http.start_thread_with_message(
                channel_id,
                int(message.message_id),
                name=title[:THREAD_NAME_LIMIT] or "discussion",
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        except (discord.DiscordException, aiohttp.ClientError, OSError, ValueError) as exc:
            raise translate(exc, f"thread on {message.message_id}") from exc
        return Target(message.target.platform, message.target.channel, thread=str(thread["id"]))
