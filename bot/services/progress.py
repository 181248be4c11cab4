"""Streak arithmetic shared by /stats, rosters and boards."""

from __future__ import annotations

from datetime import date

from bot.ports import MemberProgress


def live_streak(progress: MemberProgress, today: date) -> int:
    """The streak as of local `today`: it survives until the end of the day after the last
    answer, then drops to 0 (the stored value only changes when the member answers)."""
    if progress.last_active_on is None or (today - progress.last_active_on).days > 1:
        return 0
    return progress.current_streak
