"""The pure parts of practice: grade -> rating, local day ends, weakest-topic order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fsrs import Rating

from bot.ports import TopicAccuracy
from bot.services.practice import end_of_local_day, rate_buttons, rating_for_score, weakest_first


@pytest.mark.parametrize(
    ("score", "rating"),
    [
        (0, Rating.Again),
        (34, Rating.Again),
        (35, Rating.Hard),
        (69, Rating.Hard),
        (70, Rating.Good),
        (89, Rating.Good),
        (90, Rating.Easy),
        (100, Rating.Easy),
    ],
)
def test_grade_maps_to_rating(score: int, rating: Rating) -> None:
    assert rating_for_score(score) is rating


def test_rate_buttons_carry_the_attempt() -> None:
    assert [b.action for b in rate_buttons(42)] == [
        "rate:again:42",
        "rate:hard:42",
        "rate:good:42",
        "rate:easy:42",
    ]


@pytest.mark.parametrize(
    ("now", "timezone", "end"),
    [
        # 23:30 in Tokyo on 5 Jan: the day ends at 15:00 UTC.
        (datetime(2026, 1, 5, 14, 30, tzinfo=UTC), "Asia/Tokyo", datetime(2026, 1, 5, 15, 0)),
        # 00:30 in Tokyo on 6 Jan (still 5 Jan in UTC): that day ends a day later.
        (datetime(2026, 1, 5, 15, 30, tzinfo=UTC), "Asia/Tokyo", datetime(2026, 1, 6, 15, 0)),
        (datetime(2026, 1, 5, 23, 59, tzinfo=UTC), "UTC", datetime(2026, 1, 6, 0, 0)),
        # New York on the day clocks go forward (8 Mar 2026): 23 hours long, ends 04:00 UTC.
        (
            datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 3, 9, 4, 0),
        ),
    ],
)
def test_end_of_local_day(now: datetime, timezone: str, end: datetime) -> None:
    assert end_of_local_day(now, timezone) == end.replace(tzinfo=UTC)


def test_weakest_topic_order() -> None:
    accuracy = [
        TopicAccuracy("statistics", answers=4, correct=1),  # 2/6
        TopicAccuracy("transformers", answers=2, correct=2),  # 3/4
        TopicAccuracy("python", answers=2, correct=1),  # 2/4 = untried, but more answers
    ]
    topics = ["transformers", "python", "llms", "statistics", "nlp-basics"]
    assert weakest_first(topics, accuracy) == [
        "statistics",
        "nlp-basics",  # untried: 50%, catalogue order among equals
        "llms",
        "python",
        "transformers",
    ]
