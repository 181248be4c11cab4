"""The state of the local Slack and its rules: who may post where, what a token may do,
how triggers, response URLs and modal stacks behave. No I/O: the Web API server and the
puppet both act on one `World`, which refuses what Slack refuses by raising `SlackError`.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from .model import (
    DEFAULT_SCOPES,
    TRIGGER_TTL,
    Channel,
    Ephemeral,
    File,
    Message,
    OAuthGrant,
    ResponseUrl,
    SlackError,
    Team,
    Trigger,
    User,
    View,
)

_TS = re.compile(r"^\d{1,12}\.\d{1,6}$")


class World:
    """Everything the local Slack knows; every mutation goes through a method here."""

    def __init__(self, *, app_id: str, clock: Callable[[], float] = time.time) -> None:
        self.app_id = app_id
        self.clock = clock
        self.trigger_ttl = TRIGGER_TTL  # a test may shorten it to make every trigger too old
        self._ids = itertools.count(1)
        self._last_ts = 0.0
        self.teams: dict[str, Team] = {}
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[tuple[str, str], list[str]] = {}  # (team, user) -> view ids
        self.homes: dict[tuple[str, str], str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.files: dict[str, File] = {}
        self.grants: dict[str, OAuthGrant] = {}
        # Indexes, so tests and the bench can poll what a member sees cheaply.
        self.ephemerals_of: dict[str, list[Ephemeral]] = {}  # user id -> oldest first
        self.ephemeral_at: dict[tuple[str, str], Ephemeral] = {}  # (channel, ts)
        self._dms: dict[tuple[str, str], str] = {}  # (team, user) -> channel id
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener` after anything in the world changed (see `touch`)."""
        self._listeners.append(listener)

    def touch(self) -> None:
        for listener in self._listeners:
            listener()

    # ids -------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        # Slack-shaped (prefix + 9 upper-case alphanumerics), unique, and cheap to make.
        n = next(self._ids)
        return f"{prefix}{n:07d}{(n * 2654435761) % 256:02X}"

    def new_ts(self) -> str:
        # Slack's ts is unique per conversation; keep it strictly increasing everywhere.
        now = max(self.clock(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    # population ------------------------------------------------------------------------

    def add_team(
        self,
        name: str,
        *,
        domain: str | None = None,
        enterprise_id: str | None = None,
        install: bool = True,
        scopes: Iterable[str] = DEFAULT_SCOPES,
    ) -> Team:
        team_id = self.new_id("T")
        team = Team(
            id=team_id,
            name=name,
            domain=domain or name.lower().replace(" ", "-"),
            enterprise_id=enterprise_id,
            bot_user_id=self.new_id("U"),
            bot_id=self.new_id("B"),
            scopes=tuple(scopes),
        )
        self.teams[team_id] = team
        self.users[team.bot_user_id] = User(
            team.bot_user_id, team_id, "prepbot", "prepbot", is_bot=True
        )
        if install:
            self.install(team, team.scopes)
        return team

    def install(self, team: Team, scopes: Iterable[str]) -> str:
        if team.bot_token is not None:
            team.revoked_tokens.add(team.bot_token)
        team.bot_token = f"xoxb-{team.id}-{secrets.token_hex(12)}"
        team.scopes = tuple(scopes)
        return team.bot_token

    def uninstall(self, team: Team) -> None:
        if team.bot_token is not None:
            team.revoked_tokens.add(team.bot_token)
        team.bot_token = None
        # The app leaves every channel; its DMs stay (they come back on reinstall).
        for channel in self.channels.values():
            if channel.team_id == team.id and not channel.is_im:
                channel.members.discard(team.bot_user_id)

    def add_user(
        self,
        team: Team,
        name: str,
        *,
        admin: bool = False,
        owner: bool = False,
        real_name: str | None = None,
        tz: str = "UTC",
    ) -> User:
        user = User(
            self.new_id("U"),
            team.id,
            name,
            real_name or name,
            is_admin=admin or owner,
            is_owner=owner,
            tz=tz,
        )
        self.users[user.id] = user
        return user

    def add_channel(
        self,
        team: Team,
        name: str,
        *,
        members: Iterable[User] = (),
        private: bool = False,
        bot_member: bool = True,
        archived: bool = False,
    ) -> Channel:
        channel = Channel(
            self.new_id("G" if private else "C"),
            team.id,
            name,
            is_private=private,
            is_archived=archived,
            members={u.id for u in members},
        )
        if bot_member:
            channel.members.add(team.bot_user_id)
        self.channels[channel.id] = channel
        return channel

    def dm(self, team: Team, user: User) -> Channel:
        """The app's direct-message conversation with `user`, opened on first use."""
        known = self._dms.get((team.id, user.id))
        if known is not None:
            return self.channels[known]
        channel = Channel(
            self.new_id("D"),
            team.id,
            user.id,
            is_im=True,
            im_user=user.id,
            members={user.id, team.bot_user_id},
        )
        self.channels[channel.id] = channel
        self._dms[(team.id, user.id)] = channel.id
        return channel

    def has_dm(self, team: Team, user: User) -> bool:
        return (team.id, user.id) in self._dms

    # auth --------------------------------------------------------------------------------

    def team_for_token(self, token: str | None) -> Team:
        if not token:
            raise SlackError("not_authed")
        for team in self.teams.values():
            if team.bot_token == token:
                return team
            if token in team.revoked_tokens:
                raise SlackError("token_revoked")
        raise SlackError("invalid_auth")

    @staticmethod
    def need_scope(team: Team, *scopes: str) -> None:
        """Refuse unless the token holds one of `scopes` (Slack lists what was needed)."""
        if not any(s in team.scopes for s in scopes):
            raise SlackError(
                "missing_scope", needed=",".join(scopes), provided=",".join(team.scopes)
            )

    # lookups -----------------------------------------------------------------------------

    def user_in(self, team: Team, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None or user.team_id != team.id:
            raise SlackError("user_not_found")
        return user

    def channel_for_post(self, team: Team, channel_ref: str) -> Channel:
        """The conversation a chat.* call names: an id, a `#name`, or a user id (their DM)."""
        if not channel_ref:
            raise SlackError("channel_not_found")
        user = self.users.get(channel_ref)
        if user is not None and user.team_id == team.id:
            if user.is_bot:
                raise SlackError("cannot_dm_bot")
            return self.dm(team, user)
        channel = self.channels.get(channel_ref)
        if channel is None:
            name = channel_ref.lstrip("#")
            channel = next(
                (
                    c
                    for c in self.channels.values()
                    if c.team_id == team.id and not c.is_im and c.name == name
                ),
                None,
            )
        if channel is None or channel.team_id != team.id:
            raise SlackError("channel_not_found")
        if channel.is_private and team.bot_user_id not in channel.members:
            # Slack hides private conversations the app is not in.
            raise SlackError("channel_not_found")
        return channel

    def writable(self, team: Team, channel_ref: str) -> Channel:
        channel = self.channel_for_post(team, channel_ref)
        if channel.is_archived:
            raise SlackError("is_archived")
        # chat:write.public lets an app post to a public channel it has not joined.
        if team.bot_user_id not in channel.members and (
            channel.is_private or "chat:write.public" not in team.scopes
        ):
            raise SlackError("not_in_channel")
        return channel

    def readable(self, team: Team, channel_ref: str) -> Channel:
        channel = self.channel_for_post(team, channel_ref)
        if channel.is_im:
            self.need_scope(team, "im:history")
        elif channel.is_private:
            self.need_scope(team, "groups:history")
        else:
            self.need_scope(team, "channels:history")
        if team.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    # messages ----------------------------------------------------------------------------

    def post(
        self,
        team: Team,
        channel: Channel,
        *,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
        user: str | None = None,
        broadcast: bool = False,
    ) -> Message:
        parent: Message | None = None
        orphan = False
        if thread_ts:
            if not _TS.match(thread_ts):
                raise SlackError("invalid_thread_ts")
            found = channel.find(thread_ts)
            if found is None:
                # Slack answers ok to a well-formed thread_ts that names no message, and the
                # reply is then seen nowhere (slackapi/python-slack-sdk#840). Kept aside here.
                orphan = True
            else:
                # A reply to a reply lands in the parent's thread, as in Slack.
                parent = channel.find(found.thread_ts) if found.thread_ts else found
        message = Message(
            ts=self.new_ts(),
            channel_id=channel.id,
            user=user or team.bot_user_id,
            text=text,
            blocks=blocks,
            bot_id=None if user else team.bot_id,
            app_id=None if user else self.app_id,
            team_id=team.id,
            thread_ts=parent.ts if parent else thread_ts,
            metadata=metadata,
        )
        if orphan:
            channel.orphans.append(message)
        elif parent is not None:
            parent.replies.append(message)
            # reply_broadcast: the reply also shows in the channel, marked thread_broadcast.
            message.broadcast = broadcast
            if broadcast:
                channel.messages.append(message)
        else:
            channel.messages.append(message)
        return message

    def post_ephemeral(
        self,
        channel: Channel,
        user_id: str,
        *,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
        via: str,
    ) -> Ephemeral:
        ephemeral = Ephemeral(self.new_ts(), channel.id, user_id, text, blocks, thread_ts, via)
        channel.ephemerals.append(ephemeral)
        self.ephemerals_of.setdefault(user_id, []).append(ephemeral)
        self.ephemeral_at[(channel.id, ephemeral.ts)] = ephemeral
        return ephemeral

    def own_message(self, team: Team, channel: Channel, ts: str, *, action: str) -> Message:
        message = channel.find(ts)
        if message is None or message.deleted:
            raise SlackError("message_not_found")
        if message.bot_id != team.bot_id:
            raise SlackError(f"cant_{action}_message")
        return message

    # triggers, response urls -------------------------------------------------------------

    def issue_trigger(self, team: Team, user: User) -> Trigger:
        head = next(self._ids)
        trigger = Trigger(
            f"{head}.{int(self.clock())}.{secrets.token_hex(16)}", team.id, user.id, self.clock()
        )
        self.triggers[trigger.id] = trigger
        return trigger

    def exchange_trigger(self, team: Team, trigger_id: str | None) -> Trigger:
        trigger = self.triggers.get(trigger_id or "")
        if trigger is None or trigger.team_id != team.id:
            raise SlackError("invalid_trigger_id")
        if trigger.exchanged:
            raise SlackError("exchanged_trigger_id")
        if self.clock() - trigger.issued_at >= self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.exchanged = True
        return trigger

    def issue_response_url(
        self,
        team: Team,
        channel: Channel,
        user: User,
        *,
        source_ts: str | None = None,
        source_ephemeral: bool = False,
    ) -> ResponseUrl:
        response = ResponseUrl(
            secrets.token_urlsafe(18),
            team.id,
            channel.id,
            user.id,
            self.clock(),
            source_ts,
            source_ephemeral,
        )
        self.response_urls[response.token] = response
        return response

    # views -------------------------------------------------------------------------------

    def new_view(
        self,
        team: Team,
        user_id: str,
        spec: dict[str, Any],
        *,
        root: str | None = None,
        previous: str | None = None,
    ) -> View:
        view_id = self.new_id("V")
        view = View(
            id=view_id,
            team_id=team.id,
            user_id=user_id,
            app_id=self.app_id,
            bot_id=team.bot_id,
            spec=spec,
            hash=f"{int(self.clock())}.{secrets.token_hex(4)}",
            root_view_id=root or view_id,
            previous_view_id=previous,
        )
        self.views[view_id] = view
        return view

    def stack(self, team_id: str, user_id: str) -> list[str]:
        return self.modal_stacks.setdefault((team_id, user_id), [])

    def close_modals(self, team_id: str, user_id: str, *, all_views: bool) -> list[View]:
        stack = self.stack(team_id, user_id)
        closing = list(stack) if all_views else stack[-1:]
        for view_id in closing:
            self.views[view_id].closed = True
            stack.remove(view_id)
        return [self.views[v] for v in closing]

    def find_view(self, team: Team, view_id: str | None, external_id: str | None) -> View:
        for view in self.views.values():
            if view.team_id != team.id or view.closed:
                continue
            if view_id and view.id == view_id:
                return view
            if external_id and view.spec.get("external_id") == external_id:
                return view
        raise SlackError("not_found")

    def refresh(self, view: View, spec: dict[str, Any]) -> None:
        view.spec = spec
        view.hash = f"{int(self.clock())}.{secrets.token_hex(4)}"
        view.errors = {}
        # Slack keeps what a user typed in inputs whose block_id and action_id survive.
        kept: dict[str, dict[str, dict[str, Any]]] = {}
        for block in view.blocks:
            old = view.values.get(str(block.get("block_id", "")))
            if old is not None:
                kept[str(block["block_id"])] = old
        view.values = kept
