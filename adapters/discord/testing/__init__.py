"""A local Discord for end-to-end tests and `prepbot bench discord`.

`FakeDiscord` serves Discord's REST API (`api_url`, for `discord.http.Route.BASE`) and gateway
(`gateway_url`, for `DiscordWebSocket.DEFAULT_GATEWAY`) on 127.0.0.1 to the unmodified
discord.py client, and lets a test act as members through the puppet API (`slash`, `click`,
`select`, `submit_modal`, `autocomplete`, `send_interaction`, `dispatch_raw`).

Modelled as Discord does it:
- gateway: HELLO, heartbeat ACK, IDENTIFY (token, shard, intents; privileged intents refused
  with 4014) -> READY + GUILD_CREATE per guild of the shard, RESUME with replay -> RESUMED,
  INVALID_SESSION, RECONNECT, zlib-stream, GUILD_CREATE on join (no `unavailable`),
  GUILD_DELETE on removal or leave, CHANNEL_* and THREAD_CREATE;
- interactions: one initial callback within 3 s (10062 after, 40060 for a second one),
  callback types per interaction type, "thinking" defers filled by the first follow-up,
  follow-ups and @original edits while the token lives (15 min, then 401 50027);
- messages: 50035 Invalid Form Body with Discord's nested errors (content, embeds, fields,
  components, custom_id, modal inputs, autocomplete choices, commands, nonce length), 50006
  empty, 413 over 10 MiB, 10003/10008 unknown, 403 50001 hidden channel, `enforce_nonce`
  deduplication, uploads as `payload_json` + `files[n]` (served back under /attachments),
  mentions resolved through `allowed_mentions`, threads from a message (160004 twice);
- rate limits: per-route buckets with X-RateLimit-* headers, a global 50/s for bot-token
  requests, 429s ordered by tests (`rate_limit`), early retries counted;
- the client's own checks: commands hidden by `default_member_permissions`, option
  names/types/choices/lengths, disabled buttons, modal lengths, one modal on screen per
  member (`ClientRefused`).

Not modelled: voice, DMs and user installs, MESSAGE_CREATE for the bot's own posts, member
and presence events, the identify concurrency window and session expiry (use
`drop_connection(forget_session=True)`), the invalid-request ban (counted in
`invalid_requests`, not enforced), components v2 layout rules, audit log reasons,
Cloudflare. Guild outages happen only when a test asks (`guild_outage`, `guild_recovered`).
"""

from adapters.discord.testing.interactions import (
    AckStats,
    InteractionFailed,
    InteractionRecord,
    Refusal,
)
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
    "InteractionFailed",
    "InteractionRecord",
    "NotConnected",
    "Refusal",
    "RequestLogEntry",
]
