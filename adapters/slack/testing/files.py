"""files.getUploadURLExternal, the upload URL itself, files.completeUploadExternal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from .apiargs import Handler, json_arg
from .model import File, SlackError, Team
from .workspace import World


class Files:
    """Slack's three-step upload (the one slack_sdk's files_upload_v2 performs)."""

    def __init__(self, world: World, base_url: Callable[[], str]) -> None:
        self.world = world
        self._base_url = base_url

    def methods(self) -> dict[str, Handler]:
        return {
            "files.getUploadURLExternal": self.upload_url,
            "files.completeUploadExternal": self.complete_upload,
            "files.upload": self.files_upload_v1,
        }

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/upload/v1/{file_id}", self.upload)

    async def upload_url(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "files:write")
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except ValueError:
            length = 0
        if not filename or length < 1:
            raise SlackError("invalid_arguments")
        file = File(self.world.new_id("F"), team.id, filename, length)
        self.world.files[file.id] = file
        return {"upload_url": f"{self._base_url()}upload/v1/{file.id}", "file_id": file.id}

    async def upload(self, request: web.Request) -> web.Response:
        file = self.world.files.get(request.match_info["file_id"])
        if file is None or file.completed:
            return web.Response(status=404, text="not_found", content_type="text/plain")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            part = form.get("file") or form.get("filename")
            if isinstance(part, web.FileField):
                data = part.file.read()
            else:
                data = str(part or "").encode()
        else:
            data = await request.read()
        file.content = data
        self.world.touch()
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def complete_upload(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        assert team is not None
        self.world.need_scope(team, "files:write")
        entries = json_arg(args, "files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        files: list[File] = []
        for entry in entries:
            file = (
                self.world.files.get(str(entry.get("id", ""))) if isinstance(entry, dict) else None
            )
            if file is None or file.team_id != team.id or file.content is None or file.completed:
                raise SlackError("file_not_found")
            file.title = str(entry.get("title") or file.filename)
            files.append(file)
        targets = [c for c in str(args.get("channels") or "").split(",") if c]
        if args.get("channel_id"):
            targets.append(str(args["channel_id"]))
        channels = [self.world.writable(team, ref) for ref in targets]
        comment = str(args.get("initial_comment") or "")
        for file in files:
            file.completed = True
            file.initial_comment = comment
        for channel in channels:
            message = self.world.post(
                team,
                channel,
                text=comment,
                blocks=[],
                thread_ts=str(args["thread_ts"]) if args.get("thread_ts") else None,
            )
            message.files = [f.id for f in files]
            for file in files:
                file.channels.append(channel.id)
        return {"files": [f.to_api() for f in files]}

    async def files_upload_v1(self, team: Team | None, args: dict[str, Any]) -> dict[str, Any]:
        # Slack retired files.upload in 2025; slack_sdk's files_upload_v2 no longer calls it.
        raise SlackError("method_deprecated")
