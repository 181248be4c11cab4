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


def test_unbalanced_quotes_fall_back_to_words():
    assert parse('/quiz "llms').args == ('"llms',)


async def test_every_catalogue_command_has_a_handler(fake_core):
    for command in COMMANDS:
        reply = await fake_core.handle(CALLER, command.name, ())
        assert reply.text


async def test_unknown_command_and_plain_text(fake_core):
    unknown = await fake_core.handle_text(CALLER, "/dance now")
    assert unknown.error and "Unknown command /dance" in unknown.text
    answer = await fake_core.handle_text(CALLER, "hello")
    assert answer.error and "no question waiting" in answer.text
