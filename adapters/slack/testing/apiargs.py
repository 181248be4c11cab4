"""How Web API arguments arrive (query, form, JSON, Authorization) and how they are read."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .model import SlackError, Team

# A Web API method: the caller's workspace (None for methods without a bot token) and the
# merged arguments in, the response fields (beside "ok": true) out; refusals raise SlackError.
Handler = Callable[[Team | None, dict[str, Any]], Awaitable[dict[str, Any]]]


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


def number(args: dict[str, Any], key: str, default: float) -> float:
    """A numeric argument (Slack refuses what does not parse as a number)."""
    value = args.get(key)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise SlackError("invalid_arguments") from exc


def flag(args: dict[str, Any], key: str) -> bool:
    value = args.get(key)
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true"))


def text_response(status: int, body: str) -> web.Response:
    return web.Response(status=status, text=body, content_type="text/plain")


async def read_args(
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
