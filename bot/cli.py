"""The `prepbot` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from bot.config import Settings
from bot.content.loader import load_packs
from bot.content.provenance import STALE_AFTER_MONTHS, stale
from bot.content.quality import rubric_report
from bot.content.topics import TOPICS
from bot.domain import LEVELS, Kind, Question
from bot.storage.codec import question_to_dict

MAX_GRADE_INPUT = 100_000
BENCHES = ("asag", "grading", "leaderboard", "qotd", "discord", "slack")
# Benchmarks that drive an adapter against its local fake live with it (the core never
# imports a platform).
ADAPTER_BENCHES = {"discord": "adapters.discord.bench", "slack": "adapters.slack.bench"}


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        # Show which setting is wrong, never its value (it may be a secret).
        names = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise SystemExit(f"prepbot: invalid configuration: {names}") from None


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONSOLE_LOG = "prepbot.log"


def _configure_logging(settings: Settings, to_file: Path | None = None) -> None:
    """Log to standard error, as a service should; the console logs to `to_file`
    instead, so scheduler lines never land in the middle of what is being typed."""
    if to_file is not None:
        to_file.parent.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(
            level=settings.log_level,
            format=LOG_FORMAT,
            handlers=[logging.FileHandler(to_file, encoding="utf-8")],
        )
    else:
        logging.basicConfig(level=settings.log_level, format=LOG_FORMAT, stream=sys.stderr)
    # SQLAlchemy and APScheduler are chatty at INFO.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


# -- content ------------------------------------------------------------------------------


def cmd_content_validate(args: argparse.Namespace) -> int:
    path = Path(args.path) if args.path else _settings().content_dir
    if not path.exists():
        print(f"{path}: no such file or directory", file=sys.stderr)
        return 2
    result = load_packs(path)
    for problem in result.problems:
        print(problem)
    print(rubric_report(result.questions))
    if result.problems:
        print(f"{len(result.problems)} problem(s) found.", file=sys.stderr)
        return 1
    print(f"OK: {len(result.questions)} questions, no problems.")
    return 0


def _load_or_fail(path: Path) -> list[Question] | None:
    result = load_packs(path)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print("The packs have problems; run `prepbot content validate`.", file=sys.stderr)
        return None
    return result.questions


def cmd_content_export(args: argparse.Namespace) -> int:
    questions = _load_or_fail(_settings().content_dir)
    if questions is None:
        return 1
    json.dump([question_to_dict(q) for q in questions], sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def format_stats(questions: Sequence[Question]) -> str:
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    for question in questions:
        for level in question.askable_levels:
            matrix[question.topic][level] += 1
    width = max([len(t) for t in matrix] + [5])
    header = f"{'topic':<{width}}  " + "  ".join(f"{lv:>6}" for lv in LEVELS) + "   total"
    lines = [header, "-" * len(header)]
    order = [t for t in TOPICS if t in matrix] + sorted(t for t in matrix if t not in TOPICS)
    per_topic = Counter(q.topic for q in questions)
    for topic in order:
        cells = "  ".join(f"{matrix[topic][lv]:>6}" for lv in LEVELS)
        lines.append(f"{topic:<{width}}  {cells}  {per_topic[topic]:>6}")
    lines.append("-" * len(header))
    lines.append(
        f"{len(questions)} questions (a question askable at several levels counts in each)"
    )
    kinds = Counter(q.kind.value for q in questions)
    lines.append("by kind: " + ", ".join(f"{k.value} {kinds[k.value]}" for k in Kind))
    return "\n".join(lines)


def format_staleness(questions: Sequence[Question], today: date) -> str:
    """How many questions carry dated facts, and which were checked more than a year ago."""
    dated = sum(1 for q in questions if q.as_of)
    old = stale(questions, today)
    lines = [
        f"dated facts: {dated} question(s) carry as_of; "
        f"{len(old)} were checked more than {STALE_AFTER_MONTHS} months ago"
    ]
    lines.extend(f"  {q.as_of}  {q.id}" for q in old)
    return "\n".join(lines)


def cmd_content_stats(args: argparse.Namespace) -> int:
    questions = _load_or_fail(_settings().content_dir)
    if questions is None:
        return 1
    print(format_stats(questions))
    print(format_staleness(questions, datetime.now(UTC).date()))
    return 0


def cmd_content_import(args: argparse.Namespace) -> int:
    """Import a community's own questions; 0 all imported, 1 some refused, 2 unusable."""
    from bot.content import importer
    from bot.ports import SystemClock
    from bot.storage.engine import create_engine, migrate
    from bot.storage.uow import SqlAlchemyUnitOfWorkFactory

    settings = _settings()
    _configure_logging(settings)
    try:
        platform, external_id = importer.parse_community(args.community)
        if args.topic and args.topic not in TOPICS:
            raise importer.UnusableInput(
                f"unknown topic {args.topic!r}; use one of {', '.join(TOPICS)}"
            )
        fmt = importer.detect_format(args.file, args.format)
        # A trivia list keeps its name as its topic unless --topic says otherwise.
        named = fmt == "trivia" and not args.topic
        defaults = importer.Defaults(
            importer.list_topic(args.file) if named else args.topic or importer.DEFAULT_TOPIC,
            args.level or importer.DEFAULT_LEVEL,
            own_topic=named,
        )
        # The whole file is read and checked before the database is touched.
        drafts = importer.read_drafts(importer.read_bytes(args.file), fmt, defaults)
        # Duplicates are checked against the packs too, synced to the database or not.
        shipped = load_packs(settings.content_dir).questions
    except importer.UnusableInput as exc:
        print(f"prepbot: {args.file}: {exc}", file=sys.stderr)
        return 2

    async def _go() -> importer.ImportReport:
        engine = create_engine(settings.resolved_database_url)
        try:
            await migrate(engine)
            return await importer.import_questions(
                SqlAlchemyUnitOfWorkFactory(engine),
                SystemClock(),
                platform,
                external_id,
                drafts,
                settings.default_timezone,
                shipped,
            )
        finally:
            await engine.dispose()

    report = asyncio.run(_go())
    print(report)
    return report.exit_code


# -- grading ------------------------------------------------------------------------------


def cmd_grade(args: argparse.Namespace) -> int:
    from bot.services.scoring import grade

    questions = _load_or_fail(_settings().content_dir)
    if questions is None:
        return 1
    by_id = {q.id: q for q in questions}
    if args.batch:
        return _grade_batch(by_id)
    if not args.question_id:
        print(
            "usage: prepbot grade QUESTION_ID < answer.txt, or prepbot grade --batch",
            file=sys.stderr,
        )
        return 2
    question = by_id.get(args.question_id)
    if question is None:
        print(f"unknown question id {args.question_id!r}", file=sys.stderr)
        return 2
    answer = sys.stdin.read(MAX_GRADE_INPUT + 1)
    if len(answer) > MAX_GRADE_INPUT:
        print(f"answer is longer than {MAX_GRADE_INPUT} characters", file=sys.stderr)
        return 2
    print(json.dumps(grade(question, answer, args.level).as_dict(), ensure_ascii=False))
    return 0


def _grade_batch(by_id: dict[str, Question]) -> int:
    """One JSON line out per JSON line in, in order; a bad line gets an error object."""
    from bot.services.scoring import grade as grade_fn

    status = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict):
                raise ValueError("each line must be a JSON object")
            question = by_id.get(str(item.get("question_id")))
            answer = item.get("answer")
            if question is None:
                raise ValueError(f"unknown question_id {item.get('question_id')!r}")
            if not isinstance(answer, str):
                raise ValueError("answer must be a string")
            level = item.get("level")
            result: dict[str, object] = grade_fn(
                question, answer[:MAX_GRADE_INPUT], level if isinstance(level, str) else None
            ).as_dict()
        except (ValueError, json.JSONDecodeError) as exc:
            status = 1
            result = {"error": f"line {number}: {exc}"}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return status


# -- running ------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    from bot.storage.engine import create_engine, migrate

    settings = _settings()
    _configure_logging(settings)

    async def _go() -> None:
        engine = create_engine(settings.resolved_database_url)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()

    asyncio.run(_go())
    print("database is up to date")
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from adapters.console import ConsoleChat, ConsoleSession, run_repl
    from bot.bootstrap import ContentError, start

    settings = _settings()
    log_file = settings.data_dir / CONSOLE_LOG
    _configure_logging(settings, to_file=log_file)

    async def _go() -> int:
        try:
            runtime = await start(settings, chat=ConsoleChat())
        except ContentError as exc:
            print(f"prepbot: {exc}", file=sys.stderr)
            return 1
        try:
            # Questions of the day (and any missed within the grace window) are posted
            # into the running console by the scheduler.
            await runtime.start_qotd().start()
            session = ConsoleSession(runtime.core, timezone=settings.default_timezone)
            return await run_repl(session, log_file=str(log_file))
        finally:
            await runtime.close()

    try:
        return asyncio.run(_go())
    except KeyboardInterrupt:
        return 130


def cmd_run(args: argparse.Namespace) -> int:
    """Discord and/or Slack when their settings are present (in one event loop), else the
    console."""
    settings = _settings()
    if settings.platform == "console":
        return cmd_console(args)
    from adapters.launch import run_chat

    _configure_logging(settings)
    try:
        return asyncio.run(run_chat(settings))
    except KeyboardInterrupt:
        return 130


def cmd_cohort_export(args: argparse.Namespace) -> int:
    from bot.ports import SystemClock
    from bot.services.cohorts import CohortError, CohortService
    from bot.storage.engine import create_engine, migrate
    from bot.storage.uow import SqlAlchemyUnitOfWorkFactory

    settings = _settings()
    platform, _, external_id = args.community.partition(":")
    if not platform or not external_id:
        print("--community takes PLATFORM:ID, e.g. console:local or discord:1234", file=sys.stderr)
        return 2

    async def _go() -> str:
        engine = create_engine(settings.resolved_database_url)
        try:
            await migrate(engine)
            service = CohortService(SqlAlchemyUnitOfWorkFactory(engine), SystemClock())
            return await service.export_csv(platform, external_id, args.cohort)
        finally:
            await engine.dispose()

    try:
        sys.stdout.write(asyncio.run(_go()))
    except CohortError as exc:
        print(f"prepbot: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import importlib

    # asag needs its data set (--data PATH), so `all` runs the benches that build their own.
    names = tuple(b for b in BENCHES if b != "asag") if args.name == "all" else (args.name,)
    status = 0
    for name in names:
        module = importlib.import_module(ADAPTER_BENCHES.get(name, f"bot.bench.{name}"))
        status |= module.main(list(args.rest))
    return status


def cmd_discord_sync(args: argparse.Namespace) -> int:
    """Upload the slash commands now: to one guild (instant, for trying changes) or
    globally (Discord may take a while to show them everywhere)."""
    settings = _settings()
    _configure_logging(settings)
    if settings.discord_token is None:
        print("prepbot: set DISCORD_TOKEN to sync commands", file=sys.stderr)
        return 2
    from adapters.discord.app import sync_only

    try:
        count = asyncio.run(sync_only(settings, args.guild))
    except Exception as exc:  # noqa: BLE001 - one line for the operator, never a secret
        print(f"prepbot: syncing failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    where = f"guild {args.guild}" if args.guild else "every server (global)"
    print(f"synced {count} commands to {where}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prepbot", description="Interview practice bot.")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="start the bot (console when no Discord/Slack token is set)")
    sub.add_parser("console", help="practise in the terminal")
    sub.add_parser("migrate", help="upgrade the database schema")

    content = sub.add_parser("content", help="question packs")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    validate = content_sub.add_parser("validate", help="check packs; non-zero exit on problems")
    validate.add_argument("path", nargs="?")
    export = content_sub.add_parser("export", help="print every active question")
    export.add_argument("--format", choices=["json"], default="json")
    content_sub.add_parser("stats", help="topic x level counts, and counts by kind")
    imports = content_sub.add_parser(
        "import", help="add a community's own questions from CSV or Red trivia YAML"
    )
    imports.add_argument("file", help="a .csv file, or a .yaml/.yml trivia list")
    imports.add_argument(
        "--community", required=True, metavar="PLATFORM:ID", help="e.g. discord:123456789"
    )
    imports.add_argument("--format", choices=["csv", "trivia"], help="default: by extension")
    imports.add_argument("--topic", help="topic for rows without one (default: custom)")
    imports.add_argument("--level", choices=LEVELS, help="level for rows without one")

    grade = sub.add_parser("grade", help="grade an answer read from stdin")
    grade.add_argument("question_id", nargs="?")
    grade.add_argument("--batch", action="store_true", help="JSON lines in, JSON lines out")
    grade.add_argument("--level", choices=LEVELS)

    cohort = sub.add_parser("cohort", help="cohorts")
    cohort_sub = cohort.add_subparsers(dest="cohort_command", required=True)
    export_roster = cohort_sub.add_parser("export", help="a cohort's roster as CSV on stdout")
    export_roster.add_argument("--community", required=True, help="PLATFORM:ID, e.g. console:local")
    export_roster.add_argument("--cohort", required=True, help="the cohort's name")

    discord_cmd = sub.add_parser("discord", help="Discord application commands")
    discord_sub = discord_cmd.add_subparsers(dest="discord_command", required=True)
    sync = discord_sub.add_parser("sync", help="upload the slash commands now")
    sync.add_argument("--guild", type=int, help="only this server (shows changes at once)")

    bench = sub.add_parser("bench", help="run a benchmark")
    bench.add_argument("name", choices=(*BENCHES, "all"))
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


HANDLERS = {
    "run": cmd_run,
    "console": cmd_console,
    "migrate": cmd_migrate,
    "grade": cmd_grade,
    "bench": cmd_bench,
    "discord": cmd_discord_sync,
}
CONTENT_HANDLERS = {
    "validate": cmd_content_validate,
    "export": cmd_content_export,
    "stats": cmd_content_stats,
    "import": cmd_content_import,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `prepbot` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "content":
        return CONTENT_HANDLERS[args.content_command](args)
    if args.command == "cohort":
        return cmd_cohort_export(args)
    return HANDLERS[args.command](args)
