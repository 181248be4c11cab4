"""Read and check question packs.

`load_packs` never stops at the first problem: it returns every problem it can find, each
naming the file, the question id (when there is one) and the field, so an author fixes a
pack in one pass. Callers decide what a problem means: `prepbot content validate` exits
non-zero, and the bot refuses to start rather than run on half the content.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from rapidfuzz import fuzz, process

from bot.content.duplicates import NEAR_DUPLICATE_RATIO, same_question
from bot.content.provenance import provenance_findings
from bot.content.quality import question_findings
from bot.content.schema import PackSpec
from bot.domain import Question

MAX_PACK_BYTES = 5_000_000


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    question_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.question_id:
            where += f" [{self.question_id}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadResult:
    questions: list[Question]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def pack_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _question_id_at(raw: Any, index: int) -> str | None:
    try:
        qid = raw["questions"][index].get("id")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return str(qid) if qid is not None else None


def _describe(error: Any) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def parse_pack(
    text: str, file: str, community_id: int | None = None
) -> tuple[list[Question], list[Problem]]:
    """Parse one pack's YAML text into questions, or report why it cannot be used."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return [], [Problem(file, None, None, f"not valid YAML{where}")]
    if not isinstance(raw, dict):
        return [], [Problem(file, None, None, "a pack must be a mapping with topic and questions")]
    try:
        pack = PackSpec.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = list(error.get("loc", ()))
            qid = None
            field = ".".join(str(part) for part in loc) or None
            if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
                qid = _question_id_at(raw, loc[1]) or f"#{loc[1] + 1}"
                field = ".".join(str(part) for part in loc[2:]) or None
            problems.append(Problem(file, qid, field, _describe(error)))
        return [], problems
    questions = [q.to_domain(pack.topic, community_id) for q in pack.questions]
    problems = [
        Problem(file, f.question_id, f.field, f.message)
        for question in questions
        for f in (*question_findings(question), *provenance_findings(question))
    ]
    return questions, problems


def _normalise_prompt(prompt: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in prompt.casefold()).split())


def cross_pack_problems(questions: Iterable[tuple[str, Question]]) -> list[Problem]:
    """Problems only visible across packs: duplicate ids and near-duplicate prompts."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    items = list(questions)
    for file, question in items:
        if question.id in seen:
            problems.append(
                Problem(file, question.id, "id", f"duplicate id (also in {seen[question.id]})")
            )
        else:
            seen[question.id] = file
    prompts = [_normalise_prompt(q.prompt) for _, q in items]
    for i, prompt in enumerate(prompts):
        # extract() runs the comparisons in C; quadratic, but a few thousand prompts is fast.
        matches = process.extract(
            prompt,
            prompts,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=NEAR_DUPLICATE_RATIO,
            limit=None,
        )
        for _, similarity, j in matches:
            if (
                j > i
                and items[i][1].id != items[j][1].id
                # Similar wording about a different thing (Syria / Serbia) is no duplicate.
                and same_question(items[i][1].prompt, items[j][1].prompt)
            ):
                file, question = items[j]
                problems.append(
                    Problem(
                        file,
                        question.id,
                        "prompt",
                        f"near-duplicate of {items[i][1].id} ({similarity:.0f}% similar)",
                    )
                )
    return problems


def load_packs(path: Path) -> LoadResult:
    """Load every pack under `path` (a directory or one file) and check them together."""
    questions: list[Question] = []
    problems: list[Problem] = []
    located: list[tuple[str, Question]] = []
    files = pack_files(path)
    if not files:
        return LoadResult([], [Problem(str(path), None, None, "no .yaml packs found")])
    for file in files:
        name = str(file)
        try:
            if file.stat().st_size > MAX_PACK_BYTES:
                problems.append(Problem(name, None, None, "pack is larger than 5 MB"))
                continue
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, None, None, f"cannot read: {exc.__class__.__name__}"))
            continue
        parsed, pack_problems = parse_pack(text, name)
        problems.extend(pack_problems)
        questions.extend(parsed)
        located.extend((name, q) for q in parsed)
    problems.extend(cross_pack_problems(located))
    return LoadResult(questions, problems)
