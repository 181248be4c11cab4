"""Windowed and scoped leaderboards, cohorts, roles, tenant isolation and deletion, on the
fakes and on real databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.services.context import Caller

BASE = Caller(
    "discord", "guild-1", "alice", "alice", "general", community_name="Study", timezone="UTC"
)


def who(name: str, **overrides) -> Caller:
    return replace(BASE, member_external_id=name, display_name=name, **overrides)


ADMIN = who("admin", is_admin=True)


async def answer_choice(core, caller: Caller, correct: bool = True) -> str:
    reply = await core.quiz.ask(caller, ["choice"])
    assert not reply.error, reply.text
    graded = await core.quiz.answer(caller, "A" if correct else "B")
    return graded.text


async def board(core, caller: Caller, *args: str) -> list[str]:
    reply = await core.leaderboard.board(caller, list(args))
    assert not reply.error, reply.text
    return reply.text.splitlines()


async def test_day_window_follows_the_community_timezone(any_core, clock):
    tokyo = who("alice", timezone="Asia/Tokyo")
    # 14:30 UTC on 5 Jan is 23:30 in Tokyo: still 5 Jan there.
    clock.set(datetime(2026, 1, 5, 14, 30, tzinfo=UTC))
    await answer_choice(any_core, tokyo)
    assert (await board(any_core, tokyo, "day"))[0].startswith("  1. alice — 10 pts")
    # 15:30 UTC is 00:30 on 6 Jan in Tokyo: a new day, the daily board is empty...
    clock.set(datetime(2026, 1, 5, 15, 30, tzinfo=UTC))
    assert "Nobody has points" in (await board(any_core, tokyo, "day"))[0]
    # ...while the week (Mon 5 Jan - Sun 11 Jan) and all-time boards still count it.
    assert (await board(any_core, tokyo, "week"))[0].startswith("  1. alice — 10 pts")
    assert (await board(any_core, tokyo, "all"))[0].startswith("  1. alice — 10 pts")


async def test_week_starts_on_monday_and_month_on_the_first(any_core, clock):
    clock.set(datetime(2026, 1, 11, 12, tzinfo=UTC))  # Sunday
    await answer_choice(any_core, who("alice"))
    clock.set(datetime(2026, 1, 12, 12, tzinfo=UTC))  # Monday: new week, same month
    assert "Nobody" in (await board(any_core, who("alice"), "week"))[0]
    assert (await board(any_core, who("alice"), "month"))[0].startswith("  1. alice")
    clock.set(datetime(2026, 2, 1, 12, tzinfo=UTC))
    assert "Nobody" in (await board(any_core, who("alice"), "month"))[0]


async def test_ties_share_a_rank_and_own_rank_shows_outside_the_top(any_core):
    for name in ("ann", "bob", "cat"):
        await answer_choice(any_core, who(name))
    await answer_choice(any_core, who("dan"), correct=False)
    lines = await board(any_core, who("dan"))
    assert [line[:6] for line in lines] == ["  1. a", "  1. b", "  1. c", "  4. d"]
    reply = await any_core.leaderboard.board(who("dan"), [], limit=2)
    lines = reply.text.splitlines()
    assert lines[-2] == "  …"
    assert lines[-1].startswith("  4. dan — 0 pts, 1 answered, 0% correct  ← you")


async def test_channel_board_counts_only_that_channel(any_core):
    await answer_choice(any_core, who("ann", channel_external_id="nlp"))
    await answer_choice(any_core, who("bob", channel_external_id="random"))
    lines = await board(any_core, who("bob", channel_external_id="nlp"), "channel")
    assert lines[0].startswith("  1. ann") and not any("bob" in line for line in lines[:1])
    assert len([line for line in lines if line.startswith("  ")]) == 1


async def test_cohort_board_counts_only_attempts_between_its_dates(any_core, clock):
    clock.set(datetime(2026, 3, 1, 12, tzinfo=UTC))
    created = await any_core.cohorts.command(
        ADMIN, ["create", "spring", "2026-03-02", "2026-03-31"]
    )
    assert "created" in created.text
    assert "joined" in (await any_core.cohorts.command(who("ann"), ["join", "spring"])).text
    await answer_choice(any_core, who("ann"))  # 1 March: before the cohort starts
    clock.set(datetime(2026, 3, 2, 12, tzinfo=UTC))
    await answer_choice(any_core, who("ann"))
    lines = await board(any_core, who("ann"), "cohort", "spring")
    assert lines[0].startswith("  1. ann — 10 pts, 1 answered")
    # Moving the start back rebuilds the board from the attempts.
    await any_core.cohorts.command(ADMIN, ["dates", "spring", "2026-03-01", "2026-03-31"])
    lines = await board(any_core, who("ann"), "cohort", "spring")
    assert lines[0].startswith("  1. ann — 20 pts, 2 answered")
    clock.set(datetime(2026, 4, 1, 12, tzinfo=UTC))
    await answer_choice(any_core, who("ann"))  # after the end
    lines = await board(any_core, who("ann"), "all", "cohort", "spring")
    assert lines[0].startswith("  1. ann — 20 pts, 2 answered")


async def test_joining_late_counts_earlier_answers_within_the_dates(any_core):
    await any_core.cohorts.command(ADMIN, ["create", "fall"])
    await answer_choice(any_core, who("bob"))
    await any_core.cohorts.command(ADMIN, ["add", "fall", "bob"])
    lines = await board(any_core, who("bob"), "cohort", "fall")
    assert lines[0].startswith("  1. bob — 10 pts")
    await any_core.cohorts.command(who("bob"), ["leave", "fall"])
    assert "Nobody" in (await board(any_core, who("bob"), "cohort", "fall"))[0]


async def test_roles(any_core):
    refused = await any_core.cohorts.command(who("ann"), ["create", "mine"])
    assert refused.error and "Only the cohort's instructor or an admin" in refused.text
    await any_core.cohorts.command(ADMIN, ["create", "spring"])
    await any_core.cohorts.command(who("ann"), ["join", "spring"])
    assert (await any_core.cohorts.command(who("ann"), ["roster", "spring"])).error
    assert (await any_core.cohorts.command(who("ann"), ["add", "spring", "admin"])).error
    handed = await any_core.cohorts.command(who("ann"), ["owner", "spring", "ann"])
    assert handed.error and "Only an admin" in handed.text
    assert (
        "instructor of spring"
        in (await any_core.cohorts.command(ADMIN, ["owner", "spring", "ann"])).text
    )
    # ann now instructs spring: she can see its roster and create a cohort of her own.
    roster = await any_core.cohorts.command(who("ann"), ["roster", "spring"])
    assert not roster.error and "ann" in roster.text
    assert not (await any_core.cohorts.command(who("ann"), ["create", "ann-group"])).error
    assert (await any_core.cohorts.command(who("ann"), ["delete", "spring"])).error
    refused = await any_core.privacy.forget_member(who("ann"), ["admin", "confirm"])
    assert refused.error and "Only an admin" in refused.text


async def test_roster_and_csv_export(any_core):
    await any_core.cohorts.command(ADMIN, ["create", "spring"])
    for name, right in (("ann", True), ("=cmd", False)):
        await any_core.cohorts.command(who(name), ["join", "spring"])
        await answer_choice(any_core, who(name), correct=right)
    exported = await any_core.cohorts.command(ADMIN, ["export", "spring"])
    filename, content = exported.attachment
    assert filename == "spring-roster.csv"
    rows = content.splitlines()
    assert rows[0].startswith("cohort,member,answers,correct,accuracy,points,streak")
    assert rows[1].startswith("spring,ann,1,1,1.00,10,1")
    assert rows[2].startswith("spring,'=cmd,1,0,0.00,0,1")


async def test_communities_never_see_each_other(any_core):
    other = replace(who("eve"), community_external_id="guild-2")
    await answer_choice(any_core, who("ann"))
    await any_core.cohorts.command(ADMIN, ["create", "spring"])
    assert "Nobody" in (await board(any_core, other))[0]
    assert "No cohorts" in (await any_core.cohorts.command(other, ["list"])).text
    missing = await any_core.leaderboard.board(other, ["cohort", "spring"])
    assert missing.error
    assert (
        await any_core.privacy.forget_member(replace(other, is_admin=True), ["ann", "confirm"])
    ).error
    mine = await any_core.privacy.my_data(other)
    assert "0 graded answers" in mine.plain_text()


async def test_forget_me_removes_the_member_from_every_board(any_core):
    await any_core.cohorts.command(ADMIN, ["create", "spring"])
    await any_core.cohorts.command(who("ann"), ["join", "spring"])
    await answer_choice(any_core, who("ann"))
    await answer_choice(any_core, who("bob"))
    asked = await any_core.privacy.forget_me(who("ann"))
    assert "confirm" in asked.text
    assert (await board(any_core, who("bob")))[0].startswith("  1. ann")  # nothing yet
    done = await any_core.privacy.forget_me(who("ann"), ["confirm"])
    assert "deleted" in done.text
    for args in ([], ["day"], ["week"], ["month"], ["channel"], ["cohort", "spring"]):
        text = "\n".join(await board(any_core, who("bob"), *args))
        assert "ann" not in text, args


async def test_admin_deletes_a_member_and_departed_members_are_hidden(any_core):
    await answer_choice(any_core, who("ann"))
    await answer_choice(any_core, who("bob"))
    await any_core.privacy.member_left("discord", "guild-1", "bob")
    lines = await board(any_core, who("ann"))
    assert not any("bob" in line for line in lines)
    await any_core.privacy.member_returned("discord", "guild-1", "bob")
    assert any("bob" in line for line in await board(any_core, who("ann")))
    done = await any_core.privacy.forget_member(ADMIN, ["bob", "confirm"])
    assert "Deleted bob" in done.text
    assert not any("bob" in line for line in await board(any_core, who("ann")))


async def test_streaks_across_days_in_the_community_timezone(any_core, clock):
    la = who("ann", timezone="America/Los_Angeles")
    # 07:00 UTC on 6 Jan is 23:00 on 5 Jan in Los Angeles.
    clock.set(datetime(2026, 1, 6, 7, tzinfo=UTC))
    await answer_choice(any_core, la)
    clock.set(datetime(2026, 1, 6, 9, tzinfo=UTC))  # 01:00 on 6 Jan locally: next day
    await answer_choice(any_core, la, correct=False)
    stats = await any_core.stats.stats(la)
    assert "streak 2 day(s), longest 2" in stats.text
    clock.set(datetime(2026, 1, 9, 9, tzinfo=UTC))  # two local days missed
    assert "streak 0 day(s), longest 2" in (await any_core.stats.stats(la)).text
    await answer_choice(any_core, la)
    assert "streak 1 day(s), longest 2" in (await any_core.stats.stats(la)).text


async def test_bad_leaderboard_and_cohort_input(any_core):
    assert (await any_core.leaderboard.board(who("ann"), ["fortnight", "galaxy"])).error
    assert "Which cohort" in (await any_core.leaderboard.board(who("ann"), ["cohort"])).text
    for args in (
        ["create"],
        ["create", "x", "2026-13-01"],
        ["create", "y", "2026-03-02", "2026-03-01"],
        ["frobnicate"],
        ["join", "nope"],
        ["add", "nope"],
    ):
        reply = await any_core.cohorts.command(ADMIN, args)
        assert reply.error, args


async def test_double_click_grades_twice_but_earns_once(any_core):
    first = await any_core.quiz.submit(who("ann"), "nlp-basics-sample-gpt3", "A")
    second = await any_core.quiz.submit(who("ann"), "nlp-basics-sample-gpt3", "A")
    assert "+10 points" in first.text and "no points" in second.text
    lines = await board(any_core, who("ann"))
    assert lines[0].startswith("  1. ann — 10 pts, 1 answered")


async def test_submit_refuses_unknown_and_foreign_questions(any_core):
    missing = await any_core.quiz.submit(who("ann"), "no-such-question", "A")
    assert missing.error and "does not exist here" in missing.text
    empty = await any_core.quiz.submit(who("ann"), "nlp-basics-sample-gpt3", "  ")
    assert empty.error
