from __future__ import annotations

import pytest

from bot.commands import COMMANDS, CommandError, parse
from bot.services.context import Caller

CALLER = Caller("console", "local", "alice", "alice", "terminal")


def test_parse_command_with_quoted_arguments():
    invocation = parse('/quiz "NLP basics" junior')
    assert invocation.name == "quiz"
    assert invocation.args == ("NLP basics", "junior")


@pytest.mark.parametrize("line", ["quiz", "/", "/" + "x" * 600])
def test_malformed_commands(line):
    with pytest.raises(CommandError):
        parse(line)


@pytest.mark.parametrize("line", ['/quiz "llms', '/leaderboard "week', "/cohort join 'My Cohort"])
def test_an_unclosed_quote_says_so(line):
    with pytest.raises(CommandError, match="unclosed quote"):
        parse(line)


def test_apostrophes_inside_words_are_text():
    assert parse("/qotd answer it's the model's attention").args == (
        "answer",
        "it's",
        "the",
        "model's",
        "attention",
    )
    assert parse("/cohort join 'My Cohort'").args == ("join", "My Cohort")


async def test_every_catalogue_command_has_a_handler(fake_core):
    for command in COMMANDS:
        reply = await fake_core.handle(CALLER, command.name, ())
        assert reply.text


async def test_unknown_command_and_plain_text(fake_core):
    unknown = await fake_core.handle_text(CALLER, "/dance now")
    assert unknown.error and "Unknown command /dance" in unknown.text
    answer = await fake_core.handle_text(CALLER, "hello")
    assert answer.error and "no question waiting" in answer.text
