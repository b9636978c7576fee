"""``flask rerender``: render every stored post, page and comment again from its source.

HTML is produced once, at write time, and stored beside the source. When the rendering policy
changes (a new allowlist, a sanitizer fix, a new Markdown feature), or ``SITE_TIMEZONE`` does
(comment cards hold dates), this brings every stored fragment up to date. It walks the tables in
primary-key batches, so memory stays flat on a large site and each batch commits on its own;
rows whose HTML is already current are not written, and a post's ``updated_at`` is left alone
(a re-render is not an edit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import Select, func, select, update

from blog.comments import cards
from blog.extensions import db
from blog.media.uploads import srcsets_in
from blog.models.comments import Comment
from blog.models.pages import Page
from blog.models.posts import Post
from blog.pages.editing import rendered
from blog.posts.editing import reading_stats
from blog.posts.excerpts import is_automatic_excerpt
from blog.posts.search import search_terms
from blog.rendering import html_to_text, render_comment, render_post, summary_of

Progress = Callable[[int], None]


@dataclass
class RerenderResult:
    """How many rows were looked at and how many had stale HTML."""

    posts_seen: int = 0
    posts_changed: int = 0
    pages_seen: int = 0
    pages_changed: int = 0
    comments_seen: int = 0
    comments_changed: int = 0
    #: Cards (``blog.comments.cards``): posts looked at, comment and thread cards written.
    card_posts: int = 0
    cards_written: cards.Written = field(default_factory=cards.Written)


def _batches(query: Select[Any], id_column: Any, batch_size: int) -> Iterator[list[Any]]:
    """Keyset pagination by primary key: stable while rows are rewritten, no OFFSET scans."""
    last_id = 0
    while True:
        rows = db.session.execute(query.where(id_column > last_id).order_by(id_column).limit(batch_size)).all()
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


def rerender_posts(result: RerenderResult, *, batch_size: int = 200, progress: Progress | None = None) -> None:
    """Re-render every post's body as ``save_post`` does: with the unfiltered-HTML capability it
    was saved with, and the resized copies of its uploaded images and cover (one query per post
    that has any; ``cover_srcset`` follows the media library too).

    An excerpt that was the automatic one follows the new text (``summary_of``: the paragraphs,
    spoilers hidden); an excerpt the writer typed is kept. A post whose HTML is unchanged is still
    written when its search text or automatic excerpt differs from today's (spoilers were in both
    before 2026-12-07), or its search terms do (``blog.posts.search.search_terms``).
    """
    query = select(
        Post.id,
        Post.title,
        Post.body_md,
        Post.unfiltered_html,
        Post.body_html,
        Post.body_text,
        Post.excerpt,
        Post.cover_image,
        Post.cover_srcset,
        Post.search_terms,
    )
    for rows in _batches(query, Post.id, batch_size):
        for row in rows:
            source = row.body_md or ""
            cover = row.cover_image or ""
            srcsets = srcsets_in(source, cover)
            html = render_post(source, unfiltered=row.unfiltered_html, image_srcsets=srcsets)
            cover_srcset = srcsets.get(cover, "") if cover else ""
            text = html_to_text(html, spoilers=False)
            terms = search_terms(row.title or "", text)
            excerpt = row.excerpt
            if is_automatic_excerpt(row.excerpt or "", row.body_html or "", row.body_text or ""):
                excerpt = summary_of(html)
            stored = (row.body_html, row.body_text, row.excerpt, row.cover_srcset, row.search_terms)
            if (html, text, excerpt, cover_srcset, terms) != stored:
                words, minutes = reading_stats(html_to_text(html))
                values: dict[str, Any] = {
                    "body_html": html,
                    "body_text": text,
                    "excerpt": excerpt,
                    "word_count": words,
                    "reading_minutes": minutes,
                    "cover_srcset": cover_srcset,
                    "search_terms": terms,
                }
                db.session.execute(update(Post).where(Post.id == row.id).values(**values))
                result.posts_changed += 1
        result.posts_seen += len(rows)
        db.session.commit()
        if progress is not None:
            progress(len(rows))


def rerender_pages(result: RerenderResult, *, batch_size: int = 200, progress: Progress | None = None) -> None:
    """Re-render every page as ``write_page`` does: with the unfiltered-HTML capability of whoever
    saved it last, its uploads' resized copies, and the meta summary that follows the text when
    no description was typed. ``updated_at`` is left alone."""
    query = select(Page.id, Page.body_md, Page.description, Page.unfiltered_html, Page.body_html, Page.summary)
    for rows in _batches(query, Page.id, batch_size):
        for row in rows:
            html, summary = rendered(row.body_md or "", row.description or "", unfiltered=row.unfiltered_html)
            if (html, summary) != (row.body_html, row.summary):
                db.session.execute(update(Page).where(Page.id == row.id).values(body_html=html, summary=summary))
                result.pages_changed += 1
        result.pages_seen += len(rows)
        db.session.commit()
        if progress is not None:
            progress(len(rows))


def rerender_comments(result: RerenderResult, *, batch_size: int = 500, progress: Progress | None = None) -> None:
    """Re-render every comment (whatever its status: a held one may be approved later)."""
    query = select(Comment.id, Comment.body_source, Comment.body_html)
    for rows in _batches(query, Comment.id, batch_size):
        for row in rows:
            html = render_comment(row.body_source or "")
            if html != row.body_html:
                db.session.execute(update(Comment).where(Comment.id == row.id).values(body_html=html))
                result.comments_changed += 1
        result.comments_seen += len(rows)
        db.session.commit()
        if progress is not None:
            progress(len(rows))


def rerender_all(*, batch_size: int = 200, progress: Progress | None = None) -> RerenderResult:
    """Posts, pages, then comments; ``progress`` is called with the number of rows each batch covered."""
    result = RerenderResult()
    rerender_posts(result, batch_size=batch_size, progress=progress)
    rerender_pages(result, batch_size=batch_size, progress=progress)
    rerender_comments(result, batch_size=batch_size, progress=progress)
    rerender_cards(result)
    return result


def rerender_cards(result: RerenderResult, *, progress: Progress | None = None) -> None:
    """Every comment card whose key no longer matches (new markup, another ``SITE_TIMEZONE`` for
    the dates in them, or a change no write noticed)."""
    result.card_posts, result.cards_written = cards.refresh_all(progress)


@click.command("rerender")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000), help="Rows per commit.")
@click.option("--posts/--no-posts", default=True, help="Re-render posts.")
@click.option("--pages/--no-pages", default=True, help="Re-render pages (About, How I score...).")
@click.option("--comments/--no-comments", default=True, help="Re-render comments.")
@with_appcontext
def rerender_command(batch_size: int, posts: bool, pages: bool, comments: bool) -> None:
    """Render every post, page and comment again from its source (after a change of rendering policy or of
    SITE_TIMEZONE)."""
    result = RerenderResult()
    if posts:
        total = db.session.scalar(select(func.count()).select_from(Post)) or 0
        with click.progressbar(length=total, label="Posts   ", show_pos=True) as bar:
            rerender_posts(result, batch_size=batch_size, progress=bar.update)
        click.echo(f"Posts: {result.posts_changed} of {result.posts_seen} changed.")
    if pages:
        total = db.session.scalar(select(func.count()).select_from(Page)) or 0
        with click.progressbar(length=total, label="Pages   ", show_pos=True) as bar:
            rerender_pages(result, batch_size=batch_size, progress=bar.update)
        click.echo(f"Pages: {result.pages_changed} of {result.pages_seen} changed.")
    if comments:
        total = db.session.scalar(select(func.count()).select_from(Comment)) or 0
        with click.progressbar(length=total, label="Comments", show_pos=True) as bar:
            rerender_comments(result, batch_size=batch_size, progress=bar.update)
        click.echo(f"Comments: {result.comments_changed} of {result.comments_seen} changed.")
        total = db.session.scalar(select(func.count(func.distinct(Comment.post_id)))) or 0
        with click.progressbar(length=total, label="Cards   ", show_pos=True) as bar:
            rerender_cards(result, progress=bar.update)
        written, posts_word = result.cards_written, "post" if result.card_posts == 1 else "posts"
        click.echo(
            f"Cards: {written.comments} of comments and {written.threads} of threads written,"
            f" on {result.card_posts} {posts_word}."
        )
