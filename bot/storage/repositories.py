"""SQLAlchemy implementations of the repository ports. One session per unit of work."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import (
    Attempt,
    Channel,
    Cohort,
    Community,
    LeaderboardRow,
    LeaderboardScope,
    LeaderboardWindow,
    Member,
    Question,
    Verdict,
)
from bot.ports import (
    AttemptSummary,
    BoardKey,
    MemberProgress,
    NewAttempt,
    NewQotdPost,
    PendingQuestion,
    PoolFilter,
    PracticeCard,
    QotdAnswer,
    QotdPost,
    QotdSettings,
    Subscription,
    SyncReport,
    TopicAccuracy,
    TopicCount,
)
from bot.storage.codec import content_hash, question_from_dict, question_to_dict
from bot.storage.interviews import SqlInterviewRepository
from bot.storage.tables import (
    AttemptRow,
    Base,
    BoardPointCountRow,
    BoardTotalRow,
    ChannelRow,
    CohortChannelRow,
    CohortMemberRow,
    CohortRow,
    CommunityRow,
    MemberRow,
    MemberTotalRow,
    PendingQuestionRow,
    PracticeCardRow,
    QotdAnswerRow,
    QotdPostRow,
    QotdSubscriptionRow,
    QuestionRow,
    SeenQuestionRow,
    SkippedQuestionRow,
)


def insert_for(session: AsyncSession, table: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT on both SQLite and PostgreSQL."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class SqlCommunityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(
        self, platform: str, external_id: str, name: str, timezone: str, now: datetime
    ) -> Community:
        found = await self.find(platform, external_id)
        if found is not None:
            return found
        table = CommunityRow.__table__
        stmt = (
            insert_for(self.session, table)
            .values(
                platform=platform,
                external_id=external_id,
                name=name,
                timezone=timezone,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        )
        await self.session.execute(stmt)
        community = await self.find(platform, external_id)
        assert community is not None  # inserted or already there, in this transaction
        return community

    async def get(self, community_id: int) -> Community | None:
        row = await self.session.get(CommunityRow, community_id)
        return _community(row) if row else None

    async def find(self, platform: str, external_id: str) -> Community | None:
        row = (
            await self.session.execute(
                select(CommunityRow).where(
                    CommunityRow.platform == platform, CommunityRow.external_id == external_id
                )
            )
        ).scalar_one_or_none()
        return _community(row) if row else None

    async def update_settings(
        self,
        community_id: int,
        *,
        timezone: str | None = None,
        hide_departed: bool | None = None,
        qotd_show_best: bool | None = None,
    ) -> Community:
        values: dict[str, Any] = {}
        if timezone is not None:
            values["timezone"] = timezone
        if hide_departed is not None:
            values["hide_departed"] = hide_departed
        if qotd_show_best is not None:
            values["qotd_show_best"] = qotd_show_best
        if values:
            await self.session.execute(
                update(CommunityRow).where(CommunityRow.id == community_id).values(**values)
            )
        row = await self.session.get(CommunityRow, community_id, populate_existing=True)
        assert row is not None
        return _community(row)


def _member(row: MemberRow) -> Member:
    return Member(row.id, row.community_id, row.external_id, row.display_name)


def _community(row: CommunityRow) -> Community:
    return Community(
        row.id,
        row.platform,
        row.external_id,
        row.name,
        row.timezone,
        row.hide_departed,
        row.qotd_show_best,
    )


class SqlChannelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(self, community_id: int, external_id: str, name: str) -> Channel:
        found = await self._find(community_id, [external_id])
        if external_id not in found:
            await self._insert(community_id, {external_id: name})
            found = await self._find(community_id, [external_id])
        return found[external_id]

    async def get_or_create_many(
        self, community_id: int, external_ids: Sequence[str]
    ) -> dict[str, Channel]:
        wanted = sorted(set(external_ids))
        found = await self._find(community_id, wanted)
        missing = [ext for ext in wanted if ext not in found]
        if missing:
            await self._insert(community_id, dict.fromkeys(missing, ""))
            found.update(await self._find(community_id, missing))
        return found

    async def _find(self, community_id: int, external_ids: Sequence[str]) -> dict[str, Channel]:
        if not external_ids:
            return {}
        rows = await self.session.execute(
            select(
                ChannelRow.id, ChannelRow.community_id, ChannelRow.external_id, ChannelRow.name
            ).where(
                ChannelRow.community_id == community_id,
                ChannelRow.external_id.in_(list(external_ids)),
            )
        )
        return {ext: Channel(cid, community, ext, name) for cid, community, ext, name in rows}

    async def _insert(self, community_id: int, names: dict[str, str]) -> None:
        # Another process may create the same channel meanwhile: the unique key decides.
        await self.session.execute(
            insert_for(self.session, ChannelRow.__table__).on_conflict_do_nothing(
                index_elements=["community_id", "external_id"]
            ),
            [
                {"community_id": community_id, "external_id": ext, "name": name}
                for ext, name in sorted(names.items())
            ],
        )


class SqlMemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_or_create(
        self, community_id: int, external_id: str, display_name: str, now: datetime
    ) -> Member:
        found = await self.get_or_create_many(community_id, {external_id: display_name}, now)
        return found[external_id]

    async def get_or_create_many(
        self, community_id: int, names: dict[str, str], now: datetime
    ) -> dict[str, Member]:
        found = await self._find_many(community_id, list(names))
        # Display names change on the platform; keep the latest one. In the steady state
        # every member exists under the same name and this is the one SELECT above.
        stale = {
            ext: name
            for ext, name in names.items()
            if ext not in found or found[ext].display_name != name
        }
        if stale:
            table = MemberRow.__table__
            insert = insert_for(self.session, table)
            await self.session.execute(
                insert.on_conflict_do_update(
                    index_elements=["community_id", "external_id"],
                    set_={"display_name": insert.excluded.display_name},
                ),
                [
                    {
                        "community_id": community_id,
                        "external_id": ext,
                        "display_name": name,
                        "created_at": now,
                    }
                    for ext, name in sorted(stale.items())
                ],
            )
            found.update(await self._find_many(community_id, list(stale)))
        return found

    async def _find_many(self, community_id: int, external_ids: list[str]) -> dict[str, Member]:
        if not external_ids:
            return {}
        rows = await self.session.execute(
            select(MemberRow.id, MemberRow.external_id, MemberRow.display_name).where(
                MemberRow.community_id == community_id, MemberRow.external_id.in_(external_ids)
            )
        )
        return {ext: Member(mid, community_id, ext, name) for mid, ext, name in rows}

    async def get(self, member_id: int) -> Member | None:
        row = await self.session.get(MemberRow, member_id)
        return _member(row) if row else None

    async def find(self, community_id: int, external_id: str) -> Member | None:
        row = (
            await self.session.execute(
                select(MemberRow).where(
                    MemberRow.community_id == community_id, MemberRow.external_id == external_id
                )
            )
        ).scalar_one_or_none()
        return _member(row) if row else None

    async def set_left(self, member_id: int, left_at: datetime | None) -> None:
        was = (
            await self.session.execute(
                select(MemberRow.left_at, MemberRow.community_id).where(MemberRow.id == member_id)
            )
        ).first()
        if was is None:
            return
        await lock_member_totals(self.session, [(member_id, was[1])])
        await self.session.execute(
            update(MemberRow).where(MemberRow.id == member_id).values(left_at=left_at)
        )
        if (was[0] is None) != (left_at is None):
            # Leaving or coming back moves the member between present and departed in the
            # histogram of every board they are on.
            step = 1 if left_at is not None else -1
            rows = await self.session.execute(
                select(*_BOARD_KEY, BoardTotalRow.points).where(
                    BoardTotalRow.member_id == member_id
                )
            )
            await bump_histograms(self.session, {tuple(row): (0, step) for row in rows})

    async def delete(self, member_id: int) -> None:
        # Every table about a member references it ON DELETE CASCADE; the explicit deletes
        # keep that true even where foreign keys are not enforced.
        await lock_members_by_id(self.session, [member_id])
        await remove_board_rows(self.session, BoardTotalRow.member_id == member_id)
        await SqlInterviewRepository(self.session).delete_member(member_id)
        for table in (
            MemberTotalRow,
            AttemptRow,
            PendingQuestionRow,
            SeenQuestionRow,
            CohortMemberRow,
            PracticeCardRow,
        ):
            await self.session.execute(delete(table).where(table.member_id == member_id))
        await self.session.execute(
            update(CohortRow).where(CohortRow.owner_id == member_id).values(owner_id=None)
        )
        await self.session.execute(delete(MemberRow).where(MemberRow.id == member_id))


class SqlQuestionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def sync(
        self, questions: Sequence[Question], now: datetime, community_id: int | None = None
    ) -> SyncReport:
        scope = (
            QuestionRow.community_id.is_(None)
            if community_id is None
            else QuestionRow.community_id == community_id
        )
        existing = {
            row.id: row
            for row in (await self.session.execute(select(QuestionRow).where(scope))).scalars()
        }
        added = updated = unchanged = 0
        incoming: set[str] = set()
        for question in questions:
            incoming.add(question.id)
            data = question_to_dict(question)
            digest = content_hash(data)
            row = existing.get(question.id)
            if row is None:
                other = await self.session.get(QuestionRow, question.id)
                if other is not None:
                    raise ValueError(f"question id {question.id} is already used elsewhere")
                self.session.add(
                    QuestionRow(
                        id=question.id,
                        community_id=community_id,
                        topic=question.topic,
                        kind=question.kind.value,
                        level=question.level,
                        levels="," + ",".join(question.askable_levels) + ",",
                        difficulty=question.difficulty,
                        prompt=question.prompt,
                        data=data,
                        content_hash=digest,
                        active=True,
                        updated_at=now,
                    )
                )
                added += 1
            elif row.content_hash != digest or not row.active:
                row.topic = question.topic
                row.kind = question.kind.value
                row.level = question.level
                row.levels = "," + ",".join(question.askable_levels) + ","
                row.difficulty = question.difficulty
                row.prompt = question.prompt
                row.data = data
                row.content_hash = digest
                row.active = True
                row.updated_at = now
                updated += 1
            else:
                unchanged += 1
        retired_ids = [qid for qid, row in existing.items() if qid not in incoming and row.active]
        if retired_ids:
            await self.session.execute(
                update(QuestionRow)
                .where(QuestionRow.id.in_(retired_ids))
                .values(active=False, updated_at=now)
            )
        await self.session.flush()
        return SyncReport(added, updated, len(retired_ids), unchanged)

    async def get(self, question_id: str) -> Question | None:
        row = await self.session.get(QuestionRow, question_id)
        return question_from_dict(row.data, row.community_id) if row else None

    async def get_many(self, question_ids: Sequence[str]) -> dict[str, Question]:
        wanted = sorted(set(question_ids))
        if not wanted:
            return {}
        rows = await self.session.execute(
            select(QuestionRow.id, QuestionRow.data, QuestionRow.community_id).where(
                QuestionRow.id.in_(wanted)
            )
        )
        return {qid: question_from_dict(data, owner) for qid, data, owner in rows}

    async def pool(self, pool: PoolFilter) -> list[str]:
        conditions = [
            QuestionRow.active.is_(True),
            or_(QuestionRow.community_id.is_(None), QuestionRow.community_id == pool.community_id),
        ]
        if pool.topic:
            conditions.append(QuestionRow.topic == pool.topic)
        if pool.level:
            conditions.append(QuestionRow.levels.contains(f",{pool.level},"))
        if pool.kind:
            conditions.append(QuestionRow.kind == pool.kind)
        rows = await self.session.execute(
            select(QuestionRow.id).where(and_(*conditions)).order_by(QuestionRow.id)
        )
        return list(rows.scalars())

    async def counts(self, community_id: int | None) -> list[TopicCount]:
        scope = (
            QuestionRow.community_id.is_(None)
            if community_id is None
            else or_(QuestionRow.community_id.is_(None), QuestionRow.community_id == community_id)
        )
        rows = await self.session.execute(
            select(QuestionRow.topic, QuestionRow.level, QuestionRow.kind, func.count())
            .where(QuestionRow.active.is_(True), scope)
            .group_by(QuestionRow.topic, QuestionRow.level, QuestionRow.kind)
        )
        return [TopicCount(t, lv, k, int(n)) for t, lv, k, n in rows]

    async def community_questions(self, community_id: int | None) -> list[Question]:
        scope = (
            QuestionRow.community_id.is_(None)
            if community_id is None
            else QuestionRow.community_id == community_id
        )
        rows = await self.session.execute(
            select(QuestionRow.data, QuestionRow.community_id)
            .where(QuestionRow.active.is_(True), scope)
            .order_by(QuestionRow.id)
        )
        return [question_from_dict(data, owner) for data, owner in rows]


# A board row's key: (community, scope, scope id, period, period start, member).
BoardCell = tuple[int, str, int, str, date, int]
_WINDOWS = tuple(LeaderboardWindow)
_BOARD_KEY = (
    BoardTotalRow.community_id,
    BoardTotalRow.scope,
    BoardTotalRow.scope_id,
    BoardTotalRow.period,
    BoardTotalRow.period_start,
)


def _select_by_keys(
    table: Any, names: Sequence[str], keys: set[tuple[Any, ...]], only: Sequence[str] = ()
) -> tuple[Any, dict[str, Any]]:
    """SELECT the rows of `table` (the `only` columns, else all) whose `names` columns equal
    one of `keys`: a statement and its parameters.

    The keys go in as a VALUES list joined on the columns, so both databases do one index
    lookup per key (a row-value IN makes SQLite scan the table, separate IN lists fetch
    every combination of the values, an OR of ANDs is slower still). It is text, kept per
    shape, because SQLAlchemy does not cache a VALUES construct: compiling one anew per
    call costs more than the query."""
    statement = _keys_statement(table.name, tuple(names), tuple(only), len(keys))
    params = {
        f"k{n}_{name}": value
        for n, key in enumerate(sorted(keys))
        for name, value in zip(names, key, strict=True)
    }
    return statement, params


@functools.lru_cache(maxsize=512)
def _keys_statement(
    table_name: str, names: tuple[str, ...], only: tuple[str, ...], count: int
) -> Any:
    table = Base.metadata.tables[table_name]
    rows = ", ".join("(" + ", ".join(f":k{n}_{name}" for name in names) + ")" for n in range(count))
    on = " AND ".join(f"t.{name} = k.{name}" for name in names)
    wanted = [table.c[name] for name in only] if only else list(table.c)
    sql = (
        f"WITH k ({', '.join(names)}) AS (VALUES {rows}) "
        f"SELECT {', '.join(f't.{c.key}' for c in wanted)} FROM k JOIN {table.name} t ON {on}"
    )
    binds = [
        bindparam(f"k{n}_{name}", type_=table.c[name].type) for n in range(count) for name in names
    ]
    return text(sql).bindparams(*binds).columns(*wanted)


async def lock_member_totals(
    session: AsyncSession, members: Sequence[tuple[int, int]]
) -> dict[int, tuple[int, int, date | None]]:
    """Create missing member_totals rows for (member id, community id) pairs and lock them
    all until the transaction ends (PostgreSQL row locks; SQLite's write lock already
    serialises everything), lowest member id first so that two transactions locking
    overlapping sets cannot deadlock. Every transaction that writes a member's board rows
    takes this lock first: answers, leaving and returning, deletion, cohort changes; so
    the board histograms never see two of them at once. Returns each member's (current
    streak, longest streak, last active day)."""
    communities = dict(members)
    if not communities:
        return {}
    table = MemberTotalRow.__table__
    await session.execute(
        insert_for(session, table).on_conflict_do_nothing(index_elements=["member_id"]),
        [
            {
                "member_id": member_id,
                "community_id": community_id,
                "points": 0,
                "answers": 0,
                "correct": 0,
                "current_streak": 0,
                "longest_streak": 0,
                "last_active_on": None,
            }
            for member_id, community_id in sorted(communities.items())
        ],
    )
    rows = await session.execute(
        select(
            table.c.member_id,
            table.c.current_streak,
            table.c.longest_streak,
            table.c.last_active_on,
        )
        .where(table.c.member_id.in_(sorted(communities)))
        .order_by(table.c.member_id)
        .with_for_update()
    )
    return {member_id: (current, longest, last) for member_id, current, longest, last in rows}


async def lock_members_by_id(session: AsyncSession, member_ids: Sequence[int]) -> None:
    """`lock_member_totals` for members known by id only."""
    if not member_ids:
        return
    rows = await session.execute(
        select(MemberRow.id, MemberRow.community_id).where(MemberRow.id.in_(sorted(member_ids)))
    )
    await lock_member_totals(session, [(member_id, community) for member_id, community in rows])


class SqlAttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, attempt: NewAttempt) -> Attempt:
        return (await self.add_many([attempt]))[0]

    async def add_many(self, attempts: Sequence[NewAttempt]) -> list[Attempt]:
        """Insert the attempts, then fold them into member_totals, board_totals and the
        board histograms: a fixed number of statements however many attempts there are."""
        if not attempts:
            return []
        table = AttemptRow.__table__
        # Ids come back from RETURNING in no promised order, and asking SQLAlchemy to sort
        # them makes it insert row by row on SQLite. Both databases hand out ids in
        # increasing order within a statement (SQLite under its write lock, PostgreSQL
        # from the sequence, row by row), so sorted ids follow the rows as given; the
        # check below proves it for every insert rather than trusting it.
        inserted = await self.session.execute(
            insert_for(self.session, table).returning(
                table.c.id, table.c.member_id, table.c.question_id, table.c.counted
            ),
            [
                {
                    "community_id": a.community_id,
                    "member_id": a.member_id,
                    "channel_id": a.channel_id,
                    "question_id": a.question_id,
                    "topic": a.topic,
                    "answer": a.answer,
                    "score": a.score,
                    "verdict": a.verdict,
                    "points": a.points,
                    "counted": a.counted,
                    "context": a.context,
                    "local_date": a.local_date,
                    "created_at": a.created_at,
                }
                for a in attempts
            ],
        )
        returned = sorted(inserted.all())
        ids = [row[0] for row in returned]
        if [(m, q, bool(c)) for _, m, q, c in returned] != [
            (a.member_id, a.question_id, a.counted) for a in attempts
        ]:
            raise RuntimeError("attempt ids came back out of insertion order")
        await self._fold_into_totals(attempts)
        counted = [a for a in attempts if a.counted]
        if counted:
            await self._fold_into_boards(counted)
        return [a.stored(attempt_id) for attempt_id, a in zip(ids, attempts, strict=True)]

    async def lock_member(self, member_id: int, community_id: int) -> None:
        """Serialise this member's answers until the transaction ends (PostgreSQL row lock;
        SQLite's write lock already does it), so two processes cannot both count the same
        question on the same day."""
        await lock_member_totals(self.session, [(member_id, community_id)])

    async def lock_members(self, members: Sequence[tuple[int, int]]) -> None:
        await lock_member_totals(self.session, members)

    async def _fold_into_totals(self, attempts: Sequence[NewAttempt]) -> None:
        """Lifetime totals and the streak. Every graded answer extends the streak; only
        counted ones add points."""
        members = {a.member_id: a.community_id for a in attempts}
        streaks = await lock_member_totals(self.session, list(members.items()))
        gains: dict[int, list[int]] = {member_id: [0, 0, 0] for member_id in members}
        for a in attempts:
            current, longest, last = streaks[a.member_id]
            current, longest = next_streak(current, longest, last, a.local_date)
            streaks[a.member_id] = (current, longest, max(a.local_date, last or a.local_date))
            if a.counted:
                gain = gains[a.member_id]
                gain[0] += a.points
                gain[1] += 1
                gain[2] += a.verdict == Verdict.CORRECT.value
        table = MemberTotalRow.__table__
        rows = [
            {
                "member_id": member_id,
                "community_id": community_id,
                "points": gains[member_id][0],
                "answers": gains[member_id][1],
                "correct": gains[member_id][2],
                "current_streak": streaks[member_id][0],
                "longest_streak": streaks[member_id][1],
                "last_active_on": streaks[member_id][2],
            }
            for member_id, community_id in sorted(members.items())
        ]
        insert = insert_for(self.session, table)
        # The rows exist and are locked (above): the upsert always takes the update branch.
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["member_id"],
                set_={
                    "points": table.c.points + insert.excluded.points,
                    "answers": table.c.answers + insert.excluded.answers,
                    "correct": table.c.correct + insert.excluded.correct,
                    "current_streak": insert.excluded.current_streak,
                    "longest_streak": insert.excluded.longest_streak,
                    "last_active_on": insert.excluded.last_active_on,
                },
            ),
            rows,
        )

    async def _fold_into_boards(self, attempts: Sequence[NewAttempt]) -> None:
        member_ids = sorted({a.member_id for a in attempts})
        memberships = await self.session.execute(
            select(
                CohortMemberRow.member_id,
                CohortRow.id,
                CohortRow.community_id,
                CohortRow.starts_on,
                CohortRow.ends_on,
            )
            .join(CohortRow, CohortRow.id == CohortMemberRow.cohort_id)
            .where(CohortMemberRow.member_id.in_(member_ids))
        )
        cohorts: dict[int, list[tuple[int, int, date | None, date | None]]] = {}
        for member_id, cohort_id, community_id, starts_on, ends_on in memberships:
            cohorts.setdefault(member_id, []).append((cohort_id, community_id, starts_on, ends_on))
        departed = set(
            (
                await self.session.execute(
                    select(MemberRow.id).where(
                        MemberRow.id.in_(member_ids), MemberRow.left_at.is_not(None)
                    )
                )
            ).scalars()
        )
        cells: dict[BoardCell, list[int]] = {}
        for a in attempts:
            scopes: list[tuple[str, int]] = [(LeaderboardScope.COMMUNITY.value, 0)]
            if a.channel_id is not None:
                scopes.append((LeaderboardScope.CHANNEL.value, a.channel_id))
            scopes.extend(
                (LeaderboardScope.COHORT.value, cohort_id)
                for cohort_id, community_id, starts_on, ends_on in cohorts.get(a.member_id, ())
                if community_id == a.community_id
                and (starts_on is None or starts_on <= a.local_date)
                and (ends_on is None or ends_on >= a.local_date)
            )
            correct = int(a.verdict == Verdict.CORRECT.value)
            periods = [(window.value, window.start(a.local_date)) for window in _WINDOWS]
            for scope, scope_id in scopes:
                for period, start in periods:
                    key = (a.community_id, scope, scope_id, period, start, a.member_id)
                    cell = cells.setdefault(key, [0, 0, 0])
                    cell[0] += a.points
                    cell[1] += 1
                    cell[2] += correct
        await upsert_board_rows(self.session, cells, departed)

    async def has_counted(self, member_id: int, question_id: str, local_date: date) -> bool:
        key = (member_id, question_id, local_date)
        return key in await self.counted_keys([key])

    async def counted_keys(
        self, keys: Sequence[tuple[int, str, date]]
    ) -> set[tuple[int, str, date]]:
        wanted = set(keys)
        if not wanted:
            return set()
        statement, params = _select_by_keys(
            AttemptRow.__table__,
            ("member_id", "question_id", "local_date"),
            wanted,
            only=("member_id", "question_id", "local_date", "counted"),
        )
        rows = await self.session.execute(statement, params)
        return {(r.member_id, r.question_id, r.local_date) for r in rows if r.counted}

    async def accuracy_by_topic(self, member_id: int) -> list[TopicAccuracy]:
        correct = func.sum(case((AttemptRow.verdict == Verdict.CORRECT.value, 1), else_=0))
        rows = await self.session.execute(
            select(AttemptRow.topic, func.count(), correct)
            .where(AttemptRow.member_id == member_id, AttemptRow.counted.is_(True))
            .group_by(AttemptRow.topic)
            .order_by(AttemptRow.topic)
        )
        return [TopicAccuracy(t, int(n), int(c or 0)) for t, n, c in rows]

    async def progress(self, member_id: int) -> MemberProgress | None:
        row = await self.session.get(MemberTotalRow, member_id, populate_existing=True)
        if row is None:
            return None
        return MemberProgress(
            row.points,
            row.answers,
            row.correct,
            row.current_streak,
            row.longest_streak,
            row.last_active_on,
        )

    async def for_members(
        self, member_ids: Sequence[int], since: date | None, until: date | None
    ) -> list[AttemptSummary]:
        if not member_ids:
            return []
        conditions: list[Any] = [AttemptRow.member_id.in_(list(member_ids))]
        if since is not None:
            conditions.append(AttemptRow.local_date >= since)
        if until is not None:
            conditions.append(AttemptRow.local_date <= until)
        rows = await self.session.execute(
            select(AttemptRow).where(*conditions).order_by(AttemptRow.id)
        )
        return [
            AttemptSummary(
                a.member_id,
                a.question_id,
                a.topic,
                a.score,
                a.verdict,
                a.points,
                a.counted,
                a.local_date,
                a.created_at,
                a.answer,
            )
            for a in rows.scalars()
        ]


def next_streak(current: int, longest: int, last_active: date | None, day: date) -> tuple[int, int]:
    """The streak after a graded answer on local `day`."""
    if last_active is None or day > last_active + timedelta(days=1):
        current = 1
    elif day == last_active + timedelta(days=1):
        current += 1
    # Same day, or an older day arriving late: the streak stands.
    return current, max(longest, current)


_BOARD_COLUMNS = ("community_id", "scope", "scope_id", "period", "period_start")
# Rows per statement: well under SQLite's and asyncpg's 32,766 bound parameters.
_BULK_ROWS = 1000


async def _bulk_upsert(
    session: AsyncSession,
    table: str,
    columns: Sequence[str],
    conflict: Sequence[str],
    add: Sequence[str],
    rows: Sequence[Sequence[Any]],
    returning: Sequence[str] = (),
) -> list[Any]:
    """INSERT .. ON CONFLICT DO UPDATE SET col = col + excluded.col, as multi-row
    statements handed to the driver as they are.

    The board tables take a dozen rows per answer, and rendering and binding them through
    SQLAlchemy's insertmanyvalues costs more than SQLite takes to write them. Values must be
    ints, strings and dates (the board key columns and counters); SQLite stores dates as
    ISO text, as SQLAlchemy's Date type does, and hands them back the same way.
    """
    bind = session.bind
    dialect = bind.dialect if bind is not None else None
    sqlite_style = dialect is None or dialect.paramstyle == "qmark"
    width = len(columns)
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in add)
    tail = f" RETURNING {', '.join(returning)}" if returning else ""
    found: list[Any] = []
    for start in range(0, len(rows), _BULK_ROWS):
        chunk = rows[start : start + _BULK_ROWS]
        if sqlite_style:
            values = ", ".join(["(" + ", ".join("?" * width) + ")"] * len(chunk))
            params = tuple(v.isoformat() if type(v) is date else v for row in chunk for v in row)
        else:
            values = ", ".join(
                "(" + ", ".join(f"${n * width + i + 1}" for i in range(width)) + ")"
                for n in range(len(chunk))
            )
            params = tuple(v for row in chunk for v in row)
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "
            f"ON CONFLICT ({', '.join(conflict)}) DO UPDATE SET {sets}{tail}"
        )
        connection = await session.connection()
        result = await connection.exec_driver_sql(sql, params)
        if returning:
            found.extend(result.all())
    return found


async def upsert_board_rows(
    session: AsyncSession, cells: dict[BoardCell, list[int]], departed: set[int]
) -> None:
    """Add (points, answers, correct) to board rows keyed (community, scope, scope id,
    period, period start, member), creating the missing ones, and move each member to
    their new points bucket in the board's histogram. `departed` are the members among
    them who have left the community."""
    if not cells:
        return
    returned = await _bulk_upsert(
        session,
        "board_totals",
        (*_BOARD_COLUMNS, "member_id", "points", "answers", "correct"),
        (*_BOARD_COLUMNS, "member_id"),
        ("points", "answers", "correct"),
        [(*key, *cell) for key, cell in sorted(cells.items())],
        returning=(*_BOARD_COLUMNS, "member_id", "points", "answers"),
    )
    moves: dict[tuple[Any, ...], tuple[int, int]] = {}
    for community_id, scope, scope_id, period, start, member_id, points, answers in returned:
        if isinstance(start, str):
            start = date.fromisoformat(start)
        added_points, added_answers, _ = cells[
            (community_id, scope, scope_id, period, start, member_id)
        ]
        board = (community_id, scope, scope_id, period, start)
        away = int(member_id in departed)
        before = points - added_points
        if answers > added_answers:  # the member was on this board already
            if before == points:
                continue
            _add_move(moves, (*board, before), -1, -away)
        _add_move(moves, (*board, points), 1, away)
    await bump_histograms(session, moves)


def _add_move(
    moves: dict[tuple[Any, ...], tuple[int, int]], key: tuple[Any, ...], members: int, away: int
) -> None:
    had = moves.get(key, (0, 0))
    moves[key] = (had[0] + members, had[1] + away)


async def bump_histograms(
    session: AsyncSession, moves: dict[tuple[Any, ...], tuple[int, int]]
) -> None:
    """Add (members, departed) to histogram buckets keyed (community, scope, scope id,
    period, period start, points). Buckets are written in key order, so concurrent
    transactions take their row locks in one order."""
    rows = [
        (*key, members, away) for key, (members, away) in sorted(moves.items()) if members or away
    ]
    if rows:
        await _bulk_upsert(
            session,
            "board_point_counts",
            (*_BOARD_COLUMNS, "points", "members", "departed"),
            (*_BOARD_COLUMNS, "points"),
            ("members", "departed"),
            rows,
        )


async def remove_board_rows(session: AsyncSession, *conditions: Any) -> None:
    """Delete the board rows matching `conditions` and take them out of their histograms."""
    rows = await session.execute(
        select(*_BOARD_KEY, BoardTotalRow.points, MemberRow.left_at.is_not(None))
        .join(MemberRow, MemberRow.id == BoardTotalRow.member_id)
        .where(*conditions)
    )
    moves: dict[tuple[Any, ...], tuple[int, int]] = {}
    for *bucket, away in rows:
        _add_move(moves, tuple(bucket), -1, -int(bool(away)))
    await bump_histograms(session, moves)
    await session.execute(delete(BoardTotalRow).where(*conditions))


@functools.cache
def _board_statements(hide_departed: bool) -> tuple[Any, Any]:
    """The two board reads, built once with bound parameters: reading a board is on every
    /leaderboard, and building a statement costs more than SQLite takes to run it."""
    boards = BoardTotalRow.__table__.c
    members = MemberRow.__table__.c
    hist = BoardPointCountRow.__table__.c
    on_board = [
        boards.community_id == bindparam("community_id"),
        boards.scope == bindparam("scope"),
        boards.scope_id == bindparam("scope_id"),
        boards.period == bindparam("period"),
        boards.period_start == bindparam("period_start"),
    ]
    if hide_departed:
        on_board.append(members.left_at.is_(None))
    joined = BoardTotalRow.__table__.join(MemberRow.__table__, members.id == boards.member_id)
    top = (
        select(
            boards.member_id, members.display_name, boards.points, boards.answers, boards.correct
        )
        .select_from(joined)
        .where(*on_board)
        .order_by(boards.points.desc(), members.display_name, members.id)
        .limit(bindparam("limit"))
    )
    # A rank is one plus the members with more points: summed from the board's histogram,
    # one row per distinct points value, however many members the board has.
    counted = hist.members - hist.departed if hide_departed else hist.members
    ahead = (
        select(func.coalesce(func.sum(counted), 0))
        .where(
            hist.community_id == boards.community_id,
            hist.scope == boards.scope,
            hist.scope_id == boards.scope_id,
            hist.period == boards.period,
            hist.period_start == boards.period_start,
            hist.points > boards.points,
        )
        .scalar_subquery()
    )
    mine = (
        select(members.display_name, boards.points, boards.answers, boards.correct, ahead)
        .select_from(joined)
        .where(*on_board, boards.member_id == bindparam("member_id"))
    )
    return top, mine


def _board_params(board: BoardKey) -> dict[str, Any]:
    return {
        "community_id": board.community_id,
        "scope": board.scope.value,
        "scope_id": board.scope_id,
        "period": board.window.value,
        "period_start": board.period_start,
    }


class SqlLeaderboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def top(
        self, board: BoardKey, limit: int, hide_departed: bool = True
    ) -> list[LeaderboardRow]:
        statement, _ = _board_statements(hide_departed)
        rows = await self.session.execute(statement, {**_board_params(board), "limit": limit})
        result: list[LeaderboardRow] = []
        for position, (member_id, name, points, answers, correct) in enumerate(rows, start=1):
            rank = result[-1].rank if result and result[-1].points == points else position
            result.append(LeaderboardRow(rank, member_id, name, points, answers, correct))
        return result

    async def row_for(
        self, board: BoardKey, member_id: int, hide_departed: bool = True
    ) -> LeaderboardRow | None:
        """The member's row and rank, in one statement."""
        _, statement = _board_statements(hide_departed)
        found = (
            await self.session.execute(statement, {**_board_params(board), "member_id": member_id})
        ).first()
        if found is None:
            return None
        name, points, answers, correct, count = found
        return LeaderboardRow(int(count or 0) + 1, member_id, name, points, answers, correct)

    async def rebuild_cohort(self, cohort: Cohort) -> None:
        # Hold off answers from the cohort's members while its boards are recounted.
        roster = await self.session.execute(
            select(CohortMemberRow.member_id).where(CohortMemberRow.cohort_id == cohort.id)
        )
        await lock_members_by_id(self.session, list(roster.scalars()))
        board = (
            BoardTotalRow.community_id == cohort.community_id,
            BoardTotalRow.scope == LeaderboardScope.COHORT.value,
            BoardTotalRow.scope_id == cohort.id,
        )
        await self.session.execute(delete(BoardTotalRow).where(*board))
        conditions = [
            CohortMemberRow.cohort_id == cohort.id,
            AttemptRow.community_id == cohort.community_id,
            AttemptRow.counted.is_(True),
        ]
        if cohort.starts_on is not None:
            conditions.append(AttemptRow.local_date >= cohort.starts_on)
        if cohort.ends_on is not None:
            conditions.append(AttemptRow.local_date <= cohort.ends_on)
        attempts = await self.session.execute(
            select(
                AttemptRow.member_id, AttemptRow.local_date, AttemptRow.points, AttemptRow.verdict
            )
            .join(CohortMemberRow, CohortMemberRow.member_id == AttemptRow.member_id)
            .where(*conditions)
        )
        totals: dict[tuple[str, date, int], list[int]] = {}
        for member_id, local_date, points, verdict in attempts:
            for window in LeaderboardWindow:
                key = (window.value, window.start(local_date), member_id)
                cell = totals.setdefault(key, [0, 0, 0])
                cell[0] += points
                cell[1] += 1
                cell[2] += verdict == Verdict.CORRECT.value
        rows = [
            {
                "community_id": cohort.community_id,
                "scope": LeaderboardScope.COHORT.value,
                "scope_id": cohort.id,
                "period": period,
                "period_start": start,
                "member_id": member_id,
                "points": p,
                "answers": a,
                "correct": c,
            }
            for (period, start, member_id), (p, a, c) in sorted(totals.items())
        ]
        if rows:
            await self.session.execute(insert_for(self.session, BoardTotalRow.__table__), rows)
        # The cohort's histograms, recounted from the rows just written.
        hist = BoardPointCountRow
        await self.session.execute(
            delete(hist).where(
                hist.community_id == cohort.community_id,
                hist.scope == LeaderboardScope.COHORT.value,
                hist.scope_id == cohort.id,
            )
        )
        away = func.sum(case((MemberRow.left_at.is_(None), 0), else_=1))
        await self.session.execute(
            insert_for(self.session, hist.__table__).from_select(
                [
                    "community_id",
                    "scope",
                    "scope_id",
                    "period",
                    "period_start",
                    "points",
                    "members",
                    "departed",
                ],
                select(*_BOARD_KEY, BoardTotalRow.points, func.count(), away)
                .join(MemberRow, MemberRow.id == BoardTotalRow.member_id)
                .where(*board)
                .group_by(*_BOARD_KEY, BoardTotalRow.points),
            )
        )


class SqlCohortRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def create(self, cohort: Cohort, now: datetime) -> Cohort:
        row = CohortRow(
            community_id=cohort.community_id,
            name=cohort.name,
            starts_on=cohort.starts_on,
            ends_on=cohort.ends_on,
            owner_id=cohort.owner_id,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _cohort(row)

    async def by_name(self, community_id: int, name: str) -> Cohort | None:
        row = (
            await self.session.execute(
                select(CohortRow).where(
                    CohortRow.community_id == community_id,
                    func.lower(CohortRow.name) == name.casefold(),
                )
            )
        ).scalar_one_or_none()
        return _cohort(row) if row else None

    async def in_community(self, community_id: int) -> list[Cohort]:
        rows = await self.session.execute(
            select(CohortRow).where(CohortRow.community_id == community_id).order_by(CohortRow.name)
        )
        return [_cohort(r) for r in rows.scalars()]

    async def update(self, cohort: Cohort) -> None:
        await self.session.execute(
            update(CohortRow)
            .where(CohortRow.id == cohort.id, CohortRow.community_id == cohort.community_id)
            .values(
                name=cohort.name,
                starts_on=cohort.starts_on,
                ends_on=cohort.ends_on,
                owner_id=cohort.owner_id,
            )
        )

    async def delete(self, cohort_id: int) -> None:
        roster = await self.session.execute(
            select(CohortMemberRow.member_id).where(CohortMemberRow.cohort_id == cohort_id)
        )
        await lock_members_by_id(self.session, list(roster.scalars()))
        for table in (BoardTotalRow, BoardPointCountRow):
            await self.session.execute(
                delete(table).where(
                    table.scope == LeaderboardScope.COHORT.value, table.scope_id == cohort_id
                )
            )
        await self.session.execute(delete(CohortRow).where(CohortRow.id == cohort_id))

    async def add_member(self, cohort_id: int, member_id: int, now: datetime) -> bool:
        result = await self.session.execute(
            insert_for(self.session, CohortMemberRow.__table__)
            .values(cohort_id=cohort_id, member_id=member_id, joined_at=now)
            .on_conflict_do_nothing(index_elements=["cohort_id", "member_id"])
        )
        return bool(getattr(result, "rowcount", 0))

    async def remove_member(self, cohort_id: int, member_id: int) -> bool:
        await lock_members_by_id(self.session, [member_id])
        result = await self.session.execute(
            delete(CohortMemberRow).where(
                CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.member_id == member_id
            )
        )
        await remove_board_rows(
            self.session,
            BoardTotalRow.scope == LeaderboardScope.COHORT.value,
            BoardTotalRow.scope_id == cohort_id,
            BoardTotalRow.member_id == member_id,
        )
        return bool(getattr(result, "rowcount", 0))

    async def member_ids(self, cohort_id: int) -> list[int]:
        rows = await self.session.execute(
            select(CohortMemberRow.member_id).where(CohortMemberRow.cohort_id == cohort_id)
        )
        return sorted(rows.scalars())

    async def of_member(self, member_id: int) -> list[Cohort]:
        rows = await self.session.execute(
            select(CohortRow)
            .join(CohortMemberRow, CohortMemberRow.cohort_id == CohortRow.id)
            .where(CohortMemberRow.member_id == member_id)
            .order_by(CohortRow.name)
        )
        return [_cohort(r) for r in rows.scalars()]

    async def bind_channel(self, cohort_id: int, channel_id: int) -> None:
        await self.session.execute(
            insert_for(self.session, CohortChannelRow.__table__)
            .values(cohort_id=cohort_id, channel_id=channel_id)
            .on_conflict_do_nothing(index_elements=["cohort_id", "channel_id"])
        )

    async def channel_ids(self, cohort_id: int) -> list[int]:
        rows = await self.session.execute(
            select(CohortChannelRow.channel_id).where(CohortChannelRow.cohort_id == cohort_id)
        )
        return sorted(rows.scalars())


def _cohort(row: CohortRow) -> Cohort:
    return Cohort(row.id, row.community_id, row.name, row.starts_on, row.ends_on, row.owner_id)


class SqlPendingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, pending: PendingQuestion) -> None:
        insert = insert_for(self.session, PendingQuestionRow.__table__).values(
            member_id=pending.member_id,
            question_id=pending.question_id,
            channel_id=pending.channel_id,
            level=pending.level,
            context=pending.context,
            asked_at=pending.asked_at,
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["member_id"],
                set_={
                    "question_id": insert.excluded.question_id,
                    "channel_id": insert.excluded.channel_id,
                    "level": insert.excluded.level,
                    "context": insert.excluded.context,
                    "asked_at": insert.excluded.asked_at,
                },
            )
        )

    async def get(self, member_id: int) -> PendingQuestion | None:
        row = await self.session.get(PendingQuestionRow, member_id)
        if row is None:
            return None
        return PendingQuestion(
            row.member_id, row.question_id, row.asked_at, row.channel_id, row.level, row.context
        )

    async def get_many(self, member_ids: Sequence[int]) -> dict[int, PendingQuestion]:
        if not member_ids:
            return {}
        table = PendingQuestionRow.__table__
        rows = await self.session.execute(
            select(
                table.c.member_id,
                table.c.question_id,
                table.c.asked_at,
                table.c.channel_id,
                table.c.level,
                table.c.context,
            ).where(table.c.member_id.in_(sorted(set(member_ids))))
        )
        return {row[0]: PendingQuestion(*row) for row in rows}

    async def clear(self, member_id: int) -> bool:
        result = await self.session.execute(
            delete(PendingQuestionRow).where(PendingQuestionRow.member_id == member_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def clear_many(self, member_ids: Sequence[int]) -> None:
        if member_ids:
            await self.session.execute(
                delete(PendingQuestionRow).where(
                    PendingQuestionRow.member_id.in_(sorted(set(member_ids)))
                )
            )

    async def note_skip(self, member_id: int, question_id: str, at: datetime) -> None:
        insert = insert_for(self.session, SkippedQuestionRow.__table__).values(
            member_id=member_id, question_id=question_id, skipped_at=at
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["member_id"],
                set_={
                    "question_id": insert.excluded.question_id,
                    "skipped_at": insert.excluded.skipped_at,
                },
            )
        )

    async def last_skip(self, member_id: int) -> tuple[str, datetime] | None:
        row = await self.session.get(SkippedQuestionRow, member_id, populate_existing=True)
        return (row.question_id, row.skipped_at) if row else None


class SqlSeenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark(self, member_id: int, question_id: str, now: datetime) -> None:
        insert = insert_for(self.session, SeenQuestionRow.__table__).values(
            member_id=member_id, question_id=question_id, seen_at=now
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["member_id", "question_id"], set_={"seen_at": now}
            )
        )

    async def seen(self, member_id: int) -> set[str]:
        rows = await self.session.execute(
            select(SeenQuestionRow.question_id).where(SeenQuestionRow.member_id == member_id)
        )
        return set(rows.scalars())

    async def forget(self, member_id: int, question_ids: Sequence[str]) -> None:
        if question_ids:
            await self.session.execute(
                delete(SeenQuestionRow).where(
                    SeenQuestionRow.member_id == member_id,
                    SeenQuestionRow.question_id.in_(list(question_ids)),
                )
            )


# -- question of the day -------------------------------------------------------------------


def _days_text(days: Sequence[int]) -> str:
    return ",".join(str(d) for d in sorted(set(days)))


def _subscription(
    row: QotdSubscriptionRow, platform: str, channel: str, community: str = ""
) -> Subscription:
    hour, minute = (int(part) for part in row.post_time.split(":"))
    settings = QotdSettings(
        post_time=time(hour, minute),
        timezone=row.timezone,
        days=tuple(int(d) for d in row.days.split(",") if d),
        topics=tuple(t for t in row.topics.split(",") if t),
        levels=tuple(lv for lv in row.levels.split(",") if lv),
        reveal_minutes=row.reveal_minutes,
        digest_day=row.digest_day,
        show_best=row.show_best,
        notify_channel=row.notify_channel,
        cohort_id=row.cohort_id,
    )
    return Subscription(
        id=row.id,
        community_id=row.community_id,
        channel_id=row.channel_id,
        platform=platform,
        channel=channel,
        settings=settings,
        active_since=row.active_since,
        paused=row.paused,
        paused_reason=row.paused_reason,
        community=community,
    )


class SqlSubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _select(self) -> Any:
        return (
            select(
                QotdSubscriptionRow,
                CommunityRow.platform,
                ChannelRow.external_id,
                CommunityRow.external_id,
            )
            .join(ChannelRow, ChannelRow.id == QotdSubscriptionRow.channel_id)
            .join(CommunityRow, CommunityRow.id == QotdSubscriptionRow.community_id)
            .execution_options(populate_existing=True)
        )

    async def upsert(
        self, community_id: int, channel_id: int, settings: QotdSettings, now: datetime
    ) -> Subscription:
        values: dict[str, Any] = {
            "post_time": settings.post_time.strftime("%H:%M"),
            "timezone": settings.timezone,
            "days": _days_text(settings.days),
            "topics": ",".join(settings.topics),
            "levels": ",".join(settings.levels),
            "reveal_minutes": settings.reveal_minutes,
            "digest_day": settings.digest_day,
            "show_best": settings.show_best,
            "notify_channel": settings.notify_channel,
            "cohort_id": settings.cohort_id,
            "paused": False,
            "paused_reason": None,
            "active_since": now,
            "updated_at": now,
        }
        insert = insert_for(self.session, QotdSubscriptionRow.__table__).values(
            community_id=community_id, channel_id=channel_id, **values
        )
        await self.session.execute(
            insert.on_conflict_do_update(index_elements=["channel_id"], set_=values)
        )
        found = await self.for_channel(channel_id)
        assert found is not None
        return found

    async def for_channel(self, channel_id: int) -> Subscription | None:
        found = (
            await self.session.execute(
                self._select().where(QotdSubscriptionRow.channel_id == channel_id)
            )
        ).first()
        return _subscription(*found) if found else None

    async def active(self) -> list[Subscription]:
        rows = await self.session.execute(
            self._select()
            .where(QotdSubscriptionRow.paused.is_(False))
            .order_by(QotdSubscriptionRow.id)
        )
        return [_subscription(*found) for found in rows]

    async def set_paused(
        self, subscription_id: int, paused: bool, reason: str | None, now: datetime
    ) -> None:
        values: dict[str, Any] = {"paused": paused, "paused_reason": reason, "updated_at": now}
        if not paused:
            # Slots that passed while paused are not posted late after a resume.
            values["active_since"] = now
        await self.session.execute(
            update(QotdSubscriptionRow)
            .where(QotdSubscriptionRow.id == subscription_id)
            .values(**values)
        )


def _post(row: QotdPostRow) -> QotdPost:
    return QotdPost(
        id=row.id,
        subscription_id=row.subscription_id,
        community_id=row.community_id,
        channel_id=row.channel_id,
        kind=row.kind,
        local_date=row.local_date,
        slot_at=row.slot_at,
        status=row.status,
        claimed_at=row.claimed_at,
        attempts=row.attempts,
        question_id=row.question_id,
        posted_at=row.posted_at,
        message_id=row.message_id,
        reveal_at=row.reveal_at,
        reveal_status=row.reveal_status,
        reveal_attempts=row.reveal_attempts,
        revealed_at=row.revealed_at,
        thread_id=row.thread_id,
        error=row.error,
    )


def _answer(row: QotdAnswerRow, display_name: str) -> QotdAnswer:
    return QotdAnswer(
        post_id=row.post_id,
        member_id=row.member_id,
        display_name=display_name,
        answer=row.answer,
        score=row.score,
        verdict=row.verdict,
        points=row.points,
        grade=dict(row.grade),
        created_at=row.created_at,
    )


class SqlQotdRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _load(self, post_id: int) -> QotdPost:
        row = (
            await self.session.execute(
                select(QotdPostRow)
                .where(QotdPostRow.id == post_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        return _post(row)

    async def claim(
        self, post: NewQotdPost, retry_before: datetime, max_attempts: int
    ) -> QotdPost | None:
        # INSERT .. ON CONFLICT DO NOTHING is atomic on both databases: of several
        # processes claiming the same slot, exactly one gets a row id back.
        insert = (
            insert_for(self.session, QotdPostRow.__table__)
            .values(
                subscription_id=post.subscription_id,
                community_id=post.community_id,
                channel_id=post.channel_id,
                kind=post.kind,
                local_date=post.local_date,
                slot_at=post.slot_at,
                status=post.status,
                attempts=1,
                claimed_at=post.claimed_at,
                question_id=post.question_id,
                reveal_status="none",
                reveal_attempts=0,
                error=post.error,
            )
            .on_conflict_do_nothing(index_elements=["subscription_id", "local_date", "kind"])
            .returning(QotdPostRow.__table__.c.id)
        )
        post_id = (await self.session.execute(insert)).scalar_one_or_none()
        if post_id is None:
            # A compare-and-set on the row's state: only one process can win it too.
            takeover = (
                update(QotdPostRow)
                .where(
                    QotdPostRow.subscription_id == post.subscription_id,
                    QotdPostRow.local_date == post.local_date,
                    QotdPostRow.kind == post.kind,
                    QotdPostRow.attempts < max_attempts,
                    or_(
                        QotdPostRow.status == "failed",
                        and_(
                            QotdPostRow.status == "claimed",
                            QotdPostRow.claimed_at < retry_before,
                        ),
                    ),
                )
                .values(
                    status=post.status,
                    claimed_at=post.claimed_at,
                    attempts=QotdPostRow.attempts + 1,
                    question_id=post.question_id,
                    error=post.error,
                )
                .returning(QotdPostRow.__table__.c.id)
            )
            post_id = (await self.session.execute(takeover)).scalar_one_or_none()
        if post_id is None:
            return None
        return await self._load(post_id)

    async def since(self, local_date: date) -> list[QotdPost]:
        rows = await self.session.execute(
            select(QotdPostRow)
            .where(QotdPostRow.local_date >= local_date)
            .execution_options(populate_existing=True)
        )
        return [_post(row) for row in rows.scalars()]

    async def get(self, post_id: int) -> QotdPost | None:
        row = (
            await self.session.execute(
                select(QotdPostRow)
                .where(QotdPostRow.id == post_id)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _post(row) if row else None

    async def update(self, post_id: int, **values: Any) -> None:
        await self.session.execute(
            update(QotdPostRow).where(QotdPostRow.id == post_id).values(**values)
        )

    async def posted_questions(self, channel_id: int) -> list[str]:
        rows = await self.session.execute(
            select(QotdPostRow.question_id).where(
                QotdPostRow.channel_id == channel_id,
                QotdPostRow.kind == "question",
                QotdPostRow.status.in_(("posted", "claimed")),
                QotdPostRow.question_id.is_not(None),
            )
        )
        return [qid for qid in rows.scalars() if qid]

    async def open_in_channel(self, channel_id: int, now: datetime) -> QotdPost | None:
        row = (
            await self.session.execute(
                select(QotdPostRow)
                .where(
                    QotdPostRow.channel_id == channel_id,
                    QotdPostRow.kind == "question",
                    QotdPostRow.status == "posted",
                    QotdPostRow.reveal_status == "pending",
                    QotdPostRow.reveal_at > now,
                )
                .order_by(QotdPostRow.posted_at.desc(), QotdPostRow.id.desc())
                .limit(1)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _post(row) if row else None

    async def recent(self, subscription_id: int, limit: int) -> list[QotdPost]:
        rows = await self.session.execute(
            select(QotdPostRow)
            .where(QotdPostRow.subscription_id == subscription_id)
            .order_by(QotdPostRow.local_date.desc(), QotdPostRow.id.desc())
            .limit(limit)
            .execution_options(populate_existing=True)
        )
        return [_post(row) for row in rows.scalars()]

    async def due_reveals(self, now: datetime, retry_before: datetime) -> list[QotdPost]:
        rows = await self.session.execute(
            select(QotdPostRow)
            .where(
                QotdPostRow.kind == "question",
                QotdPostRow.status == "posted",
                QotdPostRow.reveal_at <= now,
                or_(
                    QotdPostRow.reveal_status.in_(("pending", "failed")),
                    and_(
                        QotdPostRow.reveal_status == "claimed",
                        QotdPostRow.reveal_claimed_at < retry_before,
                    ),
                ),
            )
            .order_by(QotdPostRow.reveal_at)
            .execution_options(populate_existing=True)
        )
        return [_post(row) for row in rows.scalars()]

    async def claim_reveal(
        self, post_id: int, now: datetime, retry_before: datetime, max_attempts: int
    ) -> bool:
        result = await self.session.execute(
            update(QotdPostRow)
            .where(
                QotdPostRow.id == post_id,
                QotdPostRow.reveal_attempts < max_attempts,
                or_(
                    QotdPostRow.reveal_status.in_(("pending", "failed")),
                    and_(
                        QotdPostRow.reveal_status == "claimed",
                        QotdPostRow.reveal_claimed_at < retry_before,
                    ),
                ),
            )
            .values(
                reveal_status="claimed",
                reveal_claimed_at=now,
                reveal_attempts=QotdPostRow.reveal_attempts + 1,
            )
            .returning(QotdPostRow.__table__.c.id)
        )
        return result.scalar_one_or_none() is not None

    async def add_answer(self, answer: QotdAnswer) -> bool:
        insert = (
            insert_for(self.session, QotdAnswerRow.__table__)
            .values(
                post_id=answer.post_id,
                member_id=answer.member_id,
                answer=answer.answer,
                score=answer.score,
                verdict=answer.verdict,
                points=answer.points,
                grade=answer.grade,
                created_at=answer.created_at,
            )
            .on_conflict_do_nothing(index_elements=["post_id", "member_id"])
            .returning(QotdAnswerRow.__table__.c.id)
        )
        return (await self.session.execute(insert)).scalar_one_or_none() is not None

    async def answer_for(self, post_id: int, member_id: int) -> QotdAnswer | None:
        found = (
            await self.session.execute(
                select(QotdAnswerRow, MemberRow.display_name)
                .join(MemberRow, MemberRow.id == QotdAnswerRow.member_id)
                .where(QotdAnswerRow.post_id == post_id, QotdAnswerRow.member_id == member_id)
            )
        ).first()
        return _answer(*found) if found else None

    async def answers(self, post_id: int) -> list[QotdAnswer]:
        rows = await self.session.execute(
            select(QotdAnswerRow, MemberRow.display_name)
            .join(MemberRow, MemberRow.id == QotdAnswerRow.member_id)
            .where(QotdAnswerRow.post_id == post_id)
            .order_by(QotdAnswerRow.score.desc(), QotdAnswerRow.created_at, QotdAnswerRow.id)
        )
        return [_answer(row, name) for row, name in rows]


# -- spaced-repetition practice -----------------------------------------------------------


def _card(row: Any) -> PracticeCard:
    return PracticeCard(
        member_id=row.member_id,
        question_id=row.question_id,
        community_id=row.community_id,
        card=dict(row.card),
        due=row.due,
        state=row.state,
        last_review=row.last_review,
        attempt_id=row.attempt_id,
        before=dict(row.before) if row.before else None,
        rating=row.rating,
        self_rated=row.self_rated,
    )


class SqlCardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int, question_id: str) -> PracticeCard | None:
        row = await self.session.get(
            PracticeCardRow, (member_id, question_id), populate_existing=True
        )
        return _card(row) if row else None

    async def get_many(
        self, keys: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], PracticeCard]:
        wanted = set(keys)
        if not wanted:
            return {}
        statement, params = _select_by_keys(
            PracticeCardRow.__table__, ("member_id", "question_id"), wanted
        )
        rows = await self.session.execute(statement, params)
        cards = (_card(row) for row in rows)
        return {(card.member_id, card.question_id): card for card in cards}

    async def put(self, card: PracticeCard) -> None:
        await self.put_many([card])

    async def put_many(self, cards: Sequence[PracticeCard]) -> None:
        if not cards:
            return
        table = PracticeCardRow.__table__
        rows = [
            {
                "member_id": card.member_id,
                "question_id": card.question_id,
                "community_id": card.community_id,
                "due": card.due,
                "state": card.state,
                "last_review": card.last_review,
                "card": card.card,
                "attempt_id": card.attempt_id,
                "before": card.before,
                "rating": card.rating,
                "self_rated": card.self_rated,
            }
            for card in sorted(cards, key=lambda c: (c.member_id, c.question_id))
        ]
        insert = insert_for(self.session, table)
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["member_id", "question_id"],
                set_={
                    name: insert.excluded[name]
                    for name in rows[0]
                    if name not in ("member_id", "question_id")
                },
            ),
            rows,
        )

    def _active(self, member_id: int) -> Any:
        return (
            select(PracticeCardRow)
            .join(QuestionRow, QuestionRow.id == PracticeCardRow.question_id)
            .where(PracticeCardRow.member_id == member_id, QuestionRow.active.is_(True))
            .execution_options(populate_existing=True)
        )

    async def for_member(
        self, member_id: int, topic: str | None = None, due_by: datetime | None = None
    ) -> list[PracticeCard]:
        stmt = self._active(member_id)
        if topic is not None:
            stmt = stmt.where(QuestionRow.topic == topic)
        if due_by is not None:
            stmt = stmt.where(PracticeCardRow.due <= due_by)
        rows = await self.session.execute(
            stmt.order_by(PracticeCardRow.due, PracticeCardRow.question_id)
        )
        return [_card(row) for row in rows.scalars()]

    async def count_due(self, member_id: int, before: datetime) -> int:
        found = await self.session.execute(
            select(func.count())
            .select_from(PracticeCardRow)
            .join(QuestionRow, QuestionRow.id == PracticeCardRow.question_id)
            .where(
                PracticeCardRow.member_id == member_id,
                QuestionRow.active.is_(True),
                PracticeCardRow.due < before,
            )
        )
        return int(found.scalar_one())

    async def reviewed_by(self, member_id: int, attempt_id: int | None) -> PracticeCard | None:
        stmt = select(PracticeCardRow).where(
            PracticeCardRow.member_id == member_id, PracticeCardRow.attempt_id.is_not(None)
        )
        if attempt_id is not None:
            stmt = stmt.where(PracticeCardRow.attempt_id == attempt_id)
        row = (
            await self.session.execute(
                stmt.order_by(PracticeCardRow.attempt_id.desc())
                .limit(1)
                .execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()
        return _card(row) if row else None
