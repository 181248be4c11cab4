"""`prepbot run` with chat platforms: start every adapter whose settings are present in one
event loop, around one core.

Each adapter package exposes `build(settings) -> ChatAdapter` (adapters/discord/app.py,
adapters/slack/app.py). The core posts scheduled messages (the question of the day) through
one `ChatRouter`, which hands each message to the adapter of its target's platform.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping
from typing import Protocol

from bot.bootstrap import ContentError, Runtime, start
from bot.config import Settings
from bot.ports import ChatError, ChatPort, SentMessage, Target
from bot.views import Reply

log = logging.getLogger(__name__)


class AdapterStartError(RuntimeError):
    """An adapter cannot start for a reason the operator must fix (e.g. a refused token);
    the message says what, and `prepbot run` exits with it instead of a traceback."""


class ChatAdapter(Protocol):
    """One chat platform's adapter, as the launcher drives it."""

    platform: str
    # Where the core's scheduled posts for this platform go; usable once `start` returned.
    chat: ChatPort

    async def start(self, runtime: Runtime) -> None:
        """Connect and begin serving members; return once connected (or raise)."""
        ...

    async def wait_closed(self) -> None:
        """Return when the adapter has stopped for good (connection closed, fatal error)."""
        ...

    async def close(self) -> None:
        """Stop serving; safe to call more than once."""
        ...


class ChatRouter:
    """The core's ChatPort when several platforms run in one process."""

    def __init__(self, ports: Mapping[str, ChatPort]) -> None:
        self.ports = dict(ports)

    def _port(self, platform: str) -> ChatPort:
        port = self.ports.get(platform)
        if port is None:
            # The core filters subscriptions by the platforms this process serves, so this
            # is a wiring mistake, reported as a failed send rather than a crash.
            raise ChatError(f"no adapter for platform {platform!r} in this process")
        return port

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        return await self._port(target.platform).send(target, reply)

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        await self._port(message.target.platform).edit(message, reply)

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        return await self._port(message.target.platform).open_thread(message, title)


def chat_adapters(settings: Settings) -> list[ChatAdapter]:
    """The adapters whose settings are present, built but not started."""
    adapters: list[ChatAdapter] = []
    if settings.discord_token:
        from adapters.discord.app import build as build_discord

        adapters.append(build_discord(settings))
    if settings.slack_configured:
        from adapters.slack.app import build as build_slack

        adapters.append(build_slack(settings))
    return adapters


async def run_chat(settings: Settings) -> int:
    """Start the core and every configured adapter; run until one stops or a signal."""
    adapters = chat_adapters(settings)
    router = ChatRouter({a.platform: LateChat(a) for a in adapters})
    platforms = frozenset(a.platform for a in adapters)
    try:
        runtime = await start(settings, chat=router, platforms=platforms)
    except ContentError as exc:
        log.error("%s", exc)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    started: list[ChatAdapter] = []
    try:
        for adapter in adapters:
            try:
                await adapter.start(runtime)
            except Exception as exc:  # noqa: BLE001 - one clear line, never a secret
                # Whatever failed (a refused token, an unreachable endpoint), say so in
                # one line: a traceback would bury it, and the settings stay unprinted.
                log.error("could not start the %s adapter: %s", adapter.platform, _reason(exc))
                with contextlib.suppress(Exception):
                    await adapter.close()
                return 1
            started.append(adapter)
            log.info("%s adapter started", adapter.platform)
        await runtime.start_qotd().start()
        waiters = [asyncio.ensure_future(a.wait_closed()) for a in started]
        stopper = asyncio.ensure_future(stop.wait())
        done, pending = await asyncio.wait([*waiters, stopper], return_when="FIRST_COMPLETED")
        for task in pending:
            task.cancel()
        return 0 if stopper in done else 1
    finally:
        for adapter in reversed(started):
            try:
                await adapter.close()
            except Exception:  # noqa: BLE001 - closing the others matters more
                log.exception("closing the %s adapter failed", adapter.platform)
        await runtime.close()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or "no details"
    return f"{type(exc).__name__}: {text[:300]}"


class LateChat:
    """An adapter's ChatPort, looked up at send time (adapters build theirs on start)."""

    def __init__(self, adapter: ChatAdapter) -> None:
        self.adapter = adapter

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        return await self.adapter.chat.send(target, reply)

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        await self.adapter.chat.edit(message, reply)

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        return await self.adapter.chat.open_thread(message, title)
