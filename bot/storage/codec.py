"""Question <-> JSON, for the `questions.data` column and `prepbot content export`."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.domain import (
    Choice,
    FollowUp,
    FollowUpTrigger,
    KeyPoint,
    Kind,
    Misconception,
    Question,
    StarRubric,
)


def _points(points: tuple[KeyPoint, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in points:
        item: dict[str, Any] = {"text": p.text, "synonyms": list(p.synonyms)}
        # Only written when set, so the JSON (and its content hash) of a question that
        # predates core marks and claims is unchanged.
        if p.core is not None:
            item["core"] = p.core
        if p.claim:
            item["claim"] = p.claim
        out.append(item)
    return out


def _misconceptions(items: tuple[Misconception, ...]) -> list[dict[str, Any]]:
    return [
        {"claim": m.claim, "phrasings": list(m.phrasings), "correction": m.correction}
        for m in items
    ]


def _follow_ups(question: Question) -> list[dict[str, Any]]:
    return [
        {
            "trigger": f.trigger.value,
            "about": f.about,
            "prompt": f.prompt,
            "key_points": _points(f.key_points),
            "model_answer": f.model_answer,
        }
        for f in question.follow_ups
    ]


def question_to_dict(question: Question) -> dict[str, Any]:
    data = _question_dict(question)
    # Only when present, so a question without follow-ups keeps the content hash it had
    # before follow-ups existed (no needless re-sync of every stored question).
    if question.follow_ups:
        data["follow_ups"] = _follow_ups(question)
    return data


def _question_dict(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "prompt": question.prompt,
        "kind": question.kind.value,
        "topic": question.topic,
        "level": question.level,
        "levels": list(question.askable_levels),
        "difficulty": question.difficulty,
        "model_answer": question.model_answer,
        "explanation": question.explanation,
        "choices": [
            {"text": c.text, "correct": c.correct, "why_wrong": c.why_wrong}
            for c in question.choices
        ],
        "accepted": list(question.accepted),
        "key_points": _points(question.key_points),
        "rubrics": {level: _points(points) for level, points in question.rubrics.items()},
        **(
            {"misconceptions": _misconceptions(question.misconceptions)}
            if question.misconceptions
            else {}
        ),
        "star": (
            {
                "situation": question.star.situation,
                "task": question.star.task,
                "action": question.star.action,
                "result": question.star.result,
                "strong_signals": list(question.star.strong_signals),
            }
            if question.star
            else None
        ),
        "reference_solution": question.reference_solution,
        "tags": list(question.tags),
        "source": question.source,
        "seed": question.seed,
        # Written only when set, so older questions keep their JSON and content hash.
        **({"as_of": question.as_of} if question.as_of else {}),
        **({"sources": list(question.sources)} if question.sources else {}),
    }


def question_from_dict(data: dict[str, Any], community_id: int | None = None) -> Question:
    def points(raw: list[dict[str, Any]]) -> tuple[KeyPoint, ...]:
        return tuple(
            KeyPoint(
                p["text"],
                tuple(p.get("synonyms", ())),
                core=p.get("core"),
                claim=p.get("claim"),
            )
            for p in raw
        )

    star = data.get("star")
    return Question(
        id=data["id"],
        prompt=data["prompt"],
        kind=Kind(data["kind"]),
        topic=data["topic"],
        level=data["level"],
        levels=tuple(data.get("levels", ())),
        difficulty=int(data.get("difficulty", 2)),
        model_answer=data.get("model_answer", ""),
        explanation=data.get("explanation", ""),
        choices=tuple(
            Choice(c["text"], bool(c.get("correct")), c.get("why_wrong"))
            for c in data.get("choices", ())
        ),
        accepted=tuple(data.get("accepted", ())),
        key_points=points(data.get("key_points", [])),
        rubrics={level: points(raw) for level, raw in data.get("rubrics", {}).items()},
        misconceptions=tuple(
            Misconception(m["claim"], tuple(m.get("phrasings", ())), m.get("correction", ""))
            for m in data.get("misconceptions", ())
        ),
        star=(
            StarRubric(
                star["situation"],
                star["task"],
                star["action"],
                star["result"],
                tuple(star.get("strong_signals", ())),
            )
            if star
            else None
        ),
        reference_solution=data.get("reference_solution"),
        follow_ups=tuple(
            FollowUp(
                prompt=f["prompt"],
                trigger=FollowUpTrigger(f["trigger"]),
                about=f.get("about", ""),
                key_points=points(f.get("key_points", [])),
                model_answer=f.get("model_answer", ""),
            )
            for f in data.get("follow_ups", ())
        ),
        tags=tuple(data.get("tags", ())),
        source=data.get("source", ""),
        seed=data.get("seed"),
        community_id=community_id,
        as_of=data.get("as_of"),
        sources=tuple(data.get("sources", ())),
    )


def content_hash(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
