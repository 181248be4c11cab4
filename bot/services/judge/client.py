"""POST /chat/completions on an OpenAI-compatible endpoint (OpenAI, llama.cpp's
llama-server, vLLM, Ollama), within one time budget per answer.

Every way it can fail is raised as `JudgeFailure` with a short `kind` for logs and counts
("timeout", "connection", "http 401", "http 429", "http 5xx", "bad body"); nothing the
member wrote is ever part of one. At most one retry: after a 429 or 5xx (waiting as long
as Retry-After says, when that fits in the budget), or at once after a 400 that names an
optional request field this server refuses (`response_format`, `temperature`), which is
then left out of every later request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

log = logging.getLogger(__name__)

PATH = "/chat/completions"
MAX_BODY = 256 * 1024
"""A chat completion for a grade is a few hundred bytes; more is not a reply to us."""
RETRY_DELAY = 0.5
"""Seconds before the one retry after a 429 or 5xx that gives no Retry-After."""
OPTIONAL_FIELDS = {"response_format": {"type": "json_object"}, "temperature": 0}
"""Asked for where the server supports them: JSON mode, and greedy decoding so the same
answer gets the same verdict (OpenAI's reasoning models accept only their default
temperature and say so with a 400, after which it is no longer sent)."""


class JudgeFailure(Exception):
    """The endpoint gave no usable reply; `kind` is safe to log and count."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail


def completions_url(base: str) -> str:
    """`{base}/chat/completions` from a base such as http://localhost:11434/v1, with or
    without a trailing slash or the `/chat/completions` already there; a query string
    (`?api-version=...`) stays at the end."""
    parts = urlsplit(base.strip())
    path = parts.path.rstrip("/")
    if path.endswith(PATH):
        path = path[: -len(PATH)]
    return urlunsplit((parts.scheme, parts.netloc, path + PATH, parts.query, ""))


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date); None when
    absent or unreadable."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds < 0:  # NaN or in the past
        return 0.0 if seconds < 0 else None
    return seconds


def _status_kind(status: int) -> str:
    if status >= 500:
        return "http 5xx"
    return f"http {status}"


def message_content(body: bytes) -> str:
    """The first choice's message content of a chat completion."""
    try:
        data = json.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise JudgeFailure("bad body", "not a chat completion") from exc
    if not isinstance(content, str):
        raise JudgeFailure("bad body", "no message content")
    return content


class ChatCompletions:
    """One OpenAI-compatible chat endpoint and model, with a per-call time budget."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = completions_url(base_url)
        self.model = model
        self.timeout = timeout
        self._api_key = api_key
        self._refused: set[str] = set()
        self._session: aiohttp.ClientSession | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "prepbot"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _body(self, messages: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        for name, value in OPTIONAL_FIELDS.items():
            if name not in self._refused:
                body[name] = value
        return body

    def _session_now(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None or session.closed:
            # Timeouts are the caller's budget (asyncio.timeout), not aiohttp's defaults.
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
            self._session = session
        return session

    async def complete(self, messages: Sequence[Mapping[str, str]]) -> str:
        """The model's reply to `messages`, within `timeout` seconds all told."""
        deadline = time.monotonic() + self.timeout
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(messages, deadline)
        except TimeoutError as exc:
            raise JudgeFailure("timeout", f"no reply within {self.timeout:g}s") from exc
        except aiohttp.ClientError as exc:
            raise JudgeFailure("connection", type(exc).__name__) from exc

    async def _exchange(self, messages: Sequence[Mapping[str, str]], deadline: float) -> str:
        retried = False
        while True:
            sent = self._body(messages)
            status, headers, body = await self._post(sent)
            if status == 200:
                return message_content(body)
            if retried:
                raise JudgeFailure(_status_kind(status), "after one retry")
            if status == 400:
                refused = self._refused_field(sent, body)
                if refused is None:
                    raise JudgeFailure(_status_kind(status))
                log.warning("grader: the judge endpoint refuses %r; no longer sending it", refused)
                self._refused.add(refused)
            elif status == 429 or status >= 500:
                wait = retry_after(headers)
                wait = RETRY_DELAY if wait is None else wait
                if time.monotonic() + wait >= deadline:
                    # Waiting as asked would overrun the budget: give up now, not later.
                    raise JudgeFailure(_status_kind(status), f"retry after {wait:g}s")
                await asyncio.sleep(wait)
            else:
                raise JudgeFailure(_status_kind(status))
            retried = True

    def _refused_field(self, sent: Mapping[str, Any], body: bytes) -> str | None:
        """The optional field a 400 names, when we sent it."""
        text = body[:4096].decode("utf-8", "replace")
        for name in OPTIONAL_FIELDS:
            if name in sent and name in text:
                return name
        return None

    async def _post(self, body: Mapping[str, Any]) -> tuple[int, Mapping[str, str], bytes]:
        session = self._session_now()
        async with session.post(self.url, json=body, headers=self._headers()) as response:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(16 * 1024):
                size += len(chunk)
                if size > MAX_BODY:
                    raise JudgeFailure("bad body", f"longer than {MAX_BODY} bytes")
                chunks.append(chunk)
            return response.status, response.headers, b"".join(chunks)

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
