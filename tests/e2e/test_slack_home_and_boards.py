"""App Home, leaderboards, cohorts with the CSV export, and who may run admin commands."""

from __future__ import annotations

import pytest

from adapters.slack.local import LocalSlack
from tests.e2e.slack_setup import blocks_text, button


@pytest.fixture
async def local(database_url, sample_questions):
    async with LocalSlack(database_url, sample_questions, admin_ids="UCONFIGURED") as running:
        yield running


async def answer_right(local, member, channel=None):
    slack = local.slack
    await local.run(slack.command(member, "/prep", "quiz choice", channel=channel))
    question = slack.seen_by(member, channel)[-1]
    right = button(question, "A")
    await local.run(slack.click(member, question, right["action_id"], right["value"]))


async def test_app_home_shows_progress_and_starts_practice(local):
    slack = local.slack
    alice = slack.add_user(local.team, "alice")
    await answer_right(local, alice)
    ack = await local.run(slack.open_home(alice))
    assert ack.ok
    home = slack.home(alice)
    assert home is not None
    text = blocks_text(home)
    for expected in ("Streak", "1 day", "Points", "Rank", "Cards due today", "Weakest topics"):
        assert expected in text, text
    assert "Cohorts" in text
    # Practice from the home tab: the question arrives in the app's DM.
    practice = button(home, "Practice")
    before = len(slack.messages(slack.dm(alice)))
    await local.run(slack.click(alice, home, practice["action_id"], practice["value"]))
    assert len(slack.messages(slack.dm(alice))) == before + 1
    # Opening the tab again (or a redelivered event) just republishes it.
    await local.run(slack.open_home(alice))
    assert slack.home(alice) is not None


async def test_leaderboards_for_the_workspace_and_the_channel(local):
    slack = local.slack
    alice = slack.add_user(local.team, "alice")
    bob = slack.add_user(local.team, "bob")
    study = slack.add_channel(local.team, "study", members=[alice, bob])
    await answer_right(local, alice, study)
    await local.run(slack.command(bob, "/prep", "leaderboard", channel=study))
    board = blocks_text(slack.ephemerals(bob, study)[-1])
    assert "alice" in board and "10 pts" in board
    await local.run(slack.command(bob, "/prep", "leaderboard week channel", channel=study))
    assert "alice" in blocks_text(slack.ephemerals(bob, study)[-1])


async def test_cohorts_and_the_csv_export_reach_only_the_instructor(local):
    slack = local.slack
    owner = slack.add_user(local.team, "olga", owner=True)
    alice = slack.add_user(local.team, "alice")
    study = slack.add_channel(local.team, "study", members=[owner, alice])
    await local.run(slack.command(owner, "/prep", "cohort create spring-26", channel=study))
    await local.run(slack.command(alice, "/prep", "cohort join spring-26", channel=study))
    await answer_right(local, alice, study)
    await local.run(slack.command(owner, "/prep", "cohort export spring-26", channel=study))
    files = slack.files()
    assert len(files) == 1 and files[0].filename.endswith(".csv")
    assert "alice" in files[0].text
    dm = slack.dm(owner)
    assert dm.id in files[0].channels and study.id not in files[0].channels
    await local.run(
        slack.command(alice, "/prep", "leaderboard all cohort spring-26", channel=study)
    )
    assert "alice" in blocks_text(slack.ephemerals(alice, study)[-1])


async def test_admin_commands_need_a_workspace_admin_or_a_configured_id(local):
    slack = local.slack
    member = slack.add_user(local.team, "mallory")
    admin = slack.add_user(local.team, "ada", admin=True)
    study = slack.add_channel(local.team, "study", members=[member, admin])
    await local.run(slack.command(member, "/prep", "qotd setup 09:00", channel=study))
    refusal = blocks_text(slack.ephemerals(member, study)[-1])
    assert "Only community admins" in refusal
    await local.run(slack.command(member, "/prep", "cohort delete x", channel=study))
    assert ":warning:" in blocks_text(slack.ephemerals(member, study)[-1])
    await local.run(slack.command(admin, "/prep", "qotd setup 09:00", channel=study))
    assert "set up" in blocks_text(slack.ephemerals(admin, study)[-1])
    # users.info is asked once per member, not on every request.
    await local.run(slack.command(admin, "/prep", "qotd show", channel=study))
    asked = [c for c in slack.calls("users.info") if c.args.get("user") == admin.id]
    assert len(asked) == 1


async def test_unknown_subcommands_and_bare_prep_answer_with_help(local):
    slack = local.slack
    alice = slack.add_user(local.team, "alice")
    for text in ("", "dance wildly", "help"):
        await local.run(slack.command(alice, "/prep", text))
        shown = blocks_text(slack.seen_by(alice)[-1])
        assert "prepbot commands" in shown and "/prep quiz" in shown
    await local.run(slack.command(alice, "/prep", "dance"))
    assert "dance" in blocks_text(slack.seen_by(alice)[-1])


async def test_members_are_named_by_mention_in_admin_commands(local):
    slack = local.slack
    admin = slack.add_user(local.team, "ada", admin=True)
    bob = slack.add_user(local.team, "bob")
    study = slack.add_channel(local.team, "study", members=[admin, bob])
    await answer_right(local, bob, study)
    mention = f"<@{bob.id}|bob>"  # what Slack sends for "@bob" with should_escape
    await local.run(slack.command(admin, "/prep", f"forget-member {mention}", channel=study))
    assert "Delete a member's data?" in blocks_text(slack.ephemerals(admin, study)[-1])
    await local.run(
        slack.command(admin, "/prep", f"forget-member {mention} confirm", channel=study)
    )
    assert "Deleted bob's data." in blocks_text(slack.ephemerals(admin, study)[-1])
    await local.run(slack.command(admin, "/prep", "leaderboard", channel=study))
    assert "bob" not in blocks_text(slack.ephemerals(admin, study)[-1])
