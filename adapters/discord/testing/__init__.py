"""A local Discord for end-to-end tests and `prepbot bench discord`.

`FakeDiscord` serves Discord's REST API (under `api_url`) and gateway (`gateway_url`) to the
unmodified discord.py client, refuses what Discord refuses (late or double interaction
callbacks, oversized messages, unknown or forbidden channels, bad tokens, early retries
after a 429), and lets a test act as members through the puppet API (`slash`, `click`,
`select`, `submit_modal`, `autocomplete`). See docs/architecture.md for what it models.
"""

from adapters.discord.testing.interactions import AckStats, InteractionRecord, Refusal
from adapters.discord.testing.options import ClientRefused
from adapters.discord.testing.puppet import NotConnected
from adapters.discord.testing.server import FakeDiscord, RequestLogEntry
from adapters.discord.testing.state import (
    ADMINISTRATOR,
    MANAGE_GUILD,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeMessage,
    FakeUser,
)

__all__ = [
    "ADMINISTRATOR",
    "MANAGE_GUILD",
    "AckStats",
    "ClientRefused",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeMessage",
    "FakeUser",
    "InteractionRecord",
    "NotConnected",
    "Refusal",
    "RequestLogEntry",
]
