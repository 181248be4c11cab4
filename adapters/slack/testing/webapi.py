"""The Slack Web API (`/api/<method>`) over aiohttp: dispatch, auth, install, Socket Mode URLs.

Arguments arrive the three ways slack_sdk sends them (query string, form body, JSON body with
the token in `Authorization: Bearer`), and answers follow Slack's conventions: HTTP 200 with
`{"ok": false, "error": ...}` for refusals, HTTP 429 with `Retry-After` when rate limited.
The methods themselves live with their subject: messaging.py, surfaces.py, files.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .apiargs import Handler, read_args
from .files import Files
from .messaging import Messaging
from .model import RateLimited, SlackError, Team
from .surfaces import Surfaces
from .workspace import World

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
        self.crashes: list[Exception] = []
        self.limits = RateLimits()
        self.messaging = Messaging(world)
        self.surfaces = Surfaces(world, self.block_id)
        self.files = Files(world, base_url)
        self._methods: dict[str, Handler] = {
            "api.test": self._api_test,
            "auth.test": self._auth_test,
            "oauth.v2.access": self.oauth_access,
            "apps.connections.open": self.connections_open,
            "apps.uninstall": self.apps_uninstall,
            **self.messaging.methods(),
            **self.surfaces.methods(),
            **self.files.methods(),
        }
        # Methods that authenticate with something other than a bot token.
        self._no_bot_token = {"api.test", "oauth.v2.access", "apps.connections.open"}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._dispatch)
        self.files.add_routes(app)
        self.messaging.add_routes(app)

    # dispatch ------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        headers: dict[str, str] = {}
        try:
            args, token, basic = await read_args(request)
        except SlackError as exc:
            return self._answer(method, {}, None, 200, {"ok": False, "error": exc.error})
        retry_after = self.limits.take(method)
        if retry_after is not None:
            return self._limited(method, args, retry_after)
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
        except RateLimited as exc:
            return self._limited(method, args, exc.retry_after)
        except SlackError as exc:
            body = {"ok": False, "error": exc.error, **exc.extra}
        except Exception as exc:  # a bug in the fake: answer like Slack, keep it for the test
            self.crashes.append(exc)
            body = {"ok": False, "error": "fatal_error"}
        args.pop("_basic", None)
        args.pop("_token", None)
        return self._answer(method, args, team.id if team else None, 200, body, headers)

    def block_id(self) -> str:
        """A block_id for a block the app sent without one (Slack makes one up)."""
        return self.world.new_id("b")[-6:]

    def content(
        self, args: dict[str, Any], *, required: bool = True
    ) -> tuple[str | None, list[dict[str, Any]] | None]:
        return self.messaging.content(args, required=required)

    def _limited(self, method: str, args: dict[str, Any], retry_after: int) -> web.Response:
        body = {"ok": False, "error": "ratelimited"}
        headers = {"Retry-After": str(retry_after)}
        return self._answer(method, args, None, 429, body, headers)

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
        self.world.touch()
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

    # install, socket mode ------------------------------------------------------------------

    async def oauth_access(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
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

    async def connections_open(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        token = args.get("_token")
        if not token:
            raise SlackError("not_authed")
        if not str(token).startswith("xapp-"):
            raise SlackError("not_allowed_token_type")
        if token != self.app_token:
            raise SlackError("invalid_auth")
        return {"url": self._open_socket()}

    async def apps_uninstall(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        if args.get("client_id") != self.client_id:
            raise SlackError("invalid_client_id")
        if args.get("client_secret") != self.client_secret:
            raise SlackError("bad_client_secret")
        self.world.uninstall(team)
        return {}
