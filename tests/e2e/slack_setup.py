"""Shared set-up of the Slack end-to-end tests: the real adapter over HTTP against the
local Slack, on a SQLite file (or PostgreSQL when the suite runs there)."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.testing import Ephemeral, Message


def blocks_text(item: Message | Ephemeral | Any) -> str:
    """Everything a person reads in a message: its text and every text in its blocks."""
    found: list[str] = [getattr(item, "text", "") or ""]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for entry in node:
                walk(entry)

    walk(getattr(item, "blocks", []))
    return "\n".join(found)


def buttons(item: Message | Ephemeral | Any) -> list[dict[str, Any]]:
    return [
        element
        for block in getattr(item, "blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def button(item: Any, label: str) -> dict[str, Any]:
    for element in buttons(item):
        if element["text"]["text"] == label:
            return element
    raise AssertionError(f"no button {label!r} in {json.dumps(getattr(item, 'blocks', []))[:500]}")
