"""The console adapter on the fakes: a terminal's cut lines, roles with /as."""

from __future__ import annotations

import io

from adapters.console import TTY_LINE_LIMIT, ConsoleSession, run_repl


class Terminal(io.StringIO):
    """Lines as a terminal hands them over (isatty), without a real terminal."""

    def isatty(self) -> bool:
        return True


async def test_a_line_at_the_terminal_limit_is_refused_not_graded(fake_core, capsys):
    session = ConsoleSession(fake_core, member="alice")
    await session.exec("/quiz open")
    printed: list[str] = []
    cut = "x " * (TTY_LINE_LIMIT // 2) + "x"
    assert len(cut) == TTY_LINE_LIMIT
    await run_repl(session, Terminal(cut + "\n/my-data\n"), printed.append)
    shown = "\n".join(printed)
    assert "reached the terminal's limit of 4,095 characters" in shown
    assert "0 graded answers" in shown  # nothing was graded
    assert "Waiting question: nlp-basics-sample-stemming" in shown


async def test_as_member_plays_a_member_without_admin_rights(fake_core):
    session = ConsoleSession(fake_core, member="ada")
    assert session.caller().is_admin
    assert await session.exec("/as bob member") == "You are now bob (a member, not an admin)."
    assert not session.caller().is_admin
    assert (await session.exec("/settings")).startswith("! Only an admin")
    assert await session.exec("/as ada admin") == "You are now ada (an admin)."
    assert (await session.exec("/settings")).startswith("Settings")
    assert (await session.exec("/as bob boss")).startswith("! Usage: /as NAME [member|admin]")
