"""Comment cards: each readable comment's public markup, rendered when it or its thread changes.

A post page with 200 comments spent most of its time formatting the same names, dates, avatars
and buttons on every request. Like a comment's body (``body_html``, rendered when it is written),
the markup around the body is now rendered when something that shows in it changes, and stored
beside the comment (``card_head`` and ``card_tail``) with the key of everything it was made from
(``card_key``, ``blog.comments.markup.card_key``). A page uses a card only while that key matches
the live row and the page is the public one the card was made for, so a refresh that is missed
makes a page slower, never wrong: the comment is then rendered on the request, as before.

Each top-level comment also stores its whole thread as that reader sees it (``thread_card``:
the thread's comments, cards and bodies, nested), so the first page of threads is a handful of
rows joined, with no object per comment. Those are not checked against the live rows on every
page (that would mean reading every comment again): like ``body_html`` against its Markdown,
they are right because every write the site makes rewrites them in its own transaction, and
only a version number (``markup.card_version()``: the markup's version and the site's time zone,
whose dates the cards show) is checked. A change made to the database by
hand shows on that page once ``flask rerender`` has run; pages put together comment by comment
(later pages, readers with comments or likes of their own, moderators) show it at once.

``refresh_threads`` is the one writer. It runs just before a commit, for what the transaction
touched: ORM changes to a comment, to an account's picture, to a reader's score, to a post's
author or to the work a post reviews are noticed at flush (``_note_changes``), bulk ``update`` and
``delete`` statements on comments as they run (``_note_bulk_writes``), and posting, which writes
with Core, refreshes the new comment's thread itself. ``flask rerender`` rebuilds every card and
every thread that differs from what is stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from flask_sqlalchemy.session import Session
from sqlalchemy import bindparam, event, func, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, aliased

from blog.comments import markup, threads
from blog.extensions import db
from blog.models.accounts import User
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post
from blog.models.works import ReaderRating, Review
from blog.reviews.ratings import comment_scores

_WRITE = (
    update(Comment.__table__)
    .where(Comment.__table__.c.id == bindparam("cid"))
    .values(card_head=bindparam("head"), card_tail=bindparam("tail"), card_key=bindparam("key"))
)


_WRITE_THREAD = (
    update(Comment.__table__)
    .where(Comment.__table__.c.id == bindparam("tid"))
    .values(thread_card=bindparam("html"), thread_card_version=bindparam("version"))
)


@dataclass(frozen=True, slots=True)
class Written:
    """What a refresh wrote: comment cards and thread cards."""

    comments: int = 0
    threads: int = 0

    def __add__(self, other: Written) -> Written:
        return Written(self.comments + other.comments, self.threads + other.threads)


def refresh_threads(
    post_id: int, thread_ids: Iterable[int | None], *, post_author_id: int | None = None, only_changed: bool = False
) -> Written:
    """Write the cards of these threads' readable comments whose key changed, and each thread's
    card (the whole thread, put together from them).

    One read of the threads (as the post page reads them), one of the readers' scores, and one
    UPDATE for all the changed cards and one for the threads, in the caller's transaction. A write
    path rewrites its threads' cards unread; ``only_changed`` (``flask rerender``) first reads
    the stored ones and writes those that differ."""
    ids = sorted({tid for tid in thread_ids if tid is not None})
    if not ids:
        return Written()
    rows = threads.load_threads(post_id, ids)
    if not rows:
        return Written()
    if post_author_id is None:
        post_author_id = db.session.scalar(select(Post.author_id).where(Post.id == post_id))
    roots = threads.build_tree(rows, ids, threads.Viewer(), post_author_id)
    shown = threads.flatten(roots)
    nodes = [node for node in shown if node.visible and not node.pending]
    scores, scale, _ = comment_scores(post_id, nodes)
    page = markup.card_page(scores, scale)
    changed = []
    for node in nodes:
        key = markup.card_key(node, scores.get(node.id), liked=False, stamp=page.stamp)
        if key != node.card_key:
            head, tail = page.parts(node)
            node.card_head, node.card_tail, node.card_key = head, tail, key
            changed.append({"cid": node.id, "head": head, "tail": tail, "key": key})
    connection = db.session.connection()
    if changed:
        connection.execute(_WRITE, changed)
    # Each thread as the page shows it, from the cards just made; a thread with nothing readable
    # left has none (the page does not list it).
    page.cards = True
    version = markup.card_version()
    cards = {thread[0].id: markup.list_items(page, thread) for thread in threads.by_thread(roots, shown)}
    thread_rows = [{"tid": tid, "html": cards.get(tid), "version": version if tid in cards else None} for tid in ids]
    if only_changed:
        table = Comment.__table__
        stored = {
            row[0]: (row[1], row[2])
            for row in connection.execute(
                select(table.c.id, table.c.thread_card, table.c.thread_card_version).where(table.c.id.in_(ids))
            )
        }
        thread_rows = [row for row in thread_rows if stored.get(row["tid"]) != (row["html"], row["version"])]
    if thread_rows:
        connection.execute(_WRITE_THREAD, thread_rows)
    return Written(len(changed), len(thread_rows))


def refresh_comments(comment_ids: Iterable[int], *, skip_posts: Iterable[int] = ()) -> Written:
    """``refresh_threads`` for the threads holding these comments, post by post (except the posts
    in ``skip_posts``, whose every thread was just refreshed)."""
    ids = list({int(cid) for cid in comment_ids})
    if not ids:
        return Written()
    db.session.flush()
    by_post: dict[int, set[int]] = defaultdict(set)
    for post_id, thread_id in db.session.execute(
        select(Comment.post_id, func.coalesce(Comment.thread_id, Comment.id)).where(Comment.id.in_(ids))
    ):
        by_post[post_id].add(thread_id)
    skipped = set(skip_posts)
    return sum(
        (refresh_threads(post_id, tids) for post_id, tids in by_post.items() if post_id not in skipped), Written()
    )


def refresh_post(post_id: int, *, post_author_id: int | None = None, only_changed: bool = False) -> Written:
    """Every thread of one post (its author or its review changed, or cards are being rebuilt)."""
    db.session.flush()
    tids = db.session.scalars(
        select(func.coalesce(Comment.thread_id, Comment.id)).where(Comment.post_id == post_id).distinct()
    ).all()
    return refresh_threads(post_id, tids, post_author_id=post_author_id, only_changed=only_changed)


def refresh_missing_threads() -> int:
    """Every thread of the posts where a readable comment's thread has no card (a site upgraded
    from before thread cards), one transaction per post; how many posts that was."""
    root = aliased(Comment, name="root")
    posts = db.session.scalars(
        select(Comment.post_id)
        .distinct()
        .join(root, root.id == func.coalesce(Comment.thread_id, Comment.id))
        .where(Comment.status == CommentStatus.APPROVED, Comment.deleted.is_(False), root.thread_card.is_(None))
    ).all()
    for post_id in posts:
        refresh_post(post_id)
        db.session.commit()
    return len(posts)


def refresh_all(progress: Callable[[int], None] | None = None) -> tuple[int, Written]:
    """Every post's cards that differ from what is stored, one transaction per post: (posts looked
    at, what was written)."""
    posts = db.session.execute(
        select(Comment.post_id, Post.author_id)
        .join(Post, Post.id == Comment.post_id)
        .distinct()
        .order_by(Comment.post_id)
    ).all()
    written = Written()
    for post_id, author_id in posts:
        written += refresh_post(post_id, post_author_id=author_id, only_changed=True)
        db.session.commit()
        if progress is not None:
            progress(1)
    return len(posts), written


# ----------------------------------------------------------------------------- before each commit

#: Comment columns that show in a card (or in a reply's "in reply to" line, or decide what is shown).
_SHOWN = frozenset(
    {
        "author_name",
        "author_url",
        "avatar_hash",
        "body_html",
        "status",
        "deleted",
        "is_author_reply",
        "like_count",
        "pinned",
        "locked",
        "edited_at",
        "parent_id",
        "thread_id",
        "depth",
    }
)
_KEY = "comment_cards"


def _pending(session: Any) -> tuple[set[int], set[int], set[int]]:
    """The comments, accounts and posts whose threads this transaction will refresh before it commits."""
    found: tuple[set[int], set[int], set[int]] = session.info.setdefault(_KEY, (set(), set(), set()))
    return found


def _changed(obj: Any, names: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    comments: set[int] = set()
    users: set[int] = set()
    posts: set[int] = set()  # another author (the "Author" badge) or another reviewed work (scores)
    for obj in session.new:
        if isinstance(obj, Comment):
            comments.add(obj.id)
        elif isinstance(obj, ReaderRating) and obj.user_id is not None:
            users.add(obj.user_id)
        elif isinstance(obj, Review):
            posts.add(obj.post_id)
    for obj in session.dirty:
        if isinstance(obj, Comment) and _changed(obj, _SHOWN):
            comments.add(obj.id)
        elif isinstance(obj, User) and _changed(obj, ("avatar_url",)):
            users.add(obj.id)
        elif isinstance(obj, ReaderRating) and obj.user_id is not None and _changed(obj, ("score", "scale")):
            users.add(obj.user_id)
        elif (isinstance(obj, Review) and _changed(obj, ("work_id", "post_id"))) or (
            isinstance(obj, Post) and _changed(obj, ("author_id",))
        ):
            posts.update(_post_ids(obj))
    for obj in session.deleted:
        if isinstance(obj, ReaderRating) and obj.user_id is not None:
            users.add(obj.user_id)
        elif isinstance(obj, Review):
            posts.add(obj.post_id)
    if comments or users or posts:
        pending_comments, pending_users, pending_posts = _pending(session)
        pending_comments.update(comments)
        pending_users.update(users)
        pending_posts.update(posts)


def _post_ids(obj: Post | Review) -> set[int]:
    """The post a changed row belongs to, and the one it belonged to (a review moved elsewhere)."""
    if isinstance(obj, Post):
        return {obj.id}
    return {obj.post_id, *(pid for pid in inspect(obj).attrs["post_id"].history.deleted if pid is not None)}


#: Execution option of a bulk ``update(Comment)`` whose caller knows the threads it touches (a
#: like: its comment's): ``_note_bulk_writes`` then takes them instead of reading them first.
THREADS_OPTION = "sargasso_comment_threads"


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state: ORMExecuteState) -> None:
    """A bulk ``update(Comment)`` or ``delete(Comment)`` skips the flush: the threads of the rows it
    names (read just before it runs) are refreshed before the commit, like those of flushed changes.
    Likes, an account made anonymous, the trash emptied and ``flask rerender`` write this way."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None or state.bind_mapper.class_ is not Comment:
        return
    known = state.execution_options.get(THREADS_OPTION)
    if known is not None:  # the caller named them: nothing to ask
        _pending(state.session)[0].update(known)
        return
    where = state.statement.whereclause
    threads_touched = select(func.coalesce(Comment.thread_id, Comment.id)).distinct()
    if where is not None:
        threads_touched = threads_touched.where(where)
    _pending(state.session)[0].update(state.session.scalars(threads_touched, state.parameters))


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    try:
        current = db.session()
    except RuntimeError:  # no application context: not one of the site's sessions
        return
    if session is not current:
        return  # another session (a worker's own): the refresh reads through ``db.session``
    if session.new or session.dirty or session.deleted:
        session.flush()  # the commit flushes only after this hook: see what it will write first
    pending = session.info.pop(_KEY, None)
    if not pending:
        return
    comments, users, posts = pending
    if users:
        comments |= set(session.scalars(select(Comment.id).where(Comment.user_id.in_(sorted(users)))))
    if posts:
        if has_request_context():
            g.pop("reviewed_work_ids", None)  # read before the change, in this request
        for post_id in sorted(posts):
            refresh_post(post_id)
    if comments:
        refresh_comments(comments, skip_posts=posts)
    session.info.pop(_KEY, None)  # what the refresh itself flushed needs nothing more


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
