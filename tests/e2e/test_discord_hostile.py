"""Hostile and garbage input on Discord: names and answers full of mentions and markdown,
answers over 4,000 characters, unknown buttons, forged and malformed interactions and gateway
events. Nothing pings anyone, nothing is lost, every member gets an answer, and the bot
keeps serving."""

from __future__ import annotations

import pytest

from adapters.discord.testing.interactions import (
    APPLICATION_COMMAND,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
)
from tests.e2e.discord_world import discord_world

HOSTILE = "@everyone <@&1> <@1> **bold** `code` ||spoiler|| @here"


@pytest.fixture
async def world(tmp_path):
    async with discord_world(tmp_path) as w:
        yield w


def _no_pings(world) -> None:
    for message in world.fake.messages_by_id.values():
        assert message.mentioned_user_ids == [], message.text
        assert not message.mentions_everyone, message.text
        assert not message.data.get("mention_roles"), message.text


async def test_hostile_names_and_answers_ping_nobody(world):
    fake = world.fake
    mallory = fake.add_member(world.guild, "mallory", display_name=HOSTILE)
    created = await fake.slash(world.admin, "cohort create", name="night-owls")
    assert not created.refusals
    await fake.slash(mallory, "cohort join", name="night-owls")
    asked = await fake.slash(mallory, "quiz", kind="open")
    form = next(b["custom_id"] for b in asked.buttons() if b["label"] == "Answer")
    opened = await fake.click(mallory, asked.message_with(form), form)
    answer = (HOSTILE + " stemming strips suffixes ") * 60
    answer = answer[:4000]
    graded = await fake.submit_modal(mallory, opened.modal["custom_id"], {"answer": answer})
    assert "/100" in graded.text
    board = await fake.slash(mallory, "leaderboard")
    assert "**bold**" in board.text or "\\*\\*bold" in board.text
    roster = await fake.slash(world.admin, "cohort roster", name="night-owls")
    assert "@everyone" in roster.text
    await fake.slash(world.admin, "qotd setup", channel=world.study, time="09:00")
    _no_pings(world)


async def test_an_answer_over_4000_characters_is_refused_and_nothing_is_lost(world):
    fake, alice = world.fake, world.alice
    asked = await fake.slash(alice, "quiz", kind="open")
    form = next(b["custom_id"] for b in asked.buttons() if b["label"] == "Answer")
    opened = await fake.click(alice, asked.message_with(form), form)
    modal_id = opened.modal["custom_id"]
    # Discord's client stops at 4,000; a forged submission goes further and is refused.
    long = "x" * 4500
    forged = await fake.send_interaction(
        alice,
        MODAL_SUBMIT,
        {
            "custom_id": modal_id,
            "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": long}]}
            ],
        },
        wait=True,
    )
    assert forged.ephemeral and "4,500 characters; the limit is 4,000" in forged.text
    # The question is still waiting for Alice: her real answer is graded.
    reopened = await fake.click(alice, asked.message_with(form), form)
    graded = await fake.submit_modal(
        alice, reopened.modal["custom_id"], {"answer": "Stemming uses rules to cut suffixes."}
    )
    assert "/100" in graded.text and "Model answer" in graded.text


async def test_garbage_interactions_get_an_apology_and_the_bot_keeps_serving(world):
    fake, alice = world.fake, world.alice
    unknown_button = await fake.send_interaction(
        alice, MESSAGE_COMPONENT, {"custom_id": "not-ours:42", "component_type": 2}, wait=True
    )
    assert unknown_button.ephemeral and "don't recognise" in unknown_button.text
    forged_action = await fake.send_interaction(
        alice,
        MESSAGE_COMPONENT,
        {"custom_id": "pb:a:answer:no-such-question:Z", "component_type": 2},
        wait=True,
    )
    assert forged_action.ephemeral and forged_action.text
    unknown_modal = await fake.send_interaction(
        alice, MODAL_SUBMIT, {"custom_id": "pb:zz", "components": []}, wait=True
    )
    assert unknown_modal.ephemeral and unknown_modal.text
    empty_modal = await fake.send_interaction(
        alice, MODAL_SUBMIT, {"custom_id": "pb:m:answer:x", "components": "garbage"}, wait=True
    )
    assert empty_modal.ephemeral and empty_modal.text
    stale_command = await fake.send_interaction(
        alice,
        APPLICATION_COMMAND,
        {"id": "1", "name": "dance", "type": 1, "options": []},
        wait=True,
    )
    assert stale_command.ephemeral and "Sorry" in stale_command.text
    # Malformed gateway events: logged and dropped, the connection stays up.
    await fake.dispatch_raw(world.guild, "INTERACTION_CREATE", {"id": "x", "type": 3})
    await fake.dispatch_raw(world.guild, "INTERACTION_CREATE", [1, 2, 3])
    await fake.dispatch_raw(world.guild, "GUILD_CREATE", {"nonsense": True})
    await fake.dispatch_raw(world.guild, "MESSAGE_CREATE", None)
    still = await fake.slash(alice, "help")
    assert "/quiz" in still.text
    assert not [r for r in fake.interactions.values() if r.late]


async def test_a_malformed_interaction_with_a_token_still_gets_an_apology(world):
    fake, alice = world.fake, world.alice
    broken = await fake.send_interaction(
        alice,
        MESSAGE_COMPONENT,
        {"component_type": 2},  # no custom_id: discord.py's parser fails on it
        wait=True,
    )
    assert broken.ephemeral and "Sorry" in broken.text
    assert "/quiz" in (await fake.slash(alice, "help")).text


async def test_a_direct_message_interaction_is_told_to_use_a_server(world):
    fake, alice = world.fake, world.alice
    record = await fake.send_interaction(
        alice,
        APPLICATION_COMMAND,
        {"id": "1", "name": "quiz", "type": 1, "options": []},
        overrides={
            "guild_id": None,
            "guild": None,
            "member": None,
            "user": alice.user.payload(),
            "context": 1,
            "channel": {"id": "99", "type": 1},
            "channel_id": "99",
        },
        wait=True,
    )
    assert record.acked
    assert record.ephemeral and "works inside a server" in record.text, record.text


async def test_a_core_failure_gets_an_apology_and_the_next_call_works(world, monkeypatch):
    assert world.bot is not None
    core = world.bot.core
    original = core.leaderboard.board
    calls = {"n": 0}

    async def broken(caller, args=(), limit=10):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return await original(caller, args, limit)

    monkeypatch.setattr(core.leaderboard, "board", broken)
    failed = await world.fake.slash(world.alice, "leaderboard")
    assert failed.ephemeral and "Sorry, something went wrong" in failed.text
    works = await world.fake.slash(world.alice, "leaderboard")
    assert "Leaderboard" in works.text
