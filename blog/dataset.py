"""``flask generate-dataset``: a large synthetic blog for scale measurements (not demo content).

Rows are written with Core bulk inserts in batches, so a million comments take a minute or two,
not hours. Text is rendered once per template and reused: the point is row counts and index
behaviour, not prose.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy import func, insert, select, update

from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.base import utcnow
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post, PostStatus, Tag, post_tags
from blog.posts.search import search_terms
from blog.rendering import html_to_text, render_comment, render_post, summary_of

WORDS = (  # noqa: SIM905
    "anime film review score series episode director music animation story character scene "
    "soundtrack memories rose space opera cannon city bomb otomo kon kanno morimoto studio "
    "frame colour shot sequence theme ending opening voice art design world dream illusion"
).split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(size, total - start)


def generate(posts: int, comments: int, *, seed: int = 7, batch: int = 5000) -> dict[str, int]:
    """Insert ``posts`` published posts and ``comments`` approved comments spread over them."""
    rng = random.Random(seed)
    author = db.session.scalar(select(User).where(User.email == "dataset-author@example.org"))
    if author is None:
        author = User(email="dataset-author@example.org", name="Dataset Author", role=Role.AUTHOR)
        db.session.add(author)
        db.session.flush()
    tag_ids = []
    for i in range(50):
        slug = f"dataset-tag-{i}"
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(name=f"Dataset tag {i}", slug=slug)
            db.session.add(tag)
            db.session.flush()
        tag_ids.append(tag.id)
    db.session.commit()

    first_id = (db.session.scalar(select(func.max(Post.id))) or 0) + 1
    now = utcnow()
    bodies = []
    for _ in range(20):
        paragraphs = [_sentence(rng, rng.randint(12, 40)) for _ in range(rng.randint(4, 12))]
        md = "## " + _sentence(rng, 4) + "\n\n" + "\n\n".join(paragraphs)
        html = render_post(md)
        text = html_to_text(html, spoilers=False)
        bodies.append((md, html, text, summary_of(html)))

    with click.progressbar(length=posts, label="posts   ") as bar:
        for start, count in _batches(posts, batch):
            rows = []
            links = []
            for i in range(start, start + count):
                md, html, text, excerpt = bodies[i % len(bodies)]
                post_id = first_id + i
                title = f"Dataset review {post_id}: " + _sentence(rng, 4).rstrip(".")
                rows.append(
                    {
                        "id": post_id,
                        "title": title,
                        "slug": f"dataset-review-{post_id}",
                        "body_md": md,
                        "body_html": html,
                        "body_text": text,
                        "search_terms": search_terms(title, text),
                        "excerpt": excerpt,
                        "author_id": author.id,
                        "status": PostStatus.PUBLISHED.value,
                        "published_at": now - timedelta(minutes=posts - i),
                        "announced_at": now - timedelta(minutes=posts - i),  # old news: nobody is emailed
                        "created_at": now,
                        "updated_at": now,
                        "word_count": len(text.split()),
                        "reading_minutes": 2,
                    }
                )
                links += [{"post_id": post_id, "tag_id": t} for t in rng.sample(tag_ids, 2)]
            db.session.execute(insert(Post), rows)
            db.session.execute(insert(post_tags), links)
            db.session.commit()
            bar.update(count)

    comment_html = [render_comment(_sentence(rng, rng.randint(8, 40))) for _ in range(50)]
    first_comment = (db.session.scalar(select(func.max(Comment.id))) or 0) + 1
    per_post: dict[int, int] = {}
    with click.progressbar(length=comments, label="comments") as bar:
        next_id = first_comment
        # Threads of up to 10 comments, up to 5 deep, assigned to random posts.
        open_thread: dict[str, object] = {}
        for _start, count in _batches(comments, batch):
            rows = []
            for _ in range(count):
                if not open_thread or rng.random() < 0.25:
                    post_id = first_id + rng.randrange(posts)
                    open_thread = {"post": post_id, "thread": next_id, "chain": [next_id]}
                    parent, depth = None, 0
                else:
                    chain: list[int] = open_thread["chain"]  # type: ignore[assignment]
                    depth = min(len(chain), 4)
                    parent = chain[depth - 1]
                    post_id = int(open_thread["post"])  # type: ignore[call-overload]
                    chain.append(next_id)
                email = f"reader{rng.randrange(5000)}@example.org"
                body = comment_html[next_id % len(comment_html)]
                rows.append(
                    {
                        "id": next_id,
                        "post_id": post_id,
                        "parent_id": parent,
                        "thread_id": open_thread["thread"],
                        "depth": depth,
                        "author_name": email.split("@")[0].capitalize(),
                        "author_email": email,
                        "avatar_hash": hashlib.sha256(email.encode()).hexdigest(),
                        "body_source": html_to_text(body),
                        "body_html": body,
                        "status": CommentStatus.APPROVED.value,
                        "created_at": now - timedelta(seconds=comments - (next_id - first_comment)),
                        "status_changed_at": now,
                    }
                )
                per_post[post_id] = per_post.get(post_id, 0) + 1
                next_id += 1
            db.session.execute(insert(Comment), rows)
            db.session.commit()
            bar.update(count)

    for post_id, n in per_post.items():
        db.session.execute(update(Post).where(Post.id == post_id).values(comment_count=Post.comment_count + n))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        # Sequences do not move on explicit ids.
        with db.engine.begin() as conn:
            for sql in (
                "SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT max(id) FROM posts))",
                "SELECT setval(pg_get_serial_sequence('comments', 'id'), (SELECT max(id) FROM comments))",
            ):
                conn.exec_driver_sql(sql)
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"posts": posts, "comments": comments}


def init_app(app: Flask) -> None:
    @app.cli.command("generate-dataset")
    @click.option("--posts", default=20_000, show_default=True, help="Published posts to add.")
    @click.option("--comments", default=1_000_000, show_default=True, help="Approved comments to add.")
    @click.option("--seed", default=7, show_default=True)
    def generate_dataset(posts: int, comments: int, seed: int) -> None:
        """Fill the database with a large synthetic blog, for scale benchmarks."""
        if posts < 1:
            raise click.BadParameter("at least one post", param_hint="--posts")
        result = generate(posts, comments, seed=seed)
        click.echo(f"Added {result['posts']:,} posts and {result['comments']:,} comments.")
