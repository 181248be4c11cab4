"""Plain domain types: no I/O, no platform types."""

from bot.domain.models import (
    LEVELS,
    Attempt,
    Channel,
    Choice,
    Cohort,
    Community,
    Grade,
    KeyPoint,
    Kind,
    LeaderboardRow,
    Level,
    Member,
    Question,
    StarRubric,
    Verdict,
)

__all__ = [
    "LEVELS",
    "Attempt",
    "Channel",
    "Choice",
    "Cohort",
    "Community",
    "Grade",
    "KeyPoint",
    "Kind",
    "LeaderboardRow",
    "Level",
    "Member",
    "Question",
    "StarRubric",
    "Verdict",
]
