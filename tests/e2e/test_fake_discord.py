"""The fake Discord against the unmodified discord.py client.

A minimal bot (a `discord.Client` with an `app_commands.CommandTree`, written here, not
prepbot's adapter) connects to `FakeDiscord`; the tests prove the fake speaks the protocol
the client expects and refuses what Discord refuses.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import time
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.testing import (
    MANAGE_GUILD,
    ClientRefused,
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeMember,
    InteractionFailed,
)


class Answer(discord.ui.Modal, title="Your answer"):
    text: discord.ui.TextInput[Answer] = discord.ui.TextInput(
        label="Answer", style=discord.TextStyle.paragraph, max_length=4000, custom_id="text"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {len(self.text.value)} chars", ephemeral=True)


class Again(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Again", custom_id="again")
    async def again(
        self, interaction: discord.Interaction, button: discord.ui.Button[Again]
    ) -> None:
        await interaction.response.edit_message(content="pressed", view=None)


class Counter(discord.ui.View):
    """A public post whose button acknowledges silently, then edits the post itself."""

    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.count = 0

    @discord.ui.button(label="Answer", custom_id="count")
    async def count_one(
        self, interaction: discord.Interaction, button: discord.ui.Button[Counter]
    ) -> None:
        await interaction.response.defer()
        self.count += 1
        assert interaction.message is not None
        await interaction.message.edit(content=f"{self.count} answers")


class Level(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.select(
        custom_id="level",
        options=[discord.SelectOption(label=name, value=name) for name in ("junior", "senior")],
    )
    async def level(
        self, interaction: discord.Interaction, select: discord.ui.Select[Level]
    ) -> None:
        await interaction.response.send_message(f"level {select.values[0]}", ephemeral=True)

    @discord.ui.button(label="Closed", custom_id="closed", disabled=True)
    async def closed(
        self, interaction: discord.Interaction, button: discord.ui.Button[Level]
    ) -> None:
        raise AssertionError("Discord never delivers a press on a disabled button")


class Bot(discord.Client):
    """The smallest bot that exercises what prepbot's adapter relies on."""

    def __init__(self, **options: Any) -> None:
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.05,
            **options,
        )
        self.tree = app_commands.CommandTree(self)
        self.errors: list[discord.HTTPException] = []
        self.failed = asyncio.Event()
        self.before_reply: Callable[[], None] = lambda: None
        self.removed: asyncio.Queue[discord.Guild] = asyncio.Queue()
        self.joined: asyncio.Queue[discord.Guild] = asyncio.Queue()
        self.outages: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        self._commands()

    def note(self, error: discord.HTTPException) -> None:
        self.errors.append(error)
        self.failed.set()

    async def setup_hook(self) -> None:
        self.add_view(Again())
        self.add_view(Counter())
        self.add_view(Level())
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # discord.py waits 5 s between shard IDENTIFYs to respect Discord's limit.
        return None

    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        await self.outages.put(("unavailable", guild.id))

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self.outages.put(("available", guild.id))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.joined.put(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.removed.put(guild)

    def _commands(self) -> None:
        tree = self.tree

        @tree.command(description="Answer at once")
        async def ping(interaction: discord.Interaction) -> None:
            self.before_reply()
            try:
                await interaction.response.send_message("pong", ephemeral=True, view=Again())
            except discord.HTTPException as error:
                self.note(error)

        @tree.command(description="Acknowledge twice")
        async def twice(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("first")
            try:
                # A fresh response object forgets the first ack, so the request reaches Discord.
                await discord.InteractionResponse(interaction).send_message("second")
            except discord.HTTPException as error:
                self.note(error)

        @tree.command(description="Oversized embed, then a valid answer")
        async def big(interaction: discord.Interaction) -> None:
            try:
                await interaction.response.send_message(embed=discord.Embed(description="x" * 4097))
            except discord.HTTPException as error:
                self.note(error)
                await interaction.response.send_message("too long, shortened", ephemeral=True)

        @tree.command(description="Think, then follow up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("thought about it", ephemeral=True)
            await interaction.followup.send("and one more thing", ephemeral=True)

        @tree.command(description="Open the answer form")
        async def answer(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Answer())

        @tree.command(description="Export a CSV")
        async def export(interaction: discord.Interaction) -> None:
            data = io.BytesIO(b"member,points\nalice,10\n")
            await interaction.response.send_message(
                "roster", file=discord.File(data, "roster.csv"), ephemeral=True
            )

        @tree.command(description="Pick a topic")
        @app_commands.describe(topic="The topic")
        async def topic(interaction: discord.Interaction, topic: str) -> None:
            await interaction.response.send_message(f"topic {topic}", ephemeral=True)

        @topic.autocomplete("topic")
        async def topics(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            names = ["nlp", "llm", "ml-basics", "transformers"]
            return [app_commands.Choice(name=n, value=n) for n in names if current in n]

        @tree.command(description="Post publicly with a counter")
        async def post(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("0 answers", view=Counter())

        @tree.command(description="Pick a level")
        async def pick(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Pick one", view=Level(), ephemeral=True)

        cohort = app_commands.Group(name="cohort", description="Cohorts")

        @cohort.command(name="add", description="Add a member")
        async def cohort_add(
            interaction: discord.Interaction, member: discord.Member, weeks: int = 4
        ) -> None:
            await interaction.response.send_message(
                f"added {member.name} for {weeks} weeks", ephemeral=True
            )

        tree.add_command(cohort)

        @tree.command(description="Admins only")
        @app_commands.default_permissions(manage_guild=True)
        async def setup(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("set up", ephemeral=True)


@asynccontextmanager
async def running(fake: FakeDiscord, bot: discord.Client | None = None) -> AsyncIterator[Bot]:
    """The bot connected to the fake, ready; closed and the endpoints restored afterwards."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    client = bot or Bot()
    await client.login(fake.token)
    task = asyncio.create_task(client.connect())
    try:
        async with asyncio.timeout(10):
            await client.wait_until_ready()
        yield client  # type: ignore[misc]
    finally:
        await client.close()
        await asyncio.gather(task, return_exceptions=True)
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


@asynccontextmanager
async def running_in_new_guild(fake: FakeDiscord) -> AsyncIterator[tuple[Bot, FakeChannel]]:
    guild = await fake.add_guild()
    async with running(fake) as bot:
        yield bot, guild.text_channels()[0]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        yield server
        # Every route discord.py called exists in the fake (unknown ones are answered 404).
        assert server.unknown_routes == []


@pytest.fixture
async def world(fake: FakeDiscord) -> tuple[FakeGuild, FakeMember, FakeMember]:
    guild = await fake.add_guild("Study group")
    alice = fake.add_member(guild, "alice")
    admin = fake.add_member(guild, "ada", admin=True)
    return guild, alice, admin


async def test_connects_gets_ready_and_guilds(fake: FakeDiscord, world) -> None:
    guild, _, _ = world
    other = await fake.add_guild("Bootcamp")
    async with running(fake) as bot:
        assert {g.id for g in bot.guilds} == {guild.id, other.id}
        assert bot.user is not None and bot.user.id == fake.application_id
        assert bot.application_id == fake.application_id
        assert bot.get_guild(guild.id).text_channels[0].name == "general"  # type: ignore[union-attr]
        # zlib-stream transport compression, as discord.py asks for it.
        assert fake.gateway.connections == [("/gateway", True)]
        assert {c["name"] for c in fake.commands()} >= {"ping", "topic", "setup"}
        assert fake.unknown_routes == []


async def test_slash_command_answered_and_button_updates_message(fake: FakeDiscord, world) -> None:
    guild, alice, _ = world
    async with running(fake):
        record = await fake.slash(alice, "ping")
        assert record.callback_type == 4
        message = record.response_message
        assert message is not None and message.content == "pong" and message.ephemeral
        assert message.custom_ids() == ["again"]
        assert record.ack_latency is not None and record.ack_latency < 3
        assert fake.messages(guild.text_channels()[0]) == []  # ephemeral: not in the channel

        pressed = await fake.click(alice, message, "again")
        assert pressed.callback_type == 7
        assert fake.message(message.id).content == "pressed"
        assert fake.message(message.id).components == []
        assert fake.ack_stats().late == 0


async def test_late_callback_is_refused_as_unknown_interaction(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake) as bot:
        # The member's interaction is 3.5 s old by the time the bot answers.
        bot.before_reply = lambda: fake.advance(3.5)
        with pytest.raises(InteractionFailed) as failed:
            await fake.slash(alice, "ping")
        record = failed.value.record
        assert record.late and record.failed
        await asyncio.wait_for(bot.failed.wait(), 5)
        assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10062
        assert record.callback_type is None
        assert fake.ack_stats().late == 1


async def test_an_unanswered_interaction_fails_at_the_deadline() -> None:
    async with (
        FakeDiscord(callback_deadline=0.2) as fake,
        running_in_new_guild(fake) as (_, channel),
    ):
        member = fake.add_member(channel.guild, "alice")
        started = time.monotonic()
        with pytest.raises(InteractionFailed) as failed:
            # discord.py drops a press on a custom_id no view handles: nobody answers.
            await fake.send_interaction(
                member, 3, {"custom_id": "nobody", "component_type": 2}, wait=True
            )
        assert failed.value.record.expired and not failed.value.record.late
        assert time.monotonic() - started < 2
        assert fake.ack_stats().late == 1


async def test_second_acknowledgement_is_refused(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake) as bot:
        record = await fake.slash(alice, "twice")
        await asyncio.wait_for(bot.failed.wait(), 5)
        assert bot.errors[0].status == 400 and bot.errors[0].code == 40060
        assert record.response_message is not None
        assert record.response_message.content == "first"
        assert [r.code for r in record.refusals] == [40060]


async def test_oversized_embed_is_refused_and_the_interaction_stays_open(
    fake: FakeDiscord, world
) -> None:
    _, alice, _ = world
    async with running(fake) as bot:
        record = await fake.slash(alice, "big")
        assert bot.errors[0].code == 50035
        assert "embeds.0.description" in str(bot.errors[0])
        assert record.text == "too long, shortened"


async def test_deferred_answer_fills_the_thinking_message(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake):
        record = await fake.slash(alice, "slow")
        await record.wait_followups(1)
        assert record.callback_type == 5
        assert record.response_message is not None
        assert not record.response_message.loading and record.response_message.ephemeral
        assert [m.content for m in record.messages] == ["thought about it", "and one more thing"]


async def test_modal_round_trip_and_client_side_limits(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake):
        opened = await fake.slash(alice, "answer")
        assert opened.callback_type == 9 and opened.modal is not None
        with pytest.raises(ClientRefused):
            await fake.submit_modal(alice, opened.modal["custom_id"], {"text": "x" * 4001})
        submitted = await fake.submit_modal(alice, opened.modal["custom_id"], {"text": "y" * 4000})
        assert submitted.text == "got 4000 chars"
        with pytest.raises(ClientRefused):  # the modal is closed once submitted
            await fake.submit_modal(alice, opened.modal["custom_id"], {"text": "again"})


async def test_autocomplete_and_options(fake: FakeDiscord, world) -> None:
    _, alice, admin = world
    async with running(fake):
        choices = await fake.autocomplete(alice, "topic", "topic", "n")
        assert [c["value"] for c in choices] == ["nlp", "transformers"]
        record = await fake.slash(alice, "topic", topic="nlp")
        assert record.text == "topic nlp"
        with pytest.raises(ClientRefused):
            await fake.slash(alice, "topic")  # required option missing
        with pytest.raises(ClientRefused):
            await fake.slash(alice, "setup")  # Manage Server only: hidden from members
        assert (await fake.slash(admin, "setup")).text == "set up"


async def test_deferred_update_then_channel_edit(fake: FakeDiscord, world) -> None:
    guild, alice, admin = world
    async with running(fake):
        posted = await fake.slash(admin, "post")
        message = posted.response_message
        assert message is not None and not message.ephemeral
        assert [m.id for m in fake.messages(guild.text_channels()[0])] == [message.id]
        for member, expected in ((alice, "1 answers"), (admin, "2 answers")):
            pressed = await fake.click(member, message, "count")
            assert pressed.callback_type == 6 and pressed.complete
            assert fake.message(message.id).content == expected
        assert fake.message(message.id).edits == 2


async def test_manage_server_permission_shows_admin_commands(fake: FakeDiscord, world) -> None:
    guild, _, _ = world
    manager = fake.add_member(guild, "manager", permissions=MANAGE_GUILD)
    async with running(fake):
        assert (await fake.slash(manager, "setup")).text == "set up"


async def test_select_and_what_members_cannot_press(fake: FakeDiscord, world) -> None:
    guild, alice, admin = world
    async with running(fake):
        menu = (await fake.slash(alice, "pick")).response_message
        assert menu is not None
        assert (await fake.select(alice, menu, "level", ["senior"])).text == "level senior"
        with pytest.raises(ClientRefused):
            await fake.select(alice, menu, "level", ["principal"])  # not an option
        with pytest.raises(ClientRefused):
            await fake.click(alice, menu, "closed")  # disabled
        with pytest.raises(ClientRefused):
            await fake.click(admin, menu, "closed")  # someone else's ephemeral message
        with pytest.raises(ClientRefused):
            await fake.click(alice, menu, "no-such-button")


async def test_subcommands_and_member_options(fake: FakeDiscord, world) -> None:
    _, alice, admin = world
    async with running(fake):
        record = await fake.slash(admin, "cohort add", member=alice, weeks=6)
        assert record.text == "added alice for 6 weeks"
        options = record.payload["data"]["options"]
        assert options[0]["name"] == "add" and options[0]["type"] == 1
        assert record.payload["data"]["resolved"]["users"][str(alice.id)]["username"] == "alice"
        for wrong in ("cohort", "cohort nope"):
            with pytest.raises(ClientRefused):
                await fake.slash(admin, wrong, member=alice)
        with pytest.raises(ClientRefused):
            await fake.slash(admin, "cohort add", member=alice, weeks="six")


async def test_attachment_upload(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake):
        record = await fake.slash(alice, "export")
        message = record.response_message
        assert message is not None and message.content == "roster"
        assert message.attachments[0].filename == "roster.csv"
        assert message.attachments[0].text == "member,points\nalice,10\n"
        async with aiohttp.ClientSession() as session, session.get(message.attachments[0].url) as r:
            assert await r.read() == b"member,points\nalice,10\n"


async def test_rate_limit_is_honoured_and_retried(fake: FakeDiscord, world) -> None:
    guild, alice, _ = world
    async with running(fake) as bot:
        channel = bot.get_partial_messageable(guild.text_channels()[0].id)
        fake.rate_limit(1, route="POST /channels/{channel_id}/messages", retry_after=0.3)
        started = time.monotonic()
        sent = await channel.send("after a 429")
        assert time.monotonic() - started >= 0.3
        assert [m.id for m in fake.messages(guild.text_channels()[0])] == [sent.id]
        assert len(fake.rate_limited) == 1 and fake.early_retries == []

        fake.rate_limit(1, retry_after=0.2, is_global=True)
        await channel.send("after a global 429")
        assert fake.rate_limited[-1].is_global and fake.early_retries == []

        # The interaction webhook retries too (and the 3-second clock keeps running).
        fake.rate_limit(
            1, route="POST /interactions/{interaction_id}/{token}/callback", retry_after=0.1
        )
        record = await fake.slash(alice, "ping")
        assert record.text == "pong" and fake.rate_limited[-1].path.startswith("/interactions/")
        assert record.ack_latency is not None and record.ack_latency >= 0.1
        assert fake.early_retries == []


async def test_nonce_deduplicates_a_retried_post() -> None:
    # Six posts to one channel: without this switch Discord's 5-per-5-s bucket would pause.
    async with (
        FakeDiscord(natural_rate_limits=False) as fake,
        running_in_new_guild(fake) as (
            bot,
            channel,
        ),
    ):
        target = bot.get_partial_messageable(channel.id)
        first = await target.send("Question of the day", nonce="qotd-42")
        again = await target.send("Question of the day", nonce="qotd-42")
        assert again.id == first.id
        assert len(fake.messages(channel)) == 1
        other = await target.send("Another day", nonce="qotd-43")
        assert other.id != first.id
        fake.advance(fake.nonce_window + 1)
        later = await target.send("Question of the day", nonce="qotd-42")
        assert later.id != first.id
        with pytest.raises(discord.HTTPException) as refused:
            await target.send("nonce too long", nonce="n" * 26)
        assert refused.value.code == 50035


async def test_channel_posts_discord_refuses(fake: FakeDiscord, world) -> None:
    guild, _, _ = world
    hidden = await fake.add_channel(guild, "staff", forbidden=True)
    gone = await fake.add_channel(guild, "old")
    await fake.delete_channel(gone)
    async with running(fake) as bot:
        with pytest.raises(discord.Forbidden) as forbidden:
            await bot.get_partial_messageable(hidden.id).send("hi")
        assert forbidden.value.code == 50001
        with pytest.raises(discord.NotFound) as missing:
            await bot.get_partial_messageable(gone.id).send("hi")
        assert missing.value.code == 10003
        general = bot.get_partial_messageable(guild.text_channels()[0].id)
        with pytest.raises(discord.HTTPException) as long:
            await general.send("x" * 2001)
        assert long.value.code == 50035
        with pytest.raises(discord.HTTPException) as empty:
            await general.send("  \n ")
        assert empty.value.code == 50006
        with pytest.raises(discord.HTTPException) as huge:
            await general.send(
                file=discord.File(io.BytesIO(b"x" * (10 * 1024 * 1024 + 1)), "big.csv")
            )
        assert huge.value.status == 413 and huge.value.code == 40005
        assert fake.messages(guild.text_channels()[0]) == []
        assert fake.invalid_requests == 1  # the 403; 400s and 404s are not counted


async def test_thread_from_a_message(fake: FakeDiscord, world) -> None:
    guild, _, _ = world
    channel = guild.text_channels()[0]
    async with running(fake) as bot:
        posted = await bot.get_partial_messageable(channel.id).send("Reveal")
        full = await bot.get_channel(channel.id).fetch_message(posted.id)  # type: ignore[union-attr]
        thread = await full.create_thread(name="Discuss today's question")
        assert [t.name for t in fake.threads(channel)] == ["Discuss today's question"]
        await thread.send("Model answer")
        assert [m.content for m in fake.messages(fake.threads(channel)[0])] == ["Model answer"]
        with pytest.raises(discord.HTTPException) as twice:
            await full.create_thread(name="Again")
        assert twice.value.code == 160004


async def test_resume_after_a_dropped_connection(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake):
        await fake.drop_connection(0)
        # Dispatched while the bot is away: replayed when it resumes.
        record = await fake.slash(alice, "ping", within=10)
        await fake.wait_for_resume(0)
        assert record.text == "pong"
        assert fake.gateway.identifies == 1
        assert [path for path, _ in fake.gateway.connections] == ["/gateway", "/gateway/resume"]


async def test_bot_removed_from_guild_and_invited_back(fake: FakeDiscord, world) -> None:
    guild, alice, _ = world
    async with running(fake) as bot:
        await fake.remove_guild(guild)
        async with asyncio.timeout(5):
            removed = await bot.removed.get()
        assert removed.id == guild.id and bot.get_guild(guild.id) is None
        with pytest.raises(discord.NotFound):
            await bot.get_partial_messageable(guild.text_channels()[0].id).send("hi")
        with pytest.raises(ClientRefused):
            await fake.slash(alice, "ping")  # the bot's commands are gone with it

        await fake.rejoin_guild(guild)
        async with asyncio.timeout(5):
            assert (await bot.joined.get()).id == guild.id
        assert (await fake.slash(alice, "ping")).text == "pong"


async def test_guild_outage_is_not_a_removal(fake: FakeDiscord, world) -> None:
    guild, _, _ = world
    async with running(fake) as bot:
        async with asyncio.timeout(5):  # the start-up GUILD_CREATE made it available
            assert await bot.outages.get() == ("available", guild.id)
        await fake.guild_outage(guild)
        async with asyncio.timeout(5):
            assert await bot.outages.get() == ("unavailable", guild.id)
        await fake.guild_recovered(guild)
        async with asyncio.timeout(5):
            assert await bot.outages.get() == ("available", guild.id)
        assert bot.removed.empty() and bot.get_guild(guild.id) is not None


async def test_invalid_token_is_refused(fake: FakeDiscord) -> None:
    saved = Route.BASE
    Route.BASE = fake.api_url
    client = discord.Client(intents=discord.Intents(guilds=True))
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()
        Route.BASE = saved


class ShardedBot(discord.AutoShardedClient):
    """Two shards in one process; the shard count comes from GET /gateway/bot."""

    def __init__(self, **options: Any) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05, **options)
        self.tree = app_commands.CommandTree(self)
        self.shards_seen: list[int | None] = []

        @self.tree.command(description="Which shard answered")
        async def shard(interaction: discord.Interaction) -> None:
            guild = interaction.guild
            self.shards_seen.append(guild.shard_id if guild else None)
            await interaction.response.send_message(f"shard {self.shards_seen[-1]}")

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


async def test_shards_get_their_own_guilds_and_interactions() -> None:
    async with FakeDiscord(shard_count=2) as fake:
        first = await fake.add_guild("Shard zero", shard_id=0)
        second = await fake.add_guild("Shard one", shard_id=1)
        members = [fake.add_member(first, "zed"), fake.add_member(second, "one")]
        async with running(fake, ShardedBot()) as bot:
            await fake.wait_until_ready()
            assert sorted(bot.shards) == [0, 1]
            sessions = {s.shard_id: s for s in fake.gateway.current_sessions()}
            assert sorted(sessions) == [0, 1] and all(s.shard_count == 2 for s in sessions.values())
            assert bot.get_guild(second.id).shard_id == 1  # type: ignore[union-attr]
            texts = [(await fake.slash(member, "shard")).text for member in members]
            assert texts == ["shard 0", "shard 1"]
            assert (await fake.slash(members[1], "shard")).shard_id == 1


async def test_invalid_session_makes_the_client_identify_again(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake):
        await fake.invalidate_session(0)
        await fake.wait_until_ready()
        assert fake.gateway.identifies == 2
        assert (await fake.slash(alice, "ping")).text == "pong"

        # A RESUME naming a session the gateway has forgotten is refused the same way.
        await fake.drop_connection(0, code=4000, forget_session=True)
        await fake.wait_until_ready()
        assert fake.gateway.identifies == 3
        assert (await fake.slash(alice, "ping")).text == "pong"


async def test_reconnect_request_resumes(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake):
        await fake.request_reconnect(0)
        await fake.wait_for_resume(0)
        assert fake.gateway.identifies == 1
        assert (await fake.slash(alice, "ping")).text == "pong"


async def test_followups_after_the_token_expires_are_refused(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake) as bot:
        record = await fake.slash(alice, "ping")
        fake.advance(15 * 60 + 1)
        # The interaction's follow-up webhook, exactly as `interaction.followup` addresses it.
        followup = discord.Webhook.partial(fake.application_id, record.token, client=bot)
        with pytest.raises(discord.HTTPException) as expired:
            await followup.send("too late")
        assert expired.value.status == 401 and expired.value.code == 50027


async def test_guild_join_and_leave(fake: FakeDiscord, world) -> None:
    guild, _, _ = world
    async with running(fake) as bot:
        joined = await fake.add_guild("New cohort")
        async with asyncio.timeout(5):
            assert (await bot.joined.get()).id == joined.id
        await bot.get_guild(guild.id).leave()  # type: ignore[union-attr]
        async with asyncio.timeout(5):
            left = await bot.removed.get()
        assert left.id == guild.id and guild.removed


async def test_privileged_intents_are_refused_without_approval(fake: FakeDiscord, world) -> None:
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = fake.api_url, yarl.URL(fake.gateway_url)
    client = discord.Client(intents=discord.Intents(guilds=True, members=True))
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with asyncio.timeout(10):
                await client.start(fake.token)
    finally:
        await client.close()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


LIMIT_CASES = {
    "content over 2000": ({"content": "x" * 2001}, "content"),
    "embed description over 4096": (
        {"embeds": [{"description": "x" * 4097}]},
        "embeds.0.description",
    ),
    "field value over 1024": (
        {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
        "embeds.0.fields.0.value",
    ),
    "more than 25 fields": (
        {"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]},
        "embeds.0.fields",
    ),
    "more than 5 rows": (
        {
            "components": [
                {
                    "type": 1,
                    "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "c"}],
                }
            ]
            * 6
        },
        "components",
    ),
    "more than 5 buttons in a row": (
        {
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}
                        for i in range(6)
                    ],
                }
            ]
        },
        "components.0.components",
    ),
    "custom_id over 100": (
        {
            "components": [
                {
                    "type": 1,
                    "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "c" * 101}],
                }
            ]
        },
        "components.0.components.0.custom_id",
    ),
}


@pytest.mark.parametrize("case", sorted(LIMIT_CASES))
async def test_message_limits_are_refused_with_invalid_form_body(
    fake: FakeDiscord, world, case: str
) -> None:
    guild, _, _ = world
    payload, where = LIMIT_CASES[case]
    async with running(fake) as bot:
        route = Route(
            "POST", "/channels/{channel_id}/messages", channel_id=guild.text_channels()[0].id
        )
        with pytest.raises(discord.HTTPException) as refused:
            await bot.http.request(route, json=payload)
        assert refused.value.status == 400 and refused.value.code == 50035
        assert f"In {where}" in str(refused.value)
        assert fake.messages(guild.text_channels()[0]) == []


async def test_modal_text_input_over_4000_is_refused(fake: FakeDiscord, world) -> None:
    _, alice, _ = world

    class TooLong(discord.ui.Modal, title="Too long"):
        text: discord.ui.TextInput[TooLong] = discord.ui.TextInput(label="Answer", max_length=4001)

    bot = Bot()

    @bot.tree.command(description="Open a modal Discord refuses")
    async def toolong(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_modal(TooLong())
        except discord.HTTPException as error:
            bot.note(error)
            await interaction.response.send_message("sorry", ephemeral=True)

    async with running(fake, bot):
        record = await fake.slash(alice, "toolong")
        assert bot.errors[0].code == 50035 and "max_length" in str(bot.errors[0])
        assert record.text == "sorry" and record.modal is None


async def test_natural_route_limit_answers_429_with_discord_headers(
    fake: FakeDiscord, world
) -> None:
    guild, _, _ = world
    url = f"{fake.api_url}/channels/{guild.text_channels()[0].id}/messages"
    headers = {"Authorization": f"Bot {fake.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        statuses = []
        for number in range(6):
            async with session.post(url, json={"content": f"post {number}"}) as response:
                statuses.append(response.status)
                last_headers, last_body = response.headers, await response.json()
        assert statuses == [200] * 5 + [429]
        assert 0 < last_body["retry_after"] <= 5 and last_body["global"] is False
        assert last_headers["X-RateLimit-Remaining"] == "0" and last_headers["Via"]
        assert last_headers["X-RateLimit-Scope"] == "user"
        async with session.get(
            f"{fake.api_url}/users/@me", headers={"Authorization": "Bot x"}
        ) as r:
            assert r.status == 401
        async with session.get(f"{fake.api_url}/no/such/route") as r:
            assert r.status == 404
        assert fake.unknown_routes == ["GET /no/such/route"]
        fake.unknown_routes.clear()


async def test_ack_latency_figures(fake: FakeDiscord, world) -> None:
    _, alice, _ = world
    async with running(fake):
        for _ in range(5):
            await fake.slash(alice, "ping")
        stats = fake.ack_stats()
        assert stats.interactions == stats.acked == 5 and stats.late == 0
        assert 0 < stats.p50_ms <= stats.p99_ms <= stats.max_ms < stats.limit_ms == 3000
        assert stats.as_dict()["ack_limit_ms"] == 3000


SHARD_ONE_PROCESS = """
import asyncio, os, sys
import discord, yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

Route.BASE = os.environ["FAKE_API"]
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["FAKE_GATEWAY"])

class Bot(discord.AutoShardedClient):
    def __init__(self):
        super().__init__(intents=discord.Intents(guilds=True), shard_count=2, shard_ids=[1],
                         guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Which shard answered")
        async def shard(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"shard 1 in process {os.getpid()}")

    async def setup_hook(self):
        await self.tree.sync()

asyncio.run(Bot().start(os.environ["FAKE_TOKEN"]))
"""


async def test_two_processes_split_the_shards() -> None:
    async with FakeDiscord(shard_count=2) as fake:
        zero = await fake.add_guild("Shard zero", shard_id=0)
        one = await fake.add_guild("Shard one", shard_id=1)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SHARD_ONE_PROCESS,
            env={
                **os.environ,
                "FAKE_API": fake.api_url,
                "FAKE_GATEWAY": fake.gateway_url,
                "FAKE_TOKEN": fake.token,
            },
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            async with running(fake, ShardedBot(shard_count=2, shard_ids=[0])):
                await fake.wait_until_ready(within=30)
                from_here = await fake.slash(fake.add_member(zero, "zed"), "shard")
                from_there = await fake.slash(fake.add_member(one, "one"), "shard")
                assert from_here.text == "shard 0"
                assert from_there.text == f"shard 1 in process {process.pid}"
                assert {s.shard_id for s in fake.gateway.current_sessions()} == {0, 1}
        finally:
            process.terminate()
            await process.wait()


async def test_gateway_protocol_refusals_and_compression(fake: FakeDiscord, world) -> None:
    """What discord.py never does wrong, checked on a raw websocket: close codes for a bad
    token, a bad shard, a missing IDENTIFY and garbage; heartbeats ACKed; zlib-stream frames."""

    async def opened(session: aiohttp.ClientSession, query: str = "v=10&encoding=json") -> Any:
        ws = await session.ws_connect(f"{fake.gateway_url}?{query}")
        hello = await ws.receive_json()
        assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41_250
        return ws

    identify = {"token": fake.token, "intents": 1, "properties": {}}
    async with aiohttp.ClientSession() as session:
        cases = [
            ({"op": 2, "d": {**identify, "token": "wrong"}}, 4004),
            ({"op": 2, "d": {**identify, "shard": [1, 1]}}, 4010),
            ({"op": 2, "d": {**identify, "intents": 1 << 1}}, 4014),
            ({"op": 8, "d": {}}, 4003),
            ("not json", 4002),
        ]
        for frame, code in cases:
            ws = await opened(session)
            if isinstance(frame, str):
                await ws.send_str(frame)
            else:
                await ws.send_json(frame)
            closing = await ws.receive()
            assert closing.type is aiohttp.WSMsgType.CLOSE and closing.data == code, frame
            await ws.close()

        ws = await opened(session)
        await ws.send_json({"op": 1, "d": None})
        assert (await ws.receive_json())["op"] == 11
        await ws.close()

        ws = await session.ws_connect(f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream")
        inflate = zlib.decompressobj()
        hello = json.loads(inflate.decompress(await ws.receive_bytes()))
        assert hello["op"] == 10
        await ws.send_json({"op": 2, "d": identify})
        ready = json.loads(inflate.decompress(await ws.receive_bytes()))
        assert ready["t"] == "READY" and ready["s"] == 1
        assert ready["d"]["guilds"] == [{"id": str(world[0].id), "unavailable": True}]
        created = json.loads(inflate.decompress(await ws.receive_bytes()))
        assert created["t"] == "GUILD_CREATE" and created["s"] == 2
        assert created["d"]["members"][0]["user"]["id"] == str(fake.application_id)
        await ws.close()
