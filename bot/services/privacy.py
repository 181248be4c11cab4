"""A member's own data: see it, delete it; an admin can delete a member's data."""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.domain import Role
from bot.ports import AttemptSummary, Clock, Interview, PendingQuestion, UnitOfWorkFactory
from bot.services.context import Caller, Resolved, resolve
from bot.services.roles import PermissionDenied, community_role, require
from bot.views import Button, Field, Reply, error

CONFIRM = "confirm"
RECENT = 5


def plural(count: int, noun: str) -> str:
    """`1 answer`, `2 answers`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class PrivacyService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def my_data(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """Everything prepbot keeps about the caller: a summary with the latest answers,
        or with `export` all of it as a JSON attachment."""
        wanted = args[0].casefold() if args else ""
        if wanted not in ("", "export"):
            return error("Usage: /my-data, or /my-data export for everything as a JSON file.")
        async with self.uow() as uow:
            who = await resolve(uow, caller, self.clock.now())
            attempts = await uow.attempts.for_members([who.member.id], None, None)
            cohorts = await uow.cohorts.of_member(who.member.id)
            pending = await uow.pending.get(who.member.id)
            cards = await uow.cards.for_member(who.member.id)
            interviews = await uow.interviews.history(who.member.id)
            ongoing = await uow.interviews.active(who.member.id)
        if wanted == "export":
            return self._export(
                who, attempts, [c.name for c in cohorts], pending, len(cards), interviews
            )
        recent = attempts[-RECENT:]
        count = len(attempts)
        fields = [
            Field(
                "Stored",
                f"your display name, {plural(count, 'graded answer')} "
                + ("with its text" if count == 1 else "with their text"),
            ),
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
        shown = (
            f"Your latest {len(recent)} of {count} answers are below."
            if count > len(recent)
            else ""
        )
        return Reply(
            text=f"What prepbot keeps about {who.member.display_name} in this community."
            + (f" {shown}" if shown else ""),
            title="Your data",
            fields=tuple(fields),
            buttons=(Button("Export all (JSON)", "my-data:export"),),
            footer="/my-data export hands over all of it as a JSON file; /forget-me deletes it.",
        )

    def _export(
        self,
        who: Resolved,
        attempts: Sequence[AttemptSummary],
        cohorts: Sequence[str],
        pending: PendingQuestion | None,
        cards: int,
        interviews: Sequence[Interview],
    ) -> Reply:
        data = {
            "exported_at": self.clock.now().isoformat(),
            "community": {"platform": who.community.platform, "name": who.community.name},
            "member": {"id": who.member.external_id, "display_name": who.member.display_name},
            "cohorts": list(cohorts),
            "waiting_question": pending.question_id if pending else None,
            "practice_cards": cards,
            "answers": [
                {
                    "question_id": a.question_id,
                    "topic": a.topic,
                    "local_date": a.local_date.isoformat(),
                    "answered_at": a.created_at.isoformat(),
                    "answer": a.answer,
                    "score": a.score,
                    "verdict": a.verdict,
                    "points": a.points,
                    "counted": a.counted,
                }
                for a in attempts
            ],
            "interviews": [
                {
                    "level": i.level,
                    "track": i.track,
                    "length": i.length,
                    "status": i.status,
                    "started_at": i.started_at.isoformat(),
                    "finished_at": i.finished_at.isoformat() if i.finished_at else None,
                    "readout": i.readout,
                    "scorecard": i.scorecard,
                }
                for i in interviews
            ],
        }
        text = json.dumps(data, ensure_ascii=False, indent=2)
        return Reply(
            text=f"All your data here: {plural(len(attempts), 'answer')} and everything else "
            "prepbot keeps about you, as JSON.",
            title="Your data",
            attachment=(f"prepbot-my-data-{who.member.id}.json", text + "\n"),
        )

    async def forget_me(self, caller: Caller, args: Sequence[str] = ()) -> Reply:
        """Delete the caller's data after an explicit confirmation."""
        if not args or args[0].casefold() != CONFIRM:
            return Reply(
                text=(
                    "This deletes every answer, point, streak and cohort membership of yours in "
                    "this community, from every board at once. It cannot be undone. "
                    "Type yes (or /forget-me confirm) to go ahead."
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
                    f"Type /forget-member {target_name} confirm (or yes) to go ahead.",
                    title="Delete a member's data?",
                    buttons=(
                        Button(
                            "Delete their data", f"forget-member:{target_name}:confirm", "danger"
                        ),
                    ),
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
