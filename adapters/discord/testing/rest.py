"""The fake REST API under /api/v10: route table, auth, rate limits, and Discord's error shape.

Every request goes through one dispatcher so that auth (401), rate limits (429 + headers),
unknown routes (404, logged in `FakeDiscord.unknown_routes`) and refusals
(`{"code": ..., "message": ...}`) behave the same on every route.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from adapters.discord.testing.ratelimits import Verdict

if TYPE_CHECKING:
    from adapters.discord.testing.world import World

Handler = Callable[["Call"], Awaitable[tuple[int, Any]]]


class DiscordError(Exception):
    """A refusal with Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, body: dict[str, Any] | None = None):
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.body = body or {"code": code, "message": message}


def unknown(kind: str, code: int) -> DiscordError:
    return DiscordError(404, code, f"Unknown {kind}")


@dataclass
class UploadedFile:
    index: int
    filename: str
    data: bytes
    content_type: str


@dataclass
class Call:
    """One parsed request."""

    request: web.Request
    params: dict[str, str]
    route: str
    body: Any = None
    files: list[UploadedFile] | None = None

    def param_int(self, name: str, kind: str, code: int) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise unknown(kind, code) from None

    @property
    def query(self) -> Any:
        return self.request.query


@dataclass
class RouteSpec:
    method: str
    template: str
    handler: Handler
    bot: bool  # needs `Authorization: Bot TOKEN` (interaction and webhook routes use the URL token)
    regex: re.Pattern[str]

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


MAJOR_PARAMETERS = ("channel_id", "guild_id", "application_id", "token")


async def parse_body(request: web.Request) -> tuple[Any, list[UploadedFile] | None]:
    """JSON, or multipart with `payload_json` and `files[n]` as discord.py sends uploads."""
    if request.method in ("GET", "DELETE") or not request.can_read_body:
        return None, None
    content_type = request.content_type
    if content_type == "multipart/form-data":
        payload: Any = {}
        files: list[UploadedFile] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: discord.py never sends one
            name = part.name or ""
            if name == "payload_json":
                payload = _json_or_refuse(await part.text())
            elif name.startswith("files["):
                index = int(name[6:-1]) if name[6:-1].isdigit() else len(files)
                files.append(
                    UploadedFile(
                        index=index,
                        filename=part.filename or f"file{index}",
                        data=bytes(await part.read()),
                        content_type=part.headers.get("Content-Type", "application/octet-stream"),
                    )
                )
        return payload, files
    text = await request.text()
    if not text:
        return None, None
    return _json_or_refuse(text), None


def _json_or_refuse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly `application/json`: discord.py compares the header verbatim, so aiohttp's
    # `; charset=utf-8` would make it treat every body as text.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if status == 204:
        return web.Response(
            status=204, headers={k: v for k, v in all_headers.items() if k != "Content-Type"}
        )
    return web.Response(status=status, body=json.dumps(data).encode(), headers=all_headers)


class RestApi:
    """Routes `/api/v{9,10}/...` to handlers on the fake."""

    def __init__(self, fake: World) -> None:
        self.fake = fake
        self.routes: list[RouteSpec] = []

    def add(self, method: str, template: str, handler: Handler, *, bot: bool = True) -> None:
        self.routes.append(RouteSpec(method, template, handler, bot, _compile(template)))

    def match(self, method: str, path: str) -> tuple[RouteSpec, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method:
                continue
            found = route.regex.match(path)
            if found:
                return route, found.groupdict()
        return None

    async def handle(self, request: web.Request) -> web.Response:
        fake = self.fake
        path = "/" + request.match_info["tail"]
        matched = self.match(request.method, path)
        if matched is None:
            fake.unknown_routes.append(f"{request.method} {path}")
            fake.log_request(request.method, path, None, 404)
            return json_response(404, {"message": "404: Not Found", "code": 0})
        route, params = matched
        if route.bot and request.headers.get("Authorization") != f"Bot {fake.token}":
            fake.log_request(request.method, path, route.key, 401)
            return json_response(401, {"message": "401: Unauthorized", "code": 0})
        major = "+".join(params[name] for name in MAJOR_PARAMETERS if name in params)
        verdict: Verdict = fake.rate_limits.check(
            request.method, route.template, major, path, route.bot
        )
        if verdict.limited:
            fake.log_request(request.method, path, route.key, 429)
            return json_response(429, verdict.body, verdict.headers)
        call = Call(request, params, route.key)
        try:
            call.body, call.files = await parse_body(request)
            status, data = await route.handler(call)
        except DiscordError as error:
            fake.record_refusal(request.method, path, params, error)
            fake.log_request(request.method, path, route.key, error.status)
            return json_response(error.status, error.body, verdict.headers)
        fake.log_request(request.method, path, route.key, status)
        return json_response(status, data, verdict.headers)
