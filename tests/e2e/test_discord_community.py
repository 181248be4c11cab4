"""Leaderboards, cohorts, roles, privacy and restarts on Discord, end to end."""

from __future__ import annotations

import csv
import io

import pytest

from adapters.discord.testing.puppet import ClientRefused
from tests.e2e.discord_world import discord_world


@pytest.fixture
async def world(tmp_path):
    async with discord_world(tmp_path) as w:
        yield w


async def _answer_choice(world, member, letter: str = "A") -> str:
    asked = await world.fake.slash(member, "quiz", kind="choice")
    custom_id = next(b["custom_id"] for b in asked.buttons() if b["label"] == letter)
    graded = await world.fake.click(member, asked.message_with(custom_id), custom_id)
    return graded.text


async def test_leaderboards_by_window_and_scope(world):
    fake = world.fake
    assert "Correct" in await _answer_choice(world, world.alice, "A")
    assert "Not quite" in await _answer_choice(world, world.bob, "B")
    for window in ("day", "week", "month", "all"):
        board = await fake.slash(world.alice, "leaderboard", window=window)
        assert "Alice — 10 pts" in board.text, (window, board.text)
    here = await fake.slash(world.alice, "leaderboard", scope="channel")
    assert "this channel" in here.text and "Alice" in here.text
    elsewhere = await fake.slash(world.alice, "leaderboard", scope="channel", channel=world.study)
    assert "Alice" not in elsewhere.text


async def test_cohort_create_join_roster_export(world):
    fake, admin, alice, bob = world.fake, world.admin, world.alice, world.bob
    created = await fake.slash(admin, "cohort create", name="spring-26", start="2026-01-01")
    assert not created.refusals and "spring-26" in created.text
    for member in (alice, bob):
        joined = await fake.slash(member, "cohort join", name="spring-26")
        assert "spring-26" in joined.text and joined.ephemeral
    suggestions = await fake.autocomplete(alice, "cohort join", "name", "spr")
    assert [c["value"] for c in suggestions] == ["spring-26"]
    await _answer_choice(world, alice)
    roster = await fake.slash(admin, "cohort roster", name="spring-26")
    assert "Alice" in roster.text and "Bob" in roster.text
    exported = await fake.slash(admin, "cohort export", name="spring-26")
    files = [a for m in exported.messages for a in m.attachments]
    assert len(files) == 1 and files[0].filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(files[0].text)))
    assert rows[0][0] == "cohort" and {"Alice", "Bob"} <= {cell for row in rows for cell in row}
    board = await fake.slash(alice, "leaderboard", cohort="spring-26")
    assert "cohort spring-26" in board.text and "Alice — 10 pts" in board.text
    added = await fake.slash(admin, "cohort add", name="spring-26", member=world.admin)
    assert "Ada" in added.text


async def test_admin_commands_are_refused_to_members_with_a_reason(world):
    fake, alice = world.fake, world.alice
    with pytest.raises(ClientRefused):
        # Discord hides a Manage Server command from members by default...
        await fake.slash(alice, "forget-member", member=world.bob)
    # ...and where a server grants it anyway, the core refuses and says why.
    refused = await fake.slash(alice, "forget-member", member=world.bob, bypass_permissions=True)
    assert refused.ephemeral and "admin" in refused.text.lower()
    setup = await fake.slash(alice, "qotd setup", time="09:00")
    assert setup.ephemeral and "Only community admins can use /qotd setup" in setup.text
    create = await fake.slash(alice, "cohort create", name="mine")
    assert create.ephemeral and "instructor" in create.text.lower()
    # An admin may: asks to confirm first, then deletes.
    await _answer_choice(world, world.bob)
    ask = await fake.slash(world.admin, "forget-member", member=world.bob)
    assert "Delete a member's data?" in ask.text
    done = await fake.slash(world.admin, "forget-member", member=world.bob, confirm="confirm")
    assert "Deleted Bob's data" in done.text


async def test_privacy_my_data_and_forget_me(world):
    fake, alice = world.fake, world.alice
    await _answer_choice(world, alice)
    mine = await fake.slash(alice, "my-data")
    assert mine.ephemeral and "Alice" in mine.text
    ask = await fake.slash(alice, "forget-me")
    confirm = next(b["custom_id"] for b in ask.buttons() if "confirm" in b["custom_id"])
    done = await fake.click(alice, ask.message_with(confirm), confirm)
    assert "deleted" in done.text.lower()
    board = await fake.slash(world.bob, "leaderboard")
    assert "Alice" not in board.text


async def test_buttons_and_forms_survive_a_restart(world):
    fake, alice, bob = world.fake, world.alice, world.bob
    asked = await fake.slash(alice, "quiz", kind="choice")
    custom_id = next(b["custom_id"] for b in asked.buttons() if b["label"] == "A")
    free = await fake.slash(bob, "quiz", kind="open")
    form = next(b["custom_id"] for b in free.buttons() if b["label"] == "Answer")
    opened = await fake.click(bob, free.message_with(form), form)
    syncs = len(fake.command_syncs)
    assert syncs == 1
    await world.restart()
    # The command tree did not change: no second upload at start-up.
    assert len(fake.command_syncs) == syncs
    graded = await fake.click(alice, asked.message_with(custom_id), custom_id)
    assert "Correct: 100/100" in graded.text
    assert opened.modal is not None
    submitted = await fake.submit_modal(
        bob, opened.modal["custom_id"], {"answer": "Stemming cuts suffixes by rules."}
    )
    assert "/100" in submitted.text and "Model answer" in submitted.text


async def test_a_dropped_gateway_connection_resumes_and_keeps_serving(world):
    fake = world.fake
    await fake.drop_connection(0)
    await fake.wait_for_resume(0, within=30)
    record = await fake.slash(world.alice, "help")
    assert "/quiz" in record.text


async def test_a_new_server_takes_the_configured_timezone(tmp_path):
    async with discord_world(tmp_path, PREPBOT_TIMEZONE="Europe/Berlin") as world:
        record = await world.fake.slash(world.admin, "qotd setup", channel=world.study)
        assert "Europe/Berlin" in record.text
