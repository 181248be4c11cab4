"""Core pieces the chat adapters lean on: typed catalogue arguments, the platforms a
process serves, pausing a community the bot left, cohort name suggestions, and the
launcher's ChatRouter."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from adapters.launch import ChatRouter
from bot.bootstrap import build_core
from bot.commands import BY_NAME, COMMANDS, CommandError
from bot.ports import ChatError, SentMessage, Target
from bot.services.context import Caller
from bot.testing import FakeChat, FakeClock, FakeUnitOfWorkFactory
from bot.views import Reply

MONDAY = date(2026, 1, 5)
D_ADMIN = Caller("discord", "guild-1", "ada", "Ada", "study", is_admin=True)
D_ALICE = Caller("discord", "guild-1", "alice", "Alice", "study")
S_ADMIN = Caller("slack", "team-1", "sam", "Sam", "general", is_admin=True)
OTHER_GUILD = Caller("discord", "guild-2", "ola", "Ola", "lounge", is_admin=True)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(MONDAY.year, MONDAY.month, MONDAY.day, hour, minute, tzinfo=UTC)


# -- the catalogue's typed arguments ----------------------------------------------------


def test_arguments_follow_option_styles():
    board = BY_NAME["leaderboard"]
    assert board.arguments({"window": "week", "cohort": "spring-26"}) == (
        "week",
        "cohort",
        "spring-26",
    )
    setup = BY_NAME["qotd"].subcommand("setup")
    assert setup is not None
    assert setup.arguments({"time": "09:00", "tz": "Europe/Berlin", "days": None}) == (
        "time=09:00",
        "tz=Europe/Berlin",
    )


def test_words_may_be_left_out_in_any_order():
    quiz = BY_NAME["quiz"]
    assert quiz.arguments({"kind": "choice"}) == ("choice",)
    assert quiz.arguments({"level": "mid", "kind": "open"}) == ("mid", "open")


def test_a_skipped_positional_option_is_refused_not_shifted():
    create = BY_NAME["cohort"].subcommand("create")
    assert create is not None
    assert create.arguments({"name": "spring", "start": "2026-01-05"}) == ("spring", "2026-01-05")
    with pytest.raises(CommandError, match="Give start"):
        create.arguments({"name": "spring", "end": "2026-03-01"})


def test_catalogue_metadata_is_consistent():
    for command in COMMANDS:
        for sub in (command, *command.subcommands):
            for option in sub.options:
                assert option.kind in {"text", "member", "channel", "long"}
                assert option.style in {"positional", "keyword", "flagged", "word"}
                assert option.suggest in {None, "topics", "cohorts", "timezones"}
                assert not (option.choices and option.suggest)
    assert {s.name for s in BY_NAME["qotd"].subcommands} == {
        "answer",
        "setup",
        "show",
        "pause",
        "resume",
        "skip",
        "now",
    }


async def test_typed_arguments_run_through_the_core(fake_core):
    create = BY_NAME["cohort"].subcommand("create")
    assert create is not None
    admin = Caller("console", "local", "ada", "Ada", "room", is_admin=True)
    reply = await fake_core.handle(
        admin, "cohort", ("create", *create.arguments({"name": "spring-26"}))
    )
    assert not reply.error, reply.text
    roster = await fake_core.handle(admin, "cohort", ("roster", "spring-26"))
    assert not roster.error, roster.text


# -- cohort suggestions -----------------------------------------------------------------


async def test_cohort_names_are_per_community_and_filtered(fake_core):
    for name in ("spring-26", "summer-26", "Spot"):
        assert not (await fake_core.handle(D_ADMIN, "cohort", ("create", name))).error
    assert not (await fake_core.handle(OTHER_GUILD, "cohort", ("create", "secret"))).error
    assert await fake_core.cohorts.names(D_ALICE, "sp") == ["Spot", "spring-26"]
    assert await fake_core.cohorts.names(D_ALICE) == ["Spot", "spring-26", "summer-26"]
    assert await fake_core.cohorts.names(Caller("discord", "nowhere", "x", "X")) == []


# -- QOTD: platforms served, and a community the bot left --------------------------------


class _World:
    def __init__(self, questions) -> None:
        self.clock = FakeClock(at(7))
        self.uow = FakeUnitOfWorkFactory()
        self.chat = FakeChat()
        self.questions = questions

    def core(self, platforms: frozenset[str] | None = None):
        return build_core(
            self.uow, self.clock, random.Random(3), chat=self.chat, platforms=platforms
        )


@pytest.fixture
async def qworld(sample_questions) -> _World:
    world = _World(sample_questions)
    await world.core().catalog.sync(sample_questions)
    return world


async def _setup(core, caller: Caller) -> None:
    reply = await core.handle(caller, "qotd", ("setup", "09:00"))
    assert not reply.error, reply.text


async def test_a_process_posts_only_to_its_platforms(qworld):
    everything = qworld.core()
    await _setup(everything, D_ADMIN)
    await _setup(everything, S_ADMIN)
    slack_only = qworld.core(frozenset({"slack"}))
    assert slack_only.qotd is not None
    assert {s.platform for s in await slack_only.qotd.schedules()} == {"slack"}
    report = await slack_only.qotd.tick(at(9, 1))
    assert report.posted == 1
    assert [t.platform for t, _ in qworld.chat.sent] == ["slack"]
    # The Discord process later posts Discord's question; Slack's slot is already taken.
    discord_only = qworld.core(frozenset({"discord"}))
    assert discord_only.qotd is not None
    report = await discord_only.qotd.tick(at(9, 2))
    assert report.posted == 1
    assert sorted(t.platform for t, _ in qworld.chat.sent) == ["discord", "slack"]


async def test_reveals_stay_with_their_platform(qworld):
    core = qworld.core()
    await _setup(core, D_ADMIN)
    assert core.qotd is not None
    await core.qotd.tick(at(9, 1))
    slack_only = qworld.core(frozenset({"slack"}))
    assert slack_only.qotd is not None
    late = datetime(2026, 1, 5, 23, 0, tzinfo=UTC)
    assert (await slack_only.qotd.tick(late)).revealed == 0
    assert (await core.qotd.tick(late)).revealed == 1


async def test_pausing_a_community_leaves_the_others_alone(qworld):
    core = qworld.core()
    await _setup(core, D_ADMIN)
    await _setup(core, OTHER_GUILD)
    await _setup(core, S_ADMIN)
    assert core.qotd is not None
    paused = await core.qotd.pause_community("discord", "guild-1", "the bot left the server")
    assert len(paused) == 1
    again = await core.qotd.pause_community("discord", "guild-1", "the bot left the server")
    assert again == []
    assert await core.qotd.pause_community("discord", "never-seen", "gone") == []
    left = {(s.platform, s.channel) for s in await core.qotd.schedules()}
    assert left == {("discord", "lounge"), ("slack", "general")}
    report = await core.qotd.tick(at(9, 1))
    assert report.posted == 2
    shown = await core.handle(D_ADMIN, "qotd", ("show",))
    assert "PAUSED: the bot left the server" in shown.text
    resumed = await core.handle(D_ADMIN, "qotd", ("resume",))
    assert not resumed.error
    assert len(await core.qotd.schedules()) == 3


# -- the launcher's router ----------------------------------------------------------------


async def test_chat_router_hands_each_message_to_its_platform():
    discord, slack = FakeChat(), FakeChat()
    router = ChatRouter({"discord": discord, "slack": slack})
    sent = await router.send(Target("discord", "c1"), Reply(text="hello"))
    await router.send(Target("slack", "C9"), Reply(text="bonjour"))
    assert discord.texts("c1") == ["hello"] and slack.texts("C9") == ["bonjour"]
    await router.edit(sent, Reply(text="edited"))
    assert discord.texts("c1") == ["edited"]
    thread = await router.open_thread(sent, "discuss")
    assert thread == Target("discord", "c1", thread=f"thread-{sent.message_id}")


async def test_chat_router_refuses_a_platform_it_does_not_serve():
    router = ChatRouter({"discord": FakeChat()})
    with pytest.raises(ChatError, match="no adapter for platform 'slack'"):
        await router.send(Target("slack", "C1"), Reply(text="x"))
    with pytest.raises(ChatError):
        await router.edit(SentMessage(Target("slack", "C1"), "1"), Reply(text="x"))
    with pytest.raises(ChatError):
        await router.open_thread(SentMessage(Target("slack", "C1"), "1"), "t")


# -- QOTD posts as the platforms show them ------------------------------------------------


def _post_reply(world: _World):
    target, message_id = world.chat.sent[0]
    return world.chat.messages[message_id]


async def test_the_answer_count_stays_current_and_the_reveal_closes_the_post(qworld):
    core = qworld.core()
    await _setup(core, D_ADMIN)
    assert core.qotd is not None
    await core.qotd.tick(at(9, 1))
    post = _post_reply(qworld)
    assert post.key and post.key.startswith("qotd:") and post.key.endswith(":question")
    assert ("Answered", "0") in [(f.name, f.value) for f in post.fields]
    action = post.answer_action
    assert action is not None
    for caller in (D_ALICE, Caller("discord", "guild-1", "bob", "Bob", "study")):
        answer = "B" if post.choices else "attention weighs tokens by relevance"
        reply = await core.act(caller, f"{action}:{answer}" if post.choices else action, answer)
        assert not reply.error, reply.text
    await core.qotd.settle()
    post = _post_reply(qworld)
    assert ("Answered", "2") in [(f.name, f.value) for f in post.fields]
    assert not post.closed
    report = await core.qotd.tick(datetime(2026, 1, 5, 23, 0, tzinfo=UTC))
    assert report.revealed == 1
    post = _post_reply(qworld)
    assert post.closed and "Answers closed" in (post.footer or "")
    reveal = qworld.chat.messages[qworld.chat.sent[1][1]]
    assert reveal.key and reveal.key.endswith(":reveal")


async def test_a_retried_post_shows_the_question_first_picked(qworld):
    core = qworld.core()
    await _setup(core, D_ADMIN)
    assert core.qotd is not None
    qworld.chat.fail_next = 1
    first = await core.qotd.tick(at(9, 1))
    assert first.failed == 1
    async with qworld.uow() as uow:
        (row,) = await uow.qotd.since(MONDAY)
    picked = row.question_id
    # Other processes (other random streams) retry the slot: the same question goes out.
    for seed in (11, 12):
        other = build_core(
            qworld.uow, qworld.clock, random.Random(seed), chat=qworld.chat, platforms=None
        )
        assert other.qotd is not None
        await other.qotd.tick(at(9, 2))
    async with qworld.uow() as uow:
        (row,) = await uow.qotd.since(MONDAY)
    assert row.status == "posted" and row.question_id == picked
    assert len(qworld.chat.sent) == 1


async def test_a_long_model_answer_is_revealed_whole_in_parts(sample_questions):
    from dataclasses import replace as copy

    long_answer = "Stemming cuts suffixes by rule; lemmatization looks words up. " * 30
    questions = [copy(q, model_answer=long_answer.strip()) for q in sample_questions]
    world = _World(questions)
    core = world.core()
    await core.catalog.sync(questions)
    await _setup(core, D_ADMIN)
    assert core.qotd is not None
    await core.qotd.tick(at(9, 1))
    report = await core.qotd.tick(datetime(2026, 1, 5, 23, 0, tzinfo=UTC))
    assert report.revealed == 1
    reveal = world.chat.messages[world.chat.sent[1][1]]
    parts = [f.value for f in reveal.fields if f.name.startswith("Model answer")]
    # Whole, in parts that each fit a Discord embed field, and nothing cut.
    assert len(parts) > 1 and all(len(part) <= 1024 for part in parts)
    assert " ".join(parts).split() == long_answer.split()
