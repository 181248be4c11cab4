"""`FakeSlack`: a local Slack the app talks to, and the people who use it, for tests and bench.

One aiohttp server on 127.0.0.1 (random port) serves the Web API (`api_url`), upload URLs,
response_url endpoints and the Socket Mode websocket. The puppet methods (`command`, `click`,
`submit`, `event` ...) act as a Slack user would, so they refuse what a user cannot do (press
a button that is not there, submit a modal that is not open, type 3,001 characters into a
3,000-character input) with `PuppetError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from . import payloads
from .blocks import find_element, mentions
from .driver import ACK_DEADLINE, Ack, AckStats, HttpDriver, Signature
from .interactions import (
    PuppetError,
    Target,
    apply_response_action,
    choose,
    fill_inputs,
    show_command_ack,
    visible_blocks,
)
from .messaging import ChannelRate
from .model import DEFAULT_SCOPES, Channel, Ephemeral, File, Message, Team, User, View
from .oauth import InstallResult, run_install
from .socketmode import SocketModeServer
from .webapi import ApiCall, WebApi
from .workspace import World


class FakeSlack:
    """A working local Slack: Web API, request driver, Socket Mode, and a puppet API."""

    def __init__(
        self,
        *,
        signing_secret: str = "local-signing-secret",
        client_id: str = "1000000000.2000000000",
        client_secret: str = "local-client-secret",
        verification_token: str = "legacy-verification-token",
        app_id: str = "A0PREPBOT01",
        ack_deadline: float = ACK_DEADLINE,
        event_retries: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signing_secret = signing_secret
        self.client_id = client_id
        self.client_secret = client_secret
        self.verification_token = verification_token
        self.app_id = app_id
        self.ack_deadline = ack_deadline
        self.event_retries = event_retries
        self.app_token = f"xapp-1-{app_id}-{secrets.token_hex(12)}"
        self.world = World(app_id=app_id, clock=clock)
        # Slack stops waiting at the deadline; the fake waits five times longer so a slow ack
        # is still measured (how late it was), and a missing one does not hang a test.
        self.wait_limit = 5 * ack_deadline
        self.socket = SocketModeServer(app_id, deadline=ack_deadline, wait_limit=self.wait_limit)
        self.api = WebApi(
            self.world,
            client_id=client_id,
            client_secret=client_secret,
            app_token=self.app_token,
            base_url=lambda: self.base_url,
            open_socket=self.socket.open_url,
        )
        self.base_url = ""
        self.acks: list[Ack] = []
        self._changed = asyncio.Event()
        self.world.on_change(self._wake)
        self._http: HttpDriver | None = None
        self._runner: web.AppRunner | None = None

    # lifecycle -----------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        self.api.add_routes(app)
        self.socket.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/"
        self.socket.base_ws_url = f"ws://127.0.0.1:{port}/"
        return self

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def api_url(self) -> str:
        """The Web API base to give slack_sdk (`SLACK_API_URL`)."""
        return f"{self.base_url}api/"

    def point_at(self, request_url: str) -> None:
        """Deliver over HTTP to the app's Request URL (e.g. http://127.0.0.1:3000/slack/events)."""
        if self._http is None:
            self._http = HttpDriver(
                request_url,
                self.signing_secret,
                deadline=self.ack_deadline,
                wait_limit=self.wait_limit,
            )
        self._http.url = request_url

    # the world -----------------------------------------------------------------------------

    def add_team(
        self,
        name: str = "Acme",
        *,
        domain: str | None = None,
        enterprise_id: str | None = None,
        install: bool = True,
        scopes: Iterable[str] = DEFAULT_SCOPES,
    ) -> Team:
        """A workspace; installed (with a bot token) unless `install=False`."""
        return self.world.add_team(
            name, domain=domain, enterprise_id=enterprise_id, install=install, scopes=scopes
        )

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
        return self.world.add_user(team, name, admin=admin, owner=owner, real_name=real_name, tz=tz)

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
        return self.world.add_channel(
            team, name, members=members, private=private, bot_member=bot_member, archived=archived
        )

    def join(self, channel: Channel, *users: User) -> None:
        channel.members.update(u.id for u in users)

    def archive(self, channel: Channel) -> None:
        channel.is_archived = True

    def remove_bot(self, channel: Channel) -> None:
        """Someone removes the app from `channel` (no event is sent)."""
        channel.members.discard(self.world.teams[channel.team_id].bot_user_id)

    def invite_bot(self, channel: Channel) -> None:
        """Someone runs `/invite @prepbot` in `channel` (no event is sent)."""
        channel.members.add(self.world.teams[channel.team_id].bot_user_id)

    def say(
        self, user: User, channel: Channel, text: str, *, thread: Message | None = None
    ) -> Message:
        """`user` writes in `channel` (history the app will read back). No `message` event is
        delivered: the fake does not know which events the app subscribed to."""
        if user.id not in channel.members:
            raise PuppetError(f"{user.name} is not in #{channel.name}")
        if channel.is_archived:
            raise PuppetError(f"#{channel.name} is archived")
        message = self.world.post(
            self.team_of(user),
            channel,
            text=text,
            blocks=[],
            thread_ts=thread.ts if thread else None,
            user=user.id,
        )
        self.world.touch()
        return message

    def team_of(self, user: User) -> Team:
        return self.world.teams[user.team_id]

    def dm(self, user: User) -> Channel:
        """The app's DM with `user` (opened if needed, as when a user clicks the app)."""
        return self.world.dm(self.team_of(user), user)

    # inspection ----------------------------------------------------------------------------

    def messages(self, channel: Channel) -> list[Message]:
        """Top-level messages in `channel`, oldest first (deleted ones gone)."""
        return [m for m in channel.messages if not m.deleted]

    def thread(self, message: Message) -> list[Message]:
        return [r for r in message.replies if not r.deleted]

    def orphans(self, channel: Channel) -> list[Message]:
        """Replies posted with a thread_ts naming no message: Slack said ok, nobody sees them."""
        return list(channel.orphans)

    def ephemerals(self, user: User, channel: Channel | None = None) -> list[Ephemeral]:
        """What only `user` saw, oldest first: chat.postEphemeral, response_url, acks."""
        return [
            e
            for e in self.world.ephemerals_of.get(user.id, [])
            if not e.deleted and (channel is None or e.channel_id == channel.id)
        ]

    def seen_by(self, user: User, channel: Channel | None = None) -> list[Message | Ephemeral]:
        """Everything `user` would see from the app: their DM, and ephemerals, oldest first."""
        items: list[Message | Ephemeral] = [*self.ephemerals(user, channel)]
        dm = self.dm(user)
        if channel is None or channel.id == dm.id:
            items += self.messages(dm)
        if channel is not None and channel.id != dm.id:
            items += self.messages(channel)
        return sorted(items, key=lambda m: float(m.ts))

    @staticmethod
    def pings(item: Message | Ephemeral | View) -> list[str]:
        """The notifications `item` would fire in Slack (@channel, @here, @everyone, users)."""
        if isinstance(item, View):
            return mentions("", item.blocks)
        return mentions(item.text, item.blocks)

    def home(self, user: User) -> View | None:
        view_id = self.world.homes.get((user.team_id, user.id))
        return self.world.views[view_id] if view_id else None

    def modals(self, user: User) -> list[View]:
        """The user's open modal stack, root first."""
        return [self.world.views[v] for v in self.world.stack(user.team_id, user.id)]

    def modal(self, user: User) -> View | None:
        stack = self.modals(user)
        return stack[-1] if stack else None

    def files(self, channel: Channel | None = None) -> list[File]:
        return [
            f
            for f in self.world.files.values()
            if f.completed and (channel is None or channel.id in f.channels)
        ]

    def calls(self, method: str | None = None) -> list[ApiCall]:
        return [c for c in self.api.calls if method is None or c.method == method]

    def response_payloads(self, user: User | None = None) -> list[dict[str, Any]]:
        """Everything the app sent to response_urls, in order."""
        return [
            p
            for r in self.world.response_urls.values()
            if user is None or r.user_id == user.id
            for p in r.payloads
        ]

    def ack_stats(self) -> AckStats:
        return AckStats.of(self.acks)

    def _wake(self) -> None:
        # One event per change: every waiter re-checks its condition, then waits anew.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_until(self, condition: Callable[[], object], within: float = 10.0) -> None:
        """Wait until `condition()` is true: the app's work after an ack lands in the fake
        (a Web API call, a response_url post) some time after the ack. Wakes on each change
        to the fake (and every 50 ms, for conditions on the app's own state), so hundreds of
        simulated members can wait at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while not condition():
            changed = self._changed
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError("the app did not get there in time")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), min(left, 0.05))

    # failure switches ----------------------------------------------------------------------

    def rate_limit(
        self, times: int = 1, *, method: str | None = None, retry_after: int = 1
    ) -> None:
        """Answer the next `times` calls (to `method`, or to any method) with 429."""
        self.api.limits.add(times, method, retry_after)

    def limit_channel_posts(self, per_second: float | None = 1.0, burst: int = 1) -> None:
        """Enforce chat.postMessage's per-channel limit (429 + Retry-After when exceeded);
        `per_second=None` switches it off again (the default: tests stay fast)."""
        self.api.messaging.channel_rate = (
            None if per_second is None else ChannelRate(per_second, burst)
        )

    def triggers_expire_after(self, seconds: float) -> None:
        """Set how long a trigger_id stays usable (Slack: 3 s); 0 makes the app's every
        views.open fail with expired_trigger_id, as if it had been too slow."""
        self.world.trigger_ttl = seconds

    def new_trigger(self, user: User) -> str:
        """A fresh trigger_id, as an interaction by `user` would carry."""
        return self.world.issue_trigger(self.team_of(user), user).id

    def expire_trigger(self, trigger_id: str | None = None) -> None:
        """Age one trigger_id (or all) past Slack's 3 s, without the test sleeping."""
        for trigger in self.world.triggers.values():
            if trigger_id is None or trigger.id == trigger_id:
                trigger.issued_at -= 3600

    # delivery ------------------------------------------------------------------------------

    async def _deliver(
        self,
        kind: str,
        *,
        http_body: bytes,
        content_type: str,
        socket_type: str,
        socket_payload: dict[str, Any],
        accepts_response_payload: bool,
        signature: Signature = "valid",
        retry_num: int = 0,
        retry_reason: str = "",
        mode: str | None = None,
    ) -> Ack:
        mode = mode or ("http" if self._http is not None else "socket")
        if mode == "http" and self._http is not None:
            ack = await self._http.send(
                kind,
                http_body,
                content_type,
                signature=signature,
                retry_num=retry_num,
                retry_reason=retry_reason,
            )
        elif mode == "socket" and self.socket.connected:
            if signature != "valid":
                raise PuppetError("Socket Mode has no signatures to forge; use point_at(url)")
            ack = await self.socket.push(
                kind,
                socket_type,
                socket_payload,
                accepts_response_payload=accepts_response_payload,
                retry_attempt=retry_num,
                retry_reason=retry_reason,
            )
        else:
            raise PuppetError("no app to deliver to: call point_at(url) or connect Socket Mode")
        self.acks.append(ack)
        return ack

    async def redeliver(self, ack: Ack, reason: str = "http_timeout") -> Ack:
        """Send a delivery again with the next retry number, as Slack does after a slow ack."""
        payload = json.loads(ack.sent) if ack.mode == "socket" else {}
        socket_type = {
            "command": "slash_commands",
            "event": "events_api",
        }.get(ack.kind, "interactive")
        again = await self._deliver(
            ack.kind,
            http_body=ack.sent,
            content_type=ack.content_type,
            socket_type=socket_type,
            socket_payload=payload,
            accepts_response_payload=ack.kind in ("command", "view_submission"),
            retry_num=ack.retry_num + 1,
            retry_reason=reason,
            mode=ack.mode,  # a retry travels the way the first attempt did
        )
        again.trigger_id, again.response_url = ack.trigger_id, ack.response_url
        return again

    async def send_raw(
        self,
        body: bytes | str,
        content_type: str = "application/x-www-form-urlencoded",
        *,
        signature: Signature = "valid",
    ) -> Ack:
        """POST anything to the app's Request URL, signed as asked (HTTP mode only)."""
        if self._http is None:
            raise PuppetError("send_raw needs HTTP mode: call point_at(url)")
        data = body.encode() if isinstance(body, str) else body
        ack = await self._http.send("raw", data, content_type, signature=signature)
        self.acks.append(ack)
        return ack

    # slash commands ------------------------------------------------------------------------

    async def command(
        self,
        user: User,
        command: str,
        text: str = "",
        *,
        channel: Channel | None = None,
        signature: Signature = "valid",
    ) -> Ack:
        """`user` types `/command text` in `channel` (default: their DM with the app)."""
        team = self.team_of(user)
        if not team.installed:
            raise PuppetError(f"{command} is not a valid command: the app is not installed")
        channel = channel or self.dm(user)
        if channel.team_id != team.id:
            raise PuppetError(f"#{channel.name} is in another workspace")
        if user.id not in channel.members and not channel.is_im:
            raise PuppetError(f"{user.name} is not in #{channel.name}")
        # Slack hides the composer in an archived channel, so no command could be typed there;
        # the puppet still allows it (tests use it to ask about the channel's state) and the
        # app's answers into it are refused by the Web API (is_archived) as in Slack.
        trigger = self.world.issue_trigger(team, user)
        response = self.world.issue_response_url(team, channel, user)
        response_url = f"{self.base_url}response/{response.token}"
        fields = payloads.slash_command(
            team=team,
            user=user,
            channel=channel,
            command=command,
            text=text,
            trigger_id=trigger.id,
            response_url=response_url,
            app_id=self.app_id,
            verification_token=self.verification_token,
        )
        ack = await self._deliver(
            "command",
            http_body=payloads.form_body(fields),
            content_type="application/x-www-form-urlencoded",
            socket_type="slash_commands",
            socket_payload=fields,
            accepts_response_payload=True,
            signature=signature,
        )
        ack.trigger_id, ack.response_url = trigger.id, response_url
        show_command_ack(self.world, ack, team, user, channel, command, self.api.content)
        self.world.touch()
        return ack

    # interactions --------------------------------------------------------------------------

    async def click(
        self,
        user: User,
        target: Target,
        action_id: str,
        value: str | list[str] | None = None,
        *,
        signature: Signature = "valid",
    ) -> Ack:
        """`user` presses the element `action_id` on a message, ephemeral, modal or home tab.

        For buttons, `value` picks among buttons sharing an action_id; for selects, overflow
        menus and radio buttons it is the option chosen (a list for multi-selects).
        """
        team = self.team_of(user)
        blocks = visible_blocks(self.world, user, target)
        found = find_element(blocks, action_id, value if isinstance(value, str) else None)
        if found is None:
            raise PuppetError(f"no element {action_id!r} (value {value!r}) to press")
        block, element = found
        chosen = choose(element, value)
        trigger = self.world.issue_trigger(team, user)
        action = payloads.action_of(block, element, chosen)
        response_url: str | None = None
        if isinstance(target, View):
            payload = payloads.block_actions(
                team=team,
                user=user,
                app_id=self.app_id,
                verification_token=self.verification_token,
                trigger_id=trigger.id,
                actions=[action],
                container={"type": "view", "view_id": target.id},
                view=target,
            )
        else:
            channel = self.world.channels[target.channel_id]
            is_ephemeral = isinstance(target, Ephemeral)
            issued = self.world.issue_response_url(
                team, channel, user, source_ts=target.ts, source_ephemeral=is_ephemeral
            )
            response_url = f"{self.base_url}response/{issued.token}"
            container: dict[str, Any] = {
                "type": "message",
                "message_ts": target.ts,
                "channel_id": channel.id,
                "is_ephemeral": is_ephemeral,
            }
            if target.thread_ts:
                container["thread_ts"] = target.thread_ts
            payload = payloads.block_actions(
                team=team,
                user=user,
                app_id=self.app_id,
                verification_token=self.verification_token,
                trigger_id=trigger.id,
                actions=[action],
                container=container,
                channel=channel,
                # Slack keeps no copy of an ephemeral, so its payload carries no `message`.
                message=None if is_ephemeral else target.to_api(),  # type: ignore[union-attr]
                response_url=response_url,
            )
        ack = await self._deliver(
            "block_actions",
            http_body=payloads.interactive_body(payload),
            content_type="application/x-www-form-urlencoded",
            socket_type="interactive",
            socket_payload=payload,
            accepts_response_payload=False,
            signature=signature,
        )
        ack.trigger_id, ack.response_url = trigger.id, response_url
        if not ack.ok:
            ack.user_error = "This app is not responding. Please try again later."
        return ack

    async def submit(
        self,
        user: User,
        view: View,
        values: Mapping[str, Any] | None = None,
        *,
        signature: Signature = "valid",
    ) -> Ack:
        """`user` fills the inputs of the modal on top of their stack and presses Submit.

        `values` maps an input's action_id (or "block_id/action_id") to what the user typed
        or picked (an option's value for selects, a list for multi-selects); required inputs
        left out, or text beyond an input's min/max length, are refused as Slack's client does.
        """
        team = self.team_of(user)
        stack = self.world.stack(team.id, user.id)
        if not stack or stack[-1] != view.id:
            raise PuppetError(f"modal {view.id} is not the one open on {user.name}'s screen")
        if view.spec.get("submit") is None:
            raise PuppetError("this modal has no Submit button")
        view.errors = {}
        view.values = fill_inputs(view, dict(values or {}))
        trigger = self.world.issue_trigger(team, user)
        payload = payloads.view_submission(
            team=team,
            user=user,
            view=view,
            app_id=self.app_id,
            verification_token=self.verification_token,
            trigger_id=trigger.id,
        )
        ack = await self._deliver(
            "view_submission",
            http_body=payloads.interactive_body(payload),
            content_type="application/x-www-form-urlencoded",
            socket_type="interactive",
            socket_payload=payload,
            accepts_response_payload=True,
            signature=signature,
        )
        ack.trigger_id = trigger.id
        apply_response_action(self.world, ack, team, user, view, self.api.block_id)
        self.world.touch()
        return ack

    async def close_modal(self, user: User, view: View) -> Ack | None:
        """`user` presses Cancel (or X); the app hears of it only with notify_on_close."""
        team = self.team_of(user)
        stack = self.world.stack(team.id, user.id)
        if not stack or stack[-1] != view.id:
            raise PuppetError(f"modal {view.id} is not the one open on {user.name}'s screen")
        clear = bool(view.spec.get("clear_on_close"))
        self.world.close_modals(team.id, user.id, all_views=clear)
        if not view.spec.get("notify_on_close"):
            return None
        payload = payloads.view_closed(
            team=team,
            user=user,
            view=view,
            app_id=self.app_id,
            verification_token=self.verification_token,
            cleared=clear,
        )
        return await self._deliver(
            "view_closed",
            http_body=payloads.interactive_body(payload),
            content_type="application/x-www-form-urlencoded",
            socket_type="interactive",
            socket_payload=payload,
            accepts_response_payload=False,
        )

    # events --------------------------------------------------------------------------------

    async def event(
        self, team: Team, event: dict[str, Any], *, signature: Signature = "valid"
    ) -> Ack:
        """Deliver an Events API `event_callback`; retried (up to 3 times) if the ack fails."""
        body = payloads.event_callback(
            team=team,
            event=event,
            app_id=self.app_id,
            verification_token=self.verification_token,
        )
        ack = await self._deliver(
            "event",
            http_body=payloads.json_body(body),
            content_type="application/json",
            socket_type="events_api",
            socket_payload=body,
            accepts_response_payload=False,
            signature=signature,
        )
        if self.event_retries and signature == "valid":
            attempt = ack
            for _ in range(3):
                # An app may ask Slack not to retry a failed delivery with X-Slack-No-Retry: 1.
                if attempt.ok or attempt.answer_headers.get("x-slack-no-retry") == "1":
                    break
                reason = "http_timeout" if attempt.late else "http_error"
                if attempt.mode == "socket":
                    reason = "timeout"
                attempt = await self.redeliver(attempt, reason)
                ack.retries.append(attempt)
        return ack

    async def open_home(self, user: User, tab: str = "home") -> Ack:
        """`user` opens the app's Home tab (or its Messages tab): `app_home_opened`."""
        team = self.team_of(user)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user.id,
            "channel": self.dm(user).id,
            "tab": tab,
        }
        home = self.home(user)
        if home is not None and tab == "home":
            event["view"] = home.to_api()
        return await self.event(team, event)

    async def url_verification(self) -> Ack:
        """The challenge Slack sends when a Request URL is saved in the app's settings."""
        body = payloads.url_verification(self.verification_token)
        if self._http is None:
            raise PuppetError("url_verification needs HTTP mode: call point_at(url)")
        ack = await self._http.send(
            "url_verification", payloads.json_body(body), "application/json"
        )
        # Slack accepts the challenge back as plain text, a form field or a JSON field.
        echoed = {ack.text, *parse_qs(ack.text).get("challenge", [])}
        if isinstance(ack.payload, dict):
            echoed.add(str(ack.payload.get("challenge")))
        ack.user_error = None if body["challenge"] in echoed else "challenge not echoed"
        self.acks.append(ack)
        return ack

    async def ssl_check(self) -> Ack:
        """The `ssl_check=1` POST Slack sends now and then to a slash command's URL."""
        if self._http is None:
            raise PuppetError("ssl_check needs HTTP mode: call point_at(url)")
        body = payloads.form_body({"ssl_check": "1", "token": self.verification_token})
        ack = await self._http.send("ssl_check", body, "application/x-www-form-urlencoded")
        self.acks.append(ack)
        return ack

    # install, uninstall --------------------------------------------------------------------

    async def install(
        self,
        team: Team,
        installer: User,
        app_base_url: str,
        *,
        install_path: str = "/slack/install",
        redirect_path: str = "/slack/oauth_redirect",
        approve: bool = True,
    ) -> InstallResult:
        """A user installs the app: visits its install page, approves on Slack, is redirected.

        Follows the real OAuth v2 dance: the app's install page (with its state cookie), the
        authorize URL it points at (client_id, scopes, state), a one-use code, and the app's
        redirect endpoint, which then calls oauth.v2.access here.
        """
        return await run_install(
            self.world,
            self.client_id,
            team,
            installer,
            app_base_url,
            install_path=install_path,
            redirect_path=redirect_path,
            approve=approve,
        )

    async def uninstall(self, team: Team) -> list[Ack]:
        """The workspace removes the app: tokens die, then `tokens_revoked`, `app_uninstalled`."""
        self.world.uninstall(team)
        revoked = await self.event(
            team, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [team.bot_user_id]}}
        )
        removed = await self.event(team, {"type": "app_uninstalled"})
        return [revoked, removed]

    # socket mode ---------------------------------------------------------------------------

    async def wait_socket(self, within: float = 5.0) -> None:
        """Wait until a Socket Mode client has connected (and received `hello`)."""
        await self.socket.wait_connected(within)

    def web_client(self, team: Team | None = None, **kwargs: Any) -> Any:
        """An unmodified slack_sdk AsyncWebClient pointed at this fake (for tests)."""
        from slack_sdk.web.async_client import AsyncWebClient

        token = team.bot_token if team is not None else None
        return AsyncWebClient(token=token, base_url=self.api_url, **kwargs)
