"""A local Slack for end-to-end tests and `prepbot bench slack`.

`FakeSlack` serves the Web API, response_url endpoints, upload URLs and Socket Mode on
127.0.0.1, and plays Slack towards the app: signed slash commands, interactions and events,
with ack latency measured against Slack's 3 s deadline.

    async with FakeSlack() as slack:                    # random port; slack.api_url for the app
        team = slack.add_team("Acme")                   # installed: team.bot_token, bot_user_id
        ada = slack.add_user(team, "ada", admin=False)
        study = slack.add_channel(team, "study", members=[ada])
        slack.point_at("http://127.0.0.1:3000/slack/events")  # HTTP mode (else Socket Mode)
        ack = await slack.command(ada, "/prep", "quiz llms", channel=study)
        [question] = slack.ephemerals(ada, study)
        await slack.click(ada, question, "answer", value="answer:12:B")
        await slack.submit(ada, slack.modal(ada), {"text": "my answer"})
        slack.ack_stats()                               # count, p50_ms, p99_ms, late ...

Layout: model.py (what a workspace holds), workspace.py (Slack's rules over it), blocks.py
(Block Kit limits, mentions), apiargs.py,
webapi.py + messaging.py / surfaces.py / files.py (Web API methods), driver.py (signing,
HTTP delivery, ack timing), socketmode.py (websocket server), payloads.py (request shapes),
interactions.py (what a user can press and submit), oauth.py (install dance), puppet.py.
"""

from .blocks import check_blocks, check_view
from .driver import ACK_DEADLINE, Ack, AckStats, HttpDriver, sign
from .interactions import PuppetError
from .model import DEFAULT_SCOPES, Channel, Ephemeral, File, Message, SlackError, Team, User, View
from .oauth import InstallResult
from .puppet import FakeSlack
from .webapi import ApiCall

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
