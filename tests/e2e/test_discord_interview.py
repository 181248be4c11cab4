"""A mock interview in Discord: the catalogue's /interview reaches the adapter unchanged,
questions and the scorecard are ephemeral, free text goes through the modal."""

from __future__ import annotations

from tests.e2e.discord_world import discord_world
from tests.interview_script import INTERVIEW_PACKS


def _buttons(record) -> dict[str, str]:
    return {b["label"]: str(b["custom_id"]) for b in record.buttons()}


async def test_a_whole_interview_runs_to_a_scorecard_in_ephemeral_messages(tmp_path):
    async with discord_world(tmp_path, PREPBOT_CONTENT_DIR=str(INTERVIEW_PACKS)) as world:
        fake, alice = world.fake, world.alice
        step = await fake.slash(alice, "interview start", level="mid", track="llm", length="short")
        assert step.ephemeral and "Q1/4" in step.text, step.text
        for _ in range(10):
            if "Interview scorecard" in step.text:
                break
            buttons = _buttons(step)
            assert "End interview" in buttons and "Skip" in buttons, step.text
            if "A" in buttons:
                step = await fake.click(alice, step.message_with(buttons["A"]), buttons["A"])
            else:
                opener = buttons["Answer"]
                opened = await fake.click(alice, step.message_with(opener), opener)
                assert opened.modal is not None
                step = await fake.submit_modal(
                    alice,
                    opened.modal["custom_id"],
                    {"answer": "I would measure it first, then explain the trade-off I chose."},
                )
            assert step.ephemeral
        assert "Interview scorecard" in step.text and "Overall:" in step.text
        # Private and pointless for boards: nobody else saw it, and no points were earned.
        assert not [m for m in fake.messages(world.study) if "Interview" in m.text]
        history = await fake.slash(alice, "interview history")
        assert history.ephemeral and "#1" in history.text
        board = await fake.slash(alice, "leaderboard")
        assert "Alice" not in board.text
