"""What a Slack user can do with Block Kit (which element they press, what a modal submits)
and what they see after the app's ack: a command's reply or error; a submitted modal closed,
showing errors, updated, pushed or cleared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .blocks import check_view, normalise, options_of
from .driver import Ack
from .model import MODAL_STACK_LIMIT, Channel, Ephemeral, Message, SlackError, Team, User, View
from .workspace import World

Target = Message | Ephemeral | View
TROUBLE = "We had some trouble connecting. Try again?"  # Slack's words when a submit fails


class PuppetError(Exception):
    """The test asked a Slack user to do something Slack would not let them do."""


def visible_blocks(world: World, user: User, target: Target) -> list[dict[str, Any]]:
    """The blocks `user` can act on in `target`, refusing what they cannot see."""
    if isinstance(target, View):
        if target.user_id != user.id or target.team_id != user.team_id:
            raise PuppetError(f"{user.name} cannot see view {target.id}")
        if target.type == "modal" and target.id not in world.stack(user.team_id, user.id):
            raise PuppetError(f"modal {target.id} is not open for {user.name}")
        if target.type == "home" and world.homes.get((user.team_id, user.id)) != target.id:
            raise PuppetError(f"{target.id} is not {user.name}'s home tab")
        return target.blocks
    channel = world.channels.get(target.channel_id)
    if channel is None or channel.team_id != user.team_id:
        raise PuppetError(f"{user.name} cannot see that message")
    if isinstance(target, Ephemeral):
        if target.user != user.id:
            raise PuppetError("an ephemeral message is only visible to its recipient")
        if target.deleted:
            raise PuppetError("that ephemeral message was deleted")
        return target.blocks
    live = channel.find(target.ts)
    if live is None or live.deleted:
        raise PuppetError("that message was deleted")
    if (channel.is_private or channel.is_im) and user.id not in channel.members:
        raise PuppetError(f"{user.name} is not in that conversation")
    return live.blocks


def choose(element: dict[str, Any], value: Any) -> Any:
    """The option(s) a user picks in a select, overflow, radio or checkbox element."""
    kind = element.get("type")
    if kind in ("static_select", "overflow", "radio_buttons"):
        options = options_of(element)
        match = next((o for o in options if o.get("value") == value), None)
        if match is None:
            raise PuppetError(f"no option {value!r} in {element.get('action_id')!r}")
        return match
    if kind in ("checkboxes", "multi_static_select"):
        wanted = list(value or [])
        options = [o for o in options_of(element) if o.get("value") in wanted]
        if len(options) != len(wanted):
            raise PuppetError(f"not every option of {wanted!r} exists")
        return options
    return value


def fill_inputs(view: View, values: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """`state.values` of a modal filled with `values`, refused as Slack's client refuses."""
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for block in view.blocks:
        if block.get("type") != "input":
            continue
        element = block["element"]
        action_id = element["action_id"]
        # Keyed by action_id, or by "block_id/action_id" where action_ids repeat.
        keyed = f"{block['block_id']}/{action_id}"
        given = values.pop(keyed) if keyed in values else values.pop(action_id, None)
        label = block.get("label", {}).get("text", action_id)
        if given in (None, "", []) and not block.get("optional", False):
            raise PuppetError(f"Slack requires {label!r} before Submit")
        entry: dict[str, Any] = {"type": element.get("type")}
        kind = element.get("type")
        if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
            text = None if given is None else str(given)
            if text is not None:
                top = element.get("max_length", 3000)
                low = element.get("min_length", 0)
                if len(text) > top:
                    raise PuppetError(f"{label!r} takes at most {top} characters")
                if len(text) < low:
                    raise PuppetError(f"{label!r} needs at least {low} characters")
            entry["value"] = text
        elif kind in ("static_select", "radio_buttons"):
            entry["selected_option"] = choose(element, given) if given else None
        elif kind in ("checkboxes", "multi_static_select"):
            entry["selected_options"] = choose(element, given) if given else []
        elif kind == "datepicker":
            entry["selected_date"] = given
        elif kind == "users_select":
            entry["selected_user"] = given
        elif kind == "conversations_select":
            entry["selected_conversation"] = given
        else:
            entry["value"] = given
        state[block["block_id"]] = {action_id: entry}
    if values:
        raise PuppetError(f"no inputs named {sorted(values)} in modal {view.id}")
    return state


def apply_response_action(
    world: World, ack: Ack, team: Team, user: User, view: View, new_id: Callable[[], str]
) -> None:
    """What the user sees after a view_submission ack: closed, errors, updated, pushed."""
    if not ack.ok:
        # Slack keeps the modal open and shows its own error.
        ack.user_error = TROUBLE
        return
    body = ack.payload
    if not body:
        if ack.body.strip():
            ack.user_error = TROUBLE
            return
        world.close_modals(team.id, user.id, all_views=False)
        return
    action = body.get("response_action") if isinstance(body, dict) else None
    if action == "errors":
        errors = body.get("errors") or {}
        known = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
        if not isinstance(errors, dict) or not errors or not set(errors) <= known:
            ack.user_error = TROUBLE
            return
        view.errors = {str(k): str(v) for k, v in errors.items()}
    elif action in ("update", "push"):
        spec = body.get("view")
        if check_view(spec, surface="modal"):
            ack.user_error = TROUBLE
            return
        spec = dict(spec)
        spec["blocks"] = normalise(list(spec.get("blocks", [])), new_id)
        if action == "update":
            world.refresh(view, spec)
        else:
            stack = world.stack(team.id, user.id)
            if len(stack) >= MODAL_STACK_LIMIT:
                ack.user_error = TROUBLE
                return
            pushed = world.new_view(team, user.id, spec, root=view.root_view_id, previous=view.id)
            stack.append(pushed.id)
    elif action == "clear":
        world.close_modals(team.id, user.id, all_views=True)
    else:
        ack.user_error = TROUBLE


def show_command_ack(
    world: World,
    ack: Ack,
    team: Team,
    user: User,
    channel: Channel,
    command: str,
    content: Callable[[dict[str, Any]], tuple[str | None, list[dict[str, Any]] | None]],
) -> None:
    """What the user sees after a command's ack: its body as a message, or Slack's error."""
    # Slack shows an ack's body to the user; a late or failed ack shows an error instead.
    if ack.late:
        ack.user_error = f'{command} failed with the error "operation_timeout"'
        return
    if ack.status != 200:
        ack.user_error = f'{command} failed with the error "dispatch_failed"'
        return
    body = ack.payload
    if body is None and ack.body and ack.mode == "http":
        body = {"text": ack.text}
    if not isinstance(body, dict) or (not body.get("text") and not body.get("blocks")):
        return
    try:
        text, blocks = content(body)
    except SlackError as exc:
        ack.user_error = f'{command} failed with the error "{exc.error}"'
        return
    if body.get("response_type") == "in_channel":
        world.post(team, channel, text=text or "", blocks=blocks or [])
    else:
        world.post_ephemeral(channel, user.id, text=text or "", blocks=blocks or [], via="ack")
