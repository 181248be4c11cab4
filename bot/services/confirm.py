"""Confirmations typed in words: after "Delete your data?", a member types `yes`.

A reply that asks for confirmation carries a danger button whose action ends in
`:confirm` (`forget-me:confirm`, `cohort:delete:NAME:confirm`). `Prepbot` remembers that
action for the member who was asked, for a few minutes; their next plain line runs it when
it says yes (`yes`, `y`, `confirm`), cancels it when it says no, and otherwise is read as
usual (and the question lapses). Buttons and `... confirm` arguments work without this.

The memory is per process and short on purpose: after a restart, or on another process,
`yes` finds nothing and the member is told the exact command instead. Nothing is deleted
without an explicit yes from the member who was asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.services.context import Caller
from bot.views import Reply

CONFIRM_SUFFIX = ":confirm"
YES = frozenset({"yes", "y", "confirm", "yes please", "yes, delete", "delete"})
NO = frozenset({"no", "n", "cancel", "stop", "keep"})
TTL_SECONDS = 300.0
MAX_WAITING = 10_000

Key = tuple[str, str, str]


def key_of(caller: Caller) -> Key:
    return (caller.platform, caller.community_external_id, caller.member_external_id)


def confirm_action(reply: Reply) -> str | None:
    """The action a reply asks the member to confirm, if it asks."""
    for button in reply.buttons:
        if button.style == "danger" and button.action.endswith(CONFIRM_SUFFIX):
            return button.action
    return None


def reads_as(line: str) -> str | None:
    """ "yes", "no", or None for a line that is neither."""
    said = " ".join(line.casefold().strip(" .!").split())
    if said in YES:
        return "yes"
    if said in NO:
        return "no"
    return None


@dataclass
class Confirmations:
    """Which action each member was last asked to confirm, and until when."""

    ttl: float = TTL_SECONDS
    now: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self._waiting: dict[Key, tuple[str, float]] = {}

    def ask(self, caller: Caller, action: str) -> None:
        if len(self._waiting) >= MAX_WAITING:
            self._expire()
        self._waiting[key_of(caller)] = (action, self.now() + self.ttl)

    def take(self, caller: Caller) -> str | None:
        """The action waiting for this member (forgotten once taken), if still fresh."""
        found = self._waiting.pop(key_of(caller), None)
        if found is None or found[1] < self.now():
            return None
        return found[0]

    def drop(self, caller: Caller) -> None:
        self._waiting.pop(key_of(caller), None)

    def _expire(self) -> None:
        moment = self.now()
        for key in [k for k, (_, until) in self._waiting.items() if until < moment]:
            del self._waiting[key]
