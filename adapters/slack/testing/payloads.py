"""Request bodies shaped as Slack documents them: slash commands, interactions, events.

Pure functions of the world's objects; the puppet decides who may send what, and the
transports (HTTP form / JSON, Socket Mode envelope) decide how it travels.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from .model import Channel, Team, User, View


def team_brief(team: Team) -> dict[str, Any]:
    out: dict[str, Any] = {"id": team.id, "domain": team.domain}
    if team.enterprise_id:
        out["enterprise_id"] = team.enterprise_id
    return out


def channel_name(channel: Channel) -> str:
    if channel.is_im:
        return "directmessage"
    return "privategroup" if channel.is_private else channel.name


def slash_command(
    *,
    team: Team,
    user: User,
    channel: Channel,
    command: str,
    text: str,
    trigger_id: str,
    response_url: str,
    app_id: str,
    verification_token: str,
) -> dict[str, str]:
    """The form fields of a slash command (every value a string, as in the form body)."""
    fields = {
        "token": verification_token,
        "team_id": team.id,
        "team_domain": team.domain,
        "channel_id": channel.id,
        "channel_name": channel_name(channel),
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    if team.enterprise_id:
        fields["enterprise_id"] = team.enterprise_id
        fields["enterprise_name"] = team.enterprise_id
    return fields


def action_of(block: dict[str, Any], element: dict[str, Any], chosen: Any) -> dict[str, Any]:
    """One entry of `actions` in a block_actions payload."""
    action: dict[str, Any] = {
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "type": element.get("type"),
        "action_ts": f"{time.time():.6f}",
    }
    kind = element.get("type")
    if kind == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    elif kind in ("checkboxes", "multi_static_select"):
        action["selected_options"] = chosen
    elif kind in ("static_select", "overflow", "radio_buttons"):
        action["selected_option"] = chosen
    elif kind == "plain_text_input":
        action["value"] = chosen
    return action


def block_actions(
    *,
    team: Team,
    user: User,
    app_id: str,
    verification_token: str,
    trigger_id: str,
    actions: list[dict[str, Any]],
    container: dict[str, Any],
    channel: Channel | None = None,
    message: dict[str, Any] | None = None,
    view: View | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user.brief(),
        "api_app_id": app_id,
        "token": verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": team_brief(team),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": actions,
    }
    if channel is not None:
        payload["channel"] = {"id": channel.id, "name": channel_name(channel)}
    if message is not None:
        payload["message"] = message
        payload["state"] = {"values": {}}
    if view is not None:
        payload["view"] = view.to_api()  # what was typed so far rides in view.state
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission(
    *,
    team: Team,
    user: User,
    view: View,
    app_id: str,
    verification_token: str,
    trigger_id: str,
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": team_brief(team),
        "user": user.brief(),
        "api_app_id": app_id,
        "token": verification_token,
        "trigger_id": trigger_id,
        "view": view.to_api(),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(
    *, team: Team, user: User, view: View, app_id: str, verification_token: str, cleared: bool
) -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": team_brief(team),
        "user": user.brief(),
        "api_app_id": app_id,
        "token": verification_token,
        "view": view.to_api(),
        "is_cleared": cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(
    *, team: Team, event: dict[str, Any], app_id: str, verification_token: str
) -> dict[str, Any]:
    now = time.time()
    event = {"event_ts": f"{now:.6f}", **event}
    body: dict[str, Any] = {
        "token": verification_token,
        "team_id": team.id,
        "api_app_id": app_id,
        "event": event,
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(5).upper(),
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": team.enterprise_id,
                "team_id": team.id,
                "user_id": team.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_urlsafe(24),
    }
    if team.enterprise_id:
        body["enterprise_id"] = team.enterprise_id
    return body


def url_verification(verification_token: str) -> dict[str, Any]:
    return {
        "token": verification_token,
        "challenge": secrets.token_urlsafe(32),
        "type": "url_verification",
    }


def form_body(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


def interactive_body(payload: dict[str, Any]) -> bytes:
    """`payload=<json>` form encoding, as Slack posts interactions."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()


def json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
