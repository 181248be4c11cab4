"""Answer graders: ``grade(question, answer, level=None) -> Grade``.

Every grader is a pure, deterministic function of the question and the answer text: no I/O,
no model, no clock. Scores are integers 0-100 and the verdict comes from
`Verdict.from_score` (correct from 70, partial from 35, else incorrect). `feedback` is always
one line. Input is capped (characters and tokens) so a 10,000+ character answer is as cheap
as a long paragraph.

How each kind is scored
-----------------------

choice
    The answer is read as a letter ("b", "(B)", "B.", "answer: b"), a 1-based number, or the
    option text (normalised; a typo is accepted when one option is clearly closest, or the
    option named inside a sentence). Right option: 100; wrong option: 0 with that option's
    ``why_wrong`` and the right answer; unreadable: 0 asking for a letter or the option text.

short
    Answer and every ``accepted`` variant are normalised (`bot.text.normalise_phrase`: case,
    accents via NFKD, punctuation, hyphens as spaces, number words as digits, a leading
    article, simple plurals). A variant matches the whole answer within an edit budget that
    grows with its length (exact up to 4 characters, 1 typo up to 7, 2 up to 14, then one per
    7), or appears as whole words inside a short sentence ("it's called TF-IDF"). Fragments
    ("term frequency" for TF-IDF) and longer words ("new yorkshire" for New York) do not
    match; a negated mention ("not Paris") fails. Match: 100; match plus another candidate
    ("BERT or GPT"): 50; otherwise at most 30.

open, scenario, coding
    Key points come from ``question.key_points_for(level)`` (or, when a question has none,
    are cut from its model answer). Each phrasing of a point (text and synonyms) is reduced to
    weighted content-word stems (words of the prompt weigh 0.25, generic words such as "model"
    0.5, others 1) and searched for in a window of the answer, tolerant of word order,
    inflection (Snowball stems), typos (Levenshtein 1-2 per word, same first letter) and
    direction synonyms (reduce ~ lower ~ decrease) (`keypoints`). A point's coverage ``c``
    is its best phrasing's matched weight share; credit is 0 below 0.3, 1 from 0.75, linear
    between. A point stated wrongly in the best window (negated: "does not", "never",
    "isn't", "rather than", with diminishing verbs counted so "does not overfit" agrees with
    "reduces overfitting"; a comparison reversed around "than"; or an opposite term swapped
    in: increase/decrease, encoder/decoder, or the two things the prompt contrasts) earns no
    credit and costs 0.5::

        raw   = max(0, (sum(credit) - 0.5 * contradicted) / n_points) * prose
        score = 100 * min(1, raw / 0.85)

    so 3 of 5 points fully stated gives 70 (correct). ``prose`` is 1 for ordinary sentences and
    falls to 0.35 as the share of function words drops to 0 (a bare list of keywords), so
    stuffing cannot score like an explanation. An answer matching no point scores 0.

behavioral
    STAR: situation, task, action and result are detected by cue phrases ("when I was",
    "I was responsible for", "I decided/built/led ...", "as a result", "reduced ... by 30%"):
    17.5 each (action is 1.0 for two or more first-person actions, 0.7 for one, 0.4 for "we"
    only; result 0.7 without a number). Specificity adds up to 30: numbers (12), first-person
    actions (10), reflection ("I learned", "next time": 4), length (4). Fewer than 25 words
    caps the score at 30, fewer than 50 at 75; hypothetical answers ("I would ...") lose the
    action credit. With key points, the final score is 75% STAR + 25% key-point score.
    Feedback names the missing STAR parts.
"""

from __future__ import annotations

from bot.domain import Grade, Kind, Question
from bot.services.scoring.behavioral import grade_behavioral
from bot.services.scoring.choice import grade_choice
from bot.services.scoring.open import assess, grade_open
from bot.services.scoring.reference import similarity, split_key_points
from bot.services.scoring.short import grade_short

__all__ = [
    "assess",
    "grade",
    "grade_behavioral",
    "grade_choice",
    "grade_open",
    "grade_short",
    "similarity",
    "split_key_points",
]


def grade(question: Question, answer: str, level: str | None = None) -> Grade:
    """Grade `answer` to `question` (for open kinds, against the rubric for `level`)."""
    answer = answer if isinstance(answer, str) else str(answer)
    kind = question.kind
    if kind is Kind.CHOICE:
        return grade_choice(question, answer)
    if kind is Kind.SHORT:
        return grade_short(question, answer)
    if kind is Kind.BEHAVIORAL:
        return grade_behavioral(question, answer, level)
    return grade_open(question, answer, level)
