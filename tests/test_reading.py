"""A reader browses the home page and opens posts: cards, pagination, series, slugs, drafts, schedules."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from blog.extensions import db
from blog.models import PostStatus, Role
from blog.models.base import utcnow
from blog.models.posts import CommentStatusChoice
from blog.posts.editing import PostInput, save_post


def _day(n: int) -> datetime:
    return datetime(2024, 3, 1, 12, 0, tzinfo=UTC) + timedelta(days=n)


def _titles(html: str) -> list[str]:
    return re.findall(r'class="post-card-title"><a href="[^"]+">([^<]+)</a>', html)


# ----------------------------------------------------------------------------- home


def test_home_lists_newest_posts_first_with_cards(client, make_post, make_user):
    author = make_user(Role.AUTHOR, name="Mina Kovač")
    make_post("Older review", published_at=_day(1), author=author)
    post = make_post(
        "Magnetic Rose",
        "Memories is a three episode anthology. " * 60,
        published_at=_day(2),
        author=author,
        tags=["anime", "Satoshi Kon"],
        cover_image="/media/rose.jpg",
        cover_alt="A derelict space station",
        excerpt="A ghost story in orbit.",
    )
    post.comment_count = 3
    db.session.commit()

    html = client.get("/").get_data(as_text=True)

    assert _titles(html) == ["Magnetic Rose", "Older review"]
    card = html[html.index('class="post-card') : html.index("Older review")]
    assert "Mina Kovač" in card
    assert f'href="/author/{author.id}/"' in card
    assert '<time class="post-date" datetime="2024-03-03T12:00:00+00:00">March 3, 2024</time>' in card
    assert f"{post.reading_minutes} min read" in card and post.reading_minutes > 1
    assert "A ghost story in orbit." in card
    assert '<img src="/media/rose.jpg" alt="A derelict space station"' in card
    assert 'href="/tag/anime/">anime</a>' in card and 'href="/tag/satoshi-kon/">Satoshi Kon</a>' in card
    assert "3 comments" in card


def test_a_cards_tags_are_in_letter_order_whatever_their_case(client, make_post):
    post = make_post("Magnetic Rose", tags=["Satoshi Kon", "anime", "Memories", "berserk"])
    expected = ["anime", "berserk", "memories", "satoshi-kon"]
    card = client.get("/").get_data(as_text=True)
    assert re.findall(r'href="/tag/([^/]+)/"', card[card.index('class="post-card') :]) == expected
    db.session.expire_all()
    assert [t.slug for t in post.tags] == expected  # the relationship (archives, feeds, the editor)


def _pagination(html: str) -> str:
    match = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    return match.group(0) if match else ""


def test_home_paginates_with_page_parameter(client, make_post, make_user):
    author = make_user()
    for n in range(1, 26):
        make_post(f"Review number {n}", published_at=_day(n), author=author)

    first = client.get("/").get_data(as_text=True)
    assert _titles(first) == [f"Review number {n}" for n in range(25, 15, -1)]
    nav = _pagination(first)
    assert "Page 1" in nav and "Page 1 of" not in nav
    assert 'rel="next" href="/?page=2"' in nav and "Older posts" in nav
    assert 'rel="prev"' not in nav

    second = _pagination(client.get("/?page=2").get_data(as_text=True))
    assert "Page 2" in second
    assert 'rel="prev" href="/"' in second and 'rel="next" href="/?page=3"' in second

    third = client.get("/?page=3")
    assert third.status_code == 200
    html = third.get_data(as_text=True)
    assert _titles(html) == [f"Review number {n}" for n in range(5, 0, -1)]
    assert 'rel="prev" href="/?page=2"' in html and "Newer posts" in html
    assert 'rel="next"' not in html and "Older posts" not in html
    assert client.get("/?page=4").status_code == 404


def test_a_list_that_ends_exactly_on_a_page_has_no_older_link(client, make_post, make_user, app):
    """The next page is known from one extra row: a full last page must not offer an empty one."""
    app.config["POSTS_PER_PAGE"] = 5
    author = make_user()
    for n in range(10):
        make_post(f"Review number {n}", published_at=_day(n), author=author)

    last = client.get("/?page=2").get_data(as_text=True)
    assert _titles(last) == [f"Review number {n}" for n in range(4, -1, -1)]
    assert 'rel="prev" href="/"' in last and 'rel="next"' not in last
    assert client.get("/?page=3").status_code == 404


def test_one_page_of_posts_shows_no_pagination(client, make_post, make_user):
    author = make_user()
    for n in range(10):  # exactly POSTS_PER_PAGE
        make_post(f"Review number {n}", published_at=_day(n), author=author)
    html = client.get("/").get_data(as_text=True)
    assert len(_titles(html)) == 10
    assert _pagination(html) == ""


@pytest.mark.parametrize("page", ["0", "-1", "abc", "4", "1.5", "99999999999999999999", "", "²", "1%00"])
def test_malformed_or_out_of_range_page_is_404(client, make_post, make_user, page):
    author = make_user()
    for n in range(12):
        make_post(f"Post {n}", published_at=_day(n), author=author)
    response = client.get(f"/?page={page}")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.get_data(as_text=True)


def test_empty_site_home_is_friendly(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing published yet" in response.get_data(as_text=True)


def test_home_page_query_count_does_not_grow_with_posts(client, make_post, make_user, count_queries, app):
    app.config["POSTS_PER_PAGE"] = 50
    author = make_user()

    def build(n: int) -> None:
        for i in range(n):
            make_post(f"Post {i}", tags=[f"tag {i}", "common"], series_title=f"Series {i % 3}", author=author)

    build(3)
    with count_queries() as few:
        assert client.get("/").status_code == 200
    build(27)
    with count_queries() as many:
        html = client.get("/").get_data(as_text=True)
    assert len(_titles(html)) == 30
    assert many.count == few.count


# ----------------------------------------------------------------------------- post page


def test_post_page_shows_the_post(client, make_post, make_user):
    author = make_user(Role.AUTHOR, name="Mina")
    post = make_post(
        "Magnetic Rose",
        "# Story\n\nA distress call from a **derelict**.",
        author=author,
        published_at=_day(4),
        tags=["anime"],
        categories=["Film reviews"],
        cover_image="https://cdn.example.org/rose.jpg",
        cover_alt="The station",
    )

    response = client.get(f"/posts/{post.slug}/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert re.search(r'<h1 class="post-title" itemprop="headline">Magnetic Rose</h1>', html)
    assert f'href="/author/{author.id}/"' in html
    assert '<time class="post-date" datetime="2024-03-05T12:00:00+00:00" itemprop="datePublished">' in html
    assert "min read" in html
    assert 'href="/category/film-reviews/">Film reviews</a>' in html
    assert 'href="/tag/anime/">anime</a>' in html
    assert '<img src="https://cdn.example.org/rose.jpg" alt="The station"' in html
    assert "<h2>Story</h2>" in html and "<strong>derelict</strong>" in html
    assert 'id="comments"' in html  # the comments area's section is included


def test_post_body_is_the_stored_sanitized_html(client, make_post, make_user):
    author = make_user(Role.AUTHOR)
    post = make_post("Careful", 'Hello <script>alert(1)</script> <img src=x onerror="alert(2)">', author=author)
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "alert(1)</script>" not in html
    assert "onerror" not in html


def test_post_title_is_escaped(client, make_post):
    post = make_post("<b>Bold</b> & brave")
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; brave" in html
    assert "<b>Bold</b>" not in html


def test_unknown_slug_is_404(client):
    response = client.get("/posts/no-such-post/")
    assert response.status_code == 404
    assert 'name="q"' in response.get_data(as_text=True)


def test_old_slug_redirects_permanently_to_current(client, make_post, make_user):
    author = make_user(Role.AUTHOR)
    post = make_post("First title", author=author)
    old = post.slug
    save_post(author, PostInput(title="Better title", body_md="Body", status=PostStatus.PUBLISHED), post)
    db.session.commit()

    response = client.get(f"/posts/{old}/")

    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/posts/{post.slug}/")
    assert client.get(response.headers["Location"]).status_code == 200


def test_old_slug_of_an_unpublished_post_is_404_for_readers(client, make_post, make_user):
    author = make_user(Role.AUTHOR)
    post = make_post("First title", author=author)
    old = post.slug
    save_post(author, PostInput(title="Renamed", body_md="Body", status=PostStatus.DRAFT), post)
    db.session.commit()
    assert client.get(f"/posts/{old}/").status_code == 404


# ----------------------------------------------------------------------------- drafts and scheduling


def test_draft_is_404_for_readers_and_other_authors(client, make_post, make_user, login):
    owner = make_user(Role.AUTHOR)
    draft = make_post("Secret draft", author=owner, status=PostStatus.DRAFT)
    assert client.get(f"/posts/{draft.slug}/").status_code == 404
    login(client, make_user(Role.READER))
    assert client.get(f"/posts/{draft.slug}/").status_code == 404
    login(client, make_user(Role.AUTHOR))
    assert client.get(f"/posts/{draft.slug}/").status_code == 404


def test_author_previews_own_draft_with_banner(client, make_post, make_user, login):
    owner = make_user(Role.AUTHOR)
    draft = make_post("Work in progress", author=owner, status=PostStatus.DRAFT)
    login(client, owner)

    response = client.get(f"/posts/{draft.slug}/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Draft — not public" in html
    assert f'href="/admin/posts/{draft.id}/edit">Edit this post</a>' in html
    assert '<meta name="robots" content="noindex">' in html
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "no-store" in response.headers["Cache-Control"]


def test_editor_previews_a_scheduled_post(client, make_post, make_user, login):
    post = make_post("Coming soon", author=make_user(Role.AUTHOR), published_at=utcnow() + timedelta(days=2))
    login(client, make_user(Role.EDITOR))
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Scheduled — not public" in html


def test_live_post_has_no_preview_banner_for_staff(client, make_post, make_user, login):
    owner = make_user(Role.AUTHOR)
    post = make_post("Out now", author=owner)
    login(client, owner)
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "not public" not in html
    assert f'href="/admin/posts/{post.id}/edit">Edit this post</a>' in html


def test_readers_see_no_edit_link(client, make_post):
    post = make_post("Out now")
    assert "Edit this post" not in client.get(f"/posts/{post.slug}/").get_data(as_text=True)


def test_scheduled_post_appears_when_its_time_comes(client, make_post, make_user):
    author = make_user()
    past = make_post("Was scheduled for an hour ago", author=author, published_at=utcnow() - timedelta(hours=1))
    future = make_post("Scheduled for tomorrow", author=author, published_at=utcnow() + timedelta(days=1))

    home = client.get("/").get_data(as_text=True)
    assert "Was scheduled for an hour ago" in home
    assert "Scheduled for tomorrow" not in home
    assert client.get(f"/posts/{past.slug}/").status_code == 200
    assert client.get(f"/posts/{future.slug}/").status_code == 404

    # Its time comes: nothing but the clock changes.
    future.published_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "Scheduled for tomorrow" in client.get("/").get_data(as_text=True)
    assert client.get(f"/posts/{future.slug}/").status_code == 200


# ----------------------------------------------------------------------------- series


def _series(make_post, make_user):
    author = make_user()
    first = make_post(
        "Fond Memories Part 1: Magnetic Rose",
        author=author,
        series_title="Fond Memories",
        series_part=1,
        published_at=_day(1),
    )
    second = make_post(
        "Fond Memories Part 2: Stink Bomb",
        author=author,
        series_title="Fond Memories",
        series_part=2,
        published_at=_day(2),
    )
    third = make_post(
        "Fond Memories Part 3: Cannon Fodder",
        author=author,
        series_title="Fond Memories",
        series_part=3,
        status=PostStatus.DRAFT,
    )
    return first, second, third


def test_post_page_shows_series_box_and_neighbours(client, make_post, make_user):
    first, second, _ = _series(make_post, make_user)

    html = client.get(f"/posts/{first.slug}/").get_data(as_text=True)
    assert 'href="/series/fond-memories/">Fond Memories</a>' in html
    assert "Part 1 of 2" in html
    assert f'rel="next" href="/posts/{second.slug}/"' in html
    assert 'rel="prev"' not in html
    assert "Cannon Fodder" not in html  # the draft part stays hidden

    html = client.get(f"/posts/{second.slug}/").get_data(as_text=True)
    assert "Part 2 of 2" in html
    assert f'rel="prev" href="/posts/{first.slug}/"' in html
    parts = html[html.index('class="series-parts"') : html.index("</ol>")]
    assert parts.index("Magnetic Rose") < parts.index("Stink Bomb")
    assert 'aria-current="page">Fond Memories Part 2: Stink Bomb' in parts


def test_previewed_draft_part_sits_in_its_series(client, make_post, make_user, login):
    _, second, third = _series(make_post, make_user)
    login(client, make_user(Role.ADMIN))
    html = client.get(f"/posts/{third.slug}/").get_data(as_text=True)
    assert "Part 3 of 3" in html
    assert f'rel="prev" href="/posts/{second.slug}/"' in html


def test_post_page_query_count_is_constant(client, make_post, make_user, count_queries):
    author = make_user()
    posts = [
        make_post(f"Part {n}", author=author, series_title="Long run", series_part=n, tags=["a", "b"])
        for n in range(1, 4)
    ]
    with count_queries() as few:
        client.get(f"/posts/{posts[0].slug}/")
    for n in range(4, 20):
        make_post(f"Part {n}", author=author, series_title="Long run", series_part=n, tags=["c", f"t{n}"])
    with count_queries() as many:
        html = client.get(f"/posts/{posts[0].slug}/").get_data(as_text=True)
    assert "Part 1 of 19" in html
    assert many.count == few.count


@pytest.mark.parametrize(
    "url",
    [
        "/posts/%00/",
        "/posts/a%00b/",
        "/tag/%00/",
        "/category/%00/",
        "/series/%00/",
        "/tag/%00/feed.atom",
        "/category/%00/feed.rss",
        "/posts/" + "x" * 5000 + "/",
        "/tag/%F0%9F%8C%B9/",
        "/posts/%ED%A0%80/",
    ],
)
def test_strange_addresses_are_404_not_500(client, make_post, url):
    make_post("Something")
    assert client.get(url).status_code == 404


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_links_follow_the_prefix_the_site_is_served_under(client, make_post):
    """Templates remember the URLs they build; one built under /blog must not leak to the root."""
    post = make_post("Perfect Blue")
    under = client.get(f"/posts/{post.slug}/", base_url="http://localhost/blog/").get_data(as_text=True)
    assert 'href="/blog/static/css/site.css"' in under
    assert f'action="/blog/posts/{post.slug}/comments#respond"' in under
    root = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'href="/static/css/site.css"' in root and "/blog/" not in root
    again = client.get(f"/posts/{post.slug}/", base_url="http://localhost/blog/").get_data(as_text=True)
    assert 'href="/blog/static/css/site.css"' in again


def _post_list(html: str) -> str:
    start = html.index('<div class="post-list">')
    return html[start : html.index("\n</div>", start)]


def test_home_cards_read_from_rows_show_what_the_archives_show(client, make_post, make_user, make_comment):
    """The home page reads its cards as plain rows (blog.posts.listing); an archive of the same
    posts loads them through the ORM. The two lists must be the same, card for card."""
    author = make_user(Role.AUTHOR, name="Kon & Co")
    first = make_post(
        "Magnetic Rose",
        author=author,
        tags=["anime", "satoshi kon"],
        series_title="Fond <Memories>",
        series_part=1,
        excerpt="A ghost story in brass & velvet.",
        cover_image="/media/rose.jpg",
        cover_alt="The derelict station",
    )
    make_comment(first)
    make_post("Stink Bomb", author=author, tags=["anime"], comment_status=CommentStatusChoice.CLOSED)
    make_post("Perfect Blue", author=author)
    make_post("Not yet", author=author, published_at=utcnow() + timedelta(days=2))
    home = client.get("/").get_data(as_text=True)
    archive = client.get(f"/author/{author.id}/").get_data(as_text=True)
    assert "Not yet" not in home
    assert _post_list(home) == _post_list(archive)
    cards = _post_list(home)
    assert cards.count('<article class="post-card') == 3 and "Fond &lt;Memories&gt;</a>, part 1" in cards
    assert 'rel="tag" href="/tag/satoshi-kon/">satoshi kon</a>' in cards and "Kon &amp; Co" in cards
    assert "1 comment</a>" in cards and 'alt="The derelict station"' in cards
