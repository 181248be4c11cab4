"""The Discord command tree is built from the core catalogue: every command, typed options,
choices, subcommands, autocomplete, admin defaults; a new catalogue entry appears without
a second list."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.commands import build_tree, tree_hash, tree_payload
from adapters.discord.interactions import Handler
from bot.commands import COMMANDS, Command, Option

STRING, USER, CHANNEL, SUBCOMMAND = 3, 6, 7, 1


@pytest.fixture
def client() -> discord.Client:
    return discord.Client(intents=discord.Intents.none())


def _payload(client, catalogue=COMMANDS) -> dict[str, dict]:
    # A client holds one command tree: each build gets a fresh client.
    fresh = discord.Client(intents=discord.Intents.none())
    tree = build_tree(fresh, Handler(core=None), catalogue)  # type: ignore[arg-type]
    return {c["name"]: c for c in tree_payload(tree)}


def _options(command: dict) -> dict[str, dict]:
    return {o["name"]: o for o in command.get("options", [])}


def test_every_catalogue_command_is_a_slash_command(client):
    payload = _payload(client)
    assert set(payload) == {c.name for c in COMMANDS}
    for command in payload.values():
        assert 1 <= len(command["description"]) <= 100
        assert command["dm_permission"] is False


def test_options_are_typed_with_choices_and_autocomplete(client):
    quiz = _options(_payload(client)["quiz"])
    assert quiz["topic"]["type"] == STRING and quiz["topic"]["autocomplete"] is True
    assert [c["value"] for c in quiz["level"]["choices"]] == ["junior", "mid", "senior"]
    assert "choice" in [c["value"] for c in quiz["kind"]["choices"]]
    rate = _options(_payload(client)["rate"])
    assert rate["rating"]["required"] is True
    assert [c["value"] for c in rate["rating"]["choices"]] == ["again", "hard", "good", "easy"]
    board = _options(_payload(client)["leaderboard"])
    assert set(board) == {"window", "scope", "cohort"}
    assert board["cohort"]["autocomplete"] is True
    forget = _options(_payload(client)["forget-member"])
    assert forget["member"]["type"] == USER


def test_cohort_and_qotd_have_subcommands(client):
    payload = _payload(client)
    cohort = _options(payload["cohort"])
    assert all(o["type"] == SUBCOMMAND for o in cohort.values())
    assert {"list", "join", "create", "roster", "export", "delete"} <= set(cohort)
    join = _options(cohort["join"])
    assert join["name"]["required"] is True and join["name"]["autocomplete"] is True
    add = _options(cohort["add"])
    assert add["member"]["type"] == USER
    qotd = _options(payload["qotd"])
    assert set(qotd) == {"answer", "setup", "show", "pause", "resume", "skip", "now"}
    answer = _options(qotd["answer"])
    assert answer["text"]["max_length"] == 4000
    setup = _options(qotd["setup"])
    assert setup["notify"]["type"] == CHANNEL
    assert [c["value"] for c in setup["best"]["choices"]] == ["on", "off"]


def test_admin_commands_default_to_manage_server(client):
    payload = _payload(client)
    manage_guild = discord.Permissions(manage_guild=True).value
    assert int(payload["forget-member"]["default_member_permissions"]) == manage_guild
    # Members answer the question of the day; its admin subcommands check the role.
    assert payload["qotd"]["default_member_permissions"] is None
    assert payload["quiz"]["default_member_permissions"] is None


def test_a_new_catalogue_command_appears_and_changes_the_hash(client):
    handler = Handler(core=None)  # type: ignore[arg-type]
    before = tree_hash(build_tree(client, handler))
    extra = Command(
        "flashcards",
        "A command the catalogue gains later.",
        (Option("role", "which role", choices=("nlp", "ml")),),
    )
    other = discord.Client(intents=discord.Intents.none())
    tree = build_tree(other, handler, (*COMMANDS, extra))
    payload = {c["name"]: c for c in tree_payload(tree)}
    assert "flashcards" in payload
    assert [c["value"] for c in _options(payload["flashcards"])["role"]["choices"]] == ["nlp", "ml"]
    assert tree_hash(tree) != before
    again = discord.Client(intents=discord.Intents.none())
    assert tree_hash(build_tree(again, handler)) == before


async def test_settings_value_suggests_timezones_in_any_case():
    from adapters.discord.commands import suggestions

    source = suggestions(Handler(core=None))["timezones"]  # type: ignore[arg-type]
    found = [choice.value for choice in await source(None, "europe/par")]  # type: ignore[arg-type]
    assert found == ["Europe/Paris"]
    assert len(await source(None, "")) == 25  # type: ignore[arg-type]
