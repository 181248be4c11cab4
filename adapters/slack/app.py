"""Start-up and wiring: the Bolt `AsyncApp` around the core, in Socket Mode or HTTP mode.

- Socket Mode when `SLACK_APP_TOKEN` is set: one workspace, no public URL.
- HTTP mode when `SLACK_SIGNING_SECRET` is set: `POST /slack/events` on `PORT` and `GET /`
  (200, for health checks). With `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` it serves any
  workspace: `/slack/install` and `/slack/oauth_redirect`, installations kept by slack_sdk's
  SQLAlchemy stores on prepbot's own engine (tables from migration 0007).
- `SLACK_API_URL` points the Web API client elsewhere (a proxy, the local fake in tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.middleware.authorization.async_single_team_authorization import (
    AsyncSingleTeamAuthorization,
)
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_cacheable_installation_store import (
    AsyncCacheableInstallationStore,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.launch import AdapterStartError
from adapters.slack.chat import ClientFor, SlackChat
from adapters.slack.interactions import Interactions
from adapters.slack.people import PLATFORM, People
from bot.app import Prepbot
from bot.bootstrap import Runtime
from bot.config import Settings
from bot.ports import ChannelGone, ChatError, ChatPort

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# What the bot token may do; slack-manifest.yaml gives the reason for each.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "users:read",
    "files:write",
)
STATE_SECONDS = 600
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller; anything bigger is not Slack


def web_client(
    settings: Settings, token: str | None, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client with `SLACK_API_URL` and Slack's 429s retried after Retry-After;
    `session` shares one connection pool (the SDK opens a session per call without it)."""
    kwargs: dict[str, Any] = {}
    if session is not None:
        kwargs["session"] = session
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url
    return AsyncWebClient(
        token=token,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
        **kwargs,
    )


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


@dataclass
class Built:
    """A Bolt app with what it was built from."""

    app: AsyncApp
    interactions: Interactions
    client_for: ClientFor
    oauth: bool
    session: aiohttp.ClientSession

    async def close(self) -> None:
        await self.session.close()


def create_app(settings: Settings, core: Prepbot, engine: AsyncEngine | None = None) -> Built:
    """The Bolt app for these settings around `core`. Multi-workspace (OAuth) needs the
    engine, whose migrations created the installation and state tables."""
    signing_secret = _secret(settings.slack_signing_secret)
    bot_token = _secret(settings.slack_bot_token)
    client_secret = _secret(settings.slack_client_secret)
    oauth = bool(
        settings.slack_client_id
        and client_secret
        and signing_secret
        and not settings.slack_app_token
    )
    if oauth and engine is None:
        raise ValueError("multi-workspace Slack needs the database engine")
    if not oauth and not bot_token:
        raise AdapterStartError(
            "Slack needs SLACK_BOT_TOKEN (or, in HTTP mode for many workspaces, "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET with SLACK_SIGNING_SECRET)"
        )
    # One pool for every Web API call and response_url post of this app.
    session = aiohttp.ClientSession()
    people = People(
        People.parse_admin_ids(settings.slack_admin_user_ids), settings.default_timezone
    )
    clients: dict[str, AsyncWebClient] = {}
    installation_store: AsyncInstallationStore | None = None

    if oauth:
        assert settings.slack_client_id is not None and engine is not None
        # Bolt looks the installation up before every ack: keep it in memory, not behind the
        # core's transactions on the database (deletes and saves clear the cache).
        installation_store = AsyncCacheableInstallationStore(
            AsyncSQLAlchemyInstallationStore(settings.slack_client_id, engine)
        )
        state_store = AsyncSQLAlchemyOAuthStateStore(STATE_SECONDS, engine)
        app = AsyncApp(
            signing_secret=signing_secret,
            client=web_client(settings, None, session),
            oauth_settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=installation_store,
                state_store=state_store,
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
            ),
        )
    else:
        app = AsyncApp(
            client=web_client(settings, bot_token, session),
            signing_secret=signing_secret or "",
            request_verification_enabled=bool(signing_secret) and not settings.slack_app_token,
        )
    single = app.client

    async def client_for(team_id: str | None) -> AsyncWebClient:
        if installation_store is None:
            return single
        if not team_id:
            raise ChannelGone("slack: a post without its workspace")
        bot = await installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise ChannelGone(f"slack: the app is not installed in workspace {team_id}")
        client = clients.get(bot.bot_token)
        if client is None:
            client = clients[bot.bot_token] = web_client(settings, bot.bot_token, session)
        return client

    async def removed(team_id: str, enterprise_id: str | None, event: dict[str, Any]) -> None:
        if installation_store is None:
            return
        await installation_store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        clients.clear()  # the revoked token's client must not be used again

    interactions = Interactions(core, people, on_removed=removed, session=session)
    interactions.register(app)
    return Built(app, interactions, client_for, oauth, session)


def http_app(built: Built) -> web.Application:
    """The aiohttp application of HTTP mode."""
    bolt = built.app

    async def events(request: web.Request) -> web.Response:
        try:
            bolt_request = await to_bolt_request(request)
            response = await bolt.async_dispatch(bolt_request)
        except Exception as exc:  # noqa: BLE001 - garbage in: a clear 400, the process lives
            log.warning("slack: refused an unreadable request to %s: %r", request.path, exc)
            return web.Response(status=400, text="bad request")
        return await to_aiohttp_response(response)

    async def health(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    routes = [web.get("/", health), web.post(EVENTS_PATH, events)]
    flow = bolt.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_installation(await to_bolt_request(request))
            )

        async def redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_callback(await to_bolt_request(request))
            )

        routes += [web.get(flow.install_path, install), web.get(flow.redirect_uri_path, redirect)]
    application = web.Application(client_max_size=MAX_BODY)
    application.add_routes(routes)
    return application


async def check_token(app: AsyncApp) -> None:
    """Check the bot token once at start (`auth.test`), so a wrong token stops the bot with
    a clear message, and hand the answer to Bolt's single-workspace authorization: else
    the first burst of requests would each call auth.test before their ack."""
    try:
        answer = await app.client.auth_test()
    except SlackApiError as exc:
        raise AdapterStartError(
            f"Slack refused SLACK_BOT_TOKEN: {exc.response.get('error')}"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - no Web API at all: say where we looked
        raise AdapterStartError(
            f"could not reach Slack's Web API at {app.client.base_url}: {exc}"
        ) from exc
    log.info("slack: bot %s in workspace %s", answer.get("user_id"), answer.get("team"))
    for middleware in getattr(app, "_async_middleware_list", []):
        if isinstance(middleware, AsyncSingleTeamAuthorization):
            middleware.auth_test_result = answer


class SlackAdapter:
    """The launcher's `ChatAdapter` for Slack."""

    platform = PLATFORM

    def __init__(self, settings: Settings, host: str = "0.0.0.0") -> None:
        self.settings = settings
        self.host = host
        self.built: Built | None = None
        self._runner: web.AppRunner | None = None
        self._socket: Any = None
        self._closed = asyncio.Event()
        self.port: int | None = None
        # Usable before `start` (the core is built first); sends fail until then.
        self.chat: ChatPort = SlackChat(self._client_for)

    async def _client_for(self, team_id: str | None) -> AsyncWebClient:
        if self.built is None:
            raise ChatError("the Slack adapter has not started")
        return await self.built.client_for(team_id)

    async def start(self, runtime: Runtime) -> None:
        self.built = create_app(self.settings, runtime.core, runtime.engine)
        if not self.built.oauth:
            await check_token(self.built.app)
        app_token = _secret(self.settings.slack_app_token)
        if app_token:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            self._socket = AsyncSocketModeHandler(
                self.built.app, app_token, web_client=self.built.app.client
            )
            await self._socket.connect_async()
            log.info("slack: connected in Socket Mode")
            return
        self._runner = web.AppRunner(http_app(self.built), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.settings.port)
        await site.start()
        addresses = self._runner.addresses
        self.port = addresses[0][1] if addresses else self.settings.port
        mode = "multi-workspace" if self.built.oauth else "single-workspace"
        log.info("slack: HTTP mode (%s) on %s:%s%s", mode, self.host, self.port, EVENTS_PATH)

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def close(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close_async()
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.built is not None:
            await self.built.close()
        self._closed.set()


def build(settings: Settings) -> SlackAdapter:
    """The Slack adapter for `prepbot run` (see adapters/launch.py)."""
    return SlackAdapter(settings)
