"""The fake gateway: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME -> RESUMED,
sequence numbers, INVALID_SESSION, RECONNECT, and zlib-stream transport compression.

A `GatewaySession` outlives its websocket: dispatches made while it is disconnected are kept
and replayed on RESUME, as Discord replays missed events.
(https://discord.com/developers/docs/events/gateway)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from adapters.discord.testing.state import shard_of

if TYPE_CHECKING:
    from adapters.discord.testing.world import World

_log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11

# Intents Discord gates behind approval in the developer portal.
PRIVILEGED_INTENTS = {
    "guild_members": 1 << 1,
    "guild_presences": 1 << 8,
    "message_content": 1 << 15,
}
ALL_INTENTS = (1 << 26) - 1

# Close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED, AUTHENTICATION_FAILED = 4001, 4002, 4003, 4004
ALREADY_AUTHENTICATED, SESSION_TIMED_OUT, INVALID_SHARD = 4005, 4009, 4010
INVALID_INTENTS, DISALLOWED_INTENTS = 4013, 4014


class Connection:
    """One websocket, with its compression stream. Frames go out one at a time so a
    zlib-stream is never interleaved."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool, transport: Any) -> None:
        self.ws = ws
        self.transport = transport
        self._compressor = zlib.compressobj() if compress else None
        self._lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        text = json.dumps(frame, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return
            if self._compressor is None:
                await self.ws.send_str(text)
            else:
                data = self._compressor.compress(text.encode()) + self._compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.ws.send_bytes(data)


class GatewaySession:
    """A shard's session: its id, sequence numbers, and the events a RESUME replays."""

    def __init__(self, shard_id: int, shard_count: int, intents: int, resume_url: str) -> None:
        self.id = secrets.token_hex(16)
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.intents = intents
        self.resume_url = resume_url
        self.sequence = 0
        self.replay: deque[tuple[int, dict[str, Any]]] = deque(maxlen=5000)
        self.connection: Connection | None = None
        self.invalidated = False
        self.identified_at = time.monotonic()
        self.resumes = 0
        self.connected = asyncio.Event()
        # Dispatches and a RESUME's replay go out one at a time, in sequence order.
        self.order = asyncio.Lock()
        self.guilds_sent = asyncio.Event()

    @property
    def live(self) -> bool:
        return self.connection is not None and not self.connection.ws.closed

    async def dispatch(self, event: str, data: Any) -> None:
        async with self.order:
            self.sequence += 1
            frame = {"op": DISPATCH, "t": event, "s": self.sequence, "d": data}
            self.replay.append((self.sequence, frame))
            if self.connection is not None:
                # Gone mid-send: the event stays in the replay buffer for a RESUME.
                with contextlib.suppress(ConnectionResetError, RuntimeError):
                    await self.connection.send(frame)

    async def attach(self, connection: Connection, after: int) -> None:
        """Resume on `connection`: replay what came after `after`, in order, before any new
        dispatch goes out."""
        async with self.order:
            self.connection = connection
            for number, frame in list(self.replay):
                if number > after:
                    await connection.send(frame)

    async def send(self, op: int, data: Any) -> None:
        if self.connection is not None:
            await self.connection.send({"op": op, "d": data, "s": None, "t": None})


class Gateway:
    """Serves `/gateway` websockets and keeps every session the fake has handed out."""

    def __init__(self, fake: World) -> None:
        self.fake = fake
        self.sessions: list[GatewaySession] = []
        self.identifies = 0
        self.close_codes: list[int] = []
        # (path, zlib-stream?) of every websocket opened, to check where clients connect.
        self.connections: list[tuple[str, bool]] = []
        self._changed = asyncio.Condition()

    # -- websocket ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        encoding = request.query.get("encoding", "json")
        compress = request.query.get("compress") == "zlib-stream"
        # zstd-stream needs a zstd encoder this environment lacks; plain text frames are
        # still read correctly by discord.py (it only decompresses binary frames).
        connection = Connection(ws, compress, request.transport)
        self.connections.append((request.path, compress))
        session: GatewaySession | None = None
        if encoding != "json":
            await ws.close(code=DECODE_ERROR, message=b"Only json encoding is supported")
            return ws
        interval = self.fake.heartbeat_interval_ms
        await connection.send(
            {"op": HELLO, "d": {"heartbeat_interval": interval}, "s": None, "t": None}
        )
        try:
            while not ws.closed:
                try:
                    message = await ws.receive(timeout=interval / 1000 * 1.5 + 5)
                except TimeoutError:
                    await self._close(ws, SESSION_TIMED_OUT, "Session timed out")
                    break
                if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                    break
                if message.type is WSMsgType.ERROR:
                    break
                if message.type is not WSMsgType.TEXT:
                    await self._close(ws, DECODE_ERROR, "Decode error")
                    break
                try:
                    frame = json.loads(message.data)
                    op = frame["op"]
                except (ValueError, KeyError, TypeError):
                    await self._close(ws, DECODE_ERROR, "Decode error")
                    break
                session = await self._on_frame(connection, session, op, frame.get("d"))
        finally:
            if session is not None and session.connection is connection:
                session.connection = None
                session.connected.clear()
            await self._notify()
        return ws

    async def _on_frame(
        self, connection: Connection, session: GatewaySession | None, op: int, data: Any
    ) -> GatewaySession | None:
        ws = connection.ws
        if op == HEARTBEAT:
            await connection.send({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            return session
        if op == IDENTIFY:
            if session is not None:
                await self._close(ws, ALREADY_AUTHENTICATED, "Already authenticated")
                return session
            return await self._identify(connection, data)
        if op == RESUME:
            if session is not None:
                await self._close(ws, ALREADY_AUTHENTICATED, "Already authenticated")
                return session
            return await self._resume(connection, data)
        if session is None:
            await self._close(ws, NOT_AUTHENTICATED, "Not authenticated")
            return None
        if op in (PRESENCE, VOICE_STATE, REQUEST_MEMBERS):
            return session
        await self._close(ws, UNKNOWN_OPCODE, "Unknown opcode")
        return session

    async def _identify(self, connection: Connection, data: Any) -> GatewaySession | None:
        ws = connection.ws
        if not isinstance(data, dict) or data.get("token") != self.fake.token:
            await self._close(ws, AUTHENTICATION_FAILED, "Authentication failed")
            return None
        shard = data.get("shard") or [0, 1]
        try:
            shard_id, shard_count = int(shard[0]), int(shard[1])
        except (TypeError, ValueError, IndexError):
            shard_id, shard_count = -1, 0
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await self._close(ws, INVALID_SHARD, "Invalid shard")
            return None
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~ALL_INTENTS:
            await self._close(ws, INVALID_INTENTS, "Invalid intent(s)")
            return None
        for name, bit in PRIVILEGED_INTENTS.items():
            if intents & bit and name not in self.fake.privileged_intents:
                await self._close(ws, DISALLOWED_INTENTS, "Disallowed intent(s)")
                return None
        self.identifies += 1
        session = GatewaySession(shard_id, shard_count, intents, self.fake.resume_gateway_url)
        session.connection = connection
        session.connected.set()
        self.sessions.append(session)
        guilds = self.fake.guilds_on_shard(shard_id, shard_count)
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.fake.bot_user.payload() | {"verified": True, "mfa_enabled": False},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": session.resume_url,
                "shard": [shard_id, shard_count],
                "application": {
                    "id": str(self.fake.application_id),
                    "flags": self.fake.application_flags,
                },
                "private_channels": [],
                "presences": [],
                "relationships": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "_trace": ["fake-discord"],
            },
        )
        for guild in guilds:
            await session.dispatch("GUILD_CREATE", self.fake.guild_create_payload(guild))
        session.guilds_sent.set()
        await self._notify()
        return session

    async def _resume(self, connection: Connection, data: Any) -> GatewaySession | None:
        if not isinstance(data, dict):
            await self._close(connection.ws, DECODE_ERROR, "Decode error")
            return None
        session = next((s for s in self.sessions if s.id == data.get("session_id")), None)
        raw_seq = data.get("seq")
        seq = raw_seq if isinstance(raw_seq, int) else 0
        # Events the replay buffer no longer holds cannot be resumed.
        lost = session is not None and bool(session.replay) and seq < session.replay[0][0] - 1
        if session is None or session.invalidated or lost or data.get("token") != self.fake.token:
            # Not resumable: the client must IDENTIFY again.
            await connection.send({"op": INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        if session.connection is not None and session.connection is not connection:
            # Discord lets the new connection take the session over.
            old = session.connection
            session.connection = None
            await self._close(old.ws, 4000, "Session resumed elsewhere")
        await session.attach(connection, seq)
        session.resumes += 1
        session.connected.set()
        await session.dispatch("RESUMED", {"_trace": ["fake-discord"]})
        await self._notify()
        return session

    async def _close(self, ws: web.WebSocketResponse, code: int, reason: str) -> None:
        self.close_codes.append(code)
        await ws.close(code=code, message=reason.encode())

    # -- for the puppet ----------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Any, within: float) -> None:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    def current_sessions(self) -> list[GatewaySession]:
        """The newest valid session per shard."""
        newest: dict[int, GatewaySession] = {}
        for session in self.sessions:
            if not session.invalidated:
                newest[session.shard_id] = session
        return list(newest.values())

    def session_for_guild(self, guild_id: int) -> GatewaySession | None:
        for session in reversed(self.sessions):
            if session.invalidated:
                continue
            if shard_of(guild_id, session.shard_count) == session.shard_id:
                return session
        return None

    def session_for_shard(self, shard_id: int) -> GatewaySession:
        for session in reversed(self.sessions):
            if not session.invalidated and session.shard_id == shard_id:
                return session
        raise LookupError(f"no gateway session for shard {shard_id}")

    async def drop(self, shard_id: int, code: int | None, *, forget: bool) -> GatewaySession:
        """Cut the shard's connection; its session stays resumable unless `forget`."""
        session = self.session_for_shard(shard_id)
        session.invalidated = forget
        connection = session.connection
        if connection is None:
            return session
        session.connection = None
        session.connected.clear()
        if code is None:
            # No close frame at all, as when a network path dies.
            if connection.transport is not None:
                connection.transport.abort()
        else:
            with contextlib.suppress(ConnectionResetError, RuntimeError):
                await connection.ws.close(code=code, message=b"Dropped by the fake")
        await self._notify()
        return session

    async def invalidate(self, shard_id: int, *, resumable: bool) -> None:
        session = self.session_for_shard(shard_id)
        if not resumable:
            session.invalidated = True
        await session.send(INVALID_SESSION, resumable)

    async def reconnect(self, shard_id: int) -> None:
        session = self.session_for_shard(shard_id)
        await session.send(RECONNECT, None)

    async def close_all(self) -> None:
        for session in self.sessions:
            if session.connection is not None:
                with contextlib.suppress(ConnectionResetError, RuntimeError):
                    await session.connection.ws.close(code=1001, message=b"Going away")
