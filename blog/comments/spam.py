"""The guard: every anti-abuse rule for comments in one place, all local, one test per rule.

Refusals raise ``DomainError`` with a message for the person and an HTTP status; the view
re-renders the form with what they typed. ``disallowed_key`` does not refuse: a match files
the comment under spam (WordPress's "disallowed comment keys"), so a spammer learns nothing.
Order matters: cheap checks first, the rate limit only for well-formed attempts, the database last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from sqlalchemy import ColumnElement, Select, and_, func, literal_column, select

from blog.errors import DomainError
from blog.extensions import db, limiter
from blog.models.comments import TEXT_START_CHARS, Comment, CommentStatus

#: Characters nobody types: NUL and the C0/C1 controls except tab and newlines, lone surrogates,
#: the replacement character a broken encoding leaves behind, and non-characters.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd\ufffe\uffff]")
DUPLICATE_MESSAGE = "It looks as though you\u2019ve already said that!"


@dataclass
class Submission:
    """What the guard looks at: the comment as typed, and where it came from."""

    post_id: int
    body: str
    name: str = ""
    email: str = ""
    url: str = ""
    ip: str = ""
    user_agent: str = ""
    user_id: int | None = None
    honeypot: str = ""
    form_token: str = ""
    #: Answers read ahead with the post (``blog.comments.intake``); None: the rule asks the database.
    duplicate: bool | None = None
    approved_before: bool | None = None

    def fields(self) -> list[str]:
        """What moderation and disallowed keys are matched against, as in WordPress."""
        return [self.body, self.name, self.email, self.url, self.ip, self.user_agent]


# ----------------------------------------------------------------------------- form timestamp


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="comment-form-shown")


def form_token(post_id: int) -> str:
    """A signed "this form was shown at" stamp, checked by ``check_timing`` when posting."""
    return _serializer().dumps(post_id)


# ----------------------------------------------------------------------------- the rules


def invalid_characters(values: Iterable[str]) -> bool:
    return any(_INVALID.search(value) for value in values)


def check_text(sub: Submission) -> None:
    """NUL bytes, control characters and broken encodings are refused before anything stores them."""
    if invalid_characters([sub.body, sub.name, sub.email, sub.url]):
        raise DomainError(
            "Your comment contains characters we cannot store (control characters or broken"
            " encoding). We removed them; check the text and post again.",
            field="body",
            status=400,
        )


def check_honeypot(sub: Submission) -> None:
    """A field people never see: only robots fill it."""
    if sub.honeypot.strip():
        raise DomainError("Your comment could not be posted.", status=400)


def check_timing(sub: Submission) -> None:
    """Robots post the instant they load the form; people take at least a few seconds."""
    minimum = int(current_app.config["COMMENTS_MIN_SECONDS"])
    if minimum <= 0:
        return
    try:
        post_id, shown_at = _serializer().loads(sub.form_token, return_timestamp=True)
    except BadSignature:
        raise DomainError("The form was incomplete; please post again.", status=400) from None
    if post_id != sub.post_id:
        raise DomainError("The form was incomplete; please post again.", status=400)
    from blog.models.base import utcnow

    if (utcnow() - shown_at).total_seconds() < minimum:
        raise DomainError(
            "That was quick! Please take a moment to read your comment, then post it again.",
            status=429,
        )


def check_length(sub: Submission) -> None:
    limit = int(current_app.config["COMMENTS_MAX_LENGTH"])
    if len(sub.body) > limit:
        raise DomainError(
            f"Your comment is {len(sub.body):,} characters long; the limit is {limit:,}."
            " Shorten it (or split it into two comments) and post again.",
            field="body",
            status=413,
        )


def check_rate(sub: Submission) -> None:
    """Per-IP limit through Flask-Limiter's storage (Redis when ``REDIS_URL`` is set)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True) or not limiter.enabled:
        return
    strategy = limiter.limiter
    for item in parse_many(current_app.config["COMMENTS_RATELIMIT"]):
        # The key prefix keeps two sites (or test runs) sharing one Redis from sharing counters.
        prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
        if not strategy.hit(item, prefix, "comments", sub.ip or "unknown"):
            raise DomainError(
                "You are posting comments too quickly. Please wait a few minutes and post again.",
                status=429,
            )


def same_text_by(post_id: Any, body: Any, user_id: Any, email: Any) -> Select[tuple[int]]:
    """Comments of ``post_id`` with this text by this account (``user_id``), or this guest email when
    ``user_id`` is None, not thrown away. Values or bound parameters (see ``blog.comments.intake``).

    The author is compared as an expression (``user_id + 0``, ``author_email || ''``), which no
    index answers, so the database finds the text through ``ix_comments_post_text`` and checks the
    author on the one or two rows with that start. Compared plainly, SQLite chose
    ``ix_comments_post_email`` and read every comment the author wrote on the post: a commenter
    with 2,000 comments on one post made each new one cost a millisecond more."""
    same_author = Comment.user_id + 0 == user_id if user_id is not None else Comment.author_email + "" == email
    return select(Comment.id).where(
        Comment.post_id == post_id,
        same_text(Comment.body_source, body),
        same_author,
        Comment.status != CommentStatus.TRASH,
    )


def same_text(column: Any, value: Any) -> ColumnElement[bool]:
    """``column = value``, asked as its first ``TEXT_START_CHARS`` characters and the rest so that
    ``ix_comments_post_text`` (on ``substr(body_source, 1, 32)``) answers it. The bounds are
    literals, as the index expression is written; and there is no ``column = value`` term, from
    which SQLite would propagate the value into the indexed expression and then not use the index."""
    return and_(
        func.substr(column, _FIRST, _LENGTH) == func.substr(value, _FIRST, _LENGTH),
        func.substr(column, _REST) == func.substr(value, _REST),
    )


_FIRST, _LENGTH = literal_column("1"), literal_column(str(TEXT_START_CHARS))
_REST = literal_column(str(TEXT_START_CHARS + 1))


def check_duplicate(sub: Submission) -> None:
    """The same text by the same person on the same post, unless that one was thrown away."""
    duplicate = sub.duplicate
    if duplicate is None:
        stmt = same_text_by(sub.post_id, sub.body.strip(), sub.user_id, sub.email.strip().lower()).limit(1)
        duplicate = db.session.scalar(stmt) is not None
    if duplicate:
        raise DomainError(DUPLICATE_MESSAGE, field="body", status=409)


def matching_key(keys: str, fields: Iterable[str]) -> str | None:
    """The first line of ``keys`` found (case-insensitively) inside any field, WordPress-style."""
    words = [line.strip().lower() for line in keys.splitlines() if line.strip()]
    if not words:
        return None
    haystacks = [value.lower() for value in fields if value]
    for word in words:
        if any(word in hay for hay in haystacks):
            return word
    return None


def disallowed_key(sub: Submission) -> str | None:
    """A match with ``COMMENTS_DISALLOWED_KEYS`` (words, emails, IPs, domains) sends it to spam."""
    return matching_key(current_app.config["COMMENTS_DISALLOWED_KEYS"], sub.fields())


RULES = (check_text, check_honeypot, check_timing, check_length, check_rate, check_duplicate)


def guard(sub: Submission) -> None:
    """Run every refusal rule in order; the first that says no raises ``DomainError``."""
    for rule in RULES:
        rule(sub)
