"""Outbound rate limiting: token buckets per platform, and a ChatPort that uses them.

Thousands of channels can be due in the same minute. Sending them as fast as the event loop
allows would earn 429s (and, on Discord, a temporary ban), so every request first takes a
token from the platform's buckets:

- Discord: about 50 requests per second per bot, across all channels (global bucket);
- Slack: about 1 message per second per channel (chat.postMessage), short bursts allowed,
  and a few hundred messages a minute per workspace (`Target.community`);
- console and tests: unlimited unless told otherwise.

When the platform still answers 429 (another process shares the bot token, or the limits
changed), `RateLimitedChat` honours the `retry_after` it was given: the bucket is held shut
for that long and the request is retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from bot.ports import ChatPort, RateLimited, SentMessage, Target
from bot.views import Reply

log = logging.getLogger(__name__)

T = TypeVar("T")


class TokenBucket:
    """An async token bucket (GCRA form): `rate` tokens per second, bursts of `burst`.

    Each `acquire` reserves the next free slot and sleeps until it, so waiters are served
    in arrival order and never busy-wait. `hold(seconds)` shuts the bucket for a while
    (a 429's retry_after); waiters already sleeping wait out the hold too.
    """

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1.0) * self._interval
        self._monotonic = monotonic
        self._sleep = sleep
        self._tat = monotonic()  # theoretical arrival time of the next request
        self._held_until = 0.0

    def reserve(self) -> float:
        """Take the next slot; return how many seconds to wait before using it."""
        now = self._monotonic()
        tat = max(self._tat, now, self._held_until + self._tolerance)
        allowed_at = tat - self._tolerance
        self._tat = tat + self._interval
        return max(0.0, allowed_at - now)

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await self._sleep(wait)
        while (left := self._held_until - self._monotonic()) > 0:
            await self._sleep(left)

    def hold(self, seconds: float) -> None:
        """Let nothing through for `seconds` from now."""
        self._held_until = max(self._held_until, self._monotonic() + max(0.0, seconds))


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """Requests per second for the whole bot (None: no global limit) and per channel."""

    global_rate: float | None = None
    global_burst: float = 1.0
    channel_rate: float | None = None
    channel_burst: float = 1.0
    # Per community (a Slack workspace), for targets that name theirs.
    community_rate: float | None = None
    community_burst: float = 1.0


# Discord's documented global limit is 50 requests/second per bot; stay a little under it
# so timer jitter never tips a burst over. Slack allows about one message per second per
# channel for chat.postMessage, with short bursts.
PLATFORM_LIMITS: dict[str, PlatformLimits] = {
    "discord": PlatformLimits(global_rate=48.5, global_burst=40),
    "slack": PlatformLimits(
        global_rate=None,
        channel_rate=1.0,
        channel_burst=2,
        community_rate=4.0,
        community_burst=10,
    ),
}


class RateLimiter:
    """The buckets of every platform: one global bucket, and one per channel on demand."""

    def __init__(
        self,
        limits: Mapping[str, PlatformLimits] | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = dict(PLATFORM_LIMITS if limits is None else limits)
        self._monotonic = monotonic
        self._sleep = sleep
        self._global: dict[str, TokenBucket] = {}
        self._channels: dict[tuple[str, str], TokenBucket] = {}
        self._communities: dict[tuple[str, str], TokenBucket] = {}

    def _bucket(self, rate: float, burst: float) -> TokenBucket:
        return TokenBucket(rate, burst, monotonic=self._monotonic, sleep=self._sleep)

    def _buckets(self, target: Target) -> list[TokenBucket]:
        limits = self.limits.get(target.platform)
        if limits is None:
            return []
        buckets: list[TokenBucket] = []
        if limits.channel_rate:
            key = (target.platform, target.thread or target.channel)
            if key not in self._channels:
                self._channels[key] = self._bucket(limits.channel_rate, limits.channel_burst)
            buckets.append(self._channels[key])
        if limits.community_rate and target.community:
            key = (target.platform, target.community)
            if key not in self._communities:
                self._communities[key] = self._bucket(limits.community_rate, limits.community_burst)
            buckets.append(self._communities[key])
        if limits.global_rate:
            if target.platform not in self._global:
                self._global[target.platform] = self._bucket(
                    limits.global_rate, limits.global_burst
                )
            buckets.append(self._global[target.platform])
        return buckets

    async def acquire(self, target: Target) -> None:
        # The channel bucket first: a busy channel must not hold global tokens while it
        # waits for its own turn.
        for bucket in self._buckets(target):
            await bucket.acquire()

    def back_off(self, target: Target, retry_after: float, scope: str = "global") -> None:
        buckets = self._buckets(target)
        if not buckets:
            return
        limits = self.limits[target.platform]
        if scope == "global" and limits.global_rate:
            buckets[-1].hold(retry_after)
        elif scope == "community" and limits.community_rate and target.community:
            buckets[1 if limits.channel_rate else 0].hold(retry_after)
        else:
            buckets[0].hold(retry_after)


class RateLimitedChat:
    """A ChatPort that waits for a token before each request and retries after a 429."""

    def __init__(self, chat: ChatPort, limiter: RateLimiter, max_retries: int = 5) -> None:
        self.chat = chat
        self.limiter = limiter
        self.max_retries = max_retries
        self.throttled = 0  # 429s received, for benchmarks and logs

    async def _call(self, target: Target, request: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(self.max_retries + 1):
            await self.limiter.acquire(target)
            try:
                return await request()
            except RateLimited as exc:
                self.throttled += 1
                if attempt == self.max_retries:
                    raise
                log.info("429 from %s; retrying in %.2fs", target.platform, exc.retry_after)
                self.limiter.back_off(target, exc.retry_after, exc.scope)
        raise AssertionError("unreachable")

    async def send(self, target: Target, reply: Reply) -> SentMessage:
        return await self._call(target, lambda: self.chat.send(target, reply))

    async def edit(self, message: SentMessage, reply: Reply) -> None:
        await self._call(message.target, lambda: self.chat.edit(message, reply))

    async def open_thread(self, message: SentMessage, title: str) -> Target | None:
        return await self._call(message.target, lambda: self.chat.open_thread(message, title))
