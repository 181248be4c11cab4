"""Issue 10 on the community side: cohort names with spaces, board words and windows,
typed confirmations, /my-data export, wording, and /settings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.domain import LeaderboardWindow
from bot.services.cohorts import strongest_and_weakest
from bot.services.context import Caller
from bot.services.leaderboard import window_line
from bot.services.settings import SettingError, find_timezone

ADMIN = Caller("discord", "g1", "ada", "Ada", "general", is_admin=True)
ALICE = Caller("discord", "g1", "alice", "Alice", "general")


async def run(core, caller: Caller, line: str) -> str:
    reply = await core.handle_text(caller, line)
    return ("! " if reply.error else "") + reply.plain_text()


# -- item 5: the instruction the bot gives works as written ---------------------------------


async def test_a_multi_word_cohort_works_with_or_without_quotes(any_core):
    created = await run(any_core, ADMIN, '/cohort create "My Cohort" 2026-01-05 2026-03-27')
    assert "Members join with /cohort join My Cohort." in created
    instruction = created.split("Members join with ")[1].rstrip(".")
    joined = await run(any_core, ALICE, instruction)
    assert joined.startswith("You joined My Cohort")
    assert (await run(any_core, ALICE, '/cohort leave "My Cohort"')).startswith("You left")
    assert "Added Alice" in await run(any_core, ADMIN, "/cohort add My Cohort alice")
    assert "Removed Alice" in await run(any_core, ADMIN, "/cohort remove My Cohort alice")
    assert "now runs 2026-02-01 → 2026-03-01" in await run(
        any_core, ADMIN, "/cohort dates My Cohort 2026-02-01 2026-03-01"
    )
    board = await run(any_core, ALICE, "/leaderboard week My Cohort")
    assert board.startswith("Leaderboard · cohort My Cohort · this week")


# -- item 6: words the board does not know --------------------------------------------------


@pytest.mark.parametrize("line", ["/leaderboard year", "/leaderboard week yearly"])
async def test_an_unknown_board_word_names_the_windows_and_scopes(fake_core, line):
    reply = await run(fake_core, ALICE, line)
    assert reply.startswith("! I don't understand `")
    assert "Windows: day, week, month, all" in reply and "cohort NAME" in reply
    assert "There is no cohort" not in reply


async def test_an_unclosed_quote_in_a_command_says_so(fake_core):
    reply = await run(fake_core, ALICE, '/leaderboard "week')
    assert reply.startswith("! That command has an unclosed quote")


# -- item 17: when a window started and when it resets --------------------------------------


def test_window_lines_name_the_start_the_reset_and_the_timezone():
    wednesday = date(2026, 12, 2)
    assert (
        window_line(LeaderboardWindow.WEEK, wednesday, "Europe/Paris")
        == "Week of Mon 30 Nov · resets Mon 7 Dec 00:00 Europe/Paris"
    )
    assert (
        window_line(LeaderboardWindow.DAY, wednesday, "UTC")
        == "Today, Wed 2 Dec · resets Thu 3 Dec 00:00 UTC"
    )
    assert (
        window_line(LeaderboardWindow.MONTH, wednesday, "UTC")
        == "December 2026 · resets Fri 1 Jan 00:00 UTC"
    )
    assert window_line(LeaderboardWindow.ALL, wednesday, "UTC").startswith("All time")


async def test_a_board_says_its_window(fake_core, clock):
    clock.set(datetime(2026, 12, 2, 10, tzinfo=UTC))
    board = await run(fake_core, ALICE, "/leaderboard week")
    assert "Week of Mon 30 Nov · resets Mon 7 Dec 00:00 UTC" in board


# -- item 12: confirmations in words --------------------------------------------------------


@pytest.mark.parametrize("word", ["yes", "Yes!", "confirm", "y"])
async def test_forget_me_accepts_a_typed_yes(any_core, word):
    await any_core.handle_text(ALICE, "/quiz choice")
    await any_core.handle_text(ALICE, "A")
    asked = await run(any_core, ALICE, "/forget-me")
    assert "Type yes" in asked
    done = await run(any_core, ALICE, word)
    assert done.startswith("Done: your data in this community is deleted.")
    mine = await run(any_core, ALICE, "/my-data")
    assert "0 graded answers" in mine


async def test_a_no_or_another_line_cancels_and_deletes_nothing(fake_core):
    await fake_core.handle_text(ALICE, "/quiz choice")
    await fake_core.handle_text(ALICE, "A")
    await fake_core.handle_text(ALICE, "/forget-me")
    assert (await run(fake_core, ALICE, "no")).startswith("Cancelled")
    assert "1 graded answer " in await run(fake_core, ALICE, "/my-data")
    await fake_core.handle_text(ALICE, "/forget-me")
    await fake_core.handle_text(ALICE, "/stats")
    late = await run(fake_core, ALICE, "yes")
    assert late.startswith("! Nothing is waiting for a yes")
    # Someone else's yes confirms nothing of Alice's.
    await fake_core.handle_text(ALICE, "/forget-me")
    bob = Caller("discord", "g1", "bob", "Bob", "general")
    assert (await run(fake_core, bob, "yes")).startswith("! Nothing is waiting")
    assert "1 graded answer " in await run(fake_core, ALICE, "/my-data")


async def test_cohort_delete_asks_first(any_core):
    await run(any_core, ADMIN, "/cohort create Night Owls")
    asked = await any_core.handle_text(ADMIN, "/cohort delete Night Owls")
    assert "Type yes" in asked.text
    assert [b.action for b in asked.buttons] == ["cohort:delete:Night Owls:confirm"]
    assert "deleted" in await run(any_core, ADMIN, "yes")
    assert "No cohorts yet" in await run(any_core, ADMIN, "/cohort list")
    await run(any_core, ADMIN, "/cohort create Larks")
    assert "deleted" in await run(any_core, ADMIN, "/cohort delete Larks confirm")


# -- item 13: my data, all of it --------------------------------------------------------------


async def test_my_data_says_latest_5_of_n_and_exports_everything(any_core, clock):
    for _ in range(7):
        await any_core.handle_text(ALICE, "/quiz")
        await any_core.handle_text(ALICE, "/skip")
    for n in range(6):
        await any_core.quiz.submit(ALICE, "nlp-basics-sample-tfidf", f"answer {n}")
        clock.advance(minutes=1)
    mine = await any_core.handle_text(ALICE, "/my-data")
    assert "Your latest 5 of 6 answers are below." in mine.text
    assert "my-data:export" in [b.action for b in mine.buttons]
    exported = await any_core.act(ALICE, "my-data:export")
    assert exported.attachment is not None
    name, body = exported.attachment
    assert name.endswith(".json")
    data = json.loads(body)
    assert [a["answer"] for a in data["answers"]] == [f"answer {n}" for n in range(6)]
    assert data["member"]["display_name"] == "Alice"


# -- item 14: wording -----------------------------------------------------------------------


async def test_cohort_list_wording(fake_core):
    await run(fake_core, ADMIN, "/cohort create Solo")
    await run(fake_core, ALICE, "/cohort join Solo")
    listed = await run(fake_core, ADMIN, "/cohort list")
    assert "Solo: 1 member, no dates" in listed
    assert "…" not in listed


def test_a_tie_is_neither_strongest_nor_weakest():
    assert strongest_and_weakest([(50.0, "llms"), (50.0, "transformers")]) == (None, None)
    assert strongest_and_weakest([(40.0, "llms"), (80.0, "transformers")]) == (
        "transformers",
        "llms",
    )
    assert strongest_and_weakest([(80.0, "llms")]) == ("llms", None)
    assert strongest_and_weakest([(40.0, "a"), (40.0, "b"), (90.0, "c")]) == ("c", None)


# -- /settings ----------------------------------------------------------------------------------


def test_timezones_match_in_any_case_and_are_validated():
    assert find_timezone("europe/paris") == "Europe/Paris"
    assert find_timezone("America/new_york") == "America/New_York"
    assert find_timezone("utc") == "UTC"
    with pytest.raises(SettingError, match="Did you mean `Europe/Paris`"):
        find_timezone("Europe/Pariss")
    with pytest.raises(SettingError):
        find_timezone("Mars/Olympus")


async def test_settings_show_and_change_for_admins_only(any_core):
    refused = await run(any_core, ALICE, "/settings timezone Europe/Paris")
    assert refused.startswith("! Only an admin can change settings")
    shown = await run(any_core, ADMIN, "/settings")
    assert "timezone: UTC" in shown and "qotd-best: on" in shown and "hide-departed: on" in shown
    changed = await run(any_core, ADMIN, "/settings timezone europe/paris")
    assert "Timezone changed from UTC to Europe/Paris" in changed
    assert "timezone: Europe/Paris" in await run(any_core, ADMIN, "/settings")
    assert "hide-departed: off" in await run(any_core, ADMIN, "/settings hide-departed off")
    bad = await run(any_core, ADMIN, "/settings hide-departed maybe")
    assert bad.startswith("! hide-departed is on or off")
    assert (await run(any_core, ADMIN, "/settings colour blue")).startswith("! There is no")
    assert (await run(any_core, ADMIN, "/settings timezone Nowhere/Land")).startswith("! ")


async def test_a_timezone_change_moves_days_from_then_on_and_keeps_points(any_core, clock):
    # 23:30 UTC on Monday 7 Dec: still Monday in UTC, already Tuesday in Paris.
    clock.set(datetime(2026, 12, 7, 23, 30, tzinfo=UTC))
    await any_core.quiz.submit(ALICE, "nlp-basics-sample-tfidf", "tf-idf")
    before = await run(any_core, ALICE, "/leaderboard day")
    assert "Alice — 10 pts" in before and "Today, Mon 7 Dec" in before
    await run(any_core, ADMIN, "/settings timezone Europe/Paris")
    after = await run(any_core, ALICE, "/leaderboard day")
    # Now it is Tuesday in the community: Monday's points stay on Monday's board.
    assert "Today, Tue 8 Dec · resets Wed 9 Dec 00:00 Europe/Paris" in after
    assert "Nobody has points on this board yet" in after
    assert "Alice — 10 pts" in await run(any_core, ALICE, "/leaderboard week")
    assert "Alice — 10 pts" in await run(any_core, ALICE, "/leaderboard all")
    # The next answer counts on the Paris day.
    await any_core.quiz.submit(ALICE, "nlp-basics-sample-gpt3", "A")
    assert "Alice — 10 pts" in await run(any_core, ALICE, "/leaderboard day")


async def test_a_pressed_confirm_button_leaves_no_yes_waiting(fake_core):
    asked = await fake_core.handle_text(ALICE, "/forget-me")
    done = await fake_core.act(ALICE, asked.buttons[0].action)
    assert done.text.startswith("Done")
    await fake_core.handle_text(ALICE, "/quiz choice")
    assert (await run(fake_core, ALICE, "yes")).startswith("! I can't tell which option")
