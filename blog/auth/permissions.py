"""Who may do what. Plain functions that views, templates and tests call without a request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from blog.models.accounts import STAFF_ROLES, Role, User
from blog.models.posts import Post

F = TypeVar("F", bound=Callable[..., Any])


def _role(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.role  # type: ignore[no-any-return]


def is_staff(user: Any) -> bool:
    return _role(user) in STAFF_ROLES


def can_publish(user: Any) -> bool:
    """Authors, editors and admins publish; contributors only submit for review."""
    return _role(user) in {Role.ADMIN, Role.EDITOR, Role.AUTHOR}


def can_edit_post(user: Any, post: Post) -> bool:
    role = _role(user)
    if role in {Role.ADMIN, Role.EDITOR}:
        return True
    if role in {Role.AUTHOR, Role.CONTRIBUTOR} and post.author_id == user.id:
        # A contributor may not touch their post once it is published.
        return role == Role.AUTHOR or not post.is_live
    return False


def can_moderate(user: Any) -> bool:
    return _role(user) in {Role.ADMIN, Role.EDITOR}


def can_post_unfiltered_html(user: Any) -> bool:
    """WordPress's unfiltered_html: only admins and editors keep embeds in their Markdown."""
    return _role(user) in {Role.ADMIN, Role.EDITOR}


def can_manage_site(user: Any) -> bool:
    return _role(user) == Role.ADMIN


def staff_required(view: F) -> F:
    """Anonymous users go to the login page; signed-in readers get a 403."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from blog.extensions import login_manager

        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_staff(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def require(check: Callable[[Any], bool]) -> Callable[[F], F]:
    """``@require(can_moderate)``: staff_required plus one named permission."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return staff_required(wrapped)  # type: ignore[return-value]

    return decorator


__all__ = ["User", "can_edit_post", "can_moderate", "can_publish", "is_staff", "require", "staff_required"]
