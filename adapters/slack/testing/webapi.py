"""The Slack Web API (`/api/<method>`), upload URLs and response_url endpoints over aiohttp.

Arguments arrive the three ways slack_sdk sends them (query string, form body, JSON body with
the token in `Authorization: Bearer`), and answers follow Slack's conventions: HTTP 200 with
`{"ok": false, "error": ...}` for refusals, HTTP 429 with `Retry-After` when rate limited.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .blocks import MESSAGE_TEXT_LIMIT, check_blocks, check_view, normalise
from .workspace import (
    MODAL_STACK_LIMIT,
    RESPONSE_URL_TTL,
    RESPONSE_URL_USES,
    File,
    Message,
    SlackError,
    Team,
    World,
)

Handler = Callable[[Team | None, dict[str, Any]], Awaitable[dict[str, Any]]]
_EVENT_TYPE = re.compile(r"^[A-Za-z0-9_]{1,255}$")
OAUTH_CODE_TTL = 600.0


@dataclass
class ApiCall:
    """One Web API call as the fake saw it: for inspection by tests."""

    method: str
    args: dict[str, Any]
    team_id: str | None
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return self.response.get("error")


@dataclass
class _Limit:
    method: str | None
    remaining: int
    retry_after: int


class RateLimits:
    """The 429 switch: answer the next N calls (to one method, or to any) with 429."""

    def __init__(self) -> None:
        self._limits: list[_Limit] = []

    def add(self, times: int, method: str | None, retry_after: int) -> None:
        self._limits.append(_Limit(method, times, retry_after))

    def take(self, method: str) -> int | None:
        for limit in self._limits:
            if limit.remaining > 0 and limit.method in (None, method):
                limit.remaining -= 1
                return limit.retry_after
        return None

    def clear(self) -> None:
        self._limits.clear()


def json_arg(args: dict[str, Any], key: str) -> Any:
    """A structured argument, sent as JSON in a JSON body or as a JSON string in a form."""
    value = args.get(key)
    if isinstance(value, str):
        if not value:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] invalid JSON [json-pointer:/{key}]"]},
            ) from exc
    return value


def flag(args: dict[str, Any], key: str) -> bool:
    value = args.get(key)
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))


class WebApi:
    """aiohttp routes for the Web API; state lives in `World`, calls go to `calls`."""

    def __init__(
        self,
        world: World,
        *,
        client_id: str,
        client_secret: str,
        app_token: str,
        base_url: Callable[[], str],
        open_socket: Callable[[], str],
    ) -> None:
        self.world = world
        self.client_id = client_id
        self.client_secret = client_secret
        self.app_token = app_token
        self._base_url = base_url
        self._open_socket = open_socket
        self.calls: list[ApiCall] = []
        self.limits = RateLimits()
        self._methods: dict[str, Handler] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "conversations.open": self._open_conversation,
            "conversations.info": self._conversation_info,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "files.upload": self._files_upload_v1,
            "oauth.v2.access": self._oauth_access,
            "apps.connections.open": self._connections_open,
            "apps.uninstall": self._apps_uninstall,
        }
        # Methods that authenticate with something other than a bot token.
        self._no_bot_token = {"api.test", "oauth.v2.access", "apps.connections.open"}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._dispatch)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_post("/response/{token}", self._respond)

    # dispatch ------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        headers: dict[str, str] = {}
        try:
            args, token, basic = await _read_args(request)
        except SlackError as exc:
            return self._answer(method, {}, None, 200, {"ok": False, "error": exc.error})
        retry_after = self.limits.take(method)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
            body = {"ok": False, "error": "ratelimited"}
            return self._answer(method, args, None, 429, body, headers)
        handler = self._methods.get(method)
        team: Team | None = None
        try:
            if handler is None:
                raise SlackError("unknown_method")
            if method == "oauth.v2.access":
                args["_basic"] = basic
            elif method not in self._no_bot_token:
                team = self.world.team_for_token(token)
            elif method == "apps.connections.open":
                args["_token"] = token
            body = {"ok": True, **await handler(team, args)}
        except SlackError as exc:
            body = {"ok": False, "error": exc.error, **exc.extra}
        args.pop("_basic", None)
        args.pop("_token", None)
        return self._answer(method, args, team.id if team else None, 200, body, headers)

    def _answer(
        self,
        method: str,
        args: dict[str, Any],
        team_id: str | None,
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        self.calls.append(ApiCall(method, args, team_id, status, body))
        return web.json_response(body, status=status, headers=headers)

    # auth ----------------------------------------------------------------------------------

    async def _api_test(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in args.items() if not k.startswith("_")}}

    async def _auth_test(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        out: dict[str, Any] = {
            "url": f"https://{team.domain}.slack.com/",
            "team": team.name,
            "user": "prepbot",
            "team_id": team.id,
            "user_id": team.bot_user_id,
            "bot_id": team.bot_id,
            "is_enterprise_install": False,
        }
        if team.enterprise_id:
            out["enterprise_id"] = team.enterprise_id
        return out

    # chat ----------------------------------------------------------------------------------

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
        return self.world.new_id("b")[-6:]

    @staticmethod
    def _metadata(args: dict[str, Any]) -> dict[str, Any] | None:
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

    async def _post_message(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "chat:write")
        channel = self.world.writable(team, str(args.get("channel", "")))
        text, blocks = self.content(args)
        message = self.world.post(
            team,
            channel,
            text=text or "",
            blocks=blocks or [],
            thread_ts=str(args["thread_ts"]) if args.get("thread_ts") else None,
            metadata=self._metadata(args),
        )
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api(metadata=True)}

    async def _post_ephemeral(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "chat:write")
        channel = self.world.writable(team, str(args.get("channel", "")))
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

    async def _update(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
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
        metadata = self._metadata(args)
        if metadata is not None:
            message.metadata = metadata
        message.edited = True
        return {
            "channel": channel.id,
            "ts": message.ts,
            "text": message.text,
            "message": message.to_api(metadata=True),
        }

    async def _delete(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "chat:write")
        channel = self.world.channel_for_post(team, str(args.get("channel", "")))
        message = self.world.own_message(team, channel, str(args.get("ts", "")), action="delete")
        message.deleted = True
        return {"channel": channel.id, "ts": message.ts}

    # conversations -------------------------------------------------------------------------

    async def _history(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        channel = self.world.readable(team, str(args.get("channel", "")))
        limit = min(max(int(args.get("limit") or 100), 1), 999)
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or 1e12)
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

    async def _replies(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
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

    async def _open_conversation(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
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
        existed = any(
            c.is_im and c.im_user == user.id and c.team_id == team.id
            for c in self.world.channels.values()
        )
        channel = self.world.dm(team, user)
        out: dict[str, Any] = {
            "channel": channel.to_api() if flag(args, "return_im") else {"id": channel.id}
        }
        if existed:
            out.update(no_op=True, already_open=True)
        return out

    async def _conversation_info(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        channel = self.world.channel_for_post(team, str(args.get("channel", "")))
        if channel.is_im:
            self.world.need_scope(team, "im:read")
        elif channel.is_private:
            self.world.need_scope(team, "groups:read")
        else:
            self.world.need_scope(team, "channels:read")
        return {"channel": channel.to_api()}

    async def _users_info(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "users:read")
        return {"user": self.world.user_in(team, str(args.get("user", ""))).to_api()}

    # views ---------------------------------------------------------------------------------

    def _view_spec(self, args: dict[str, Any], surface: str) -> dict[str, Any]:
        view = json_arg(args, "view")
        problems = check_view(view, surface=surface)
        if problems:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
            )
        spec = dict(view)
        spec["blocks"] = normalise(list(spec.get("blocks", [])), self.block_id)
        return spec

    def _unique_external_id(self, team: Team, spec: dict[str, Any], own: str | None) -> None:
        external = spec.get("external_id")
        if not external:
            return
        for view in self.world.views.values():
            if (
                view.team_id == team.id
                and view.id != own
                and view.spec.get("external_id") == external
            ):
                raise SlackError("duplicate_external_id")

    async def _views_open(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise SlackError("invalid_arguments")
        # Slack reads the view before the trigger: a bad view never burns the trigger.
        spec = self._view_spec(args, "modal")
        trigger = self.world.exchange_trigger(
            team, str(args.get("trigger_id") or args.get("interactivity_pointer"))
        )
        self._unique_external_id(team, spec, None)
        self.world.close_modals(team.id, trigger.user_id, all_views=True)
        view = self.world.new_view(team, trigger.user_id, spec)
        self.world.stack(team.id, trigger.user_id).append(view.id)
        return {"view": view.to_api()}

    async def _views_push(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        spec = self._view_spec(args, "modal")
        trigger = self.world.exchange_trigger(
            team, str(args.get("trigger_id") or args.get("interactivity_pointer") or "")
        )
        stack = self.world.stack(team.id, trigger.user_id)
        if not stack:
            raise SlackError("invalid_arguments", detail="no open modal to push onto")
        if len(stack) >= MODAL_STACK_LIMIT:
            raise SlackError("push_limit_reached")
        self._unique_external_id(team, spec, None)
        view = self.world.new_view(
            team, trigger.user_id, spec, root=self.world.views[stack[0]].id, previous=stack[-1]
        )
        stack.append(view.id)
        return {"view": view.to_api()}

    async def _views_update(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments")
        view = self.world.find_view(team, view_id, external_id)
        if args.get("hash") and args["hash"] != view.hash:
            raise SlackError("hash_conflict")
        spec = self._view_spec(args, view.type)
        self._unique_external_id(team, spec, view.id)
        self.world.refresh(view, spec)
        return {"view": view.to_api()}

    async def _views_publish(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        user = self.world.user_in(team, str(args.get("user_id", "")))
        spec = self._view_spec(args, "home")
        home_id = self.world.homes.get((team.id, user.id))
        if home_id is None:
            view = self.world.new_view(team, user.id, spec)
            self.world.homes[(team.id, user.id)] = view.id
        else:
            view = self.world.views[home_id]
            if args.get("hash") and args["hash"] != view.hash:
                raise SlackError("hash_conflict")
            self.world.refresh(view, spec)
        return {"view": view.to_api()}

    # files ---------------------------------------------------------------------------------

    async def _upload_url(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "files:write")
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except ValueError:
            length = 0
        if not filename or length < 1:
            raise SlackError("invalid_arguments")
        file = File(self.world.new_id("F"), team.id, filename, length)
        self.world.files[file.id] = file
        return {"upload_url": f"{self._base_url()}upload/v1/{file.id}", "file_id": file.id}

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.world.files.get(request.match_info["file_id"])
        if file is None or file.completed:
            return web.Response(status=404, text="not_found", content_type="text/plain")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = form.get("file") or form.get("filename")
            data = part.file.read() if hasattr(part, "file") else str(part or "").encode()
        else:
            data = await request.read()
        file.content = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _complete_upload(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "files:write")
        entries = json_arg(args, "files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        files: list[File] = []
        for entry in entries:
            file = (
                self.world.files.get(str(entry.get("id", ""))) if isinstance(entry, dict) else None
            )
            if file is None or file.team_id != team.id or file.content is None or file.completed:
                raise SlackError("file_not_found")
            file.title = str(entry.get("title") or file.filename)
            files.append(file)
        targets = [c for c in str(args.get("channels") or "").split(",") if c]
        if args.get("channel_id"):
            targets.append(str(args["channel_id"]))
        channels = [self.world.writable(team, ref) for ref in targets]
        comment = str(args.get("initial_comment") or "")
        for file in files:
            file.completed = True
            file.initial_comment = comment
        for channel in channels:
            message = self.world.post(
                team,
                channel,
                text=comment,
                blocks=[],
                thread_ts=str(args["thread_ts"]) if args.get("thread_ts") else None,
            )
            message.files = [f.id for f in files]
            for file in files:
                file.channels.append(channel.id)
        return {"files": [f.to_api() for f in files]}

    async def _files_upload_v1(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        # Slack retired files.upload in 2025; slack_sdk's files_upload_v2 no longer calls it.
        raise SlackError("method_deprecated")

    # install, socket mode ------------------------------------------------------------------

    async def _oauth_access(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        basic: tuple[str, str] | None = args.get("_basic")
        client_id, secret = basic or (args.get("client_id"), args.get("client_secret"))
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if secret != self.client_secret:
            raise SlackError("bad_client_secret")
        grant = self.world.grants.get(str(args.get("code") or ""))
        if grant is None or grant.used or self.world.clock() - grant.issued_at > OAUTH_CODE_TTL:
            raise SlackError("invalid_code")
        if grant.redirect_uri and args.get("redirect_uri") != grant.redirect_uri:
            raise SlackError("bad_redirect_uri")
        grant.used = True
        installed = self.world.teams[grant.team_id]
        token = self.world.install(installed, grant.scopes)
        installed.installer_id = grant.installer_id
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(grant.scopes),
            "bot_user_id": installed.bot_user_id,
            "app_id": self.world.app_id,
            "team": {"id": installed.id, "name": installed.name},
            "enterprise": (
                {"id": installed.enterprise_id, "name": installed.enterprise_id}
                if installed.enterprise_id
                else None
            ),
            "authed_user": {"id": grant.installer_id},
            "is_enterprise_install": False,
        }

    async def _connections_open(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        token = args.get("_token")
        if not token:
            raise SlackError("not_authed")
        if not str(token).startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if token != self.app_token:
            raise SlackError("invalid_auth")
        return {"url": self._open_socket()}

    async def _apps_uninstall(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        if args.get("client_id") != self.client_id:
            raise SlackError("invalid_client_id")
        if args.get("client_secret") != self.client_secret:
            raise SlackError("bad_client_secret")
        self.world.uninstall(team)
        return {}

    # response_url --------------------------------------------------------------------------

    async def _respond(self, request: web.Request) -> web.Response:
        target = self.world.response_urls.get(request.match_info["token"])
        if target is None:
            return _text(404, "no_service")
        if self.world.clock() - target.issued_at > RESPONSE_URL_TTL:
            return _text(404, "expired_url")
        if target.uses >= RESPONSE_URL_USES:
            return _text(404, "used_url")
        raw = await request.text()
        try:
            payload = json.loads(raw)
        except json.JSONDecodeError:
            return _text(400, "invalid_payload")
        if not isinstance(payload, dict):
            return _text(400, "invalid_payload")
        target.uses += 1
        target.payloads.append(payload)
        team = self.world.teams[target.team_id]
        channel = self.world.channels[target.channel_id]
        try:
            if payload.get("delete_original"):
                self._delete_original(target.source_ts, target.source_ephemeral, channel)
                return _text(200, "ok")
            text, blocks = self.content(payload)
        except SlackError as exc:
            return _text(400, exc.error)
        if payload.get("replace_original") and target.source_ts:
            replaced = self._replace_original(target, channel, text, blocks)
            if not replaced:
                return _text(404, "message_not_found")
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
                return _text(400, exc.error)
        else:
            self.world.post_ephemeral(
                channel,
                target.user_id,
                text=text or "",
                blocks=blocks or [],
                thread_ts=payload.get("thread_ts"),
                via="response_url",
            )
        return _text(200, "ok")

    def _delete_original(self, ts: str | None, ephemeral: bool, channel: Any) -> None:
        if ts is None:
            return
        if ephemeral:
            for item in channel.ephemerals:
                if item.ts == ts:
                    item.deleted = True
        else:
            message = channel.find(ts)
            if message is not None:
                message.deleted = True

    def _replace_original(
        self, target: Any, channel: Any, text: str | None, blocks: list[dict[str, Any]] | None
    ) -> bool:
        if target.source_ephemeral:
            for item in channel.ephemerals:
                if item.ts == target.source_ts and not item.deleted:
                    item.text = text or ""
                    item.blocks = blocks or []
                    return True
            return False
        message = channel.find(target.source_ts)
        if message is None or message.deleted:
            return False
        message.text = text or ""
        message.blocks = blocks or []
        message.edited = True
        return True


def _text(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/plain")


async def _read_args(
    request: web.Request,
) -> tuple[dict[str, Any], str | None, tuple[str, str] | None]:
    """Merge query string and body the way Slack does; return (args, token, basic auth)."""
    args: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = json.loads(await request.text() or "{}")
            except json.JSONDecodeError as exc:
                raise SlackError("invalid_json") from exc
            if not isinstance(body, dict):
                raise SlackError("invalid_json")
            args.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            args.update({k: v for k, v in form.items() if isinstance(v, str)})
        elif await request.read():
            raise SlackError("invalid_post_type")
    token: str | None = None
    basic: tuple[str, str] | None = None
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Bearer "):
        token = auth[len("Bearer ") :].strip()
    elif auth.startswith("Basic "):
        try:
            pair = base64.b64decode(auth[len("Basic ") :]).decode()
        except (binascii.Error, UnicodeDecodeError):
            pair = ":"
        user, _, password = pair.partition(":")
        basic = (user, password)
    if token is None and "token" in args:
        token = str(args.pop("token"))
    args.pop("token", None)
    return args, token, basic
