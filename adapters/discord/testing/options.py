"""What Discord's own client checks before it sends an interaction: command options
(names, required, types, choices, lengths, ranges) and modal inputs (required, min/max
length), and the payload shapes it then sends (`options`, `resolved`, submitted components).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.discord.testing.state import FakeChannel, FakeMember, FakeRole, FakeUser

STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2


class ClientRefused(Exception):
    """Discord's own client would not let the member do this, so it never reaches the bot."""


def find_option(specs: list[dict[str, Any]], name: str, where: str) -> dict[str, Any]:
    for spec in specs:
        if spec.get("name") == name:
            return spec
    raise ClientRefused(f"{where} has no option {name!r} (has {[s.get('name') for s in specs]})")


def fill_options(
    specs: list[dict[str, Any]],
    values: dict[str, Any],
    resolved: dict[str, dict[str, Any]],
    where: str,
) -> list[dict[str, Any]]:
    known = {spec.get("name") for spec in specs}
    extra = set(values) - known
    if extra:
        raise ClientRefused(f"{where} has no option(s) {sorted(extra)}")
    built = []
    for spec in specs:
        name = spec["name"]
        if name not in values or values[name] is None:
            if spec.get("required"):
                raise ClientRefused(f"{where} needs option {name!r}")
            continue
        built.append(
            {
                "name": name,
                "type": spec["type"],
                "value": _typed(spec, values[name], resolved, where),
            }
        )
    return built


def _typed(
    spec: dict[str, Any], value: Any, resolved: dict[str, dict[str, Any]], where: str
) -> Any:
    kind, name = spec["type"], spec["name"]
    if kind == STRING:
        if not isinstance(value, str):
            raise ClientRefused(f"{where} option {name!r} takes text")
        low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise ClientRefused(f"{where} option {name!r} takes {low}-{high} characters")
    elif kind in (INTEGER, NUMBER):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ClientRefused(f"{where} option {name!r} takes a number")
        if kind == INTEGER and not float(value).is_integer():
            raise ClientRefused(f"{where} option {name!r} takes a whole number")
        value = int(value) if kind == INTEGER else value
        if "min_value" in spec and value < spec["min_value"]:
            raise ClientRefused(f"{where} option {name!r} is at least {spec['min_value']}")
        if "max_value" in spec and value > spec["max_value"]:
            raise ClientRefused(f"{where} option {name!r} is at most {spec['max_value']}")
    elif kind == BOOLEAN:
        if not isinstance(value, bool):
            raise ClientRefused(f"{where} option {name!r} takes true or false")
    elif kind in (USER, MENTIONABLE) and isinstance(value, FakeMember | FakeUser):
        user = value.user if isinstance(value, FakeMember) else value
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        if isinstance(value, FakeMember):
            member = value.payload(with_permissions=True)
            member.pop("user")
            resolved.setdefault("members", {})[str(user.id)] = member
        return str(user.id)
    elif kind == CHANNEL and isinstance(value, FakeChannel):
        resolved.setdefault("channels", {})[str(value.id)] = {
            "id": str(value.id),
            "name": value.name,
            "type": value.type,
            "permissions": str(value.guild.everyone_role.permissions),
            "parent_id": str(value.parent_id) if value.parent_id else None,
        }
        return str(value.id)
    elif kind in (ROLE, MENTIONABLE) and isinstance(value, FakeRole):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    else:
        raise ClientRefused(f"{where} option {name!r} (type {kind}) cannot take {value!r}")
    choices = spec.get("choices") or []
    if choices and value not in [choice.get("value") for choice in choices]:
        raise ClientRefused(
            f"{where} option {name!r} takes one of {[c.get('value') for c in choices]}"
        )
    return value


def submitted_components(
    modal: dict[str, Any], values: dict[str, str | Sequence[str]]
) -> tuple[list[dict[str, Any]], set[str]]:
    """The MODAL_SUBMIT `components` for `values`, mirroring the modal's layout, after the checks
    Discord's client makes (required inputs filled, lengths within min/max)."""
    remaining = dict(values)
    ids = iter(range(1, 1000))

    def answer(item: dict[str, Any]) -> dict[str, Any] | None:
        custom_id = item.get("custom_id")
        if item.get("type") == 4:
            value = remaining.pop(custom_id, item.get("value") or "") if custom_id else ""
            if not isinstance(value, str):
                raise ClientRefused(f"text input {custom_id!r} takes text")
            required = item.get("required", True)
            if required and not value:
                raise ClientRefused(f"text input {custom_id!r} is required")
            low, high = int(item.get("min_length") or 0), int(item.get("max_length") or 4000)
            if value and not low <= len(value) <= high:
                raise ClientRefused(
                    f"text input {custom_id!r} takes {low}-{high} characters, not {len(value)}"
                )
            return {"type": 4, "id": next(ids), "custom_id": custom_id, "value": value}
        if item.get("type") == 3:
            picked = remaining.pop(custom_id, []) if custom_id else []
            chosen = [picked] if isinstance(picked, str) else list(picked)
            return {"type": 3, "id": next(ids), "custom_id": custom_id, "values": chosen}
        return None

    components: list[dict[str, Any]] = []
    for top in modal.get("components") or []:
        if top.get("type") == 1:
            inner = [a for a in (answer(c) for c in top.get("components") or []) if a]
            components.append({"type": 1, "id": next(ids), "components": inner})
        elif top.get("type") == 18:
            inner_answer = answer(top.get("component") or {})
            if inner_answer is not None:
                components.append({"type": 18, "id": next(ids), "component": inner_answer})
        elif top.get("type") == 10:
            components.append({"type": 10, "id": next(ids)})
    return components, set(remaining)
