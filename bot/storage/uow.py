"""The SQLAlchemy unit of work: one session, one transaction, every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.storage.interviews import SqlInterviewRepository
from bot.storage.repositories import (
    SqlAttemptRepository,
    SqlCardRepository,
    SqlChannelRepository,
    SqlCohortRepository,
    SqlCommunityRepository,
    SqlLeaderboardRepository,
    SqlMemberRepository,
    SqlPendingRepository,
    SqlQotdRepository,
    SqlQuestionRepository,
    SqlSeenRepository,
    SqlSubscriptionRepository,
)


class SqlAlchemyUnitOfWork:
    """`async with uow:` opens a transaction; it commits when the block ends without an
    exception and rolls back otherwise."""

    # Repositories, bound to this unit of work's session on entry.
    communities: SqlCommunityRepository
    channels: SqlChannelRepository
    members: SqlMemberRepository
    questions: SqlQuestionRepository
    attempts: SqlAttemptRepository
    leaderboard: SqlLeaderboardRepository
    cohorts: SqlCohortRepository
    pending: SqlPendingRepository
    seen: SqlSeenRepository
    subscriptions: SqlSubscriptionRepository
    qotd: SqlQotdRepository
    cards: SqlCardRepository
    interviews: SqlInterviewRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._sessions()
        self._session = session
        self.communities = SqlCommunityRepository(session)
        self.channels = SqlChannelRepository(session)
        self.members = SqlMemberRepository(session)
        self.questions = SqlQuestionRepository(session)
        self.attempts = SqlAttemptRepository(session)
        self.leaderboard = SqlLeaderboardRepository(session)
        self.cohorts = SqlCohortRepository(session)
        self.pending = SqlPendingRepository(session)
        self.seen = SqlSeenRepository(session)
        self.subscriptions = SqlSubscriptionRepository(session)
        self.qotd = SqlQotdRepository(session)
        self.cards = SqlCardRepository(session)
        self.interviews = SqlInterviewRepository(session)
        await session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        assert session is not None
        try:
            if exc_type is None:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()
            self._session = None


class SqlAlchemyUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autobegin=False)

    def __call__(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._sessions)
