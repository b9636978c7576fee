"""Link previews and search engines read a post's meta tags and structured data; lost readers get a helpful 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from blog.models import PostStatus, Role


class _Head(HTMLParser):
    """Collects <meta property|name=... content=...> and <link rel=canonical> the way a crawler does."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.canonical: list[str] = []
        self.itemprops: dict[str, list[dict[str, str | None]]] = {}
        self.itemtypes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (key := a.get("property") or a.get("name")):
            self.meta.setdefault(key, []).append(a.get("content") or "")
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical.append(a.get("href") or "")
        if "itemprop" in a:
            self.itemprops.setdefault(a["itemprop"] or "", []).append({"tag": tag, **a})
        if "itemtype" in a:
            self.itemtypes.append(a["itemtype"] or "")


def _parse(html: str) -> _Head:
    head = _Head()
    head.feed(html)
    return head


@pytest.fixture
def post(make_post, make_user):
    return make_post(
        "Magnetic Rose",
        "A salvage crew answers a distress call. " * 20,
        author=make_user(Role.AUTHOR, name="Mina Kovač"),
        excerpt='A ghost story in orbit, with "quotes" & ampersands.',
        cover_image="/media/rose-cover.jpg",
        cover_alt="The derelict station",
        tags=["anime", "Satoshi Kon"],
        published_at=datetime(2024, 3, 5, 9, 30, tzinfo=UTC),
    )


def test_post_page_has_open_graph_and_twitter_tags(client, post):
    head = _parse(client.get(f"/posts/{post.slug}/").get_data(as_text=True))
    url = f"http://localhost/posts/{post.slug}/"

    assert head.canonical == [url]
    assert head.meta["og:title"] == ["Magnetic Rose"]
    assert head.meta["og:description"] == ['A ghost story in orbit, with "quotes" & ampersands.']
    assert head.meta["description"] == head.meta["og:description"]
    assert head.meta["og:type"] == ["article"]
    assert head.meta["og:url"] == [url]
    assert head.meta["og:image"] == ["http://localhost/media/rose-cover.jpg"]
    assert head.meta["og:image:alt"] == ["The derelict station"]
    assert head.meta["og:site_name"] == ["Sargasso"]
    assert head.meta["article:published_time"] == ["2024-03-05T09:30:00+00:00"]
    assert head.meta["article:author"] == ["Mina Kovač"]
    assert sorted(head.meta["article:tag"]) == ["Satoshi Kon", "anime"]
    assert head.meta["twitter:card"] == ["summary_large_image"]
    assert head.meta["twitter:title"] == ["Magnetic Rose"]
    assert head.meta["twitter:image"] == ["http://localhost/media/rose-cover.jpg"]
    assert "robots" not in head.meta


def test_post_without_cover_gets_a_summary_card(client, make_post):
    post = make_post("No picture")
    head = _parse(client.get(f"/posts/{post.slug}/").get_data(as_text=True))
    assert head.meta["twitter:card"] == ["summary"]
    assert "og:image" not in head.meta


@pytest.mark.settings(SITE_URL="https://reviews.example.org")
def test_canonical_and_og_use_site_url(client, post):
    head = _parse(client.get(f"/posts/{post.slug}/").get_data(as_text=True))
    assert head.canonical == [f"https://reviews.example.org/posts/{post.slug}/"]
    assert head.meta["og:image"] == ["https://reviews.example.org/media/rose-cover.jpg"]


def test_absolute_cover_url_is_kept(client, make_post):
    post = make_post("Remote cover", cover_image="https://cdn.example.org/a.jpg")
    head = _parse(client.get(f"/posts/{post.slug}/").get_data(as_text=True))
    assert head.meta["og:image"] == ["https://cdn.example.org/a.jpg"]


def test_post_is_marked_up_as_a_blog_posting(client, post):
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    head = _parse(html)
    assert '<article class="post" itemscope itemtype="https://schema.org/BlogPosting">' in html
    assert "https://schema.org/Person" in head.itemtypes
    assert head.itemprops["headline"][0]["tag"] == "h1"
    assert head.itemprops["datePublished"][0]["datetime"] == "2024-03-05T09:30:00+00:00"
    assert head.itemprops["dateModified"][0]["content"]
    assert head.itemprops["name"][0]["tag"] == "span"  # the author's name inside the Person
    assert head.itemprops["image"][0]["src"] == "/media/rose-cover.jpg"
    assert head.itemprops["articleBody"][0]["class"] == "post-body"
    assert head.itemprops["mainEntityOfPage"][0]["href"] == f"http://localhost/posts/{post.slug}/"
    # The comments area nests its Comment items inside the article.
    article = html[html.index('<article class="post"') : html.rindex("</article>")]
    assert 'id="comments"' in article


def test_list_pages_have_canonical_links(client, post):
    head = _parse(client.get("/").get_data(as_text=True))
    assert head.canonical == ["http://localhost/"]
    assert head.meta["og:type"] == ["website"]
    head = _parse(client.get("/tag/anime/").get_data(as_text=True))
    assert head.canonical == ["http://localhost/tag/anime/"]


def test_paginated_list_pages_have_their_own_canonical(client, make_post, make_user, app):
    app.config["POSTS_PER_PAGE"] = 1
    author = make_user()
    make_post("One", author=author)
    make_post("Two", author=author)
    head = _parse(client.get("/?page=2").get_data(as_text=True))
    assert head.canonical == ["http://localhost/?page=2"]


def test_previewed_draft_is_not_indexed(client, make_post, make_user, login):
    author = make_user(Role.AUTHOR)
    draft = make_post("Draft", author=author, status=PostStatus.DRAFT)
    login(client, author)
    head = _parse(client.get(f"/posts/{draft.slug}/").get_data(as_text=True))
    assert head.meta["robots"] == ["noindex"]


def test_meta_tags_escape_the_title(client, make_post):
    post = make_post('He said "hi" <script>')
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert '<meta property="og:title" content="He said &#34;hi&#34; &lt;script&gt;">' in html


def test_404_page_helps_the_reader_on(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "We couldn’t find that page" in html
    assert re.search(r'<form class="search-page-form" role="search"[^>]*method="get" action="/search">', html)
    assert 'href="/archives/"' in html
    assert '<meta name="robots" content="noindex">' in html
