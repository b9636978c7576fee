"""Feed readers and crawlers fetch Atom, RSS, the sitemap and robots.txt, and parse them as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from blog.extensions import db
from blog.models import PostStatus, Role
from blog.models.base import utcnow

A = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
DC = "{http://purl.org/dc/elements/1.1/}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _at(day: int) -> datetime:
    return datetime(2024, 3, day, 9, 30, tzinfo=UTC)


@pytest.fixture
def site(make_post, make_user):
    """Two live posts, a draft, a scheduled post and one submitted for review."""
    author = make_user(Role.AUTHOR, name="Mina Kovač")
    older = make_post(
        "Perfect Blue",
        "A pop idol's *nightmare*. ![Poster](/media/poster.jpg)\n\n[More](/posts/paprika/)",
        author=author,
        tags=["Satoshi Kon"],
        categories=["Film reviews"],
        published_at=_at(1),
    )
    newer = make_post(
        "Magnetic Rose",
        "Memories is a three episode anthology.",
        author=author,
        tags=["anime", "Satoshi Kon"],
        categories=["Anime"],
        series_title="Fond Memories",
        series_part=1,
        published_at=_at(5),
        excerpt="A ghost story in orbit.",
    )
    make_post("Draft post", author=author, tags=["anime"], categories=["Anime"], status=PostStatus.DRAFT)
    make_post("Pending post", author=author, tags=["anime"], status=PostStatus.PENDING)
    make_post("Scheduled post", author=author, tags=["anime"], published_at=utcnow() + timedelta(days=3))
    return older, newer


def _xml(response):
    assert response.status_code == 200, response.status_code
    return ET.fromstring(response.data)  # noqa: S314  (our own output, parsed to check it)


# ----------------------------------------------------------------------------- Atom


def test_atom_feed_lists_published_posts_with_full_content(client, site):
    _, newer = site
    response = client.get("/feed.atom")
    assert response.content_type.startswith("application/atom+xml")
    feed = _xml(response)

    assert feed.tag == f"{A}feed"
    assert feed.findtext(f"{A}title") == "Sargasso"
    self_link = feed.find(f"{A}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == "http://localhost/feed.atom"
    entries = feed.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == ["Magnetic Rose", "Perfect Blue"]

    first = entries[0]
    assert first.find(f"{A}link").get("href") == f"http://localhost/posts/{newer.slug}/"
    assert first.findtext(f"{A}published") == "2024-03-05T09:30:00Z"
    assert datetime.fromisoformat(first.findtext(f"{A}updated")) >= _at(5)
    assert first.findtext(f"{A}author/{A}name") == "Mina Kovač"
    assert first.findtext(f"{A}summary") == "A ghost story in orbit."
    # The category "Anime" and the tag "anime" are one subject: listed once, the category first.
    assert [c.get("label") for c in first.findall(f"{A}category")] == ["Anime", "Satoshi Kon"]
    assert first.findtext(f"{A}id").startswith("tag:localhost,2024-03-05:post-")
    updated = datetime.fromisoformat(feed.findtext(f"{A}updated"))
    assert updated >= _at(5)

    content = entries[1].find(f"{A}content")
    assert content.get("type") == "html"
    html = content.text
    assert "<em>nightmare</em>" in html
    # Root-relative links and images made absolute for feed readers.
    assert 'src="http://localhost/media/poster.jpg"' in html
    assert 'href="http://localhost/posts/paprika/"' in html


def test_feeds_leave_out_drafts_pending_and_scheduled(client, site):
    for url in ("/feed.atom", "/feed.rss", "/tag/anime/feed.atom", "/tag/anime/feed.rss", "/category/anime/feed.atom"):
        body = client.get(url).get_data(as_text=True)
        assert "Draft post" not in body, url
        assert "Pending post" not in body, url
        assert "Scheduled post" not in body, url


def test_tag_feed_has_only_that_tags_posts(client, site):
    feed = _xml(client.get("/tag/anime/feed.atom"))
    assert [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")] == ["Magnetic Rose"]
    assert "anime" in feed.findtext(f"{A}title")
    assert feed.find(f"{A}link[@rel='alternate']").get("href") == "http://localhost/tag/anime/"

    feed = _xml(client.get("/tag/satoshi-kon/feed.atom"))
    assert len(feed.findall(f"{A}entry")) == 2


def test_category_feeds_in_both_formats(client, site):
    atom = _xml(client.get("/category/film-reviews/feed.atom"))
    assert [e.findtext(f"{A}title") for e in atom.findall(f"{A}entry")] == ["Perfect Blue"]
    rss = _xml(client.get("/category/film-reviews/feed.rss"))
    assert [i.findtext("title") for i in rss.findall("channel/item")] == ["Perfect Blue"]
    assert rss.findtext("channel/link") == "http://localhost/category/film-reviews/"


@pytest.mark.parametrize("url", ["/tag/nope/feed.atom", "/tag/nope/feed.rss", "/category/nope/feed.atom"])
def test_feed_of_unknown_term_is_404(client, url):
    assert client.get(url).status_code == 404


def test_empty_site_feeds_are_valid(client):
    feed = _xml(client.get("/feed.atom"))
    assert feed.findall(f"{A}entry") == []
    assert feed.findtext(f"{A}updated")
    rss = _xml(client.get("/feed.rss"))
    assert rss.findall("channel/item") == []


# ----------------------------------------------------------------------------- RSS


def test_rss_feed_lists_published_posts(client, site):
    _, newer = site
    response = client.get("/feed.rss")
    assert response.content_type.startswith("application/rss+xml")
    rss = _xml(response)

    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel.findtext("title") == "Sargasso"
    assert channel.findtext("link") == "http://localhost/"
    assert channel.find(f"{A}link").get("href") == "http://localhost/feed.rss"
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Magnetic Rose", "Perfect Blue"]
    first = items[0]
    assert first.findtext("link") == f"http://localhost/posts/{newer.slug}/"
    assert parsedate_to_datetime(first.findtext("pubDate")) == _at(5)
    assert first.findtext(f"{DC}creator") == "Mina Kovač"
    assert first.findtext("description") == "A ghost story in orbit."
    assert "three episode anthology" in first.findtext(f"{CONTENT}encoded")
    assert first.find("guid").get("isPermaLink") == "false"
    assert [c.text for c in first.findall("category")] == ["Anime", "Satoshi Kon"]  # "anime" once, as the category


def test_feed_limits_items_to_setting(client, make_post, make_user, app):
    app.config["FEED_ITEMS"] = 3
    author = make_user()
    for n in range(5):
        make_post(f"Post {n}", author=author, published_at=_at(n + 1))
    feed = _xml(client.get("/feed.atom"))
    assert [e.findtext(f"{A}title") for e in feed.findall(f"{A}entry")] == ["Post 4", "Post 3", "Post 2"]


def test_titles_with_markup_characters_stay_text(client, make_post):
    make_post("Tom & Jerry <3 — “quotes”")
    feed = _xml(client.get("/feed.atom"))
    assert feed.find(f"{A}entry").findtext(f"{A}title") == "Tom & Jerry <3 — “quotes”"


@pytest.mark.settings(SITE_URL="https://reviews.example.org/")
def test_site_url_setting_is_used_for_absolute_links(client, site):
    older, _ = site
    feed = _xml(client.get("/feed.atom"))
    assert feed.find(f"{A}link[@rel='self']").get("href") == "https://reviews.example.org/feed.atom"
    entry = feed.findall(f"{A}entry")[1]
    assert entry.find(f"{A}link").get("href") == f"https://reviews.example.org/posts/{older.slug}/"
    assert entry.findtext(f"{A}id").startswith("tag:reviews.example.org,2024-03-01:post-")
    assert 'src="https://reviews.example.org/media/poster.jpg"' in entry.findtext(f"{A}content")
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://reviews.example.org/sitemap.xml" in robots


def test_entry_id_survives_a_slug_change(client, site, make_user):
    older, _ = site
    before = {e.findtext(f"{A}title"): e.findtext(f"{A}id") for e in _xml(client.get("/feed.atom")).iter(f"{A}entry")}
    older.slug = "perfect-blue-revisited"
    db.session.commit()
    after = {e.findtext(f"{A}title"): e.findtext(f"{A}id") for e in _xml(client.get("/feed.atom")).iter(f"{A}entry")}
    assert before == after


def test_feed_answers_304_when_unchanged(client, site):
    first = client.get("/feed.atom")
    etag = first.headers["ETag"]
    again = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_pages_link_to_the_site_feeds(client, site):
    html = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feed.atom"' in html and 'href="/feed.rss"' in html


# ----------------------------------------------------------------------------- sitemap and robots


def test_sitemap_lists_public_addresses_only(client, site):
    older, newer = site
    response = client.get("/sitemap.xml")
    assert "xml" in response.content_type
    urlset = _xml(response)
    assert urlset.tag == f"{SM}urlset"
    locs = [u.findtext(f"{SM}loc") for u in urlset.findall(f"{SM}url")]

    assert locs[0] == "http://localhost/"
    assert f"http://localhost/posts/{newer.slug}/" in locs
    assert f"http://localhost/posts/{older.slug}/" in locs
    assert "http://localhost/tag/anime/" in locs
    assert "http://localhost/tag/satoshi-kon/" in locs
    assert "http://localhost/category/film-reviews/" in locs
    assert "http://localhost/category/anime/" in locs
    assert "http://localhost/series/fond-memories/" in locs
    assert not any("draft" in loc or "pending" in loc or "scheduled" in loc for loc in locs)
    assert len(locs) == len(set(locs)) == 1 + 2 + 2 + 2 + 1

    lastmods = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in urlset.findall(f"{SM}url")}
    assert datetime.fromisoformat(lastmods[f"http://localhost/posts/{older.slug}/"]) >= _at(1)


def test_sitemap_leaves_out_terms_with_only_unpublished_posts(client, make_post):
    make_post("Hidden", tags=["secret-tag"], categories=["Secret cat"], series_title="Secret", status=PostStatus.DRAFT)
    body = client.get("/sitemap.xml").get_data(as_text=True)
    assert "secret" not in body


def test_robots_txt_points_to_sitemap_and_keeps_out_of_admin(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def _sitemap(client) -> dict[str, str | None]:
    urlset = _xml(client.get("/sitemap.xml"))
    return {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in urlset.findall(f"{SM}url")}


def test_sitemap_lists_the_works_and_people_pages_with_their_last_change(client, make_user, make_post):
    from blog.models import Work
    from tests.reviews_support import review, seed_memories, work

    post = seed_memories(make_post, published_at=_at(3))
    db.session.execute(db.update(Work).values(updated_at=_at(1)))
    db.session.commit()
    entries = _sitemap(client)
    for path in ("works/", "works/memories/", "works/magnetic-rose/", "works/cannon-fodder/", "people/"):
        assert f"http://localhost/{path}" in entries, path
    assert "http://localhost/people/satoshi-kon/" in entries and "http://localhost/people/yoko-kanno/" in entries
    lastmod = {loc: datetime.fromisoformat(when) for loc, when in entries.items() if when}
    # A work changed when its information did, or when a review shown on its page was published:
    # Magnetic Rose's review shows on its page and on the whole's.
    assert lastmod["http://localhost/works/cannon-fodder/"] == _at(1)
    reviewed = max(post.published_at, post.updated_at).replace(microsecond=0)  # lastmod is to the second
    assert lastmod["http://localhost/works/magnetic-rose/"] == reviewed
    assert lastmod["http://localhost/works/memories/"] == reviewed
    assert lastmod["http://localhost/works/"] == reviewed
    assert lastmod["http://localhost/people/satoshi-kon/"] >= _at(1)

    draft = make_post("Draft", status=PostStatus.DRAFT)
    review(make_user(Role.EDITOR), draft, work("cannon-fodder"), 3)  # not public: no change to the page
    assert datetime.fromisoformat(_sitemap(client)["http://localhost/works/cannon-fodder/"]) == _at(1)


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)  # each request builds the sitemap
def test_the_sitemap_costs_the_same_few_queries_however_many_works(client, make_user, count_queries):
    from tests.reviews_support import add_person, add_work

    editor = make_user(Role.EDITOR)

    def cost() -> int:
        with count_queries() as q:
            assert client.get("/sitemap.xml").status_code == 200
        return q.count

    add_person(editor, "Satoshi Kon")
    add_work(editor, "Paprika", credits=[("Satoshi Kon", "Director")])
    client.get("/sitemap.xml")  # warm up per-process caches
    few = cost()
    for i in range(5):
        add_person(editor, f"Person {i}")
        add_work(editor, f"Work {i}", credits=[(f"Person {i}", "Music")])
    assert cost() == few
    assert len([loc for loc in _sitemap(client) if "/works/" in loc]) == 1 + 6
