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
    are cut from its model answer). Each phrasing of a point is reduced to weighted
    content-word stems (prompt words 0.25, generic words 0.5, others 1) and searched for in a
    window of the answer, tolerant of word order, inflection, typos and direction synonyms
    (`keypoints`). A point counts only where the answer asserts it (`stance`): a window that
    is negated, denied ("it is not true that ..."), dismissed ("... is a waste of time"),
    reported ("some people say ..."), reversed around than/before/after or has an opposite
    swapped in is a contradiction or earns nothing. Credit per point is 0 below coverage 0.3
    (0.2 for a marked rubric's points), 1 from 0.7, linear between, halved for a bare list
    item (`shape`). Near-synonyms fill a word's slot at 0.85 (`synonyms`), and two words
    written apart stand for a name written as one ("flash attention" / FlashAttention).

    With core/supporting marks: every core point asserted (credit >= 0.6) scores
    ``70 + 30 * supporting share`` (terse prose costs supporting credit only); otherwise
    ``69 * (0.5 * core share + 0.5 * supporting share) ** 0.3``, capped at 34 when no core
    point reaches credit 0.65 or no point at all reaches 0.8 (45 instead when the answer keeps
    to the question's vocabulary, relevance 0.7 or more: vague, not wrong); 20 off per
    contradicted core point, 10 per supporting one. Without marks::

        share = max(0, (sum(credit) - 0.5 * contradicted) / n_points)
        score = 100 * min(1, share / 0.85) ** 0.65 * prose

    so one point of five gives 39 (partial) and three of five 80. ``prose`` falls from 1 to
    0.35 as the share of function words drops (a bag of keywords). Caps: a keyword list 50,
    the prompt restated 10, an answer to another question (relevance below 0.4) 20, a
    comparison of the model answer stated the other way round 60 (`comparisons`), an
    asserted misconception 30 (45 with every core point asserted; the feedback corrects it).

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
