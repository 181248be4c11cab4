"""views.open / push / update / publish: modals and App Home tabs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .apiargs import Handler, json_arg
from .blocks import check_view, normalise
from .model import MODAL_STACK_LIMIT, SlackError, Team
from .workspace import World

VIEW_SIZE_LIMIT = 250_000  # bytes of view JSON


class Surfaces:
    """Modal stacks (opened with a fresh trigger_id) and the Home tab per member."""

    def __init__(self, world: World, new_id: Callable[[], str]) -> None:
        self.world = world
        self.block_id = new_id

    def methods(self) -> dict[str, Handler]:
        return {
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
        }

    def view_spec(self, args: dict[str, Any], surface: str) -> dict[str, Any]:
        view = json_arg(args, "view")
        if len(json.dumps(view)) > VIEW_SIZE_LIMIT:
            raise SlackError("view_too_large")
        problems = check_view(view, surface=surface)
        if problems:
            raise SlackError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
            )
        spec = dict(view)
        spec["blocks"] = normalise(list(spec.get("blocks", [])), self.block_id)
        return spec

    def _unique_external_id(self, team: Team, spec: dict[str, Any], own: str | None) -> None:
        external = spec.get("external_id")
        if not external:
            return
        for view in self.world.views.values():
            if (
                view.team_id == team.id
                and view.id != own
                and view.spec.get("external_id") == external
            ):
                raise SlackError("duplicate_external_id")

    async def views_open(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        if not args.get("trigger_id") and not args.get("interactivity_pointer"):
            raise SlackError("invalid_arguments")
        # A view refused for its content changes nothing: the trigger stays unexchanged.
        spec = self.view_spec(args, "modal")
        trigger = self.world.exchange_trigger(
            team, str(args.get("trigger_id") or args.get("interactivity_pointer"))
        )
        self._unique_external_id(team, spec, None)
        self.world.close_modals(team.id, trigger.user_id, all_views=True)
        view = self.world.new_view(team, trigger.user_id, spec)
        self.world.stack(team.id, trigger.user_id).append(view.id)
        return {"view": view.to_api()}

    async def views_push(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        spec = self.view_spec(args, "modal")
        trigger = self.world.exchange_trigger(
            team, str(args.get("trigger_id") or args.get("interactivity_pointer") or "")
        )
        stack = self.world.stack(team.id, trigger.user_id)
        if not stack:
            raise SlackError("invalid_arguments", detail="no open modal to push onto")
        if len(stack) >= MODAL_STACK_LIMIT:
            raise SlackError("push_limit_reached")
        self._unique_external_id(team, spec, None)
        view = self.world.new_view(
            team, trigger.user_id, spec, root=self.world.views[stack[0]].id, previous=stack[-1]
        )
        stack.append(view.id)
        return {"view": view.to_api()}

    async def views_update(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments")
        view = self.world.find_view(team, view_id, external_id)
        if args.get("hash") and args["hash"] != view.hash:
            raise SlackError("hash_conflict")
        spec = self.view_spec(args, view.type)
        self._unique_external_id(team, spec, view.id)
        self.world.refresh(view, spec)
        return {"view": view.to_api()}

    async def views_publish(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        user = self.world.user_in(team, str(args.get("user_id", "")))
        spec = self.view_spec(args, "home")
        home_id = self.world.homes.get((team.id, user.id))
        if home_id is None:
            view = self.world.new_view(team, user.id, spec)
            self.world.homes[(team.id, user.id)] = view.id
        else:
            view = self.world.views[home_id]
            if args.get("hash") and args["hash"] != view.hash:
                raise SlackError("hash_conflict")
            self.world.refresh(view, spec)
        return {"view": view.to_api()}
