"""The question of the day on Discord: a public post with answer buttons, private answers
from two members, the count kept current, a reveal that closes the post, posts the answer
and opens a thread; the weekly digest; 429 storms; channels and guilds that go away."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.discord_world import MONDAY_7AM, World, discord_world

NINE = MONDAY_7AM + timedelta(hours=2, minutes=1)
AFTER_REVEAL = NINE + timedelta(hours=8, minutes=5)


@pytest.fixture
async def world(tmp_path):
    async with discord_world(tmp_path) as w:
        yield w


async def _setup(world: World, **options: str) -> None:
    record = await world.fake.slash(world.admin, "qotd setup", channel=world.study, **options)
    assert "Question of the day is set up" in record.text or "updated" in record.text, record.text
    assert record.ephemeral


async def _answer(world: World, member, post, text: str) -> str:
    """Answer the post as a member would: a choice button, or the form."""
    labels = {b["label"]: b["custom_id"] for b in post.buttons()}
    fake = world.fake
    if "A" in labels:
        record = await fake.click(member, post, labels["A"])
        return record.text
    opened = await fake.click(member, post, labels["Answer privately"])
    assert opened.modal is not None
    record = await fake.submit_modal(member, opened.modal["custom_id"], {"answer": text})
    assert record.ephemeral
    return record.text


async def test_qotd_posted_answered_by_two_and_revealed_with_a_thread(world):
    await _setup(world, time="09:00", digest="mon")
    assert world.bot is not None
    report = await world.bot.tick(NINE)
    assert report.posted == 1 and report.digests == 1
    posts = world.posts()
    question = next(p for p in posts if "Question of the day ·" in p.text)
    digest = next(p for p in posts if "Weekly leaderboard" in p.text)
    assert digest.embeds and not digest.buttons()
    assert not question.ephemeral and question.nonce
    assert "Answered: 0" in question.text
    for member in (world.alice, world.bob):
        graded = await _answer(world, member, question, "stemming strips suffixes with rules")
        assert "Question of the day · your grade" in graded
        assert "/100" in graded
    # A second answer is not counted twice.
    again = await _answer(world, world.alice, world.fake.message(question.id), "again")
    assert "your first answer counts" in again
    await world.bot.core.qotd.settle()
    assert "Answered: 2" in world.fake.message(question.id).text

    world.clock.set(AFTER_REVEAL)
    report = await world.bot.tick(AFTER_REVEAL)
    assert report.revealed == 1
    closed = world.fake.message(question.id)
    assert "Answers closed" in closed.text
    assert closed.buttons() and all(b.get("disabled") for b in closed.buttons())
    reveal = next(p for p in world.posts() if p.text.startswith("Question of the day · the answer"))
    assert "Model answer" in reveal.text and "Answered: 2" in reveal.text
    threads = world.fake.threads(world.study)
    assert len(threads) == 1 and threads[0].starter_message_id == reveal.id
    # Answering after the reveal: Discord's client cannot press a disabled button; a forged
    # press gets a clear refusal and records nothing.
    from adapters.discord.testing.interactions import MESSAGE_COMPONENT

    action = next(b["custom_id"] for b in closed.buttons())
    forged = await world.fake.send_interaction(
        world.admin,
        MESSAGE_COMPONENT,
        {"custom_id": action, "component_type": 2},
        channel=world.study,
        message=closed,
        wait=True,
    )
    if forged.modal is not None:
        # A free-text question's button opens the form; the answer is refused on submit.
        forged = await world.fake.submit_modal(
            world.admin, forged.modal["custom_id"], {"answer": "too late"}
        )
    assert forged.ephemeral
    assert "closed" in forged.text.lower(), forged.text
    board = await world.fake.slash(world.admin, "leaderboard", window="day")
    assert "Alice" in board.text and "Bob" in board.text and "Ada" not in board.text


async def test_a_retried_post_is_deduplicated_by_its_nonce(world):
    await _setup(world, time="09:00")
    assert world.bot is not None
    chat = world.bot.adapter.chat
    from adapters.discord.chat import nonce_for
    from bot.ports import Target
    from bot.views import Reply

    target = Target("discord", str(world.study.id))
    reply = Reply(text="once", private=False, key="qotd:424242:question")
    first = await chat.send(target, reply)
    second = await chat.send(target, reply)
    assert first.message_id == second.message_id
    assert [p.text for p in world.posts()].count("once") == 1
    assert world.fake.message(first.message_id).nonce == nonce_for("qotd:424242:question")
    assert len(nonce_for("x" * 500)) <= 25


async def test_a_429_storm_during_fan_out_posts_everything_once(world):
    channels = [world.study]
    for index in range(5):
        channels.append(await world.fake.add_channel(world.guild, f"room-{index}"))
    for channel in channels:
        record = await world.fake.slash(world.admin, "qotd setup", channel=channel, time="09:00")
        assert not record.refusals
    assert world.bot is not None
    world.fake.rate_limit(8, route="POST /channels/{channel_id}/messages", retry_after=0.2)
    report = await world.bot.tick(NINE)
    assert report.posted == len(channels), report
    for channel in channels:
        posts = [p for p in world.fake.messages(channel) if "Question of the day ·" in p.text]
        assert len(posts) == 1, channel.name
    assert len(world.fake.rate_limited) >= 8
    # Every retry waited out its retry_after: no request came back early.
    assert world.fake.early_retries == []


@pytest.mark.parametrize("how", ["deleted", "forbidden"])
async def test_a_deleted_or_forbidden_channel_pauses_its_subscription(world, how):
    general = world.guild.text_channels()[0]
    await _setup(world, time="09:00", notify=general)
    assert world.bot is not None
    if how == "deleted":
        await world.fake.delete_channel(world.study)
    else:
        await world.fake.forbid_channel(world.study)
    report = await world.bot.tick(NINE)
    assert report.gone == 1 and report.posted == 0
    assert await world.bot.core.qotd.schedules() == []
    # The admins hear about it where they asked (a channel option, passed by id).
    notices = [m for m in world.fake.messages(general) if "Question of the day paused" in m.text]
    assert len(notices) == 1 and "/qotd resume" in notices[0].text


async def test_a_guild_removal_pauses_that_guilds_subscriptions_only(world):
    other = await world.fake.add_guild("Other server")
    owner = world.fake.add_member(other, "olga", admin=True)
    lounge = await world.fake.add_channel(other, "lounge")
    await _setup(world, time="09:00")
    record = await world.fake.slash(owner, "qotd setup", channel=lounge, time="09:00")
    assert "set up" in record.text
    assert world.bot is not None
    assert len(await world.bot.core.qotd.schedules()) == 2
    await world.fake.remove_guild(world.guild)
    qotd = world.bot.core.qotd
    for _ in range(200):
        if len(await qotd.schedules()) == 1:
            break
        import asyncio

        await asyncio.sleep(0.02)
    remaining = await qotd.schedules()
    assert [s.channel for s in remaining] == [str(lounge.id)]
    report = await world.bot.tick(NINE)
    assert report.posted == 1


async def test_qotd_answer_command_with_and_without_text(world):
    await _setup(world, time="09:00")
    assert world.bot is not None
    await world.bot.tick(NINE)
    fake = world.fake
    # Without text: Discord has no "next message", so a form collects the answer.
    opened = await fake.slash(world.alice, "qotd answer", channel=world.study)
    assert opened.modal is not None and opened.modal["custom_id"] == "pb:c:qotd:answer"
    graded = await fake.submit_modal(world.alice, "pb:c:qotd:answer", {"answer": "A"})
    assert "Question of the day · your grade" in graded.text
    typed = await fake.slash(world.bob, "qotd answer", channel=world.study, text="B")
    assert "Question of the day · your grade" in typed.text and typed.ephemeral
    elsewhere = await fake.slash(world.bob, "qotd answer", text="B")
    assert "no question of the day open here" in elsewhere.text


async def test_guilds_are_isolated(world):
    other = await world.fake.add_guild("Elsewhere")
    stranger = world.fake.add_member(other, "zed", display_name="Zed")
    asked = await world.fake.slash(stranger, "quiz", kind="choice")
    custom_id = next(b["custom_id"] for b in asked.buttons() if b["label"] == "A")
    await world.fake.click(stranger, asked.message_with(custom_id), custom_id)
    here = await world.fake.slash(world.alice, "leaderboard")
    there = await world.fake.slash(stranger, "leaderboard")
    assert "Zed" not in here.text and "Zed" in there.text


async def test_a_post_discord_py_gives_up_on_is_retried_by_the_core_without_a_second_wait(world):
    await _setup(world, time="09:00", digest="off")
    assert world.bot is not None
    # discord.py retries a 429 five times, sleeping each retry_after; the sixth refusal
    # reaches the core as RateLimited(0), whose limiter retries at once.
    world.fake.rate_limit(6, route="POST /channels/{channel_id}/messages", retry_after=0.05)
    report = await world.bot.tick(NINE)
    assert report.posted == 1 and report.failed == 0, report
    posts = [p for p in world.posts() if "Question of the day ·" in p.text]
    assert len(posts) == 1
    assert len(world.fake.rate_limited) == 6
    assert world.fake.early_retries == []
    # The core saw one refusal from discord.py (not six) and did not wait on it again.
    assert world.bot.core.qotd.chat.throttled == 1


async def test_a_long_model_answer_is_revealed_whole_in_parts(tmp_path):
    import yaml

    from tests.conftest import SAMPLE_PACKS

    pack = yaml.safe_load((SAMPLE_PACKS / "sample.yaml").read_text())
    long_answer = "Stemming cuts suffixes by rule; lemmatization looks words up. " * 30
    for question in pack["questions"]:
        question["model_answer"] = long_answer.strip()
    content = tmp_path / "content"
    content.mkdir()
    (content / "sample.yaml").write_text(yaml.safe_dump(pack))
    async with discord_world(tmp_path, PREPBOT_CONTENT_DIR=str(content)) as world:
        await _setup(world, time="09:00", digest="off")
        assert world.bot is not None
        await world.bot.tick(NINE)
        world.clock.set(AFTER_REVEAL)
        assert (await world.bot.tick(AFTER_REVEAL)).revealed == 1
        assert len(world.fake.threads(world.study)) == 1
        (reveal,) = [
            m
            for m in world.fake.messages(world.study)
            if any("the answer" in (e.get("title") or "") for e in m.embeds)
        ]
        fields = [f for e in reveal.embeds for f in e.get("fields", [])]
        parts = [f["value"] for f in fields if f["name"].startswith("Model answer")]
        # Discord accepted every field (the fake refuses one over 1,024 characters), and
        # the parts together are the whole answer: nothing was cut.
        assert len(parts) > 1
        assert " ".join(parts).split() == long_answer.split()
