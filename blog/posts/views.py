"""Routes of the reading side."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from sqlalchemy import select

from blog.extensions import db
from blog.models.posts import Post, SlugRedirect
from blog.posts.queries import live_posts

bp = Blueprint("posts", __name__)


@bp.get("/")
def home() -> str:
    posts = db.session.scalars(live_posts().order_by(Post.published_at.desc()).limit(10)).unique().all()
    return render_template("posts/home.html", posts=posts)


@bp.get("/posts/<slug>/")
def post_detail(slug: str):  # type: ignore[no-untyped-def]
    post = db.session.scalar(live_posts().where(Post.slug == slug))
    if post is None:
        moved = db.session.scalar(select(SlugRedirect).where(SlugRedirect.old_slug == slug))
        if moved is not None:
            return redirect(url_for("posts.post_detail", slug=db.session.get(Post, moved.post_id).slug), 301)
        abort(404)
    return render_template("posts/post.html", post=post)
