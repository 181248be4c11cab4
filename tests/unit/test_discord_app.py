"""Discord start-up settings: endpoints, intents, mentions, sharding."""

from __future__ import annotations

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.app import (
    ConfigurationError,
    DiscordAdapter,
    configure_endpoints,
    make_client,
    shard_ids,
)
from bot.config import Settings


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, DISCORD_TOKEN="t", **values)  # type: ignore[call-arg]


@pytest.fixture
def restore_endpoints():
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    yield
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def test_endpoints_point_discord_py_elsewhere(restore_endpoints):
    configure_endpoints(
        settings(
            DISCORD_API_URL="http://127.0.0.1:8080/api/v10/",
            DISCORD_GATEWAY_URL="ws://127.0.0.1:8080/gateway",
        )
    )
    assert Route.BASE == "http://127.0.0.1:8080/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:8080/gateway"
    assert isinstance(DiscordWebSocket.DEFAULT_GATEWAY, yarl.URL)


async def test_the_client_asks_for_guilds_only_and_mentions_nobody():
    client = make_client(settings())
    assert type(client) is discord.Client
    assert client.intents.value == discord.Intents(guilds=True).value
    assert not client.intents.members and not client.intents.message_content
    mentions = client.allowed_mentions
    assert mentions is not None
    assert mentions.to_dict() == discord.AllowedMentions.none().to_dict()
    assert client._connection.max_messages is None
    await client.close()


def test_a_shard_count_makes_an_auto_sharded_client():
    client = make_client(settings(DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="2,3"))
    assert isinstance(client, discord.AutoShardedClient)
    assert client.shard_count == 4 and client.shard_ids == [2, 3]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"DISCORD_SHARD_IDS": "0"}, "needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,x"}, "shard numbers"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"}, "0..1"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "-1"}, "shard numbers|0..1"),
    ],
)
def test_bad_shard_settings_are_refused_before_start(values, message):
    with pytest.raises(ConfigurationError, match=message):
        DiscordAdapter(settings(**values))


def test_shard_ids_are_sorted_and_unique():
    assert shard_ids(settings(DISCORD_SHARD_COUNT="3", DISCORD_SHARD_IDS="2, 0,2")) == [0, 2]
    assert shard_ids(settings(DISCORD_SHARD_COUNT="3")) is None
