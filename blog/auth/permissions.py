"""Who may do what. Plain functions that views, templates and tests call without a request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
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


def can_edit_pages(user: Any) -> bool:
    """Pages speak for the whole site (About, How I score): whoever may publish a post may write,
    publish and delete them; contributors, whose posts an editor reviews first, may not."""
    return can_publish(user)


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


def _return_path() -> str:
    """Where a reader comes back to once signed in: this page for a GET; for a form sent to a
    POST-only route (a score), the page the form names in ``next`` or the one it was on."""
    from blog.auth.login import safe_next

    if request.method in {"GET", "HEAD"}:
        query = request.query_string.decode("utf-8", "replace")
        return request.path + (f"?{query}" if query else "")
    named = safe_next(request.form.get("next"))
    if named:
        return named
    rule = request.url_rule
    if rule is not None and rule.methods is not None and "GET" in rule.methods:
        return request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and safe_next(referrer.path):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("posts.home")


def reader_required(message: str = "") -> Callable[[F], F]:
    """``@reader_required("Sign in to ...")``: anonymous visitors go to the readers' sign-in
    choices (email link, providers), never to the staff password page (``login_manager`` sends
    there), and come back afterwards. Signed-in accounts of any role pass.

    Per route, not per blueprint (``blueprint_login_views``): the reviews blueprint also holds
    staff pages whose visitors belong on the staff login."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if message:
                    flash(message, "info")
                return redirect(url_for("social.sign_in", next=_return_path()))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


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


__all__ = [
    "User",
    "can_edit_pages",
    "can_edit_post",
    "can_moderate",
    "can_publish",
    "is_staff",
    "reader_required",
    "require",
    "staff_required",
]
