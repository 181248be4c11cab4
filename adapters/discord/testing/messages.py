"""Messages as Discord keeps them: validation (50035, 50006), flags, mentions after
allowed_mentions, uploads (`files[n]` matched to `attachments`), edits with history, nonce
deduplication, and threads started from a message.

The REST handlers (routes.py, callbacks.py) call these.
"""

from __future__ import annotations

import time
from typing import Any

from adapters.discord.testing.interactions import InteractionRecord
from adapters.discord.testing.limits import FormErrors, check_message
from adapters.discord.testing.rest import DiscordError, UploadedFile
from adapters.discord.testing.state import (
    EPHEMERAL,
    GUILD_TEXT,
    HAS_THREAD,
    LOADING,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMessage,
    iso,
    resolve_mentions,
)
from adapters.discord.testing.world import World

# Flags a bot may set on a message it sends (SUPPRESS_EMBEDS, EPHEMERAL via interactions,
# SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2).
_SETTABLE_FLAGS = 4 | EPHEMERAL | 4096 | 32768
# What a server without boosts accepts per message (interactions report it as
# `attachment_size_limit`).
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class MessageRules(World):
    """How Discord stores, checks and edits messages; the REST handlers call these."""

    def create_message(
        self,
        channel: FakeChannel,
        body: dict[str, Any],
        files: list[UploadedFile] | None,
        *,
        message_type: int = 0,
        interaction: InteractionRecord | None = None,
        force_flags: int = 0,
        placeholder: bool = False,
    ) -> FakeMessage:
        """Validate (50035 / 50006) and store a message the bot sends. A `placeholder` is
        the empty "thinking" message Discord itself creates for a deferred response."""
        if not placeholder:
            self.validate_message(body, files, require_content=True)
        message_id = self.ids.next()
        flags = (int(body.get("flags") or 0) & _SETTABLE_FLAGS) | force_flags
        if interaction is None:
            flags &= ~EPHEMERAL
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild.id),
            "author": self.bot_user.payload(),
            "content": "",
            "timestamp": iso(time.time()),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": flags,
        }
        if body.get("nonce") is not None:
            data["nonce"] = str(body["nonce"])
        message = FakeMessage(message_id, channel.id, channel.guild.id, data)
        if interaction is not None:
            message.interaction_id = interaction.id
            data["webhook_id"] = str(self.application_id)
            data["application_id"] = str(self.application_id)
            data["interaction_metadata"] = _interaction_metadata(interaction)
            if flags & EPHEMERAL and interaction.member is not None:
                message.visible_to = interaction.member.id
        self._apply(message, body, files, channel.guild)
        self.messages_by_id[message_id] = message
        if message.visible_to is None:
            channel.message_count += 1
        return message

    def edit_message(
        self,
        message: FakeMessage,
        body: dict[str, Any],
        files: list[UploadedFile] | None,
    ) -> FakeMessage:
        self.validate_message(body, files, require_content=False)
        message.history.append(dict(message.data))
        data = dict(message.data)
        data["edited_timestamp"] = iso(time.time())
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can change on an edit; ephemeral and loading stay.
            kept = int(data.get("flags") or 0) & ~4
            data["flags"] = kept | (int(body["flags"]) & 4)
        message.data = data
        guild = self.guilds.get(message.guild_id or 0)
        self._apply(message, body, files, guild)
        for record in self.deferred_updates.pop(message.id, []):
            record.original_edits += 1
            record.notify()
        return message

    def finish_loading(self, message: FakeMessage) -> None:
        flags = int(message.data.get("flags") or 0)
        message.data["flags"] = flags & ~LOADING

    def validate_message(
        self, body: Any, files: list[UploadedFile] | None, *, require_content: bool
    ) -> None:
        if not isinstance(body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        errors = FormErrors()
        check_message(body, errors, files=len(files or []))
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        if sum(len(f.data) for f in files or []) > ATTACHMENT_SIZE_LIMIT:
            raise DiscordError(413, 40005, "Request entity too large")
        content = body.get("content")
        # Discord trims content: whitespace alone is an empty message.
        if require_content and not (
            (isinstance(content, str) and content.strip())
            or body.get("embeds")
            or body.get("components")
            or files
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message")

    def _apply(
        self,
        message: FakeMessage,
        body: dict[str, Any],
        files: list[UploadedFile] | None,
        guild: FakeGuild | None,
    ) -> None:
        data = message.data
        if "content" in body:
            data["content"] = body["content"] or ""
        if "embeds" in body:
            data["embeds"] = [{"type": "rich", **embed} for embed in body["embeds"] or []]
        if "components" in body:
            data["components"] = list(body["components"] or [])
        if "attachments" in body or files:
            data["attachments"], message.attachments = self._attachments(message, body, files)
        users, roles, everyone = resolve_mentions(
            data["content"], body.get("allowed_mentions"), guild
        )
        data["mentions"], data["mention_roles"], data["mention_everyone"] = users, roles, everyone

    def _attachments(
        self,
        message: FakeMessage,
        body: dict[str, Any],
        files: list[UploadedFile] | None,
    ) -> tuple[list[dict[str, Any]], list[FakeAttachment]]:
        """Attachments listed in the body: kept ones by id, new ones by their `files[n]` index."""
        existing = {a.id: a for a in message.attachments}
        uploads = {f.index: f for f in files or []}
        listed = body.get("attachments")
        if listed is None:
            listed = [{"id": index} for index in sorted(uploads)]
        kept: list[FakeAttachment] = []
        for entry in listed:
            raw_id = int(entry.get("id", -1))
            if raw_id in uploads:
                upload = uploads.pop(raw_id)
                attachment_id = self.ids.next()
                filename = entry.get("filename") or upload.filename
                kept.append(
                    FakeAttachment(
                        attachment_id,
                        filename,
                        upload.data,
                        f"{self.base_url}/attachments/{message.channel_id}/{attachment_id}/{filename}",
                        _content_type(filename, upload.content_type),
                        entry.get("description"),
                    )
                )
            elif raw_id in existing:
                kept.append(existing[raw_id])
        for upload in uploads.values():
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body",
                {
                    "code": 50035,
                    "message": "Invalid Form Body",
                    "errors": {
                        f"files[{upload.index}]": {
                            "_errors": [
                                {
                                    "code": "ATTACHMENT_NOT_FOUND",
                                    "message": "Attachment data not found",
                                }
                            ]
                        }
                    },
                },
            )
        return [a.payload() for a in kept], kept

    def dedupe(self, nonce: str | None, enforce: bool) -> FakeMessage | None:
        """Discord's enforce_nonce: the same nonce from the same author within minutes gets the
        first message back instead of a second post."""
        if nonce is None or not enforce:
            return None
        found = self._nonces.get((self.bot_user.id, nonce))
        if found is None or self.now() - found[0] > self.nonce_window:
            return None
        return found[1]

    def remember_nonce(self, nonce: str | None, message: FakeMessage) -> None:
        if nonce is not None:
            message.nonce = nonce
            self._nonces[(self.bot_user.id, nonce)] = (self.now(), message)

    def start_thread(self, channel: FakeChannel, message: FakeMessage, body: Any) -> FakeChannel:
        if not isinstance(body, dict):
            raise DiscordError(400, 50109, "The request body contains invalid JSON.")
        if channel.is_thread or channel.type not in (GUILD_TEXT, 5):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if message.thread_id is not None:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        name = body.get("name")
        errors = FormErrors()
        if not isinstance(name, str) or not name.strip():
            errors.add(("name",), "BASE_TYPE_REQUIRED", "This field is required")
        errors.max_length(("name",), name, 100)
        duration = body.get("auto_archive_duration") or 4320
        if duration not in (60, 1440, 4320, 10080):
            errors.add(
                ("auto_archive_duration",),
                "BASE_TYPE_CHOICES",
                "Value must be one of {60, 1440, 4320, 10080}.",
            )
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors.body())
        # A thread started from a message takes the message's id.
        thread = FakeChannel(
            message.id,
            channel.guild,
            str(name),
            11,
            parent_id=channel.id,
            owner_id=self.bot_user.id,
            starter_message_id=message.id,
            auto_archive_duration=int(duration),
        )
        channel.guild.channels.append(thread)
        self.channels[thread.id] = thread
        message.thread_id = thread.id
        message.data["flags"] = int(message.data.get("flags") or 0) | HAS_THREAD
        message.data["thread"] = thread.payload()
        return thread


def _content_type(filename: str, given: str) -> str:
    if filename.endswith(".csv"):
        return "text/csv; charset=utf-8"
    if filename.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return given


def _interaction_metadata(record: InteractionRecord) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "id": str(record.id),
        "type": record.type,
        "authorizing_integration_owners": {"0": str(record.guild.id)} if record.guild else {},
    }
    if record.member is not None:
        metadata["user"] = record.member.user.payload()
    if record.source_message is not None:
        metadata["interacted_message_id"] = str(record.source_message.id)
    return metadata
