"""Rate limits as Discord applies them: per-route buckets (keyed by the route and its major
parameter), a global limit for bot-token requests, X-RateLimit-* headers on every answer, and a
429 with `retry_after` for a request that comes too soon.

Tests can also order 429s (`FakeDiscord.rate_limit`), and every request that arrives while
its bucket is still limited is counted as an early retry: a client that honours
`retry_after` makes none. (https://discord.com/developers/docs/topics/rate-limits)
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any

GLOBAL_LIMIT_PER_SECOND = 50
# Real per-route limits for what a bot posts; everything else gets a generous bucket.
ROUTE_LIMITS: dict[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
    "PATCH /channels/{channel_id}/messages/{message_id}": (5, 5.0),
    "POST /channels/{channel_id}/messages/{message_id}/threads": (5, 5.0),
    "POST /webhooks/{application_id}/{token}": (5, 2.0),
    "PATCH /webhooks/{application_id}/{token}/messages/{message_id}": (5, 2.0),
}
DEFAULT_LIMIT = (50, 1.0)
# A retry this much earlier than retry_after is still forgiven (clock and network jitter).
TOLERANCE = 0.02


@dataclass
class _Window:
    limit: int
    period: float
    used: int = 0
    resets_at: float = 0.0

    def roll(self, now: float) -> None:
        if now >= self.resets_at:
            self.used = 0
            self.resets_at = now + self.period


@dataclass
class ForcedLimit:
    """`count` more requests matching `route` (None: any bot-token request) get a 429."""

    route: str | None
    count: int
    retry_after: float
    is_global: bool


@dataclass(frozen=True)
class Served429:
    method: str
    path: str
    bucket: str
    retry_after: float
    is_global: bool
    early: bool  # the client came back before the previous retry_after had passed


@dataclass
class Verdict:
    headers: dict[str, str]
    limited: bool = False
    body: dict[str, Any] = field(default_factory=dict)


def bucket_hash(template: str) -> str:
    return hashlib.sha1(template.encode()).hexdigest()[:16]


class RateLimits:
    def __init__(self, *, natural: bool) -> None:
        self.natural = natural
        self.forced: list[ForcedLimit] = []
        self.served: list[Served429] = []
        self._windows: dict[str, _Window] = {}
        self._blocked: dict[str, float] = {}
        self._global_window = _Window(GLOBAL_LIMIT_PER_SECOND, 1.0)
        self._global_blocked = 0.0

    @property
    def early_retries(self) -> list[Served429]:
        return [s for s in self.served if s.early]

    def order(self, route: str | None, count: int, retry_after: float, is_global: bool) -> None:
        self.forced.append(ForcedLimit(route, count, retry_after, is_global))

    def check(self, method: str, template: str, major: str, path: str, bot: bool) -> Verdict:
        """Count one request; answer its headers, or a 429."""
        now = time.monotonic()
        route = f"{method} {template}"
        key = f"{route}:{major}"
        limit, period = ROUTE_LIMITS.get(route, DEFAULT_LIMIT)
        window = self._windows.setdefault(key, _Window(limit, period))
        window.roll(now)

        if bot and now < self._global_blocked - TOLERANCE:
            return self._limited(method, path, key, self._global_blocked - now, True, True)
        if now < self._blocked.get(key, 0.0) - TOLERANCE:
            return self._limited(method, path, key, self._blocked[key] - now, False, True)
        forced = self._take_forced(route, template, bot)
        if forced is not None:
            if forced.is_global:
                self._global_blocked = now + forced.retry_after
            else:
                self._blocked[key] = now + forced.retry_after
            return self._limited(method, path, key, forced.retry_after, forced.is_global, False)
        if self.natural:
            if bot:
                self._global_window.roll(now)
                if self._global_window.used >= self._global_window.limit:
                    wait = self._global_window.resets_at - now
                    self._global_blocked = now + wait
                    return self._limited(method, path, key, wait, True, False)
                self._global_window.used += 1
            if window.used >= window.limit:
                wait = window.resets_at - now
                self._blocked[key] = now + wait
                return self._limited(method, path, key, wait, False, False)
            # Only counted limits are advertised as spent: otherwise discord.py would sleep
            # on a bucket the fake never enforces.
            window.used += 1
        return Verdict(headers=self._headers(route, window, now))

    def _take_forced(self, route: str, template: str, bot: bool) -> ForcedLimit | None:
        for forced in self.forced:
            if forced.count <= 0:
                continue
            matches = bot if forced.route is None else forced.route in (route, template)
            if matches:
                forced.count -= 1
                return forced
        return None

    def _limited(
        self, method: str, path: str, key: str, retry_after: float, is_global: bool, early: bool
    ) -> Verdict:
        retry_after = max(round(retry_after, 3), 0.001)
        self.served.append(Served429(method, path, key, retry_after, is_global, early))
        headers = {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Limit": "1",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(key.split(":", 1)[0]),
            "X-RateLimit-Scope": "global" if is_global else "user",
            # discord.py treats a 429 without Via as a Cloudflare ban, not a rate limit.
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        if is_global:
            body["code"] = 0
        return Verdict(headers=headers, limited=True, body=body)

    def _headers(self, route: str, window: _Window, now: float) -> dict[str, str]:
        reset_after = max(window.resets_at - now, 0.0)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(max(window.limit - window.used, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(route),
        }
