"""The Slack app's wiring on its own: the manifest matches the app, every catalogue command
is a /prep subcommand, missing credentials are named at start."""

from __future__ import annotations


def test_the_manifest_asks_for_what_the_app_uses():
    import yaml

    from adapters.slack.app import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH
    from tests.conftest import ROOT

    text = (ROOT / "slack-manifest.yaml").read_text()
    manifest = yaml.safe_load(text)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    # Every scope has its reason on the line above it.
    lines = text.splitlines()
    for scope in BOT_SCOPES:
        at = lines.index(f"      - {scope}")
        assert lines[at - 1].strip().startswith("#"), scope
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "app_uninstalled", "tokens_revoked", "message.im"} <= events
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/prep" and command["url"].endswith(EVENTS_PATH)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["oauth_config"]["redirect_urls"][0].endswith(REDIRECT_PATH)
    assert "socket_mode_enabled" in manifest["settings"]


async def test_every_catalogue_command_is_a_prep_subcommand(fake_core):
    from adapters.slack.commands import run_prep
    from bot.commands import COMMANDS
    from bot.services.context import Caller

    caller = Caller("slack", "T1", "U1", "Una", "C1")
    for command in COMMANDS:
        reply = await run_prep(fake_core, caller, command.name.upper() + " ")
        assert "I don't know" not in reply.text, command.name
    assert "I don't know `dance`" in (await run_prep(fake_core, caller, "dance")).text


async def test_missing_slack_credentials_are_named_at_start(fake_core):
    import pytest

    from adapters.launch import AdapterStartError
    from adapters.slack.app import create_app
    from bot.config import Settings

    for values in ({"SLACK_APP_TOKEN": "xapp-1"}, {"SLACK_SIGNING_SECRET": "s"}):
        settings = Settings(_env_file=None, **values)
        with pytest.raises(AdapterStartError, match="SLACK_BOT_TOKEN"):
            create_app(settings, fake_core)


def test_typed_text_turns_slack_markup_back_into_what_was_typed():
    from adapters.slack.commands import typed_text

    assert typed_text("forget-member <@U0123ABC|ann> confirm") == "forget-member U0123ABC confirm"
    assert typed_text("qotd setup 09:00 notify=<#C0ADMINS|admins>") == (
        "qotd setup 09:00 notify=C0ADMINS"
    )
    assert typed_text("see <https://x.io/a?b=1&amp;c=2|docs>") == "see https://x.io/a?b=1&c=2"
    assert typed_text("a &lt;b&gt; &amp;&amp; <!here>") == "a <b> && @here"
    assert typed_text("plain words") == "plain words"
