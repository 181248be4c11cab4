"""Interactions the fake has dispatched, what the bot answered, and ack latency figures.

An `InteractionRecord` is what the puppet hands back to a test: the initial callback, the
response message (as Discord stores it), follow-ups, edits, an opened modal or autocomplete
choices, and every request Discord refused for this interaction (late, double ack, ...).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.discord.testing.state import (
        FakeChannel,
        FakeGuild,
        FakeMember,
        FakeMessage,
    )

PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9

# Which callbacks Discord accepts for which interaction type.
ALLOWED_CALLBACKS = {
    PING: {PONG},
    APPLICATION_COMMAND: {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {APPLICATION_COMMAND_AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}
FINAL_CALLBACKS = {PONG, CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE, MODAL}
FINAL_CALLBACKS |= {APPLICATION_COMMAND_AUTOCOMPLETE_RESULT}


@dataclass(frozen=True)
class Refusal:
    """A request the fake refused, as Discord would: HTTP status and JSON error code."""

    method: str
    path: str
    status: int
    code: int
    message: str


@dataclass(eq=False)
class InteractionRecord:
    """One interaction: what was dispatched and everything the bot did with it."""

    id: int
    token: str
    type: int
    guild: FakeGuild | None
    channel: FakeChannel | None
    member: FakeMember | None
    payload: dict[str, Any]
    created: float  # on the fake's clock (deadlines)
    dispatched_at: float = 0.0  # time.monotonic(), for latency
    shard_id: int | None = None
    acked_at: float | None = None
    callback_type: int | None = None
    callback_data: dict[str, Any] | None = None
    # For commands: the response message. For components (and modals opened from one): the
    # message the component is on, which UPDATE_MESSAGE and @original edits change.
    source_message: FakeMessage | None = None
    response_message: FakeMessage | None = None
    followups: list[FakeMessage] = field(default_factory=list)
    modal: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    refusals: list[Refusal] = field(default_factory=list)
    original_edits: int = 0
    late: bool = False  # the bot's initial callback came after the deadline and was refused
    expired: bool = False  # the deadline passed with no initial callback at all
    modal_submitted: bool = False
    _waiters: list[asyncio.Future[None]] = field(default_factory=list, repr=False)

    # -- what tests read ----------------------------------------------------------------------

    @property
    def acked(self) -> bool:
        return self.callback_type is not None

    @property
    def ack_latency(self) -> float | None:
        """Seconds from dispatch to the accepted initial callback."""
        if self.acked_at is None:
            return None
        return self.acked_at - self.dispatched_at

    @property
    def deferred(self) -> bool:
        return self.callback_type in (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE)

    @property
    def original(self) -> FakeMessage | None:
        """The message `@original` names: the response, or the component's message."""
        if self.response_message is not None:
            return self.response_message
        if self.callback_type in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            return self.source_message
        return None

    @property
    def messages(self) -> list[FakeMessage]:
        """The response message (if any) and follow-ups, in order, as they are now."""
        found = [self.response_message] if self.response_message is not None else []
        if self.response_message is None and self.callback_type == UPDATE_MESSAGE:
            found = [self.source_message] if self.source_message is not None else []
        return [m for m in [*found, *self.followups] if not m.deleted]

    @property
    def text(self) -> str:
        """Every visible text of every message of this interaction, for assertions."""
        return "\n".join(m.text for m in self.messages)

    @property
    def ephemeral(self) -> bool:
        messages = self.messages
        return bool(messages) and all(m.ephemeral for m in messages)

    @property
    def failed(self) -> bool:
        """What the member sees as "This interaction failed": no initial response in time."""
        return self.callback_type is None and (self.late or self.expired)

    @property
    def complete(self) -> bool:
        """The member has seen an answer: a final callback, or a deferral then content."""
        if self.callback_type in FINAL_CALLBACKS:
            return True
        if self.callback_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            return bool(self.followups) or (
                self.response_message is not None and not self.response_message.loading
            )
        if self.callback_type == DEFERRED_UPDATE_MESSAGE:
            return bool(self.followups) or self.original_edits > 0
        return False

    def buttons(self) -> list[dict[str, Any]]:
        return [button for message in self.messages for button in message.buttons()]

    def message_with(self, custom_id: str) -> FakeMessage:
        for message in reversed(self.messages):
            if message.component(custom_id) is not None:
                return message
        raise LookupError(f"no message of interaction {self.id} has custom_id {custom_id!r}")

    # -- waiting ----------------------------------------------------------------------------

    def notify(self) -> None:
        """Something about this interaction changed: wake whoever waits on it."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_until(
        self, predicate: Callable[[InteractionRecord], bool], within: float = 10.0
    ) -> InteractionRecord:
        try:
            async with asyncio.timeout(within):
                while not predicate(self):
                    waiter = asyncio.get_running_loop().create_future()
                    self._waiters.append(waiter)
                    await waiter
        except TimeoutError:
            raise TimeoutError(
                f"interaction {self.id} (type {self.type}) did not reach the expected state within "
                f"{within}s: callback={self.callback_type} followups={len(self.followups)} "
                f"refusals={self.refusals}"
            ) from None
        return self

    async def wait_complete(self, within: float = 10.0) -> InteractionRecord:
        """Until the member has seen an answer; `InteractionFailed` as soon as it cannot
        happen any more (no initial callback within the deadline)."""
        await self.wait_until(lambda r: r.complete or r.failed, within)
        if not self.complete:
            raise InteractionFailed(self)
        return self

    async def wait_followups(self, count: int, within: float = 10.0) -> InteractionRecord:
        return await self.wait_until(lambda r: len(r.followups) >= count, within)


class InteractionFailed(TimeoutError):
    """The bot did not acknowledge the interaction within Discord's deadline."""

    def __init__(self, record: InteractionRecord) -> None:
        reason = "its callback came late and was refused" if record.late else "no callback"
        super().__init__(
            f"interaction {record.id} (type {record.type}) failed: {reason}; "
            f"refusals={record.refusals}"
        )
        self.record = record


@dataclass(frozen=True)
class AckStats:
    """Time from dispatch to the initial callback, over the interactions dispatched."""

    interactions: int
    acked: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    late: int  # refused for coming after the deadline, or never acknowledged at all
    limit_ms: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "interactions": self.interactions,
            "acked": self.acked,
            "ack_p50_ms": round(self.p50_ms, 2),
            "ack_p99_ms": round(self.p99_ms, 2),
            "ack_max_ms": round(self.max_ms, 2),
            "ack_limit_ms": self.limit_ms,
            "late": self.late,
        }


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def ack_stats(records: Sequence[InteractionRecord], deadline: float) -> AckStats:
    now = time.monotonic()
    latencies = [r.ack_latency * 1000 for r in records if r.ack_latency is not None]
    late = sum(
        1
        for r in records
        if r.late or (r.callback_type is None and now - r.dispatched_at > deadline)
    )
    return AckStats(
        interactions=len(records),
        acked=len(latencies),
        p50_ms=percentile(latencies, 0.50),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=0.0),
        late=late,
        limit_ms=deadline * 1000,
    )
