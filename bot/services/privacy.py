"""A member's own data: see it, delete it; an admin can delete a member's data."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Role
from bot.ports import Clock, UnitOfWorkFactory
from bot.services.context import Caller, resolve
from bot.services.roles import PermissionDenied, community_role, require
from bot.views import Button, Field, Reply, error

CONFIRM = "confirm"


class PrivacyService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def my_data(self, caller: Caller) -> Reply:
        """Everything prepbot keeps about the caller, summarised."""
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            attempts = await uow.attempts.for_members([who.member.id], None, None)
            cohorts = await uow.cohorts.of_member(who.member.id)
            pending = await uow.pending.get(who.member.id)
            interviews = await uow.interviews.history(who.member.id)
            ongoing = await uow.interviews.active(who.member.id)
        recent = attempts[-5:]
        fields = [
            Field("Stored", f"your display name, {len(attempts)} graded answers with their text"),
            Field("Cohorts", ", ".join(c.name for c in cohorts) or "none"),
            Field("Waiting question", pending.question_id if pending else "none"),
            Field(
                "Mock interviews",
                f"{len(interviews)} finished with their answers and scorecards"
                + ("; one in progress" if ongoing else ""),
            ),
        ]
        for attempt in reversed(recent):
            fields.append(
                Field(
                    f"{attempt.local_date} · {attempt.question_id}",
                    f"{attempt.score}/100: {attempt.answer[:120]}",
                )
            )
        return Reply(
            text=f"What prepbot keeps about {who.member.display_name} in this community.",
            title="Your data",
            fields=tuple(fields),
            footer="/forget-me deletes all of it.",
        )

    async def forget_me(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """Delete the caller's data after an explicit confirmation."""
        if not args or args[0].casefold() != CONFIRM:
            return Reply(
                text=(
                    "This deletes every answer, point, streak and cohort membership of yours in "
                    "this community, from every board at once. It cannot be undone. "
                    "Type /forget-me confirm to go ahead."
                ),
                title="Delete your data?",
                buttons=(Button("Delete my data", "forget-me:confirm", "danger"),),
            )
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            await uow.members.delete(who.member.id)
        return Reply(text="Done: your data in this community is deleted.")

    async def forget_member(self, caller: Caller, args: Sequence[str]) -> Reply:
        """Admin: delete another member's data (`/forget-member NAME confirm`)."""
        if not args:
            return error("Usage: /forget-member MEMBER confirm")
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            try:
                require(community_role(caller, who.member), Role.ADMIN, "delete a member's data")
            except PermissionDenied as exc:
                return error(str(exc))
            target_name = args[0].lstrip("@")
            target = await uow.members.find(
                who.community.id, target_name
            ) or await uow.members.find(who.community.id, target_name.casefold())
            if target is None:
                return error(f"I don't know a member `{target_name[:40]}` here.")
            if len(args) < 2 or args[1].casefold() != CONFIRM:
                return Reply(
                    text=f"This deletes all of {target.display_name}'s data here. "
                    f"Type /forget-member {target_name} confirm to go ahead.",
                    title="Delete a member's data?",
                )
            await uow.members.delete(target.id)
        return Reply(text=f"Deleted {target.display_name}'s data.")

    async def member_left(self, platform: str, community_id: str, member_id: str) -> None:
        """Adapters call this on a platform leave event: boards hide departed members."""
        async with self.uow() as uow:
            community = await uow.communities.find(platform, community_id)
            if community is None:
                return
            member = await uow.members.find(community.id, member_id)
            if member is not None:
                await uow.members.set_left(member.id, self.clock.now())

    async def member_returned(self, platform: str, community_id: str, member_id: str) -> None:
        async with self.uow() as uow:
            community = await uow.communities.find(platform, community_id)
            if community is None:
                return
            member = await uow.members.find(community.id, member_id)
            if member is not None:
                await uow.members.set_left(member.id, None)
