"""Interaction callbacks and the interaction webhook (follow-ups, @original edits).

Discord's rules modelled here: one initial callback per interaction (40060 after that),
within 3 seconds of the interaction (404 10062 Unknown interaction after), callback types
valid for the interaction type, follow-ups only after the initial response and while the
token lives (15 minutes, then 401 50027), and the first follow-up after a "thinking" defer
replacing the loading message.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from adapters.discord.testing.interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    UPDATE_MESSAGE,
    InteractionRecord,
)
from adapters.discord.testing.limits import FormErrors, check_choices, check_modal
from adapters.discord.testing.rest import Call, DiscordError, RestApi
from adapters.discord.testing.state import EPHEMERAL, LOADING, FakeMessage

if TYPE_CHECKING:
    from adapters.discord.testing.server import FakeDiscord

Result = tuple[int, Any]

WEBHOOK = "/webhooks/{application_id}/{token}"


def register(api: RestApi, fake: FakeDiscord) -> None:
    handlers = _Handlers(fake)
    api.add("POST", "/interactions/{interaction_id}/{token}/callback", handlers.callback, bot=False)
    api.add("POST", WEBHOOK, handlers.followup, bot=False)
    api.add("GET", WEBHOOK + "/messages/{message_id}", handlers.get_message, bot=False)
    api.add("PATCH", WEBHOOK + "/messages/{message_id}", handlers.edit_message, bot=False)
    api.add("DELETE", WEBHOOK + "/messages/{message_id}", handlers.delete_message, bot=False)


def _invalid_type(kind: int) -> DiscordError:
    errors = FormErrors()
    errors.add(
        ("type",), "INTERACTION_RESPONSE_TYPE_INVALID", f"Invalid interaction response type {kind}"
    )
    return DiscordError(400, 50035, "Invalid Form Body", errors.body())


class _Handlers:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    # -- initial callback ----------------------------------------------------------------------

    async def callback(self, call: Call) -> Result:
        fake = self.fake
        record = fake.interactions.get(call.param_int("interaction_id", "interaction", 10062))
        if record is None or record.token != call.params["token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        if record.callback_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if fake.now() - record.created > fake.callback_deadline:
            record.late = True
            record.notify()
            raise DiscordError(404, 10062, "Unknown interaction")
        body = call.body
        if not isinstance(body, dict) or not isinstance(body.get("type"), int):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        kind = body["type"]
        data = body.get("data") or {}
        self._check(record, kind, data, call)

        record.acked_at = time.monotonic()
        record.callback_type = kind
        record.callback_data = data
        if kind == CHANNEL_MESSAGE_WITH_SOURCE:
            record.response_message = self._respond(record, data, call)
        elif kind == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            record.response_message = self._respond(record, {}, None, flags=flags, placeholder=True)
        elif kind == UPDATE_MESSAGE:
            assert record.source_message is not None
            fake.edit_message(record.source_message, data, call.files)
        elif kind == DEFERRED_UPDATE_MESSAGE and record.source_message is not None:
            # The bot may then edit the message through the channel instead of the webhook.
            fake.deferred_updates.setdefault(record.source_message.id, []).append(record)
        elif kind == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            record.choices = list(data.get("choices") or [])
        elif kind == MODAL:
            record.modal = data
            if record.member is not None:
                fake.open_modals[record.member.id] = record
        record.notify()

        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        return 200, self._callback_response(record)

    def _check(self, record: InteractionRecord, kind: int, data: Any, call: Call) -> None:
        if kind not in ALLOWED_CALLBACKS.get(record.type, set()):
            raise _invalid_type(kind)
        if kind in (UPDATE_MESSAGE, DEFERRED_UPDATE_MESSAGE) and record.source_message is None:
            # A modal opened by a slash command has no message to update.
            raise _invalid_type(kind)
        errors = FormErrors()
        if kind == MODAL:
            check_modal(data, errors)
        elif kind == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            check_choices(data, errors)
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        if kind in (CHANNEL_MESSAGE_WITH_SOURCE, UPDATE_MESSAGE):
            self.fake.validate_message(
                data, call.files, require_content=kind == CHANNEL_MESSAGE_WITH_SOURCE
            )

    def _respond(
        self,
        record: InteractionRecord,
        data: dict[str, Any],
        call: Call | None,
        *,
        flags: int = 0,
        placeholder: bool = False,
    ) -> FakeMessage:
        assert record.channel is not None
        return self.fake.create_message(
            record.channel,
            data,
            call.files if call else None,
            message_type=20 if record.type == APPLICATION_COMMAND else 19,
            interaction=record,
            force_flags=flags,
            placeholder=placeholder,
        )

    def _callback_response(self, record: InteractionRecord) -> dict[str, Any]:
        message = record.original
        interaction: dict[str, Any] = {"id": str(record.id), "type": record.type}
        resource: dict[str, Any] | None = {"type": record.callback_type}
        if (
            record.callback_type
            in (
                CHANNEL_MESSAGE_WITH_SOURCE,
                DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
                UPDATE_MESSAGE,
            )
            and message is not None
        ):
            interaction.update(
                response_message_id=str(message.id),
                response_message_loading=message.loading,
                response_message_ephemeral=message.ephemeral,
            )
            assert resource is not None
            resource["message"] = message.data
        elif record.callback_type == DEFERRED_UPDATE_MESSAGE:
            resource = None
        result: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            result["resource"] = resource
        return result

    # -- the interaction webhook ---------------------------------------------------------------

    def _record(self, call: Call) -> InteractionRecord:
        fake = self.fake
        record = fake.interactions_by_token.get(call.params["token"])
        if record is None or call.params["application_id"] != str(fake.application_id):
            raise DiscordError(404, 10015, "Unknown Webhook")
        if fake.now() - record.created > fake.token_lifetime:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if record.callback_type is None or record.callback_type in (
            APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
        ):
            # Nothing to follow up: the interaction was never acknowledged.
            raise DiscordError(404, 10015, "Unknown Webhook")
        return record

    def _message(self, record: InteractionRecord, raw_id: str) -> FakeMessage:
        if raw_id == "@original":
            message = record.original
        else:
            message = next(
                (
                    m
                    for m in [record.response_message, *record.followups]
                    if m and str(m.id) == raw_id
                ),
                None,
            )
            source = record.source_message
            if message is None and source is not None and str(source.id) == raw_id:
                message = source
        if message is None or message.deleted:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def followup(self, call: Call) -> Result:
        record = self._record(call)
        body = call.body
        if not isinstance(body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        placeholder = record.response_message
        if (
            record.callback_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            and placeholder is not None
            and placeholder.loading
        ):
            # The first follow-up after a "thinking" defer fills the loading message; its
            # visibility was fixed by the defer.
            self.fake.validate_message(body, call.files, require_content=True)
            self.fake.edit_message(
                placeholder, {k: v for k, v in body.items() if k != "flags"}, call.files
            )
            self.fake.finish_loading(placeholder)
            record.original_edits += 1
            record.notify()
            return self._webhook_result(call, placeholder)
        assert record.channel is not None
        message = self.fake.create_message(
            record.channel,
            body,
            call.files,
            message_type=20 if record.type == APPLICATION_COMMAND else 19,
            interaction=record,
        )
        record.followups.append(message)
        record.notify()
        return self._webhook_result(call, message)

    @staticmethod
    def _webhook_result(call: Call, message: FakeMessage) -> Result:
        # For interaction follow-ups `wait` is always true: the message comes back.
        return 200, message.data

    async def get_message(self, call: Call) -> Result:
        record = self._record(call)
        return 200, self._message(record, call.params["message_id"]).data

    async def edit_message(self, call: Call) -> Result:
        record = self._record(call)
        message = self._message(record, call.params["message_id"])
        edits_before = record.original_edits
        self.fake.edit_message(message, call.body, call.files)
        if message.loading:
            self.fake.finish_loading(message)
        if message is record.original and record.original_edits == edits_before:
            record.original_edits += 1
        record.notify()
        return 200, message.data

    async def delete_message(self, call: Call) -> Result:
        record = self._record(call)
        message = self._message(record, call.params["message_id"])
        message.deleted = True
        record.notify()
        return 204, None
