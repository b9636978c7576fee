"""The naive baselines, on the same database as the benchmarked site.

``POST /posts/<slug>/comments`` inserts the comment and commits, with no check of any kind (the
floor "posting with every check" is compared against). On SQLite its connections are set up as the
site's are (WAL, ``synchronous=NORMAL``, the busy timeout): with SQLite's default
``synchronous=FULL`` every commit waited for an fsync, which flattered the site by comparison.
``GET /posts/<slug>/`` is the page as a quick Flask app would write it: one query for the post's
comments, a flat Jinja loop. Neither is meant for anything but the comparison.
"""

from __future__ import annotations

import os

from flask import Flask, abort, redirect, render_template_string, request
from markupsafe import Markup, escape
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from blog.config import DEFAULTS, normalise_database_url
from blog.database import tune_sqlite
from blog.models.comments import Comment, CommentStatus
from blog.models.posts import Post

app = Flask(__name__)
engine = create_engine(normalise_database_url(os.environ["DATABASE_URL"]))
if engine.dialect.name == "sqlite":
    tune_sqlite(engine, int(DEFAULTS["SQLITE_BUSY_TIMEOUT_MS"]))

PAGE = """<!doctype html><html><head><title>{{ post.title }}</title></head><body>
<article><h1>{{ post.title }}</h1>{{ body }}</article>
<section><h2>{{ comments|length }} comments</h2>
{% for c in comments %}<article id="comment-{{ c.id }}" class="depth-{{ c.depth }}">
<p>{{ c.author_name }} · {{ c.created_at }}</p>{{ c.body }}</article>
{% endfor %}</section></body></html>"""


@app.get("/posts/<slug>/")
def page(slug: str) -> str:
    with Session(engine) as session:
        rows = session.execute(
            select(
                Post.title,
                Post.body_html,
                Comment.id,
                Comment.depth,
                Comment.author_name,
                Comment.created_at,
                Comment.body_html,
            )
            .join(Comment, Comment.post_id == Post.id)
            .where(Post.slug == slug, Comment.status == CommentStatus.APPROVED)
            .order_by(Comment.thread_id, Comment.id)
        ).all()
    if not rows:
        abort(404)
    # body_html is stored sanitized HTML from blog.rendering, as on the real page.
    comments = [
        {"id": r[2], "depth": r[3], "author_name": r[4], "created_at": r[5], "body": Markup(r[6])}  # noqa: S704
        for r in rows
    ]
    return render_template_string(PAGE, post={"title": rows[0][0]}, body=Markup(rows[0][1]), comments=comments)  # noqa: S704


@app.post("/posts/<slug>/comments")
def post_comment(slug: str):  # type: ignore[no-untyped-def]
    body = request.form.get("body", "")
    with Session(engine) as session:
        post_id = session.scalar(select(Post.id).where(Post.slug == slug))
        if post_id is None:
            abort(404)
        comment = Comment(
            post_id=post_id,
            author_name=request.form.get("name", ""),
            author_email=request.form.get("email", ""),
            body_source=body,
            body_html=f"<p>{escape(body)}</p>",
            status=CommentStatus.APPROVED,
        )
        session.add(comment)
        session.commit()
        return redirect(f"/posts/{slug}/#comment-{comment.id}", 303)
