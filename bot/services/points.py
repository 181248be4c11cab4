"""How a grade turns into leaderboard points.

points = round(level_weight * score / 100), where the level weight is 10 for a junior
question, 15 for mid and 20 for senior. A perfect senior answer earns 20 points, a half-right
junior answer 5. An incorrect verdict (a score under 35) earns nothing: a wrong answer that
happens to share a few words with the model answer must not climb the board. Only a
member's first graded attempt at a question on a given local day earns points (see
`QuizService.answer`); later attempts are graded and stored but count 0.
"""

from __future__ import annotations

from bot.domain import Grade, Verdict

LEVEL_WEIGHT = {"junior": 10, "mid": 15, "senior": 20}


def points_for(grade: Grade, level: str) -> int:
    if grade.verdict is Verdict.INCORRECT:
        return 0
    weight = LEVEL_WEIGHT.get(level, LEVEL_WEIGHT["mid"])
    return round(weight * max(0, min(100, grade.score)) / 100)
