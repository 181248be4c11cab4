"""Importing a community's own questions, on the fakes, SQLite and PostgreSQL alike, and
through the `prepbot content import` command."""

from __future__ import annotations

import asyncio
import csv
import random
from pathlib import Path

import pytest

from bot.bootstrap import build_core
from bot.cli import main
from bot.content.importer import import_questions, read_drafts
from bot.content.loader import load_packs
from bot.ports import PoolFilter
from bot.services.context import Caller
from bot.storage.engine import create_engine
from bot.storage.uow import SqlAlchemyUnitOfWorkFactory
from bot.testing import FakeClock
from bot.views import Reply
from tests.conftest import ROOT

DATA = Path(__file__).parent.parent / "data" / "import"


def caller(community: str, member: str = "ann") -> Caller:
    return Caller("discord", community, member, member, channel_external_id="study")


def drafts(name: str):
    path = DATA / name
    return read_drafts(path.read_bytes(), "csv" if path.suffix == ".csv" else "trivia")


async def own_questions(core, external_id: str):
    async with core.quiz.uow() as uow:
        community = await uow.communities.find("discord", external_id)
        assert community is not None
        return community, await uow.questions.community_questions(community.id)


async def test_imported_questions_are_asked_only_in_their_community(any_core):
    report = await import_questions(
        any_core.quiz.uow, any_core.quiz.clock, "discord", "A", drafts("broken.csv")
    )
    assert report.imported == 4
    community_a, imported = await own_questions(any_core, "A")

    served = set()
    for _ in range(len(imported)):
        reply = await any_core.quiz.ask(caller("A"), ["custom"])
        assert not reply.error, reply.text
        served.add(reply.text)
        await any_core.quiz.skip(caller("A"))
    custom_prompts = {q.prompt for q in imported if q.topic == "custom"}
    assert custom_prompts and custom_prompts <= served

    refused = await any_core.quiz.ask(caller("B"), ["custom"])
    assert refused.error and "no questions for custom" in refused.text
    # Nor does B meet A's questions on their own topics, or without a filter.
    async with any_core.quiz.uow() as uow:
        community_b = await uow.communities.find("discord", "B")
        assert community_b is not None
        pool_b = set(await uow.questions.pool(PoolFilter(community_b.id)))
        pool_a = set(await uow.questions.pool(PoolFilter(community_a.id)))
    imported_ids = {q.id for q in imported}
    assert imported_ids <= pool_a
    assert not imported_ids & pool_b


async def test_reimport_is_idempotent_and_never_retires_other_questions(any_core, sample_questions):
    uow, clock = any_core.quiz.uow, any_core.quiz.clock
    first = await import_questions(uow, clock, "discord", "A", drafts("broken.csv"))
    trivia = await import_questions(uow, clock, "discord", "A", drafts("trivia.yaml"))
    assert (first.added, trivia.added) == (4, 4)
    again = await import_questions(uow, clock, "discord", "A", drafts("broken.csv"))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert str(again).startswith(
        "Imported 4 questions into discord:A (0 new, 0 updated, 4 unchanged); refused 7:"
    )
    _, questions = await own_questions(any_core, "A")
    assert len(questions) == 8  # the trivia questions are still active
    shipped = sum(c.count for c in await any_core.catalog.counts())
    assert shipped == len(sample_questions)  # the shipped pack, untouched


async def test_an_edited_row_with_an_id_updates_in_place(any_core, tmp_path):
    uow, clock = any_core.quiz.uow, any_core.quiz.clock
    path = tmp_path / "mine.csv"
    path.write_text("id,prompt,answer\nstop,What is a stop word in NLP?,a common word\n")
    await import_questions(uow, clock, "discord", "A", read_drafts(path.read_bytes(), "csv"))
    path.write_text("id,prompt,answer\nstop,What is a stop word in NLP?,a frequent word\n")
    report = await import_questions(
        uow, clock, "discord", "A", read_drafts(path.read_bytes(), "csv")
    )
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    community, [question] = await own_questions(any_core, "A")
    assert question.id == f"c{community.id}-stop"
    assert question.accepted == ("a frequent word",)


# -- the command --------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """`prepbot` pointed at a fresh SQLite file; returns its URL."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PREPBOT_CONTENT_DIR", str(ROOT / "content"))
    return url


def served_in(url: str, external_id: str, args: list[str]) -> Reply:
    """What `/quiz ARGS` serves a member of the community, from the database at `url`."""

    async def _ask() -> Reply:
        engine = create_engine(url)
        try:
            core = build_core(SqlAlchemyUnitOfWorkFactory(engine), FakeClock(), random.Random(3))
            return await core.quiz.ask(caller(external_id), args)
        finally:
            await engine.dispose()

    return asyncio.run(_ask())


def test_cli_imports_good_rows_names_refused_ones_and_exits_1(cli_env, capsys):
    status = main(["content", "import", str(DATA / "broken.csv"), "--community", "discord:42"])
    out = capsys.readouterr().out
    assert status == 1
    assert out.startswith("Imported 4 questions into discord:42 (4 new, 0 updated); refused 7:")
    for row in (4, 9, 10, 11, 12, 13, 14):
        assert f"\n  row {row}: " in out
    reply = served_in(cli_env, "42", ["custom"])
    assert "harmonic mean" in reply.text
    elsewhere = served_in(cli_env, "43", ["custom"])
    assert elsewhere.error


def test_cli_exit_codes(cli_env, tmp_path, capsys):
    trivia = tmp_path / "list.yml"
    trivia.write_text("AUTHOR: me\nWhat colour is our study group logo?:\n- teal\n")
    assert main(["content", "import", str(trivia), "--community", "console:local"]) == 0
    assert "Imported 1 question into console:local (1 new, 0 updated)." in capsys.readouterr().out
    # the same file again: nothing refused, nothing changed
    assert main(["content", "import", str(trivia), "--community", "console:local"]) == 0
    assert "(0 new, 0 updated, 1 unchanged)." in capsys.readouterr().out

    latin = tmp_path / "latin.csv"
    latin.write_bytes("prompt,answer\nQu'est-ce qu'un modèle?,x\n".encode("latin-1"))
    assert main(["content", "import", str(latin), "--community", "discord:42"]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert main(["content", "import", str(tmp_path / "nope.csv"), "--community", "x"]) == 2
    assert (
        main(["content", "import", str(trivia), "--community", "discord:1", "--topic", "zz"]) == 2
    )
    assert (
        main(["content", "import", str(tmp_path / "missing.csv"), "--community", "discord:1"]) == 2
    )
    assert "cannot read" in capsys.readouterr().err


def test_cli_refuses_near_duplicates_of_the_shipped_packs(cli_env, tmp_path, capsys):
    shipped = load_packs(ROOT / "content").questions[0]
    path = tmp_path / "copy.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["prompt", "kind", "answer"], [shipped.prompt, "short", "x"]])
    assert main(["content", "import", str(path), "--community", "discord:42"]) == 1
    out = capsys.readouterr().out
    assert f"row 2: prompt: near-duplicate of {shipped.id} (100% similar)" in out
