"""Revisions of published posts, the editor's autosave, and edit conflicts between two tabs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlalchemy import select

from blog.auth.permissions import can_edit_post
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.posts import Post, PostAutosave, PostRevision, PostStatus
from blog.posts.excerpts import typed_excerpt
from blog.rendering import clean_text


class EditConflict(DomainError):
    """Someone saved the post after this editor loaded it; ``post`` holds what they saved."""

    def __init__(self, post: Post) -> None:
        super().__init__(
            "This post was changed in another tab or by someone else since you opened it. "
            "Compare the two versions and choose which to keep.",
            status=409,
        )
        self.post = post


def check_version(post: Post, base_version: int | None) -> None:
    if base_version is not None and base_version != post.version:
        raise EditConflict(post)


#: The summary of the first revision kept of a post or page.
FIRST_VERSION = "first published version"


def change_summary(fields: list[tuple[str, str, str]], old_body: str, new_body: str) -> str:
    """What a revision changed, e.g. "title, body (+12 −3 lines)": the label of each of ``fields``
    (label, old, new) that differs, then the lines the body gained and lost. Posts and pages say it alike."""
    changed = [label for label, old, new in fields if old != new]
    if old_body != new_body:
        added = removed = 0
        for line in difflib.ndiff(old_body.splitlines(), new_body.splitlines()):
            added += line.startswith("+ ")
            removed += line.startswith("- ")
        changed.append(f"body (+{added} −{removed} lines)")
    return ", ".join(changed) or "settings only"


def _summary(previous: PostRevision | None, post: Post) -> str:
    if previous is None:
        return FIRST_VERSION
    fields = [("title", previous.title, post.title), ("excerpt", previous.excerpt, typed_excerpt(post))]
    return change_summary(fields, previous.body_md, post.body_md)


def record_revision(post: Post, user: User, note: str = "") -> PostRevision | None:
    """Keep the post's current state as a revision, if it is published and its text changed."""
    if post.status != PostStatus.PUBLISHED:
        return None
    previous = db.session.scalar(
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
        .limit(1)
    )
    excerpt = typed_excerpt(post)  # what the writer typed: the automatic one follows the text
    if previous is not None and (previous.title, previous.body_md, previous.excerpt) == (
        post.title,
        post.body_md,
        excerpt,
    ):
        return None
    revision = PostRevision(
        post_id=post.id,
        author_id=user.id,
        title=post.title,
        body_md=post.body_md,
        excerpt=excerpt,
        summary=_summary(previous, post),
        note=note[:500],
    )
    db.session.add(revision)
    return revision


def revisions_of(post: Post) -> list[PostRevision]:
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
        )
    )


@dataclass(frozen=True)
class DiffLine:
    op: str  # "add", "remove", "same" or "gap"
    text: str
    #: The line in pieces, ("same" | "changed", text): in a changed paragraph the words that
    #: differ from its counterpart are marked, so one added comma is not a hunt through 80 words.
    parts: tuple[tuple[str, str], ...] = ()


_WORDS = re.compile(r"\s+|[\w’'-]+|[^\w\s]")


def _word_parts(old: str, new: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Two versions of a line, each cut into same and changed runs of words."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    old_parts: list[tuple[str, str]] = []
    new_parts: list[tuple[str, str]] = []

    def add(parts: list[tuple[str, str]], kind: str, text: str) -> None:
        if not text:
            return
        if parts and parts[-1][0] == kind:
            parts[-1] = (kind, parts[-1][1] + text)
        else:
            parts.append((kind, text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        kind = "same" if tag == "equal" else "changed"
        add(old_parts, kind, "".join(a[i1:i2]))
        add(new_parts, kind, "".join(b[j1:j2]))
    return tuple(old_parts), tuple(new_parts)


def _similar(old: str, new: str) -> bool:
    """Worth marking word by word: the two lines share most of their words (else a rewritten
    paragraph would be confetti)."""
    return difflib.SequenceMatcher(None, _WORDS.findall(old), _WORDS.findall(new), autojunk=False).ratio() >= 0.5


def diff_lines(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """A line diff (old → new) with a little context, as data for the template to show. A line
    changed into a similar one (paired in order within a changed block) also says which words
    changed."""
    lines: list[DiffLine] = []
    old_lines, new_lines = old.splitlines(), new.splitlines()
    for group in difflib.SequenceMatcher(None, old_lines, new_lines).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", "…"))
        for tag, i1, i2, j1, j2 in group:
            old_part, new_part = old_lines[i1:i2], new_lines[j1:j2]
            if tag == "equal":
                lines += [DiffLine("same", t, (("same", t),)) for t in old_part]
                continue
            removed = [DiffLine("remove", t, (("changed", t),)) for t in old_part]
            added = [DiffLine("add", t, (("changed", t),)) for t in new_part]
            for k in range(min(len(removed), len(added))):
                if _similar(old_part[k], new_part[k]):
                    was, now = _word_parts(old_part[k], new_part[k])
                    removed[k] = DiffLine("remove", old_part[k], was)
                    added[k] = DiffLine("add", new_part[k], now)
            lines += removed + added
    return lines


def save_autosave(
    user: User, post: Post, *, title: str, body_md: str, excerpt: str = "", base_version: int
) -> PostAutosave:
    """Store the editor's text for ``user`` without touching what readers see.

    Raises ``EditConflict`` when the post was saved since the editor loaded ``base_version``.
    """
    if not can_edit_post(user, post):
        raise DomainError("You cannot edit this post.", status=403)
    check_version(post, base_version)
    autosave = db.session.get(PostAutosave, (post.id, user.id))
    if autosave is None:
        autosave = PostAutosave(post_id=post.id, user_id=user.id)
        db.session.add(autosave)
    autosave.title = clean_text(title)[:300]
    autosave.body_md = clean_text(body_md)
    autosave.excerpt = clean_text(excerpt)[:1000]
    autosave.base_version = base_version
    autosave.saved_at = utcnow()
    db.session.flush()
    return autosave


def pending_autosave(user: User, post: Post) -> PostAutosave | None:
    """An autosave newer than the post's last save and different from it: offer to restore it."""
    autosave = db.session.get(PostAutosave, (post.id, user.id))
    if autosave is None:
        return None
    if (autosave.title, autosave.body_md) == (post.title, post.body_md):
        return None
    if autosave.saved_at <= post.updated_at:
        return None
    return autosave


def discard_autosave(user: User, post: Post) -> None:
    autosave = db.session.get(PostAutosave, (post.id, user.id))
    if autosave is not None:
        db.session.delete(autosave)
