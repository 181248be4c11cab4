"""The real Slack adapter wired to a local `FakeSlack` on a local database, in one process:
what the end-to-end tests run. Nothing here is used in production.

`LocalSlack` starts the fake Slack, migrates the database, builds the core (the scheduled
posts going through the adapter's ChatPort behind the core's rate limiter, as
`prepbot run` wires them) and starts the adapter in HTTP mode on 127.0.0.1, or in Socket
Mode against the fake's websocket when `socket_mode` is set.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from adapters.slack.app import EVENTS_PATH, SlackAdapter
from adapters.slack.testing import FakeSlack, Team
from bot.bootstrap import Runtime, open_runtime
from bot.config import Settings
from bot.domain import Question
from bot.ports import Clock, SystemClock
from bot.services.ratelimit import RateLimiter

T = TypeVar("T")


class LocalSlack:
    """A FakeSlack, a database and the Slack adapter serving it."""

    def __init__(
        self,
        database_url: str,
        questions: Sequence[Question],
        *,
        clock: Clock | None = None,
        oauth: bool = False,
        socket_mode: bool = False,
        admin_ids: str | None = None,
        team_name: str = "Acme",
        seed: int = 7,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.database_url = database_url
        self.questions = list(questions)
        self.clock = clock or SystemClock()
        self.oauth = oauth
        self.socket_mode = socket_mode
        self.admin_ids = admin_ids
        self.team_name = team_name
        self.seed = seed
        self.limiter = limiter
        self.slack = FakeSlack()
        self.team: Team | None = None
        self.adapter: SlackAdapter | None = None
        self.runtime: Runtime | None = None

    def settings(self, **extra: Any) -> Settings:
        values: dict[str, Any] = {
            "DATABASE_URL": self.database_url,
            "SLACK_API_URL": self.slack.api_url,
            "PORT": 0,
            "SLACK_ADMIN_USER_IDS": self.admin_ids,
        }
        if self.socket_mode:
            assert self.team is not None and self.team.bot_token
            values["SLACK_APP_TOKEN"] = self.slack.app_token
            values["SLACK_BOT_TOKEN"] = self.team.bot_token
        else:
            values["SLACK_SIGNING_SECRET"] = self.slack.signing_secret
            if self.oauth:
                values["SLACK_CLIENT_ID"] = self.slack.client_id
                values["SLACK_CLIENT_SECRET"] = self.slack.client_secret
            else:
                assert self.team is not None and self.team.bot_token
                values["SLACK_BOT_TOKEN"] = self.team.bot_token
        values.update(extra)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self) -> LocalSlack:
        await self.slack.start()
        # In OAuth mode the workspace has no token until someone installs the app.
        self.team = self.slack.add_team(self.team_name, install=not self.oauth)
        settings = self.settings()
        adapter = SlackAdapter(settings, host="127.0.0.1")
        self.runtime, _ = await open_runtime(
            settings,
            self.questions,
            self.clock,
            random.Random(self.seed),
            adapter.chat,
            platforms=frozenset({"slack"}),
            limiter=self.limiter,
        )
        await adapter.start(self.runtime)
        self.adapter = adapter
        if self.socket_mode:
            await self.slack.socket.wait_connected()
        else:
            self.slack.point_at(self.events_url)
        return self

    @property
    def base_url(self) -> str:
        assert self.adapter is not None and self.adapter.port
        return f"http://127.0.0.1:{self.adapter.port}"

    @property
    def events_url(self) -> str:
        return self.base_url + EVENTS_PATH

    @property
    def done(self) -> int:
        """Listener runs finished so far (the work after each ack)."""
        assert self.adapter is not None and self.adapter.built is not None
        return self.adapter.built.interactions.completed

    async def until(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Wait until `predicate()` holds (the work after an ack is asynchronous)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not predicate():
            if loop.time() > deadline:
                raise TimeoutError("the app did not get there in time")
            await asyncio.sleep(0.01)

    async def run(self, delivery: Awaitable[T], count: int = 1, within: float = 10.0) -> T:
        """Deliver a request and wait for the work after its ack (`count` listener runs)."""
        start = self.done
        result = await delivery
        await self.until(lambda: self.done >= start + count, within)
        return result

    async def close(self) -> None:
        if self.adapter is not None:
            await self.adapter.close()
        if self.runtime is not None:
            await self.runtime.close()
        await self.slack.close()

    async def __aenter__(self) -> LocalSlack:
        try:
            return await self.start()
        except BaseException:
            await self.close()
            raise

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
