"""A local OpenAI-compatible chat completions server to test the LLM judge against.

`FakeJudge` is a real HTTP server on 127.0.0.1 (aiohttp.web) that checks requests as the
real API does (POST /v1/chat/completions with a JSON body holding `model` and `messages`;
the Bearer key when one is configured, 401 otherwise; an unknown model 404; JSON mode
without the word "json" in the messages 400) and replies as it is told, one scripted
`Step` per request, then `default`:

* `Verdicts`: a valid verdict for the key points it finds in the request (every point
  asserted unless told otherwise), optionally wrapped in a ``` fence;
* `Content`: any message content (garbage, a wrong schema);
* `Status`: an HTTP error with headers (500, 429 with Retry-After, ...);
* `Slow`: sleep, then another step (past the client's timeout).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web

PATH = "/v1/chat/completions"


@dataclass(frozen=True, slots=True)
class Verdicts:
    statuses: Mapping[str, str] = field(default_factory=dict)
    """Status per key point id; points not named are "asserted"."""
    misconceptions: tuple[str, ...] = ()
    feedback: str = "Clear answer."
    fenced: bool = False


@dataclass(frozen=True, slots=True)
class Content:
    text: str


@dataclass(frozen=True, slots=True)
class Status:
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    message: str = "The server had an error while processing your request."


@dataclass(frozen=True, slots=True)
class Slow:
    seconds: float
    then: Step = field(default_factory=Verdicts)


Step = Verdicts | Content | Status | Slow


def _error(status: int, message: str, code: str | None = None) -> web.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return web.json_response(body, status=status)


def case_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON case prepbot sends as its last user message ({} if there is none)."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            try:
                case = json.loads(str(message.get("content", "")))
            except ValueError:
                return {}
            return case if isinstance(case, dict) else {}
    return {}


class FakeJudge:
    """See the module docstring. `requests` holds every accepted request body, `calls`
    counts every request that reached the endpoint (refused ones too)."""

    def __init__(
        self,
        api_key: str | None = None,
        model: str = "judge-test",
        *,
        refuse: frozenset[str] = frozenset(),
    ) -> None:
        self.api_key = api_key
        self.model = model
        # Request fields this server rejects with a 400 naming them (as OpenAI's
        # reasoning models do with `temperature`).
        self.refuse = refuse
        self.default: Step = Verdicts()
        self.decide: Callable[[dict[str, Any]], Step] | None = None
        self.requests: list[dict[str, Any]] = []
        self.calls = 0
        self._arrived = asyncio.Condition()
        self._script: deque[Step] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def then(self, *steps: Step) -> None:
        """Reply to the next requests with `steps`, in order."""
        self._script.extend(steps)

    @property
    def answers(self) -> list[str]:
        """The candidate answers received, in order."""
        return [str(case_of(body).get("candidate_answer", "")) for body in self.requests]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post(PATH, self._handle)
        # Cancel a handler whose client hung up (a client timeout), and do not wait for
        # sleeping handlers at shutdown.
        self._runner = web.AppRunner(
            app, shutdown_timeout=0.05, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- the endpoint ---------------------------------------------------------------------

    async def received(self, count: int = 1) -> None:
        """Wait until `count` requests in all have reached the endpoint."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: self.calls >= count)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        async with self._arrived:
            self._arrived.notify_all()
        if self.api_key is not None:
            given = request.headers.get("Authorization", "")
            if given != f"Bearer {self.api_key}":
                return _error(401, "Incorrect API key provided.", "invalid_api_key")
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.")
        problem = self._invalid(body)
        if problem is not None:
            return problem
        self.requests.append(body)
        step = self._next_step(body)
        while isinstance(step, Slow):
            await asyncio.sleep(step.seconds)
            step = step.then
        if isinstance(step, Status):
            return web.json_response(
                {"error": {"message": step.message, "type": "server_error", "code": None}},
                status=step.status,
                headers=dict(step.headers),
            )
        content = step.text if isinstance(step, Content) else self._verdicts(step, body)
        return web.json_response(
            {
                "id": f"chatcmpl-{next(self._ids)}",
                "object": "chat.completion",
                "created": 1767225600,
                "model": self.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }
        )

    def _invalid(self, body: object) -> web.Response | None:
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return _error(400, "you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' must be a non-empty array.")
        for message in messages:
            if (
                not isinstance(message, dict)
                or message.get("role") not in ("system", "developer", "user", "assistant")
                or not isinstance(message.get("content"), str)
            ):
                return _error(400, "Invalid value in 'messages'.")
        for name in sorted(self.refuse):
            if name in body:
                return _error(
                    400, f"Unsupported parameter: '{name}' is not supported with this model."
                )
        if model != self.model:
            return _error(404, f"The model `{model}` does not exist.", "model_not_found")
        response_format = body.get("response_format")
        if response_format is not None:
            kind = response_format.get("type") if isinstance(response_format, dict) else None
            if kind not in ("text", "json_object", "json_schema"):
                return _error(400, "Invalid value for 'response_format'.")
            said = " ".join(str(m["content"]) for m in messages).casefold()
            if kind == "json_object" and "json" not in said:
                return _error(
                    400,
                    "'messages' must contain the word 'json' in some form, to use "
                    "'response_format' of type 'json_object'.",
                )
        return None

    def _next_step(self, body: dict[str, Any]) -> Step:
        if self._script:
            return self._script.popleft()
        if self.decide is not None:
            return self.decide(case_of(body))
        return self.default

    def _verdicts(self, step: Verdicts, body: dict[str, Any]) -> str:
        case = case_of(body)
        ids = [str(p.get("id")) for p in case.get("key_points", []) if isinstance(p, dict)]
        reply = {
            "points": [{"id": pid, "status": step.statuses.get(pid, "asserted")} for pid in ids],
            "misconceptions": list(step.misconceptions),
            "feedback": step.feedback,
        }
        text = json.dumps(reply)
        return f"```json\n{text}\n```" if step.fenced else text
