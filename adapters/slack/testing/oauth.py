"""The OAuth v2 install dance as a Slack user goes through it, against the app's own pages."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp

from .interactions import PuppetError
from .model import OAuthGrant, Team, User
from .workspace import World


@dataclass
class InstallResult:
    """The end of an OAuth install: what the app's redirect endpoint answered."""

    status: int
    body: str
    team: Team
    code: str | None
    authorize_url: str


async def run_install(
    world: World,
    client_id: str,
    team: Team,
    installer: User,
    app_base_url: str,
    *,
    install_path: str,
    redirect_path: str,
    approve: bool,
) -> InstallResult:
    """Visit the app's install page, approve (or cancel) on "Slack", follow the redirect.

    The state cookie the install page sets goes back with the redirect, as a browser would
    send it; the code issued here is what the app exchanges through oauth.v2.access.
    """
    base = app_base_url.rstrip("/")
    async with aiohttp.ClientSession() as session:
        async with session.get(base + install_path, allow_redirects=False) as page:
            html = await page.text()
            location = page.headers.get("Location")
            cookies = [
                v.split(";", 1)[0] for k, v in page.headers.items() if k.lower() == "set-cookie"
            ]
        authorize = location or _authorize_link(html)
        if authorize is None:
            raise PuppetError(f"no authorize link on the install page ({page.status})")
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
        if query.get("client_id") != client_id:
            raise PuppetError(f"Slack refuses the authorize URL: client_id {query}")
        scopes = tuple(s for s in query.get("scope", "").split(",") if s)
        redirect = query.get("redirect_uri") or base + redirect_path
        args: dict[str, str] = {"state": query.get("state", "")}
        code: str | None = None
        if approve:
            code = secrets.token_hex(16)
            world.grants[code] = OAuthGrant(
                code,
                team.id,
                installer.id,
                scopes,
                query.get("redirect_uri"),
                world.clock(),
            )
            args["code"] = code
        else:
            args["error"] = "access_denied"
        headers = {"Cookie": "; ".join(cookies)} if cookies else {}
        separator = "&" if "?" in redirect else "?"
        async with session.get(
            redirect + separator + urlencode(args), headers=headers, allow_redirects=False
        ) as done:
            body = await done.text()
            return InstallResult(done.status, body, team, code, authorize)


def _authorize_link(html: str) -> str | None:
    match = re.search(r'href="([^"]*oauth/v2/authorize[^"]*)"', html)
    return match.group(1).replace("&amp;", "&") if match else None
