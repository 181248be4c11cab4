"""`prepbot bench discord`: members pressing things, through the fake Discord, against the
unmodified discord.py client and the real core on SQLite.

`--members` (200) simulated members share `--interactions` (2,000) interactions: each asks
a quiz question (/quiz), answers it (a choice button, or the answer form: one press to
open it and one submission), and every third round looks at /leaderboard. Every
interaction goes out as a gateway INTERACTION_CREATE and is answered over REST, as on
Discord. The figures come from the fake: the time from dispatch to the first response
(`ack`), against Discord's 3-second limit; `late` counts first responses over it (or
missing); `lost` counts answers a member saw graded that the database does not hold;
`errors` counts requests Discord refused and interactions that ended without an answer.

Target: ack p99 under 500 ms (a sixth of the limit), nothing late, nothing lost. The last
line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.discord.app import DiscordAdapter
from adapters.discord.testing.interactions import InteractionRecord
from adapters.discord.testing.server import FakeDiscord
from adapters.discord.testing.state import FakeMember
from adapters.launch import ChatRouter, LateChat
from bot.bootstrap import GC_THRESHOLDS, Runtime, start
from bot.config import Settings

ACK_TARGET_MS = 500.0
MEMBERS = 200
INTERACTIONS = 2000


@dataclass
class Tally:
    budget: int
    sent: int = 0
    answers_graded: int = 0
    failures: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    # Seconds from sending an interaction until the member saw its answer.
    answered: list[float] = field(default_factory=list)

    async def timed(self, action: Awaitable[InteractionRecord]) -> InteractionRecord:
        started = time.perf_counter()
        record = await action
        self.answered.append(time.perf_counter() - started)
        return record

    def take(self, kind: str) -> bool:
        if self.sent >= self.budget:
            return False
        self.sent += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        return True


async def _member(fake: FakeDiscord, member: FakeMember, tally: Tally, rng: random.Random) -> None:
    round_number = 0
    while tally.take("quiz"):
        round_number += 1
        kind = "choice" if rng.random() < 0.5 else "short"
        asked = await tally.timed(fake.slash(member, "quiz", kind=kind, within=30))
        buttons = {b["label"]: str(b["custom_id"]) for b in asked.buttons()}
        if "A" in buttons:
            if not tally.take("button"):
                return
            letter = rng.choice([label for label in buttons if len(label) == 1])
            graded = await tally.timed(
                fake.click(member, asked.message_with(buttons[letter]), buttons[letter], within=30)
            )
        elif "Answer" in buttons:
            if not tally.take("form-open"):
                return
            opened = await tally.timed(
                fake.click(
                    member, asked.message_with(buttons["Answer"]), buttons["Answer"], within=30
                )
            )
            if opened.modal is None or not tally.take("form-submit"):
                tally.failures += opened.modal is None
                return
            graded = await tally.timed(
                fake.submit_modal(
                    member,
                    str(opened.modal["custom_id"]),
                    {"answer": "a weighted sum of values by query-key similarity"},
                    within=30,
                )
            )
        else:
            tally.failures += 1
            continue
        if "/100" in graded.text:
            tally.answers_graded += 1
        else:
            tally.failures += 1
        if round_number % 3 == 0 and tally.take("leaderboard"):
            await tally.timed(fake.slash(member, "leaderboard", window="week", within=30))


async def _recorded(runtime: Runtime, guild_id: int, people: Sequence[FakeMember]) -> int:
    """Answers the database holds for the guild's members, read through the core's unit
    of work (the port, not the tables)."""
    await runtime.core.quiz.drain()
    async with runtime.uow() as uow:
        community = await uow.communities.find("discord", str(guild_id))
        if community is None:
            return 0
        ids = []
        for person in people:
            member = await uow.members.find(community.id, str(person.id))
            if member is not None:
                ids.append(member.id)
        return len(await uow.attempts.for_members(ids, None, None))


def _settings(fake: FakeDiscord, data_dir: Path, content_dir: Path | None) -> dict[str, str]:
    values = {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "PREPBOT_DATA_DIR": str(data_dir),
        "PREPBOT_LOG_LEVEL": "WARNING",
    }
    if content_dir is not None:
        values["PREPBOT_CONTENT_DIR"] = str(content_dir)
    return values


async def _bot_process(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """The real `prepbot run`, as deployed: Discord is another machine, so the fake and
    the members get their own process and the bot its own."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    environment.pop("DATABASE_URL", None)
    environment.update(env)
    with log.open("wb") as sink:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=environment, stdout=sink, stderr=sink
        )


async def _wait_for_commands(fake: FakeDiscord, process: asyncio.subprocess.Process) -> None:
    async with asyncio.timeout(120):
        while not fake.command_syncs:
            if process.returncode is not None:
                raise RuntimeError(f"prepbot run exited with {process.returncode}")
            await asyncio.sleep(0.05)


async def run(
    members: int, interactions: int, content_dir: Path | None = None, in_process: bool = False
) -> dict[str, Any]:
    logging.getLogger("discord").setLevel(logging.ERROR)
    # The fake keeps every payload it served; with CPython's default thresholds its growing
    # heap gets full collections that stall this process for up to a second, which would be
    # measured as the bot's latency. Collect as rarely as the bot itself does (bootstrap).
    gc.set_threshold(*GC_THRESHOLDS)
    with tempfile.TemporaryDirectory(prefix="prepbot-bench-discord-") as tmp:
        async with FakeDiscord() as fake:
            guild = await fake.add_guild("Bench server")
            people = [
                fake.add_member(guild, f"member{n}", display_name=f"Member {n}")
                for n in range(members)
            ]
            env = _settings(fake, Path(tmp) / "data", content_dir)
            settings = Settings(_env_file=None, **env)  # type: ignore[arg-type]
            tally = Tally(interactions)
            rng = random.Random(11)
            bot_failures = 0
            crashed = False
            if in_process:
                adapter = DiscordAdapter(settings)
                router = ChatRouter({"discord": LateChat(adapter)})
                runtime = await start(settings, chat=router, platforms=frozenset({"discord"}))
                try:
                    await adapter.start(runtime)
                    await fake.wait_until_ready()
                    started = time.perf_counter()
                    await asyncio.gather(
                        *(_member(fake, p, tally, random.Random(rng.random())) for p in people)
                    )
                    seconds = time.perf_counter() - started
                    recorded = await _recorded(runtime, guild.id, people)
                finally:
                    await adapter.close()
                    await runtime.close()
                bot_failures = adapter.handler.failures if adapter.handler else 0
            else:
                log = Path(tmp) / "bot.log"
                process = await _bot_process(env, log)
                try:
                    await _wait_for_commands(fake, process)
                    await fake.wait_until_ready(within=60)
                    started = time.perf_counter()
                    await asyncio.gather(
                        *(_member(fake, p, tally, random.Random(rng.random())) for p in people)
                    )
                    seconds = time.perf_counter() - started
                finally:
                    if process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                    await asyncio.wait_for(process.wait(), 60)
                output = log.read_text(errors="replace") if log.exists() else ""
                crashed = process.returncode != 0 or "Traceback" in output
                bot_failures = output.count("handling an interaction failed")
                # The answers as stored, read after the bot has gone.
                runtime = await start(settings)
                try:
                    recorded = await _recorded(runtime, guild.id, people)
                finally:
                    await runtime.close()
            records = list(fake.interactions.values())
            stats = fake.ack_stats(records).as_dict()
            refused = sum(len(r.refusals) for r in records)
            unanswered = sum(1 for r in records if not r.complete)
            answered = sorted(seconds * 1000 for seconds in tally.answered)
            return {
                "members": members,
                **stats,
                "ack_target_ms": ACK_TARGET_MS,
                "deferred": sum(1 for r in records if r.deferred),
                "answers": tally.answers_graded,
                "recorded": recorded,
                "lost": max(0, tally.answers_graded - recorded),
                "errors": refused + unanswered + tally.failures + bot_failures + int(crashed),
                "by_kind": tally.by_kind,
                "seconds": round(seconds, 2),
                "per_second": round(len(records) / seconds, 1) if seconds else 0.0,
                "bot": "in-process" if in_process else "prepbot run",
                "answered_p50_ms": _pct(answered, 0.5),
                "answered_p99_ms": _pct(answered, 0.99),
            }


def _pct(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(fraction * len(values)))], 2)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="prepbot bench discord")
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--interactions", type=int, default=INTERACTIONS)
    parser.add_argument("--content", type=Path, help="question packs (default: the shipped ones)")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the bot in the bench's own event loop, beside the fake (default: prepbot run)",
    )
    args = parser.parse_args(list(argv))
    if args.members < 1 or args.interactions < 1:
        parser.error("--members and --interactions must be positive")
    result = asyncio.run(run(args.members, args.interactions, args.content, args.in_process))
    limit = result["ack_limit_ms"]
    print(
        f"Discord: {result['members']} members, {result['interactions']} interactions through "
        f"the fake Discord ({result['bot']}: discord.py client, core on SQLite)"
    )
    print(f"{'figure':<16}{'value':>12}{'limit':>10}{'ratio':>9}")
    print("-" * 47)
    rows = [
        ("ack p50 ms", result["ack_p50_ms"], limit),
        ("ack p99 ms", result["ack_p99_ms"], limit),
        ("ack max ms", result["ack_max_ms"], limit),
    ]
    for name, value, bound in rows:
        print(f"{name:<16}{value:>12}{bound:>10g}{value / bound:>9.3f}")
    for name in ("answered_p50_ms", "answered_p99_ms"):
        print(f"{name.replace('_', ' '):<16}{result[name]!s:>12}")
    for name in ("late", "lost", "errors", "deferred", "answers", "recorded", "seconds"):
        print(f"{name:<16}{result[name]!s:>12}")
    print(f"{'per second':<16}{result['per_second']!s:>12}")
    ok = (
        result["ack_p99_ms"] < ACK_TARGET_MS
        and result["late"] == 0
        and result["lost"] == 0
        and result["errors"] == 0
    )
    print(
        f"target: ack p99 < {ACK_TARGET_MS:g} ms (a sixth of {limit:g}), 0 late, 0 lost, "
        f"0 errors: {'met' if ok else 'MISSED'}"
    )
    print(json.dumps(result))
    return 0 if ok else 1
