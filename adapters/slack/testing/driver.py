"""Slack's side of a request to the app: signing, sending, timing the ack.

`HttpDriver` posts to the app's Request URL exactly as Slack does (v0 signature over
`v0:{timestamp}:{body}`, `X-Slack-Request-Timestamp`, retry headers on redelivery) and can
also send what Slack never would (forged, stale or missing signatures, garbage bodies).
Every delivery comes back as an `Ack` with its latency against Slack's 3 s deadline.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

ACK_DEADLINE = 3.0  # seconds: Slack gives up on an ack after this
Signature = Literal["valid", "forged", "missing", "stale"]
STALE_BY = 6 * 60  # seconds: beyond the five minutes a verifier accepts


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Slack-Signature` value for `body` sent at `timestamp`."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Ack:
    """How the app answered one delivery (an HTTP response, or a Socket Mode ack)."""

    kind: str  # command, block_actions, view_submission, view_closed, event, raw
    mode: str  # http or socket
    status: int | None  # HTTP status; socket: 200 once acked; None: no answer at all
    body: bytes
    payload: Any  # the ack's JSON (HTTP body or socket ack payload), else None
    ms: float
    late: bool
    retry_num: int = 0
    sent: bytes = b""  # the request body (HTTP) or the envelope payload as JSON (socket)
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # what was sent
    answer_headers: dict[str, str] = field(default_factory=dict)  # lower-cased, HTTP only
    trigger_id: str | None = None
    response_url: str | None = None
    envelope_id: str | None = None
    user_error: str | None = None  # what Slack showed the user when the ack failed
    retries: list[Ack] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.late

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass(frozen=True)
class AckStats:
    """Ack latency over many deliveries, as `prepbot bench slack` reports it."""

    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    late: int
    unanswered: int
    errors: int  # answered, on time, but not HTTP 200

    @classmethod
    def of(cls, acks: Sequence[Ack]) -> AckStats:
        times = sorted(a.ms for a in acks)
        return cls(
            count=len(acks),
            p50_ms=_percentile(times, 50),
            p99_ms=_percentile(times, 99),
            max_ms=times[-1] if times else 0.0,
            late=sum(1 for a in acks if a.late),
            unanswered=sum(1 for a in acks if a.status is None),
            errors=sum(1 for a in acks if a.status not in (None, 200) and not a.late),
        )


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


class HttpDriver:
    """Sends signed requests to the app's Request URL and times its answers."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        deadline: float = ACK_DEADLINE,
        wait_limit: float = 15.0,
    ) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.deadline = deadline
        # Slack stops waiting at the deadline; the driver waits longer so the bench can
        # still report how late a slow ack was.
        self.wait_limit = wait_limit
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.wait_limit),
                connector=aiohttp.TCPConnector(limit=200),
            )
        return self._session

    def headers(
        self,
        body: bytes,
        content_type: str,
        *,
        signature: Signature = "valid",
        retry_num: int = 0,
        retry_reason: str = "",
    ) -> dict[str, str]:
        now = int(time.time())
        stamp = now - STALE_BY if signature == "stale" else now
        headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(stamp),
        }
        if signature == "forged":
            headers["X-Slack-Signature"] = sign("not-the-signing-secret", stamp, body)
        elif signature != "missing":
            headers["X-Slack-Signature"] = sign(self.signing_secret, stamp, body)
        if retry_num:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return headers

    async def send(
        self,
        kind: str,
        body: bytes,
        content_type: str,
        *,
        signature: Signature = "valid",
        retry_num: int = 0,
        retry_reason: str = "",
        extra_headers: dict[str, str] | None = None,
    ) -> Ack:
        headers = self.headers(
            body,
            content_type,
            signature=signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        headers.update(extra_headers or {})
        started = time.perf_counter()
        status: int | None = None
        raw = b""
        answer_type = ""
        answer_headers: dict[str, str] = {}
        try:
            async with self._client().post(self.url, data=body, headers=headers) as response:
                raw = await response.read()
                status = response.status
                answer_type = response.content_type
                answer_headers = {k.lower(): v for k, v in response.headers.items()}
        except (TimeoutError, aiohttp.ClientError):
            status = None
        ms = (time.perf_counter() - started) * 1000
        payload: Any = None
        if raw and answer_type == "application/json":
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = None
        return Ack(
            kind=kind,
            mode="http",
            status=status,
            body=raw,
            payload=payload,
            ms=ms,
            late=status is None or ms > self.deadline * 1000,
            retry_num=retry_num,
            sent=body,
            content_type=content_type,
            headers=headers,
            answer_headers=answer_headers,
        )


async def gather_limited(jobs: Sequence[Any], concurrency: int) -> list[Any]:
    """Run coroutines with at most `concurrency` in flight (the bench's simulated crowd)."""
    gate = asyncio.Semaphore(concurrency)

    async def run(job: Any) -> Any:
        async with gate:
            return await job

    return list(await asyncio.gather(*(run(j) for j in jobs)))
