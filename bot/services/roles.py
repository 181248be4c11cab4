"""Roles in the core. Adapters only say whether the platform considers the caller an admin
(`Caller.is_admin`); everything else is decided here."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Cohort, Member, Role
from bot.services.context import Caller


class PermissionDenied(Exception):
    """Raised by a service when the caller's role is too low; its message is for the user."""


def community_role(caller: Caller, member: Member, cohorts: Sequence[Cohort] = ()) -> Role:
    if caller.is_admin:
        return Role.ADMIN
    if any(c.owner_id == member.id for c in cohorts):
        return Role.INSTRUCTOR
    return Role.MEMBER


def cohort_role(caller: Caller, member: Member, cohort: Cohort) -> Role:
    if caller.is_admin:
        return Role.ADMIN
    if cohort.owner_id == member.id:
        return Role.INSTRUCTOR
    return Role.MEMBER


def require(role: Role, needed: Role, action: str) -> None:
    if role < needed:
        who = {Role.ADMIN: "an admin", Role.INSTRUCTOR: "the cohort's instructor or an admin"}
        raise PermissionDenied(f"Only {who.get(needed, 'a member')} can {action}.")
