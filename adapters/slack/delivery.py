"""Where a reply goes in Slack: the request's `response_url` (ephemeral unless the reply
is public), else `chat.postEphemeral` in the channel, else the member's DM with the app.
Files (CSV exports) always go to the DM, never to a channel."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.render import clip, escape, render
from bot.views import Reply

log = logging.getLogger(__name__)

INLINE_ATTACHMENT = 2500  # characters of a file shown in the message when uploading fails


@dataclass(frozen=True, slots=True)
class Where:
    """Where a request's result goes."""

    user_id: str
    channel_id: str | None = None
    response_url: str | None = None


async def deliver(
    client: AsyncWebClient,
    where: Where,
    reply: Reply,
    session: aiohttp.ClientSession | None = None,
) -> None:
    """Show `reply` to the member: through the request's response_url (ephemeral unless
    the reply is public), else `chat.postEphemeral` in the channel, else their DM."""
    rendered = render(reply)
    if reply.attachment is not None:
        await _upload(client, where, reply.attachment)
    if where.response_url:
        payload: dict[str, Any] = {
            "text": rendered.text,
            "blocks": rendered.blocks,
            "response_type": "ephemeral" if reply.private else "in_channel",
            "replace_original": False,
        }
        try:
            hook = AsyncWebhookClient(where.response_url, session=session)
            sent = await hook.send_dict(payload)
            if sent.status_code == 200:
                return
            log.warning("slack: response_url answered %s %s", sent.status_code, sent.body[:200])
        except Exception as exc:  # noqa: BLE001 - fall back to the Web API
            log.warning("slack: response_url failed: %s", exc)
    if where.channel_id and not where.channel_id.startswith("D"):
        try:
            if reply.private:
                await client.chat_postEphemeral(
                    channel=where.channel_id,
                    user=where.user_id,
                    text=rendered.text,
                    blocks=rendered.blocks,
                )
            else:
                await client.chat_postMessage(
                    channel=where.channel_id, text=rendered.text, blocks=rendered.blocks
                )
            return
        except Exception as exc:  # noqa: BLE001 - not in the channel: the DM still works
            log.info("slack: posting in %s failed (%s); sending a DM", where.channel_id, exc)
    try:
        await client.chat_postMessage(
            channel=where.user_id, text=rendered.text, blocks=rendered.blocks
        )
    except Exception:  # noqa: BLE001
        log.exception("slack: could not reach %s at all", where.user_id)


async def _upload(client: AsyncWebClient, where: Where, attachment: tuple[str, str]) -> None:
    """A file (a CSV export) to the member's DM with the app, never to the channel."""
    filename, content = attachment
    try:
        opened = await client.conversations_open(users=where.user_id)
        channel = (opened.get("channel") or {}).get("id")
        await client.files_upload_v2(
            channel=channel,
            content=content,
            filename=filename,
            title=filename,
            initial_comment=f"Here is {escape(filename)}.",
        )
    except Exception as exc:  # noqa: BLE001 - the text below still carries it
        log.warning("slack: uploading %s failed: %s", filename, exc)
        shown = clip(content, INLINE_ATTACHMENT)
        try:
            await client.chat_postMessage(
                channel=where.user_id,
                text=f"{escape(filename)} (the upload failed, so here it is inline):\n"
                f"```{escape(shown)}```",
            )
        except Exception:  # noqa: BLE001
            log.exception("slack: could not send %s to %s", filename, where.user_id)
