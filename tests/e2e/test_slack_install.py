"""Multi-workspace: installing through OAuth stores an installation in prepbot's database,
each workspace is its own community, and uninstalling removes it and pauses its posts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from adapters.slack.local import LocalSlack
from bot.testing import FakeClock
from tests.e2e.slack_setup import blocks_text


@pytest.fixture
async def local(database_url, sample_questions):
    clock = FakeClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    async with LocalSlack(database_url, sample_questions, clock=clock, oauth=True) as running:
        yield running


async def installations(local) -> list[tuple[str, str | None]]:
    async with local.runtime.engine.connect() as conn:
        rows = await conn.execute(text("select team_id, bot_token from slack_installations"))
        return [tuple(row) for row in rows]


async def test_install_serve_two_workspaces_apart_then_uninstall(local):
    slack = local.slack
    acme = local.team
    ada = slack.add_user(acme, "ada", admin=True)
    globex = slack.add_team("Globex", install=False)
    gus = slack.add_user(globex, "gus", admin=True)

    result = await slack.install(acme, ada, local.base_url)
    assert result.status == 200, result.body
    assert [team for team, _ in await installations(local)] == [acme.id]
    assert (await slack.install(globex, gus, local.base_url)).status == 200
    stored = dict(await installations(local))
    assert stored == {acme.id: acme.bot_token, globex.id: globex.bot_token}

    study = slack.add_channel(acme, "study", members=[ada])
    lab = slack.add_channel(globex, "lab", members=[gus])
    await local.run(slack.command(ada, "/prep", "qotd setup 09:00", channel=study))
    await local.run(slack.command(gus, "/prep", "qotd setup 09:00", channel=lab))
    await local.run(slack.command(ada, "/prep", "cohort create acme-only", channel=study))
    await local.run(slack.command(gus, "/prep", "cohort list", channel=lab))
    assert "acme-only" not in blocks_text(slack.ephemerals(gus, lab)[-1])

    # Each workspace's question goes out with that workspace's own token.
    local.clock.set(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    report = await local.runtime.core.qotd.tick()
    assert report.posted == 2
    assert len(slack.messages(study)) == 1 and len(slack.messages(lab)) == 1

    acks = await slack.uninstall(acme)
    assert all(a.ok for a in acks)
    for _ in range(250):
        left = dict(await installations(local))
        shown = await local.runtime.core.handle_text(caller_for(acme, ada, study), "/qotd show")
        if acme.id not in left and "PAUSED" in shown.plain_text():
            break
        await asyncio.sleep(0.02)
    assert list(left) == [globex.id]
    assert "PAUSED: the app was removed" in shown.plain_text()
    report = await local.runtime.core.qotd.tick(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    assert report.posted == 1 and len(slack.messages(lab)) == 2


def caller_for(team, user, channel):
    from bot.services.context import Caller

    return Caller("slack", team.id, user.id, user.name, channel.id, is_admin=True)
