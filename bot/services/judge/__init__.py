"""The optional LLM judge: grades open answers through any OpenAI-compatible chat endpoint
and falls back to the claims grader (see `grader` for the rules, `prompt` for what the
judge is asked and `verdict` for how its reply is checked and scored)."""

from __future__ import annotations

from bot.services.judge.client import ChatCompletions, JudgeFailure, completions_url
from bot.services.judge.grader import JUDGED_KINDS, Breaker, JudgeGrader

__all__ = [
    "JUDGED_KINDS",
    "Breaker",
    "ChatCompletions",
    "JudgeFailure",
    "JudgeGrader",
    "completions_url",
]
