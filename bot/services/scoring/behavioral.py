"""Behavioral answers: STAR structure, specificity, and (optionally) key points."""

from __future__ import annotations

import re

from bot.domain import Grade, Question
from bot.services.scoring._common import is_blank, make_grade
from bot.services.scoring.open import assess
from bot.text import fold, words

MAX_CHARS = 6000
PART_POINTS = 17.5
"""Each of situation, task, action and result: 70 in all."""
STORY_FLOOR = 70.0
"""A complete STAR story (every part found, actions the candidate's own, no stated point
contradicted) is correct: the rubric's bar for a behavioral answer."""
GENERIC_CAP = 45.0
"""An answer with no story (general statements of how one behaves) is partial at most; its
key points score it on the open-answer curve up to this."""
GENERIC_CURVE = 0.65

_SITUATION = re.compile(
    r"\b(?:when i was|while i was|at my (?:last|previous|current|old|first) "
    r"(?:job|company|role|team|internship|employer|startup)|in my (?:last|previous|current|"
    r"first) (?:job|role|position|team|internship|company)|(?:last|this|that) (?:year|quarter|"
    r"summer|spring|autumn|fall|winter|month|sprint)|(?:a few|two|three|\d+) (?:months|years|"
    r"weeks) ago|our team|my team|the team|we were|i was working|i worked (?:at|on|as|with)|"
    r"there was|the project|a project|my (?:colleague|teammate|manager|lead|boss)|"
    r"our (?:product|company|startup|client|model|pipeline|"
    r"system|service|customer|data)|a (?:client|customer|stakeholder|colleague|teammate)|"
    r"deadline|during (?:my|the|a|an|our)|we had|i joined|in \d{4})\b"
)
_TASK = re.compile(
    r"\b(?:i was (?:responsible|in charge|the owner|the only|the lead)|i owned|"
    r"my (?:role|task|job|goal|responsibility|objective|assignment|mandate) was|"
    r"i (?:needed|had|wanted) to|i was (?:asked|tasked|expected|supposed|assigned|hired) to|"
    r"the (?:goal|task|challenge|problem|objective|requirement|ask) was|we (?:needed|had) to|"
    r"(?:manager|lead|ceo|cto|client|stakeholders?) (?:asked|wanted|needed) (?:me|us)|"
    r"i was assigned|to make sure|i took (?:on|ownership)|i volunteered|it was (?:my|up to me))\b"
)
_ACTION_VERBS = (
    r"decided|built|led|implemented|wrote|created|designed|proposed|set up|organi[sz]ed|talked|"
    r"spoke|met|analy[sz]ed|introduced|refactored|trained|started|reached out|scheduled|asked|"
    r"spent|learned|learnt|read|added|ran|reviewed|prototyped|benchmarked|profiled|debugged|"
    r"investigated|identified|split|broke|automated|migrated|deployed|rewrote|documented|"
    r"presented|negotiated|priori[sz]ed|mentored|paired|explained|convinced|tested|measured|"
    r"collected|label(?:l)?ed|fixed|replaced|switched|simplified|escalated|took|made|gave|"
    r"worked|went|set|used|chose|focused|suggested|pushed|volunteered|coordinated|drafted|"
    r"planned|tried|compared|evaluated|tuned|studied|practi[cs]ed|shadowed|wrote|ran|called|"
    r"interviewed|mapped|traced|rolled back|rolled out|shipped|owned|drove|aligned|built"
)
_I_ACTION = re.compile(
    rf"\b(?:i|so i|then i|first i|next i|finally i)\s+(?:\w+ly\s+|also\s+|then\s+)?"
    rf"(?:{_ACTION_VERBS}|\w{{3,}}ed)\b"
)
_WE_ACTION = re.compile(rf"\bwe\s+(?:\w+ly\s+|also\s+|then\s+)?(?:{_ACTION_VERBS}|\w{{3,}}ed)\b")
_HYPOTHETICAL = re.compile(r"\b(?:i would|i'd|i will|i'll|i should|i could|you should)\b")
_RESULT = re.compile(
    r"\b(?:as a result|in the end|ultimately|eventually|finally|the result|the outcome|"
    r"(?:which|this|that|it) (?:led|resulted|reduced|improved|increased|cut|saved|helped|"
    r"allowed|meant|made)|(?:reduc|improv|increas|cut|sav|decreas|boost|rais|lower|shorten|"
    r"grew|grow|drop|doubl|halv|speed|sped)\w* .{0,40}?(?:by|from|to) \d|"
    r"we (?:shipped|launched|delivered|hit|met|beat|won|released|closed)|on time|"
    r"ahead of schedule|i learned|i learnt|lesson|next time|in hindsight|looking back|"
    r"would do differently|got promoted|the feedback|was adopted|is still used|went live|"
    r"(?:accuracy|latency|cost|revenue|churn|f1|recall|precision|throughput|errors?) "
    r"(?:went|dropped|rose|improved|fell)|"
    # comparisons that settled it: "ten times cheaper", "4 points better", "so we used it"
    r"(?:\d+|two|three|four|five|ten|several) ?(?:times|x|points?|pp) (?:cheaper|faster|"
    r"smaller|better|higher|lower|worse|slower)|so we (?:used|went with|chose|kept|adopted|"
    r"switched|shipped|picked|merged)|we (?:agreed|decided) (?:to|on)|(?:it|that|this) worked)\b"
)
_NUMBER = re.compile(r"(?:\$\s?)?\b\d+(?:[.,]\d+)?\s*(?:%|x\b|ms\b|k\b|percent\b)?")
_REFLECTION = re.compile(
    r"\b(?:i learned|i learnt|lesson|next time|in hindsight|looking back|would do differently|"
    r"i realized|i realised|taught me)\b"
)


def _score_star(text: str) -> tuple[float, list[str], list[str]]:
    """(score out of 100, missing STAR parts, extra advice)."""
    folded = fold(text[:MAX_CHARS])
    n_words = len(words(text[:MAX_CHARS]))
    i_actions = len(_I_ACTION.findall(folded))
    we_actions = len(_WE_ACTION.findall(folded))
    hypothetical = len(_HYPOTHETICAL.findall(text[:MAX_CHARS].lower()))
    numbers = len(_NUMBER.findall(folded))
    situation = 1.0 if _SITUATION.search(folded) else 0.0
    parts = {
        "situation": situation,
        # The task is often implicit in the situation ("a teammate wanted an LLM, I preferred
        # a CRF"); interviewers do not ask for it as a separate sentence.
        "task": 1.0 if _TASK.search(folded) else situation,
        "action": 0.0,
        "result": 0.0,
    }
    advice: list[str] = []
    if i_actions >= 2:
        parts["action"] = 1.0
    elif i_actions == 1:
        parts["action"] = 0.7
    elif we_actions:
        parts["action"] = 0.4
        advice.append("say what you did yourself (\u201cI \u2026\u201d), not only \u201cwe\u201d")
    if hypothetical > max(1, i_actions):
        parts["action"] = min(parts["action"], 0.3)
        advice.append("tell a real past example, not what you would do")
    if _RESULT.search(folded):
        parts["result"] = 1.0 if numbers else 0.7
    missing = [name for name, got in parts.items() if got < 0.5]
    star = PART_POINTS * sum(parts.values())
    specific = 0.0
    specific += 12.0 if numbers >= 2 else 7.0 if numbers == 1 else 0.0
    specific += 10.0 if i_actions >= 2 else 5.0 if i_actions == 1 else 0.0
    specific += 4.0 if _REFLECTION.search(folded) else 0.0
    specific += 4.0 if n_words >= 80 else 2.0 if n_words >= 40 else 0.0
    if parts["result"] and not numbers:
        advice.append("quantify the result (a number, a before/after)")
    score = star + specific
    if sum(1 for got in parts.values() if got) == 0:
        score = 0.0
    if n_words < 25:
        score = min(score, 30.0)
    elif n_words < 50:
        score = min(score, 75.0)
    return score, missing, advice


def grade_behavioral(question: Question, answer: str, level: str | None = None) -> Grade:
    if is_blank(answer):
        return make_grade(
            0,
            "No answer given. Tell one real story: the situation, your task, the actions you "
            "took, and the result (with a number if you can).",
            missed=("situation", "task", "action", "result"),
        )
    score, missing, advice = _score_star(answer)
    covered = tuple(p for p in ("situation", "task", "action", "result") if p not in missing)
    missed = tuple(missing)
    points = question.key_points_for(level)
    if points:
        assessment = assess(points, answer, question.prompt)
        share = min(1.0, assessment.raw / 0.85) * assessment.prose
        story = score
        score = 0.75 * story + 25.0 * share
        if not missing and not advice and not assessment.contradicted:
            score = max(score, STORY_FLOOR)
        if story == 0 or len(missing) >= 3:
            # No story: general statements of good practice earn partial credit at most.
            score = max(score, min(GENERIC_CAP, 100.0 * share**GENERIC_CURVE))
        covered += assessment.covered
        missed += assessment.missed
    if score == 0:
        feedback = (
            "This doesn't read as a story about something you did. Use STAR: the situation, "
            "your task, the actions you took, and the result."
        )
    elif missing:
        names = ", ".join(m.upper()[0] + m[1:] for m in missing)
        feedback = f"Missing STAR parts: {names}."
        if advice:
            feedback += f" Also {advice[0]}."
    elif advice:
        feedback = f"Good STAR structure; to make it stronger, {'; '.join(advice[:2])}."
    else:
        feedback = "Strong STAR answer: clear situation, task, your actions and a concrete result."
    return make_grade(score, feedback, covered=covered, missed=missed)
