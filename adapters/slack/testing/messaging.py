"""chat.*, conversations.*, users.info and the response_url endpoints."""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from aiohttp import web

from .apiargs import Handler, flag, json_arg, number, text_response
from .blocks import MESSAGE_TEXT_LIMIT, check_blocks, normalise
from .model import (
    RESPONSE_URL_TTL,
    RESPONSE_URL_USES,
    Channel,
    Message,
    RateLimited,
    ResponseUrl,
    SlackError,
    Team,
)
from .workspace import World

_EVENT_TYPE = re.compile(r"^[A-Za-z0-9_]{1,255}$")


class ChannelRate:
    """chat.postMessage's special limit: a token bucket per channel (short bursts allowed)."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second = per_second
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # channel -> (tokens, updated)

    def take(self, channel_id: str) -> None:
        now = time.monotonic()
        tokens, updated = self._buckets.get(channel_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - updated) * self.per_second)
        if tokens < 1.0:
            self._buckets[channel_id] = (tokens, now)
            raise RateLimited(max(1, math.ceil((1.0 - tokens) / self.per_second)))
        self._buckets[channel_id] = (tokens - 1.0, now)


class Messaging:
    """Messages in conversations, as the app posts, edits, reads and answers them."""

    def __init__(self, world: World) -> None:
        self.world = world
        # Off unless a test asks: Slack's "about one message per second per channel".
        self.channel_rate: ChannelRate | None = None

    def methods(self) -> dict[str, Handler]:
        return {
            "chat.postMessage": self.post_message,
            "chat.postEphemeral": self.post_ephemeral,
            "chat.update": self.update,
            "chat.delete": self.delete,
            "conversations.history": self.history,
            "conversations.replies": self.replies,
            "conversations.open": self.open_conversation,
            "conversations.info": self.conversation_info,
            "users.info": self.users_info,
        }

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/response/{token}", self.respond)

    def content(
        self, args: dict[str, Any], *, required: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        text = args.get("text")
        blocks = json_arg(args, "blocks")
        if required and not text and not blocks:
            raise SlackError("no_text")
        if text is not None and len(str(text)) > MESSAGE_TEXT_LIMIT:
            raise SlackError("msg_too_long")
        if blocks is not None:
            problems = check_blocks(blocks, surface="message")
            if problems:
                raise SlackError(
                    "invalid_blocks",
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
                )
            blocks = normalise(blocks, self.block_id)
        return (None if text is None else str(text)), blocks

    def block_id(self) -> str:
        """A block_id for a block the app sent without one (Slack makes one up)."""
        return self.world.new_id("b")[-6:]

    @staticmethod
    def metadata(args: dict[str, Any]) -> dict[str, Any] | None:
        metadata = json_arg(args, "metadata")
        if metadata is None:
            return None
        if (
            not isinstance(metadata, dict)
            or not isinstance(metadata.get("event_type"), str)
            or not _EVENT_TYPE.match(metadata["event_type"])
            or not isinstance(metadata.get("event_payload"), dict)
        ):
            raise SlackError("invalid_metadata_format")
        return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}

    async def post_message(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "chat:write")
        channel = self.world.writable(team, str(args.get("channel", "")))
        text, blocks = self.content(args)
        if self.channel_rate is not None:
            self.channel_rate.take(channel.id)
        message = self.world.post(
            team,
            channel,
            text=text or "",
            blocks=blocks or [],
            thread_ts=str(args["thread_ts"]) if args.get("thread_ts") else None,
            metadata=self.metadata(args),
            broadcast=flag(args, "reply_broadcast"),
        )
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api(metadata=True)}

    async def post_ephemeral(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "chat:write")
        channel = self.world.writable(team, str(args.get("channel", "")))
        if team.bot_user_id not in channel.members:
            # chat:write.public covers chat.postMessage only: an ephemeral needs membership
            # (slackapi/node-slack-sdk#977), which is why apps answer commands by response_url.
            raise SlackError("not_in_channel")
        user = self.world.user_in(team, str(args.get("user", "")))
        if user.id not in channel.members:
            raise SlackError("user_not_in_channel")
        text, blocks = self.content(args)
        ephemeral = self.world.post_ephemeral(
            channel,
            user.id,
            text=text or "",
            blocks=blocks or [],
            thread_ts=str(args["thread_ts"]) if args.get("thread_ts") else None,
            via="chat.postEphemeral",
        )
        return {"message_ts": ephemeral.ts}

    async def update(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "chat:write")
        channel = self.world.channel_for_post(team, str(args.get("channel", "")))
        if channel.is_archived:
            raise SlackError("is_archived")
        message = self.world.own_message(team, channel, str(args.get("ts", "")), action="update")
        text, blocks = self.content(args)
        if text is not None:
            message.text = text
        if blocks is not None:
            # An empty list removes the blocks; leaving `blocks` out keeps them (as Slack).
            message.blocks = blocks
        metadata = self.metadata(args)
        if metadata is not None:
            message.metadata = metadata
        message.edited = True
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(metadata=True),
        }

    async def delete(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "chat:write")
        channel = self.world.channel_for_post(team, str(args.get("channel", "")))
        message = self.world.own_message(team, channel, str(args.get("ts", "")), action="delete")
        message.deleted = True
        return {"channel": channel.id, "ts": message.ts}

    # conversations -------------------------------------------------------------------------

    async def history(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        channel = self.world.readable(team, str(args.get("channel", "")))
        limit = min(max(int(number(args, "limit", 100)), 1), 999)
        oldest = number(args, "oldest", 0.0)
        latest = number(args, "latest", 1e12)
        inclusive = flag(args, "inclusive")
        with_metadata = flag(args, "include_all_metadata")

        def within(m: Message) -> bool:
            ts = float(m.ts)
            if inclusive:
                return oldest <= ts <= latest
            return oldest < ts < latest

        newest_first = [m for m in reversed(channel.messages) if not m.deleted and within(m)]
        start = int(args.get("cursor") or 0) if str(args.get("cursor") or "0").isdigit() else 0
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        return {
            "messages": [m.to_api(metadata=with_metadata) for m in page],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    async def replies(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        channel = self.world.readable(team, str(args.get("channel", "")))
        parent = channel.find(str(args.get("ts", "")))
        if parent is None or parent.deleted:
            raise SlackError("thread_not_found")
        if parent.thread_ts:
            parent = channel.find(parent.thread_ts) or parent
        with_metadata = flag(args, "include_all_metadata")
        thread = [parent, *[r for r in parent.replies if not r.deleted]]
        return {
            "messages": [m.to_api(metadata=with_metadata) for m in thread],
            "has_more": False,
            "response_metadata": {"next_cursor": ""},
        }

    async def open_conversation(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        if args.get("channel"):
            channel = self.world.channel_for_post(team, str(args["channel"]))
            return {"channel": channel.to_api()}
        self.world.need_scope(team, "im:write")
        users = [u for u in str(args.get("users", "")).split(",") if u]
        if not users:
            raise SlackError("users_list_not_supplied")
        if len(users) > 1:
            # Group DMs (mpim) are not modelled: prepbot only talks to one member at a time.
            raise SlackError("not_supported_by_fake", detail="multi-person DMs")
        user = self.world.user_in(team, users[0])
        if user.is_bot:
            raise SlackError("cannot_dm_bot")
        existed = self.world.has_dm(team, user)
        channel = self.world.dm(team, user)
        out: dict[str, Any] = {
            "channel": channel.to_api() if flag(args, "return_im") else {"id": channel.id}
        }
        if existed:
            out.update(no_op=True, already_open=True)
        return out

    async def conversation_info(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        channel = self.world.channel_for_post(team, str(args.get("channel", "")))
        if channel.is_im:
            self.world.need_scope(team, "im:read")
        elif channel.is_private:
            self.world.need_scope(team, "groups:read")
        else:
            self.world.need_scope(team, "channels:read")
        return {"channel": channel.to_api()}

    async def users_info(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "users:read")
        return {"user": self.world.user_in(team, str(args.get("user", ""))).to_api()}

    # response_url --------------------------------------------------------------------------

    async def respond(self, request: web.Request) -> web.Response:
        try:
            return await self._respond(request)
        finally:
            self.world.touch()

    async def _respond(self, request: web.Request) -> web.Response:
        target = self.world.response_urls.get(request.match_info["token"])
        if target is None:
            return text_response(404, "no_service")
        if self.world.clock() - target.issued_at > RESPONSE_URL_TTL:
            return text_response(404, "expired_url")
        if target.uses >= RESPONSE_URL_USES:
            return text_response(404, "used_url")
        raw = await request.text()
        try:
            payload = json.loads(raw)
        except json.JSONDecodeError:
            return text_response(400, "invalid_payload")
        if not isinstance(payload, dict):
            return text_response(400, "invalid_payload")
        target.uses += 1
        target.payloads.append(payload)
        team = self.world.teams[target.team_id]
        channel = self.world.channels[target.channel_id]
        if target.source_ts is None and target.last_posted_ts is not None:
            # A command has no source message: replace/delete act on what this URL posted.
            target.source_ts, target.source_ephemeral = target.last_posted_ts, True
        try:
            if payload.get("delete_original"):
                self._delete_original(target.source_ts, target.source_ephemeral, channel)
                return text_response(200, "ok")
            text, blocks = self.content(payload)
        except SlackError as exc:
            return text_response(400, exc.error)
        if payload.get("replace_original") and target.source_ts:
            replaced = self._replace_original(target, channel, text, blocks)
            if not replaced:
                return text_response(404, "message_not_found")
        elif payload.get("response_type") == "in_channel":
            try:
                self.world.post(
                    team,
                    channel,
                    text=text or "",
                    blocks=blocks or [],
                    thread_ts=payload.get("thread_ts"),
                )
            except SlackError as exc:
                return text_response(400, exc.error)
        else:
            posted = self.world.post_ephemeral(
                channel,
                target.user_id,
                text=text or "",
                blocks=blocks or [],
                thread_ts=payload.get("thread_ts"),
                via="response_url",
            )
            if target.last_posted_ts is None and target.source_ts is None:
                target.last_posted_ts = posted.ts
        return text_response(200, "ok")

    def _delete_original(self, ts: str | None, ephemeral: bool, channel: Channel) -> None:
        if ts is None:
            return
        if ephemeral:
            found = self.world.ephemeral_at.get((channel.id, ts))
            if found is not None:
                found.deleted = True
        else:
            message = channel.find(ts)
            if message is not None:
                message.deleted = True

    def _replace_original(
        self,
        target: ResponseUrl,
        channel: Channel,
        text: str | None,
        blocks: list[dict[str, Any]] | None,
    ) -> bool:
        if target.source_ephemeral:
            item = self.world.ephemeral_at.get((channel.id, target.source_ts or ""))
            if item is None or item.deleted:
                return False
            item.text = text or ""
            item.blocks = blocks or []
            return True
        message = channel.find(target.source_ts or "")
        if message is None or message.deleted:
            return False
        message.text = text or ""
        message.blocks = blocks or []
        message.edited = True
        return True
