"""A local Slack for end-to-end tests and `prepbot bench slack`.

`FakeSlack` serves the Web API, response_url endpoints, upload URLs and Socket Mode on
127.0.0.1, and plays Slack towards the app: signed slash commands, interactions and events,
with ack latency measured against Slack's 3 s deadline. See puppet.py for the test-facing API.
"""

from .blocks import check_blocks, check_view
from .driver import ACK_DEADLINE, Ack, AckStats, HttpDriver, sign
from .interactions import PuppetError
from .oauth import InstallResult
from .puppet import FakeSlack
from .webapi import ApiCall
from .workspace import (
    DEFAULT_SCOPES,
    Channel,
    Ephemeral,
    File,
    Message,
    SlackError,
    Team,
    User,
    View,
)

__all__ = [
    "ACK_DEADLINE",
    "DEFAULT_SCOPES",
    "Ack",
    "AckStats",
    "ApiCall",
    "Channel",
    "Ephemeral",
    "FakeSlack",
    "File",
    "HttpDriver",
    "InstallResult",
    "Message",
    "PuppetError",
    "SlackError",
    "Team",
    "User",
    "View",
    "check_blocks",
    "check_view",
    "sign",
]
