"""Socket Mode: the websocket the unmodified slack_sdk client reaches via apps.connections.open.

Protocol as Slack runs it: a one-use ticket in the URL, a `hello` on connect, envelopes
`{envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason}` pushed
to the app, acks `{envelope_id, payload?}` back, `disconnect` to ask for a reconnect.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .driver import ACK_DEADLINE, Ack


@dataclass
class SocketAck:
    envelope_id: str
    payload: Any
    at: float


@dataclass
class Connection:
    ws: web.WebSocketResponse
    ticket: str
    opened_at: float = field(default_factory=time.monotonic)


class SocketModeServer:
    """Serves `/link/` websockets and delivers envelopes to whichever connection is open."""

    def __init__(self, app_id: str, *, deadline: float = ACK_DEADLINE, wait_limit: float = 15.0):
        self.app_id = app_id
        self.deadline = deadline
        self.wait_limit = wait_limit
        self.base_ws_url = ""
        self._tickets: set[str] = set()
        self.connections: list[Connection] = []
        self.acks: dict[str, SocketAck] = {}
        self.stray: list[str] = []  # frames that were not acks of a pending envelope
        self._pending: dict[str, asyncio.Future[SocketAck]] = {}
        self._connected = asyncio.Event()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/link/", self._serve)

    def open_url(self) -> str:
        """A fresh wss-style URL with a one-use ticket (what apps.connections.open returns)."""
        ticket = secrets.token_hex(16)
        self._tickets.add(ticket)
        return f"{self.base_ws_url}link/?ticket={ticket}&app_id={self.app_id}"

    @property
    def connected(self) -> bool:
        return any(not c.ws.closed for c in self.connections)

    async def wait_connected(self, within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while not self.connected:
            self._connected.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no Socket Mode client connected")
            try:
                await asyncio.wait_for(self._connected.wait(), left)
            except TimeoutError:
                continue

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connection = Connection(ws, ticket)
        self.connections.append(connection)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": sum(1 for c in self.connections if not c.ws.closed),
                    "debug_info": {"host": "applink-local", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        self._connected.set()
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    self._on_text(frame.data)
        finally:
            self.connections.remove(connection)
        return ws

    def _on_text(self, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            self.stray.append(data)
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        future = self._pending.get(str(envelope_id))
        if future is None or future.done():
            # Acks for unknown or already-acked envelopes: Slack ignores them; we keep them.
            self.stray.append(data)
            return
        ack = SocketAck(str(envelope_id), message.get("payload"), time.perf_counter())
        self.acks[ack.envelope_id] = ack
        future.set_result(ack)

    def _live(self) -> web.WebSocketResponse:
        for connection in reversed(self.connections):
            if not connection.ws.closed:
                return connection.ws
        raise ConnectionError("no Socket Mode connection is open")

    async def push(
        self,
        kind: str,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Ack:
        """Send one envelope and wait for its ack (recording how long it took)."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        future: asyncio.Future[SocketAck] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = future
        sent = json.dumps(payload).encode()
        started = time.perf_counter()
        await self._live().send_str(json.dumps(envelope))
        acked: SocketAck | None = None
        try:
            acked = await asyncio.wait_for(future, self.wait_limit)
        except TimeoutError:
            acked = None
        finally:
            self._pending.pop(envelope_id, None)
        ms = ((acked.at if acked else time.perf_counter()) - started) * 1000
        return Ack(
            kind=kind,
            mode="socket",
            status=200 if acked else None,
            body=json.dumps(acked.payload).encode() if acked and acked.payload else b"",
            payload=acked.payload if acked else None,
            ms=ms,
            late=acked is None or ms > self.deadline * 1000,
            retry_num=retry_attempt,
            sent=sent,
            content_type="application/json",
            envelope_id=envelope_id,
        )

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        await self._live().send_str(
            json.dumps(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-local"}}
            )
        )

    async def close(self) -> None:
        for connection in list(self.connections):
            await connection.ws.close()
