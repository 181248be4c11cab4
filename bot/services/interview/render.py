"""Interview replies: the question being asked and the scorecard, as neutral Replies."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.topics import TOPICS
from bot.domain import Kind, Question
from bot.ports import Interview, InterviewStep
from bot.services.interview.plan import SECTION_TITLES
from bot.services.interview.scorecard import BAR_WORDS, Scorecard
from bot.views import Button, Field, Reply

MAX_FIELD = 1000
MAX_GAP_FIELDS = 5
MAX_GAP_CHARS = 600
TRACK_TITLES = {"nlp": "NLP", "llm": "LLM", "ml": "ML", "genai": "GenAI"}


def clip(text: str, limit: int = MAX_FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def minutes(seconds: int) -> str:
    if seconds < 60:
        return "under a minute"
    return f"{round(seconds / 60)} min"


def answer_action(interview_id: int, step: InterviewStep) -> str:
    """Where a button or form answers this step: `interview:answer:<id>:<step>`."""
    return f"interview:answer:{interview_id}:{step.label}"


def question_reply(
    interview: Interview,
    step: InterviewStep,
    question: Question,
    planned: int,
    note: str | None = None,
) -> Reply:
    """The step's question, private, answerable by a form (or lettered buttons)."""
    is_follow_up = bool(step.follow_up)
    choices = (
        tuple(c.text for c in question.choices)
        if question.kind is Kind.CHOICE and not is_follow_up
        else ()
    )
    where = f"Q{step.number}/{planned}" + (" follow-up" if is_follow_up else "")
    title = (
        f"Interview · {interview.level} · {TRACK_TITLES.get(interview.track, interview.track)}"
        f" · {where} · {SECTION_TITLES.get(step.section, step.section)}"
    )
    prompt = question.prompt
    if step.section == "coding" and not is_follow_up:
        prompt += "\n(Answer in code or describe your approach in words.)"
    return Reply(
        text=f"{note}\n\n{prompt}" if note else prompt,
        title=title,
        fields=(
            Field("Topic", TOPICS.get(question.topic, question.topic), inline=True),
            Field("Suggested time", minutes(step.suggested_seconds), inline=True),
        ),
        choices=choices,
        buttons=(Button("Skip", "interview:skip"), Button("End interview", "interview:end")),
        wants_text_answer=not choices,
        private=True,
        footer=("Answer with a letter or the option text." if choices else "Answer in one message.")
        + " /interview skip to pass, /interview end to stop with a scorecard.",
        answer_action=answer_action(interview.id, step),
    )


def scorecard_reply(card: Scorecard, number: int | None = None, note: str | None = None) -> Reply:
    """The whole scorecard: competencies against the level's bar, strengths, gaps with
    their model answers, the study plan and the time notes."""
    lines = []
    if note:
        lines.append(note)
    overall = "—" if card.overall is None else f"{card.overall}/100"
    lines.append(
        f"Overall: {overall} · {card.overall_readout} for {card.level} (bar {card.overall_bar})"
    )
    words = BAR_WORDS.get(card.level, {})
    for result in card.competencies:
        if result.score is None:
            lines.append(f"- {result.name.capitalize()}: not assessed")
            continue
        lines.append(
            f"- {result.name.capitalize()}: {result.score} · {result.readout} "
            f"(bar {result.bar}: {words.get(result.name, '')})"
        )
    fields: list[Field] = []
    if card.strengths:
        fields.append(Field("Strengths", clip("\n".join(card.strengths))))
    # The lowest answers get a field each with their model answer; the rest one line each,
    # so the whole card stays within what a chat message can carry (Discord: 6,000
    # characters, 25 fields).
    worst = sorted(card.gaps, key=lambda g: (g.score - g.bar, g.label))[:MAX_GAP_FIELDS]
    for gap in card.gaps:
        if gap not in worst:
            continue
        missed = f"\nMissed: {'; '.join(gap.missed)}" if gap.missed else ""
        fields.append(
            Field(
                f"Gap · Q{gap.label} {gap.competency} {gap.score}/100 (bar {gap.bar})",
                clip(
                    f"{gap.prompt}{missed}\nModel answer to revisit: {gap.model_answer}",
                    MAX_GAP_CHARS,
                ),
            )
        )
    others = [g for g in card.gaps if g not in worst]
    if others:
        fields.append(
            Field(
                "Also below the bar",
                clip(
                    "\n".join(
                        f"Q{g.label} {g.competency} {g.score}/100: {clip(g.prompt, 80)}"
                        for g in others
                    )
                ),
            )
        )
    if card.study_plan:
        fields.append(Field("Study plan", clip("\n".join(card.study_plan))))
    if card.card_questions:
        fields.append(
            Field(
                "Practice cards",
                f"{len(card.card_questions)} scheduled for the answers below the bar: /practice",
            )
        )
    if card.time_notes:
        fields.append(Field("Time", clip("\n".join(card.time_notes))))
    plural = "s" if card.follow_ups != 1 else ""
    followed = f" ({card.follow_ups} follow-up{plural})" if card.follow_ups else ""
    stopped = " (ended early)" if card.status == "ended" else ""
    title = "Interview scorecard" + (f" #{number}" if number is not None else "")
    return Reply(
        text="\n".join(lines),
        title=title,
        fields=tuple(fields),
        private=True,
        footer=(
            f"{card.level} · {TRACK_TITLES.get(card.track, card.track)} · {card.length}{stopped}: "
            f"{card.planned} questions planned; {card.answered} answered, {card.skipped} "
            f"skipped{followed}. "
            "Private; interviews earn no points. /interview history for past ones."
        ),
        buttons=(Button("Practice", "practice"),),
    )


def history_reply(interviews: Sequence[Interview], timezone_note: str = "UTC") -> Reply:
    if not interviews:
        return Reply(
            text="No finished interviews yet. /interview start [level] [track] [length]",
            title="Your interviews",
        )
    lines = []
    numbered = list(enumerate(interviews, start=1))
    for number, interview in numbered[-20:][::-1]:
        when = (interview.finished_at or interview.started_at).strftime("%Y-%m-%d %H:%M")
        lines.append(
            f"#{number} {when} {timezone_note} · {interview.level} "
            f"{TRACK_TITLES.get(interview.track, interview.track)} {interview.length}"
            f"{' (ended early)' if interview.status == 'ended' else ''} · "
            f"{interview.readout or ''}"
        )
    return Reply(
        text="\n".join(lines),
        title="Your interviews",
        footer="/interview show N opens scorecard N.",
    )
