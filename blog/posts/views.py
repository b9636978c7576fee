"""Routes of the reading side: each parses the request, calls one function of ``queries``, renders.

Missing or private things and malformed input (a page number that isn't one, a month 13) are
404s from here; the query functions say "nothing" with None and never abort.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from blog.comments.section import comment_section
from blog.posts import feeds, queries
from blog.posts.seo import PageMeta, absolute_url, list_meta, post_meta
from blog.reviews.infobox import review_context

bp = Blueprint("posts", __name__)

ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
FEED_MAX_AGE = 300


@bp.app_template_filter("iso_datetime")
def iso_datetime(when: datetime | None) -> str:
    """Machine time for ``<time datetime>`` and meta tags: ISO 8601 with its offset, as stored
    (UTC). What people read goes through ``human_date``/``local_time`` (``blog.timezone``)."""
    return when.isoformat(timespec="seconds") if when else ""


def _page() -> int:
    number = queries.page_number(request.args.get("page"))
    if number is None:
        abort(404)
    return number


def _per_page() -> int:
    return int(current_app.config["POSTS_PER_PAGE"])


# ----------------------------------------------------------------------------- home and post


@bp.get("/")
def home() -> ResponseReturnValue:
    number = _page()
    page = queries.home_page(number, _per_page()) or abort(404)
    meta = list_meta(current_app.config["SITE_NAME"], current_app.config["SITE_TAGLINE"], "posts.home", number)
    return render_template("posts/home.html", page=page, meta=meta)


@bp.get("/posts/<slug>/")
def post_detail(slug: str) -> ResponseReturnValue:
    lookup = queries.find_post(slug, current_user)
    if lookup.redirect_slug is not None:
        return redirect(url_for("posts.post_detail", slug=lookup.redirect_slug), 301)
    if lookup.post is None:
        abort(404)
    data = queries.post_page(lookup, current_user)
    post = data.post
    # The review box and the comments are other areas' pages-within-the-page; our own names win.
    context = {
        **review_context(post),
        **comment_section(post),
        "data": data,
        "post": post,
        "series": data.series,
        "meta": post_meta(post, noindex=data.is_preview, tags=data.tags),
    }
    html = context["comments"].place_list(render_template("posts/post.html", **context))
    response = Response(html)
    if data.is_preview:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


# ----------------------------------------------------------------------------- archives


def _archive(archive: queries.Archive | None, endpoint: str, number: int) -> str:
    if archive is None:
        abort(404)
    meta = list_meta(archive.title, archive.description, endpoint, number, **archive.url_values)
    return render_template("posts/archive.html", archive=archive, endpoint=endpoint, meta=meta)


def _lowercase(endpoint: str, slug: str) -> ResponseReturnValue | None:
    """``/tag/Anime/`` for ``/tag/anime/``: term slugs are lowercase, and people type names."""
    if slug == slug.lower():
        return None
    return redirect(url_for(endpoint, slug=slug.lower(), **request.args), 301)


@bp.get("/tag/<slug>/")
def tag(slug: str) -> ResponseReturnValue:
    if (moved := _lowercase("posts.tag", slug)) is not None:
        return moved
    number = _page()
    return _archive(queries.tag_archive(slug, number, _per_page()), "posts.tag", number)


@bp.get("/category/<slug>/")
def category(slug: str) -> ResponseReturnValue:
    if (moved := _lowercase("posts.category", slug)) is not None:
        return moved
    number = _page()
    return _archive(queries.category_archive(slug, number, _per_page()), "posts.category", number)


@bp.get("/author/<int:user_id>/")
def author(user_id: int) -> ResponseReturnValue:
    number = _page()
    return _archive(queries.author_archive(user_id, number, _per_page()), "posts.author", number)


@bp.get("/<int:year>/")
def year(year: int) -> ResponseReturnValue:
    number = _page()
    return _archive(queries.year_archive(year, number, _per_page()), "posts.year", number)


@bp.get("/<int:year>/<int:month>/")
def month(year: int, month: int) -> ResponseReturnValue:
    number = _page()
    return _archive(queries.month_archive(year, month, number, _per_page()), "posts.month", number)


@bp.get("/series/<slug>/")
def series(slug: str) -> ResponseReturnValue:
    number = _page()
    return _archive(queries.series_archive(slug, number, _per_page()), "posts.series", number)


@bp.get("/series/")
def series_index() -> ResponseReturnValue:
    series_list = queries.series_counts()
    meta = list_meta("Series", "Reviews that run over several parts.", "posts.series_index")
    return render_template("posts/series_index.html", series_list=series_list, meta=meta)


@bp.get("/archives/")
def archives() -> ResponseReturnValue:
    index = queries.archives_index()
    meta = list_meta("Archives", "Every review by month, tag, category and series.", "posts.archives")
    return render_template("posts/archives.html", index=index, meta=meta)


# ----------------------------------------------------------------------------- search


@bp.get("/search")
def search() -> ResponseReturnValue:
    number = _page()
    query = request.args.get("q", "")
    results = queries.search(query, number, _per_page()) or abort(404)
    meta = PageMeta(title="Search", noindex=True)
    return render_template("posts/search.html", results=results, meta=meta)


# ----------------------------------------------------------------------------- feeds, sitemap, robots


def _xml(body: bytes, mimetype: str) -> Response:
    response = Response(body, content_type=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)


def _feed(kind: str, data: queries.FeedData | None, endpoint: str, **values: Any) -> Response:
    if data is None:
        abort(404)
    self_url = absolute_url(endpoint, **values)
    if kind == "atom":
        return _xml(feeds.atom_feed(data, self_url), ATOM)
    return _xml(feeds.rss_feed(data, self_url), RSS)


def _feed_items() -> int:
    return int(current_app.config["FEED_ITEMS"])


@bp.get("/feed.atom")
def feed_atom() -> ResponseReturnValue:
    return _feed("atom", queries.feed_posts(_feed_items()), "posts.feed_atom")


@bp.get("/feed.rss")
def feed_rss() -> ResponseReturnValue:
    return _feed("rss", queries.feed_posts(_feed_items()), "posts.feed_rss")


@bp.get("/tag/<slug>/feed.atom")
def tag_feed_atom(slug: str) -> ResponseReturnValue:
    return _feed("atom", queries.feed_posts(_feed_items(), tag_slug=slug), "posts.tag_feed_atom", slug=slug)


@bp.get("/tag/<slug>/feed.rss")
def tag_feed_rss(slug: str) -> ResponseReturnValue:
    return _feed("rss", queries.feed_posts(_feed_items(), tag_slug=slug), "posts.tag_feed_rss", slug=slug)


@bp.get("/category/<slug>/feed.atom")
def category_feed_atom(slug: str) -> ResponseReturnValue:
    data = queries.feed_posts(_feed_items(), category_slug=slug)
    return _feed("atom", data, "posts.category_feed_atom", slug=slug)


@bp.get("/category/<slug>/feed.rss")
def category_feed_rss(slug: str) -> ResponseReturnValue:
    data = queries.feed_posts(_feed_items(), category_slug=slug)
    return _feed("rss", data, "posts.category_feed_rss", slug=slug)


@bp.get("/sitemap.xml")
def sitemap() -> ResponseReturnValue:
    return _xml(feeds.sitemap(queries.sitemap_data()), "application/xml; charset=utf-8")


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    response = Response(feeds.robots_txt(), content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
