"""The admin's users page: who has an account, and what role each one plays."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import case, func, select

from blog.auth.permissions import can_manage_site
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import STAFF_ROLES, Role, User


@dataclass
class UsersPage:
    users: list[User]
    counts: dict[str, int]
    role: str
    page: int
    pages: int


def users_page(*, role: str = "", page: int = 1, per_page: int = 50) -> UsersPage:
    """Users (staff first, then by name), optionally of one role; two queries."""
    counts = {r.value: 0 for r in Role}
    for user_role, n in db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)):
        counts[Role(user_role).value] = n
    counts["all"] = sum(counts.values())
    if role not in counts:
        role = "all"
    pages = max(1, math.ceil(counts[role] / per_page))
    page = min(max(1, page), pages)
    rank = {r: i for i, r in enumerate(Role)}
    query = select(User).order_by(case(rank, value=User.role), func.lower(User.name), User.id)
    if role != "all":
        query = query.where(User.role == Role(role))
    users = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return UsersPage(users=users, counts=counts, role=role, page=page, pages=pages)


@dataclass(frozen=True)
class RoleChange:
    """What a role change did, for the admin's message."""

    changed: bool
    #: A "set your password" link went to the account (made staff without a password).
    password_link_sent: bool = False
    #: Staff without a password and no confirmed address to send a link to: the operator sets one.
    needs_password: bool = False

    def __bool__(self) -> bool:
        return self.changed


def change_role(actor: User, user: User, role: Role | str) -> RoleChange:
    """Give ``user`` a new role, refusing to leave the site without an admin. A password-less
    account made staff (a reader who signed in with an email link or a provider) can no longer
    sign in that way, so a "set your password" link is queued to it in the same transaction."""
    from blog.auth.password_reset import invite_to_set_password

    if not can_manage_site(actor):
        raise DomainError("Only admins change roles.", status=403)
    try:
        new_role = Role(role)
    except ValueError:
        raise DomainError("Choose one of the listed roles.", field="role") from None
    if new_role == user.role:
        return RoleChange(changed=False)
    if user.role == Role.ADMIN:
        admins = db.session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True)))
        if (admins or 0) <= 1:
            raise DomainError(
                f"{user.name} is the only admin. Make someone else an admin first.", field="role", status=409
            )
    user.role = new_role
    sent = needs = False
    if new_role in STAFF_ROLES and not user.password_hash:
        sent = invite_to_set_password(user, by=actor)
        needs = not sent
    db.session.commit()
    return RoleChange(changed=True, password_link_sent=sent, needs_password=needs)
