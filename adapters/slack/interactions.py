"""Slack requests routed to the core: `/prep`, button presses, modal submissions and
events. Every listener acks first (Slack wants an answer within 3 seconds) and then does
the work, sending the result through the request's `response_url`, `chat.postEphemeral`
or the member's DM with the app.

Retries: Slack redelivers a request whose ack was slow (`X-Slack-Retry-Num`). Nothing here
relies on that header: the core's unique keys decide (a quiz answer is refused once the
question is no longer pending, a daily answer is one per member and post, a daily post one
per channel and day), so a redelivered press or submission gets the first grade back.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.commands import SLASH, run_prep, subcommand, typed_text
from adapters.slack.delivery import Where, deliver
from adapters.slack.people import PLATFORM, Asker, People
from adapters.slack.render import (
    ACT,
    ANSWER_BLOCK,
    ANSWER_INPUT,
    ANSWER_MODAL,
    FORM,
    MAX_ANSWER,
    ModalTarget,
    answer_modal,
    home_view,
    question_text,
    read_form_value,
)
from bot.app import Prepbot
from bot.commands import BY_NAME
from bot.services.context import Caller
from bot.views import Reply, error

log = logging.getLogger(__name__)

SORRY = "Something went wrong on my side. Nothing you sent was lost; please try again."
# Core calls running at once. Acks share the event loop with this work: a burst of
# requests must not starve the next request's ack, so the rest of the burst queues here.
WORKERS = 8
SEEN_EVENTS = 5000
FAILURE_LOG = "slack: the core failed"  # logged (and counted by the bench) per failure

RemovedHook = Callable[[str, str | None, dict[str, Any]], Awaitable[None]]


class Unreadable(ValueError):
    """A signed request that lacks what every real Slack request carries."""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _team(body: dict[str, Any], context: Any) -> tuple[str, str]:
    """(team id, team name or domain) of a request; enterprise-wide installs fall back to
    the enterprise id, so each org is still one community."""
    team = _dict(body.get("team"))
    team_id = (
        getattr(context, "team_id", None)
        or body.get("team_id")
        or team.get("id")
        or getattr(context, "enterprise_id", None)
        or ""
    )
    name = body.get("team_domain") or team.get("domain") or team.get("name") or ""
    return str(team_id), str(name)


def _user(body: dict[str, Any]) -> tuple[str, str]:
    user = _dict(body.get("user"))
    user_id = body.get("user_id") or user.get("id") or ""
    name = body.get("user_name") or user.get("username") or user.get("name") or ""
    return str(user_id), str(name)


def _channel(body: dict[str, Any]) -> str | None:
    channel = _dict(body.get("channel"))
    container = _dict(body.get("container"))
    found = body.get("channel_id") or channel.get("id") or container.get("channel_id")
    return str(found) if found else None


def _study_channel(channel: str | None) -> str | None:
    """The channel as the core sees it: a DM with the app is no channel (no channel board,
    no daily question there)."""
    return None if channel is None or channel.startswith("D") else channel


class Interactions:
    """The listeners of one Bolt app, around one core."""

    def __init__(
        self,
        core: Prepbot,
        people: People,
        on_removed: RemovedHook | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.core = core
        self.session = session
        self._workers = asyncio.Semaphore(core.core_call_limit(WORKERS))
        self._seen_events: OrderedDict[str, None] = OrderedDict()
        self.people = people
        self.on_removed = on_removed
        # Finished listener runs, for benchmarks and tests that wait for the work after
        # an ack (the ack itself is sent before the work).
        self.completed = 0
        self.failed = 0

    def register(self, app: AsyncApp) -> None:
        app.command(SLASH)(self.prep)
        app.action(re.compile(f"^{re.escape(ACT)}"))(self.pressed)
        app.action(re.compile(f"^{re.escape(FORM)}"))(self.open_form)
        app.view(ANSWER_MODAL)(self.submitted)
        app.event("app_home_opened")(self.home_opened)
        app.event("message")(self.direct_message)
        app.event("app_uninstalled")(self.uninstalled)
        app.event("tokens_revoked")(self.tokens_revoked)
        app.error(self.failed_listener)

    # -- helpers ------------------------------------------------------------------------

    async def _caller(self, client: AsyncWebClient, body: dict[str, Any], context: Any) -> Caller:
        team_id, team_name = _team(body, context)
        user_id, user_name = _user(body)
        if not team_id or not user_id:
            raise Unreadable("a request without its workspace or user")
        asker = Asker(team_id, user_id, user_name, _study_channel(_channel(body)), team_name)
        return await self.people.caller(client, asker)

    async def _readable_caller(
        self, client: AsyncWebClient, body: dict[str, Any], context: Any
    ) -> Caller | None:
        try:
            return await self._caller(client, body, context)
        except Unreadable as exc:
            log.warning("slack: ignored a %s request: %s", body.get("type") or "command", exc)
            self.completed += 1
            return None

    async def _run(
        self,
        client: AsyncWebClient,
        where: Where,
        work: Callable[[], Awaitable[Reply]],
    ) -> None:
        """Run the core call and deliver its reply; a failure becomes a polite message."""
        try:
            async with self._workers:
                reply = await work()
        except Exception:  # noqa: BLE001 - the member gets an answer, the process lives
            log.exception(FAILURE_LOG + " on a request from %s", where.user_id)
            self.failed += 1
            reply = error(SORRY)
        try:
            await deliver(client, where, reply, self.session)
        finally:
            self.completed += 1

    # -- listeners ----------------------------------------------------------------------

    async def prep(
        self, ack: Any, body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """`/prep ...`."""
        await ack()
        caller = await self._readable_caller(client, body, context)
        if caller is None:
            return
        where = Where(caller.member_external_id, _channel(body), body.get("response_url"))
        # Slack sends what was typed with &, < and > escaped; the core gets it as typed.
        text = typed_text(str(body.get("text") or ""))
        name, rest = subcommand(text)
        where = _conversation(where, name or "")
        if name == "qotd" and rest.casefold() == "answer" and body.get("trigger_id"):
            # No text yet: collect it in a modal (a slash command's trigger_id works there).
            target = ModalTarget("/qotd answer", where.channel_id, where.response_url)
            await self._open_modal(client, str(body["trigger_id"]), target, "", where)
            self.completed += 1
            return
        await self._run(client, where, lambda: run_prep(self.core, caller, text))

    async def pressed(
        self,
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        context: Any,
    ) -> None:
        """A button that runs a core action (`Prepbot.act`)."""
        await ack()
        caller = await self._readable_caller(client, body, context)
        if caller is None:
            return
        value = str(action.get("value") or "")
        where = Where(caller.member_external_id, _channel(body), body.get("response_url"))
        where = _conversation(where, value)
        await self._run(client, where, lambda: self.core.act(caller, value))

    async def open_form(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A button that asks for free text: open the answer modal at once (its trigger_id
        expires 3 seconds after the press), before anything else."""
        await ack()
        user_id, _ = _user(body)
        where = Where(user_id, _channel(body), body.get("response_url"))
        action_name, question = read_form_value(str(action.get("value") or ""))
        if not question:
            question = question_text(_dict(body.get("message")).get("blocks") or [])
        target = ModalTarget(action_name, where.channel_id, where.response_url)
        await self._open_modal(client, str(body.get("trigger_id") or ""), target, question, where)
        self.completed += 1

    async def _open_modal(
        self,
        client: AsyncWebClient,
        trigger_id: str,
        target: ModalTarget,
        question: str,
        where: Where,
    ) -> None:
        try:
            await client.views_open(trigger_id=trigger_id, view=answer_modal(target, question))
        except Exception as exc:  # noqa: BLE001 - expired trigger, Slack trouble
            log.warning("slack: views.open failed: %s", exc)
            await deliver(
                client,
                where,
                error(
                    "The answer box could not open (Slack took too long). Press the button again."
                ),
                self.session,
            )

    async def submitted(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: Any,
    ) -> None:
        """The answer modal was submitted: check the text, ack (closing the modal), grade."""
        target = ModalTarget.load(view.get("private_metadata"))
        values = (view.get("state") or {}).get("values") or {}
        text = ((values.get(ANSWER_BLOCK) or {}).get(ANSWER_INPUT) or {}).get("value") or ""
        if target is None:
            await ack()
            log.warning("slack: a modal submission without readable metadata")
            return
        if not str(text).strip():
            await ack(response_action="errors", errors={ANSWER_BLOCK: "Write an answer first."})
            return
        if len(text) > MAX_ANSWER:
            await ack(
                response_action="errors",
                errors={ANSWER_BLOCK: f"At most {MAX_ANSWER:,} characters, please."},
            )
            return
        await ack()
        team_id, team_name = _team(body, context)
        user_id, user_name = _user(body)
        if not team_id or not user_id:
            log.warning("slack: a modal submission without its workspace or user")
            return
        asker = Asker(team_id, user_id, user_name, _study_channel(target.channel), team_name)
        caller = await self.people.caller(client, asker)
        where = _conversation(Where(user_id, target.channel, target.response_url), target.action)
        await self._run(client, where, lambda: self._answer(caller, target.action, str(text)))

    async def _answer(self, caller: Caller, action: str, text: str) -> Reply:
        if action.startswith("/"):
            # A command completed by the text (`/qotd answer` + the answer).
            name, *args = action[1:].split()
            return await self.core.handle(caller, name, (*args, text))
        return await self.core.act(caller, action, text)

    async def home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """The App Home tab: the member's dashboard, published for them alone."""
        if event.get("tab") not in (None, "home"):
            return
        user_id = str(event.get("user") or "")
        team_id, team_name = _team(body, context)
        if not user_id or not team_id:
            return
        try:
            caller = await self.people.caller(client, Asker(team_id, user_id, "", None, team_name))
            reply = await self.core.home(caller)
            await client.views_publish(user_id=user_id, view=home_view(reply))
        except Exception:  # noqa: BLE001
            log.exception("slack: publishing the App Home for %s failed", user_id)
            self.failed += 1
        self.completed += 1

    async def direct_message(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient, context: Any
    ) -> None:
        """A message in the app's DM: a command (`/quiz`, or `quiz`) or the answer to the
        member's waiting question, as the core's replies invite ("type your answer")."""
        if event.get("channel_type") != "im":
            return  # prepbot never reads study channels
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, our own posts
        event_id = str(body.get("event_id") or "")
        if event_id and event_id in self._seen_events:
            # Slack redelivered it; the answer is safe either way (the core refuses a
            # second answer), this only spares the member a second reply.
            return
        if event_id:
            self._seen_events[event_id] = None
            while len(self._seen_events) > SEEN_EVENTS:
                self._seen_events.popitem(last=False)
        team_id, team_name = _team(body, context)
        user_id = str(event["user"])
        line = typed_text(str(event.get("text") or "")).strip()
        if not line:
            return
        first = line.split(maxsplit=1)[0].casefold()
        if not line.startswith("/") and first in BY_NAME:
            line = "/" + line  # "quiz llms" in a DM means /quiz llms
        caller = await self.people.caller(client, Asker(team_id, user_id, "", None, team_name))
        where = Where(user_id, str(event.get("channel") or "") or None)
        await self._run(client, where, lambda: self.core.handle_text(caller, line))

    async def uninstalled(self, body: dict[str, Any], context: Any, event: dict[str, Any]) -> None:
        team_id, _ = _team(body, context)
        await self._removed(team_id, getattr(context, "enterprise_id", None), event)

    async def tokens_revoked(
        self, body: dict[str, Any], context: Any, event: dict[str, Any]
    ) -> None:
        team_id, _ = _team(body, context)
        tokens = event.get("tokens") or {}
        if not tokens.get("bot"):
            return  # only user tokens went; the bot still works
        await self._removed(team_id, getattr(context, "enterprise_id", None), event)

    async def _removed(
        self, team_id: str, enterprise_id: str | None, event: dict[str, Any]
    ) -> None:
        if not team_id:
            return
        if self.on_removed is not None:
            await self.on_removed(team_id, enterprise_id, event)
        paused = await self.core.community_removed(
            PLATFORM, team_id, "the app was removed from the workspace"
        )
        log.info("slack: removed from workspace %s; %d daily question(s) paused", team_id, paused)
        self.completed += 1

    async def failed_listener(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("slack: unhandled error for a %s request: %r", body.get("type"), error)
        self.failed += 1


def _conversation(where: Where, about: str) -> Where:
    """A mock interview is a conversation of many turns: it runs in the member's DM with
    the app, where it stays readable, rather than in ephemeral messages in a channel."""
    if about.lstrip("/").split(":", 1)[0] == "interview":
        return Where(where.user_id)
    return where
