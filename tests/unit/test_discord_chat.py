"""How discord.py's failures reach the core: gone channels, rate limits, the rest."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.chat import nonce_for, translate
from bot.ports import ChannelGone, ChatError, RateLimited


class _Response:
    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "reason"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            discord.NotFound(_Response(404), {"code": 10003, "message": "Unknown Channel"}),
            ChannelGone,
        ),
        (
            discord.Forbidden(_Response(403), {"code": 50001, "message": "Missing Access"}),
            ChannelGone,
        ),
        (discord.HTTPException(_Response(500), "boom"), ChatError),
    ],
)
def test_http_failures_map_to_the_cores_errors(error, expected):
    translated = translate(error, "send")
    assert type(translated) is expected


def test_a_429_discord_py_already_waited_for_is_retried_at_once():
    translated = translate(discord.HTTPException(_Response(429), {"retry_after": 3.0}), "send")
    assert isinstance(translated, RateLimited) and translated.retry_after == 0.0


def test_a_429_discord_py_refused_to_wait_for_keeps_its_wait():
    translated = translate(discord.RateLimited(42.0), "send")
    assert isinstance(translated, RateLimited) and translated.retry_after == 42.0


def test_nonces_are_stable_short_and_distinct():
    assert nonce_for("qotd-post:1") == nonce_for("qotd-post:1")
    assert nonce_for("qotd-post:1") != nonce_for("qotd-post:2")
    assert nonce_for("qotd-post:1") != nonce_for("qotd-reveal:1")
    assert all(len(nonce_for(f"k{i}")) <= 25 for i in range(1000))
