"""`FakeDiscord`: the aiohttp app serving REST under /api/v10, the gateway websocket, and
attachment downloads, around the world and puppet it inherits.

The REST handlers are in `routes.py` (identity, commands, channels, messages, threads,
guilds) and `callbacks.py` (interaction callbacks and webhook follow-ups).
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from aiohttp import web

from adapters.discord.testing import callbacks, routes
from adapters.discord.testing.puppet import Puppet
from adapters.discord.testing.world import RequestLogEntry


class FakeDiscord(Puppet):
    """A local Discord for the unmodified discord.py client: REST under `api_url`, the
    gateway at `gateway_url`, and the puppet API for tests (see `Puppet`).

    `async with FakeDiscord() as fake:` starts it on 127.0.0.1 at a free port.
    """

    _runner: web.AppRunner | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> Self:
        if not self.rest.routes:
            routes.register(self.rest, self)
            callbacks.register(self.rest, self)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway/resume", self.gateway.handle)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self._cdn)
        app.router.add_route("*", r"/api/v{version:(9|10)}/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # -- cdn -----------------------------------------------------------------------------------

    async def _cdn(self, request: web.Request) -> web.Response:
        try:
            attachment_id = int(request.match_info["attachment_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        for message in self.messages_by_id.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(
                        body=attachment.data, headers={"Content-Type": attachment.content_type}
                    )
        raise web.HTTPNotFound()


__all__ = ["FakeDiscord", "RequestLogEntry"]
