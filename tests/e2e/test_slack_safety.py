"""Requests that must change nothing: forged, stale or unsigned ones, garbage bodies; and
text that must never turn into a mention."""

from __future__ import annotations

import json

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from adapters.slack.local import LocalSlack
from adapters.slack.people import Asker, People
from adapters.slack.testing import FakeSlack
from tests.e2e.slack_setup import blocks_text


@pytest.fixture
async def local(database_url, sample_questions):
    async with LocalSlack(database_url, sample_questions) as running:
        yield running


async def members_stored(local) -> int:
    async with local.runtime.engine.connect() as conn:
        return (await conn.execute(text("select count(*) from members"))).scalar_one()


@pytest.mark.parametrize("signature", ["forged", "stale", "missing"])
async def test_bad_signatures_are_refused_before_any_work(local, signature):
    slack = local.slack
    alice = slack.add_user(local.team, "alice")
    calls = len(slack.calls())
    ack = await slack.command(alice, "/prep", "quiz", signature=signature)
    assert ack.status == 401
    event = await slack.event(
        local.team,
        {"type": "app_home_opened", "user": alice.id, "tab": "home"},
        signature=signature,
    )
    assert event.status == 401
    assert len(slack.calls()) == calls and slack.seen_by(alice) == []
    assert await members_stored(local) == 0


async def test_garbage_bodies_get_an_answer_and_the_app_keeps_serving(local):
    slack = local.slack
    bodies = [
        (b"", "application/x-www-form-urlencoded"),
        (b"\x00\xff\xfe garbage", "application/x-www-form-urlencoded"),
        (b"payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        (
            b"payload=" + json.dumps({"type": "block_actions"}).encode(),
            "application/x-www-form-urlencoded",
        ),
        (b'{"type": "event_callback", "event": 5}', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"command=%2Fprep&text=quiz", "application/x-www-form-urlencoded"),
        (b"x" * 200_000, "text/plain"),
    ]
    for body, content_type in bodies:
        ack = await slack.send_raw(body, content_type)
        assert ack.status is not None and ack.status < 500, (body[:40], ack.status, ack.body)
    alice = slack.add_user(local.team, "alice")
    await slack.command(alice, "/prep", "topics")
    await local.until(lambda: bool(slack.seen_by(alice)))
    assert "nlp-basics" in blocks_text(slack.seen_by(alice)[-1])


async def test_url_verification_is_answered(local):
    ack = await local.slack.url_verification()
    assert ack.ok and ack.user_error is None


async def test_mentions_in_names_cohorts_and_answers_are_shown_not_fired(local):
    slack = local.slack
    evil = slack.add_user(local.team, "<!channel> <@U0ADMIN>", admin=True)
    study = slack.add_channel(local.team, "study", members=[evil])
    for line in (
        "cohort create <!here>",  # refused by the core's name rules, echoed safely
        "cohort create study-group",
        "cohort join study-group",
        "quiz choice",
        "leaderboard",
        "cohort roster study-group",
        "qotd answer <!everyone> <@U0ADMIN>",
        "my-data",
    ):
        await local.run(slack.command(evil, "/prep", line, channel=study))
    seen = slack.seen_by(evil, study)
    assert len(seen) >= 8
    everything = "\n".join(blocks_text(item) for item in seen)
    for live in ("<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN>"):
        assert live not in everything
    assert [slack.pings(item) for item in seen] == [[] for _ in seen]
    assert "&lt;!channel&gt; &lt;@U0ADMIN&gt;" in everything  # the name, shown as typed


async def test_admins_come_from_users_info_or_the_configured_ids():
    async with FakeSlack() as slack:
        team = slack.add_team("Acme")
        plain = slack.add_user(team, "pat")
        configured = slack.add_user(team, "cam")
        owner = slack.add_user(team, "olga", owner=True)
        client = AsyncWebClient(token=team.bot_token, base_url=slack.api_url)
        people = People([configured.id])
        flags = {}
        for user in (plain, configured, owner):
            caller = await people.caller(client, Asker(team.id, user.id, user.name))
            flags[user.name] = caller.is_admin
        assert flags == {"pat": False, "cam": True, "olga": True}
        # An unknown user (users.info fails) is no admin, and still gets a name.
        ghost = await people.caller(client, Asker(team.id, "UNOBODY", "ghost"))
        assert not ghost.is_admin and ghost.display_name == "ghost"
        await people.caller(client, Asker(team.id, "UNOBODY", "ghost"))
        await people.caller(client, Asker(team.id, owner.id, "olga"))
        asked = [c.args.get("user") for c in slack.calls("users.info")]
        assert asked.count("UNOBODY") == 1 and asked.count(owner.id) == 1  # cached


async def test_a_failing_core_gets_a_polite_answer_and_the_app_keeps_serving(local, monkeypatch):
    slack = local.slack
    alice = slack.add_user(local.team, "alice")
    core = local.runtime.core

    async def broken(caller, args=()):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(core.stats, "stats", broken)
    await local.run(slack.command(alice, "/prep", "stats"))
    shown = blocks_text(slack.seen_by(alice)[-1])
    assert "Something went wrong on my side" in shown and "fire" not in shown
    monkeypatch.undo()
    await local.run(slack.command(alice, "/prep", "stats"))
    assert "Stats for alice" in blocks_text(slack.seen_by(alice)[-1])
