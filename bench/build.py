"""The benchmark's database: a published review with 200 approved comments in 20 threads, up to
five levels deep, written through the models directly (with ``render_comment`` for the HTML, as
posting does, and their cards rendered at commit, as on any write), and an empty post that the
posting benchmark writes to."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from blog import create_app
from blog.comments.avatars import avatar_hash
from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post, PostStatus
from blog.posts.editing import PostInput, save_post
from blog.rendering import render_comment

PAGE_SLUG = "two-hundred-comments"
TARGET_SLUG = "posting-target"
#: The naive insert-and-commit handler writes here, so the two never share a post's comments.
NAIVE_TARGET_SLUG = "naive-posting-target"
THREADS = 20
PER_THREAD = 10
#: Depth of each reply in a thread (the root is 0): a mix of long chains and side branches, max 4.
REPLY_DEPTHS = [1, 2, 3, 4, 1, 2, 3, 1, 2]

POST_BODY = """\
# A ghost story told in brass and velvet

The first part of the anthology opens on a salvage ship drifting through a graveyard of satellites.
Four men answer a distress call and find an opera house built inside a derelict station: chandeliers,
velvet seats, a stage lit for a performance that ended decades ago.

![The derelict station](https://example.com/media/station.jpg)
The station, drifting in the Sargasso of orbital junk

## What works

The direction never hurries. Long, quiet shots let the *space* of the station do the work, and the
score — borrowing from Puccini — turns every corridor into a memory. When the illusions start, they
arrive without a cut, so the viewer is as lost as the crew.

> Memories are the only place we can go back to.

## What does not

The last ten minutes explain too much. ||The twist about the singer's hologram|| lands better on a
second viewing, when you know to watch her hands.

| Aspect | Score |
|:--|--:|
| Direction | 9 |
| Music | 10 |
| Script | 7 |

:::spoiler The ending
Heintz stays behind, and the station's memory keeps him.
:::
"""

COMMENT_BODIES = [
    "I rewatched this last week and the *score* still gets me. The opera house reveal is perfect.",
    "Great review! I'd argue the script is better than a 7, though — the pacing is deliberate.",
    "Has anyone read the manga it came from? https://example.org/magnetic-rose has a good summary.",
    "The **ending** divides people. ||He chooses the memory over the rescue||, which I found brave.",
    "> Memories are the only place we can go back to.\n\nThat line is the whole film in one sentence.",
    "Small correction: the music is by Yoko Kanno, not the director. Otherwise, agreed on everything.",
    "Watched it because of this post. Thank you — I would never have found it on my own.",
    "The hologram scenes are still unsettling.\n\n- the rose petals\n- the empty audience\n- the singing",
    "Compare with `Perfect Blue`: the same blur between memory and performance, ten years earlier.",
    "I disagree about the last ten minutes; the explanation is what makes the *tragedy* land for me.",
]


def _app(url: str) -> Any:
    return create_app({"TESTING": True, "SECRET_KEY": "bench-build-" + "x" * 32, "SQLALCHEMY_DATABASE_URI": url})


def build(url: str) -> None:
    """Drop and recreate every table at ``url`` and fill in the benchmark's two posts."""
    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        admin = User(email="bench-admin@example.org", name="Bench Admin", role=Role.ADMIN)
        admin.set_password("bench password that nobody uses")
        db.session.add(admin)
        db.session.flush()
        post = save_post(
            admin, PostInput(title="Magnetic Rose, two hundred comments later", slug=PAGE_SLUG, body_md=POST_BODY,
                             tags=["anime", "satoshi kon"], status=PostStatus.PUBLISHED),
        )  # fmt: skip
        save_post(
            admin,
            PostInput(title="Posting target", slug=TARGET_SLUG, body_md="Write here.", status=PostStatus.PUBLISHED),
        )
        save_post(
            admin,
            PostInput(
                title="Naive posting target",
                slug=NAIVE_TARGET_SLUG,
                body_md="The naive handler writes here.",
                status=PostStatus.PUBLISHED,
            ),
        )
        _comments(post, admin)
        db.session.commit()  # the comments' cards are rendered here, as on any commit (blog.comments.cards)
        # Planner statistics, as a live site has them from autovacuum (or SQLite's ANALYZE).
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine = db.engine
        engine.dispose()


def _comments(post: Post, admin: User) -> None:
    start = utcnow() - timedelta(days=30)
    n = 0
    for thread in range(THREADS):
        last_at_depth: dict[int, Comment] = {}
        for position in range(PER_THREAD):
            depth = 0 if position == 0 else REPLY_DEPTHS[position - 1]
            parent = last_at_depth.get(depth - 1) if depth else None
            by_admin = position % 5 == 4
            email = admin.email if by_admin else f"reader{(thread * 7 + position) % 60}@example.org"
            body = COMMENT_BODIES[n % len(COMMENT_BODIES)]
            comment = Comment(
                post_id=post.id,
                parent_id=parent.id if parent else None,
                thread_id=parent.thread_id if parent else None,
                depth=depth,
                user_id=admin.id if by_admin else None,
                author_name=admin.name if by_admin else f"Reader {(thread * 7 + position) % 60}",
                author_email=email,
                author_url="https://example.net/" if position % 3 == 0 else "",
                avatar_hash=avatar_hash(email),
                body_source=body,
                body_html=render_comment(body),
                status=CommentStatus.APPROVED,
                is_author_reply=by_admin,
                created_at=start + timedelta(minutes=n * 7),
                status_changed_at=start + timedelta(minutes=n * 7),
            )
            db.session.add(comment)
            db.session.flush()
            if parent is None:
                comment.thread_id = comment.id
            last_at_depth[depth] = comment
            n += 1
    post.comment_count = n
