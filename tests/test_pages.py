"""Pages: an "About" or "How I score" page at /<slug>/, written in the admin, listed in the site menu."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Page, PageStatus, Role
from blog.pages.editing import PageInput, write_page
from blog.pages.slugs import is_reserved

PageBuilder = Callable[..., Page]
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def make_page(app: Any, make_user: Any) -> PageBuilder:
    def _make_page(
        title: str = "About",
        body: str = "I write about **anime** and films.",
        *,
        status: PageStatus | str = PageStatus.PUBLISHED,
        author: Any = None,
        **fields: Any,
    ) -> Page:
        page = write_page(
            author or make_user(Role.ADMIN),
            PageInput(title=title, body_md=body, status=PageStatus(status), **fields),
            unfiltered=True,
        )
        db.session.commit()
        return page

    return _make_page


def form(**overrides: Any) -> dict[str, Any]:
    data = {"title": "How I score", "body_md": "A **10** is a favourite for life.", "status": "published"}
    data.update(overrides)
    return data


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def menu_links(response: Any) -> list[tuple[str, str]]:
    nav = soup(response).select_one("nav.site-nav .nav-links")
    assert nav is not None
    return [(a.get_text(strip=True), a["href"]) for a in nav.select("a")]


def page_count() -> int:
    return db.session.scalar(select(func.count(Page.id))) or 0


# ----------------------------------------------------------------------------- readers


def test_a_published_page_is_at_its_address_with_its_title_description_and_canonical(client, make_page):
    make_page("About this site", "I review *anime* and films.\n\n# Contact\n\nLeave a comment.", slug="about")
    response = client.get("/about/")
    assert response.status_code == 200
    page = soup(response)
    assert page.title.get_text() == "About this site · Sargasso"
    assert page.select_one("h1").get_text() == "About this site"
    assert page.select_one(".post-body h2").get_text() == "Contact"  # Markdown rendered as posts are
    assert page.select_one("article")["itemtype"] == "https://schema.org/WebPage"
    assert page.select_one('meta[name="description"]')["content"].startswith("I review anime and films.")
    assert page.select_one('link[rel="canonical"]')["href"] == "http://localhost/about/"
    assert page.select_one('meta[property="og:type"]')["content"] == "website"
    assert page.select_one('meta[property="og:title"]')["content"] == "About this site"
    assert page.select_one('meta[name="robots"]') is None
    assert client.get("/about").status_code == 308  # the address without its slash goes to it


def test_a_typed_description_is_what_search_engines_get(client, make_page):
    make_page("How I score", "Long text about scores.", description="What my scores out of 10 mean.")
    page = soup(client.get("/how-i-score/"))
    assert page.select_one('meta[name="description"]')["content"] == "What my scores out of 10 mean."
    assert page.select_one('meta[property="og:description"]')["content"] == "What my scores out of 10 mean."


def test_a_site_address_typed_with_a_trailing_slash_is_sent_on_to_it(client, make_page):
    make_page("About")
    moved = client.get("/search/?q=magnetic+rose")
    assert moved.status_code == 308 and moved.headers["Location"] == "/search?q=magnetic+rose"
    assert client.get(moved.headers["Location"]).status_code == 200
    assert client.get("/login/").headers["Location"] == "/login"
    assert client.get("/about/").status_code == 200  # a page is a page
    assert client.get("/no-such-thing/").status_code == 404


def test_a_draft_is_not_found_by_readers_and_staff_preview_it_unindexed(client, make_page, make_user, login):
    make_page("Review policy", "Coming soon.", status="draft")
    assert client.get("/review-policy/").status_code == 404
    login(client, make_user(Role.CONTRIBUTOR))
    response = client.get("/review-policy/")
    assert response.status_code == 200
    assert "Draft — not public" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert soup(response).select_one('meta[name="robots"]')["content"] == "noindex"
    assert "Edit this page" not in response.get_data(as_text=True)  # contributors may not edit pages


def test_unknown_and_malformed_top_level_addresses_are_plain_404s(client, make_page):
    make_page()
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/favicon.ico").status_code == 404  # never looked up as a page
    assert client.get("/About/").status_code == 404
    assert client.get("/" + "a" * 150 + "/").status_code == 404


def test_pages_are_in_no_list_feed_archive_or_search_but_in_the_sitemap(client, make_page, make_post):
    make_post("Magnetic Rose", "A space opera in one act.")
    make_page("Opera policy", "Every opera gets a review.")
    make_page("Unfinished opera notes", "Not yet.", status="draft")
    for url in ("/", "/archives/", "/feed.atom", "/feed.rss", "/search?q=opera", "/series/"):
        body = client.get(url).get_data(as_text=True)
        assert "Opera policy" not in body, url
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>http://localhost/opera-policy/</loc>" in sitemap
    assert "unfinished-opera-notes" not in sitemap


# ----------------------------------------------------------------------------- the admin


@pytest.fixture
def author(make_user, client, login):
    user = make_user(Role.AUTHOR, name="Bebop")
    login(client, user)
    return user


def test_an_author_writes_a_page_and_finds_it_at_its_address_and_in_the_menu(client, author):
    response = client.post("/admin/pages/new", data=form(show_in_menu="y", menu_label="Scores", menu_order="2"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/edit")
    edit = client.get(response.headers["Location"])
    assert "Page published at /how-i-score/." in edit.get_data(as_text=True)
    page = db.session.scalar(select(Page))
    assert (page.slug, page.status, page.show_in_menu, page.menu_order) == ("how-i-score", "published", True, 2)
    assert page.body_html == "<p>A <strong>10</strong> is a favourite for life.</p>"
    assert page.author_id == author.id
    assert ("Scores", "/how-i-score/") in menu_links(client.get("/"))


def test_the_admin_lists_pages_with_status_menu_place_and_a_delete_that_asks_first(client, author, make_page):
    make_page("About", menu_label="About me", show_in_menu=True, menu_order=1)
    make_page("Review policy", "Soon.", status="draft")
    html = client.get("/admin/pages/")
    assert html.status_code == 200
    rows = soup(html).select("table.page-table tbody tr")
    assert [r.th.a.get_text() for r in rows] == ["About", "Review policy"]
    assert "Yes, as “About me”" in rows[0].get_text() and "Published" in rows[0].get_text()
    assert "Draft" in rows[1].get_text() and "Preview" in rows[1].get_text()
    delete = rows[0].select_one("form[data-confirm]")
    assert delete["action"].endswith("/delete") and "cannot be undone" in delete["data-confirm"]
    assert soup(html).select_one('.admin-menu a[aria-current="page"]').get_text(strip=True) == "Pages"


def test_the_editor_has_the_post_editors_toolbar_and_preview(client, author):
    page = soup(client.get("/admin/pages/new"))
    form_ = page.select_one("form[data-editor]")
    assert form_["data-preview-url"] == "/admin/posts/preview"
    assert form_["data-post-id"] == "page-new"  # its browser copy never mixes with a new post's
    assert page.select_one('[data-editor-bar] [data-md="bold"]') is not None
    assert page.select_one("[data-base-version-input]") is not None
    scripts = [s["src"] for s in page.select("script[src]")]
    assert scripts.index("/static/js/pages.js") < scripts.index("/static/js/editor.js")


def test_the_preview_renders_a_page_body_as_it_will_be_published(client, author):
    response = client.post("/admin/posts/preview", json={"body_md": "# Scores\n\n||spoiler||", "post_id": "page-3"})
    assert response.status_code == 200
    assert response.get_json()["html"].startswith("<h2>Scores</h2>")


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("search", "one the site uses itself"),
        ("admin", "one the site uses itself"),
        ("Posts", "one the site uses itself"),
        ("works", "one the site uses itself"),
        ("feed", "one the site uses itself"),
        ("tag", "one the site uses itself"),  # /tag/<slug>/ lists a tag's posts
        ("healthz", "one the site uses itself"),
        ("2024", "one the site uses itself"),  # /2024/ is that year's archive
        ("static", "one the site uses itself"),
        ("!!!", "letters a to z"),
    ],
)
def test_an_address_the_site_uses_is_refused_with_a_message_and_the_text_is_kept(client, author, slug, reason):
    response = client.post("/admin/pages/new", data=form(slug=slug, body_md="My *careful* text."))
    assert response.status_code == 400
    page = soup(response)
    summary = page.select_one("[data-error-summary]")
    assert summary is not None and "what you typed is kept" in summary.get_text()
    assert reason in page.select_one("#slug-error").get_text()
    assert page.select_one("#slug")["value"] == slug
    assert page.select_one("#body_md").get_text().strip() == "My *careful* text."
    assert page.select_one("#title")["value"] == "How I score"
    assert page_count() == 0


def test_every_route_of_the_site_is_out_of_reach_of_pages(app):
    for rule in app.url_map.iter_rules():
        first = rule.rule.strip("/").split("/")[0]
        if first and "<" not in first:
            assert is_reserved(first), rule.rule


def test_an_address_another_page_has_is_refused(client, author, make_page):
    make_page("How I score", slug="how-i-score")
    response = client.post("/admin/pages/new", data=form())
    assert response.status_code == 400
    assert "Another page, “How I score”, is at /how-i-score/." in response.get_data(as_text=True)
    assert page_count() == 1


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": ""},
        {"body_md": "   "},
        {"menu_order": "soon"},
        {"menu_order": "-1"},
        {"menu_order": "99999999999999999999"},
        {"status": "scheduled"},
        {"title": "x" * 301},
        {"description": "d" * 501},
        {"menu_label": "m" * 61},
        {"title": "Nul\x00 byte", "slug": "\x00"},
    ],
)
def test_malformed_input_is_refused_with_a_4xx_and_nothing_is_written(client, author, overrides):
    response = client.post("/admin/pages/new", data=form(**overrides))
    assert response.status_code == 400, overrides
    assert soup(response).select_one(".form-errors") is not None
    assert page_count() == 0


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_a_form_without_its_csrf_token_changes_nothing(client, author, make_page):
    page = make_page("About")
    assert client.post("/admin/pages/new", data=form()).status_code == 400
    assert client.post(f"/admin/pages/{page.id}/edit", data=form(title="Hacked")).status_code == 400
    assert client.post(f"/admin/pages/{page.id}/delete").status_code == 400
    db.session.expire_all()
    assert [p.title for p in db.session.scalars(select(Page))] == ["About"]


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_the_forms_carry_their_csrf_token_and_saving_works_with_it(client, author):
    html = client.get("/admin/pages/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post("/admin/pages/new", data=form(csrf_token=token)).status_code == 303
    assert page_count() == 1


def test_contributors_and_readers_may_not_touch_pages(client, make_user, login, make_page):
    page = make_page()
    response = client.get("/admin/pages/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for role in (Role.CONTRIBUTOR, Role.READER):
        login(client, make_user(role))
        assert client.get("/admin/pages/").status_code == 403
        assert client.post("/admin/pages/new", data=form()).status_code == 403
        assert client.post(f"/admin/pages/{page.id}/delete").status_code == 403
    assert page_count() == 1


def test_the_admin_menu_shows_pages_to_those_who_may_edit_them(client, make_user, login):
    login(client, make_user(Role.AUTHOR))
    assert "/admin/pages/" in client.get("/admin/").get_data(as_text=True)
    login(client, make_user(Role.CONTRIBUTOR))
    assert "/admin/pages/" not in client.get("/admin/").get_data(as_text=True)


def test_editing_keeps_the_address_and_someone_elses_newer_save_is_not_overwritten(client, author, make_page):
    page = make_page("About", "First words.")
    edit_form = soup(client.get(f"/admin/pages/{page.id}/edit"))
    assert edit_form.select_one("#slug")["value"] == "about"
    base = edit_form.select_one("[data-base-version-input]")["value"]
    saved = client.post(f"/admin/pages/{page.id}/edit", data=form(title="About", slug="about", base_version=base))
    assert saved.status_code == 303
    stale = client.post(
        f"/admin/pages/{page.id}/edit", data=form(title="About", slug="about", body_md="Mine.", base_version=base)
    )
    assert stale.status_code == 409
    assert "Someone else saved this page" in stale.get_data(as_text=True)
    assert soup(stale).select_one("#body_md").get_text().strip() == "Mine."
    db.session.expire_all()
    assert db.session.get(Page, page.id).body_md == "A **10** is a favourite for life."
    again = soup(stale).select_one("[data-base-version-input]")["value"]
    kept = client.post(
        f"/admin/pages/{page.id}/edit", data=form(title="About", slug="about", body_md="Mine.", base_version=again)
    )
    assert kept.status_code == 303
    db.session.expire_all()
    assert db.session.get(Page, page.id).body_md == "Mine."


def _save(client: Any, page: Page, **overrides: Any) -> Any:
    """Save ``page`` from its editor, as its form holds it, with ``overrides``."""
    edit = soup(client.get(f"/admin/pages/{page.id}/edit"))
    base = edit.select_one("[data-base-version-input]")["value"]
    fields = {"title": page.title, "slug": page.slug, "body_md": page.body_md, "status": page.status.value}
    fields |= {"menu_label": page.menu_label, "menu_order": str(page.menu_order)}
    if page.show_in_menu:
        fields["show_in_menu"] = "y"
    return client.post(f"/admin/pages/{page.id}/edit", data=form(**{**fields, "base_version": base, **overrides}))


def test_a_published_page_that_moves_keeps_its_old_address_leading_to_it(client, author, make_page):
    page = make_page("About me", show_in_menu=True)
    saved = _save(client, page, slug="about")
    assert saved.status_code == 303
    editor = client.get(saved.headers["Location"])
    assert "Page updated. It is now at /about/, and /about-me/ leads there." in editor.get_data(as_text=True)
    assert "Also reached from /about-me/, which leads here." in soup(editor).select_one(".old-addresses").get_text()
    old = client.get("/about-me/")
    assert old.status_code == 301 and old.headers["Location"].endswith("/about/")
    assert client.get("/about/").status_code == 200
    assert ("About me", "/about/") in menu_links(client.get("/"))
    # A second move: both old addresses lead to where the page is now, in one hop.
    db.session.expire_all()
    assert _save(client, db.session.get(Page, page.id), slug="who-writes-here").status_code == 303
    for gone in ("/about-me/", "/about/"):
        moved = client.get(gone)
        assert moved.status_code == 301 and moved.headers["Location"].endswith("/who-writes-here/"), gone
    # Taking an old address back: it is the page's again, not a redirect to itself.
    db.session.expire_all()
    assert _save(client, db.session.get(Page, page.id), slug="about").status_code == 303
    assert client.get("/about/").status_code == 200
    assert client.get("/who-writes-here/").headers["Location"].endswith("/about/")


def test_another_pages_old_address_is_refused_with_a_message(client, author, make_page):
    first = make_page("About")
    assert _save(client, first, slug="about-this-site").status_code == 303
    assert client.get("/about/").status_code == 301
    second = make_page("Colophon", "How this site is made.")
    refused = _save(client, second, slug="about", body_md="How this site is made, with my changes.")
    assert refused.status_code == 400
    message = soup(refused).select_one("#slug-error").get_text(" ", strip=True)
    assert "/about/ was the address of “About”, and links to it still lead there." in message
    assert soup(refused).select_one("#body_md").get_text().strip() == "How this site is made, with my changes."
    assert client.get("/about/").headers["Location"].endswith("/about-this-site/")  # nothing changed
    db.session.expire_all()
    assert db.session.get(Page, second.id).slug == "colophon"
    assert "old-addresses" in client.get(f"/admin/pages/{first.id}/edit").get_data(as_text=True)


def test_a_moved_pages_old_address_keeps_the_query(client, author, make_page):
    page = make_page("About me")
    assert _save(client, page, slug="about").status_code == 303
    assert client.get("/about-me/?ref=newsletter").headers["Location"] == "/about/?ref=newsletter"


def test_a_draft_leaves_no_old_address_and_readers_are_not_sent_to_a_draft(client, author, make_page, make_user):
    draft = make_page("Review policy", status="draft")
    assert _save(client, draft, slug="policy").status_code == 303
    assert client.get("/review-policy/").status_code == 404  # nobody could have had that address
    live = make_page("Scores")
    assert _save(client, live, slug="how-i-score", status="draft").status_code == 303
    staff = client.get("/scores/")  # staff: sent on to the preview
    assert staff.status_code == 301 and staff.headers["Location"].endswith("/how-i-score/")
    assert "noindex" in client.get("/how-i-score/").headers["X-Robots-Tag"]
    client.post("/logout")
    assert client.get("/scores/").status_code == 404  # readers: the page is a draft now
    assert client.get("/how-i-score/").status_code == 404


def test_deleting_a_page_takes_its_old_addresses_with_it(client, author, make_page):
    page = make_page("About me")
    assert _save(client, page, slug="about").status_code == 303
    assert client.post(f"/admin/pages/{page.id}/delete").status_code == 303
    assert client.get("/about-me/").status_code == 404


def test_an_author_saving_an_admins_page_does_not_keep_its_embed(client, author, make_page, make_user):
    embed = '<iframe src="https://www.youtube.com/embed/x"></iframe>\n\nWatch this.'
    page = make_page("Trailer", embed, author=make_user(Role.ADMIN))
    assert "<iframe" in page.body_html
    client.post(f"/admin/pages/{page.id}/edit", data=form(title="Trailer", slug="trailer", body_md=embed))
    db.session.expire_all()
    assert "<iframe" not in db.session.get(Page, page.id).body_html


def test_deleting_a_page_takes_it_off_the_site_and_out_of_the_menu(client, author, make_page):
    page = make_page("About", show_in_menu=True)
    assert ("About", "/about/") in menu_links(client.get("/"))
    response = client.post(f"/admin/pages/{page.id}/delete")
    assert response.status_code == 303
    assert "Deleted “About”." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/about/").status_code == 404
    assert ("About", "/about/") not in menu_links(client.get("/"))
    assert client.post(f"/admin/pages/{page.id}/delete").status_code == 404
    assert client.get("/admin/pages/99/edit").status_code == 404


# ----------------------------------------------------------------------------- the site menu


def test_the_menu_lists_published_menu_pages_in_their_order_and_marks_the_current_one(client, make_page):
    make_page("How I score", show_in_menu=True, menu_order=2)
    make_page("About this site", show_in_menu=True, menu_order=1, menu_label="About")
    make_page("Review policy", show_in_menu=True, menu_order=0, status="draft")
    make_page("Colophon", show_in_menu=False)
    links = menu_links(client.get("/"))
    assert links[-2:] == [("About", "/about-this-site/"), ("How I score", "/how-i-score/")]
    assert ("Colophon", "/colophon/") not in links and "Review policy" not in str(links)
    current = soup(client.get("/how-i-score/")).select('nav.site-nav a[aria-current="page"]')
    assert [a.get_text() for a in current] == ["How I score"]


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)  # count the page's own statements, not a cache hit
def test_the_menu_costs_the_post_page_no_statement(client, make_post, make_comment, make_page, count_queries):
    post = make_post("Magnetic Rose")
    for _ in range(3):
        make_comment(post)
    url = f"/posts/{post.slug}/"
    client.get(url)  # warm up what is read once per worker
    with count_queries() as without_menu:
        assert client.get(url).status_code == 200
    make_page("About", show_in_menu=True)
    make_page("How I score", show_in_menu=True)
    first = client.get(url)
    assert [text for text, _ in menu_links(first)][-2:] == ["About", "How I score"]
    with count_queries() as with_menu:
        again = client.get(url)
    assert menu_links(again) == menu_links(first)
    assert with_menu.count == without_menu.count
    assert not [s for s in with_menu.statements if "FROM pages" in s]


def test_signed_in_pages_read_the_menu_once_per_worker_too(
    client, make_post, make_page, make_user, login, count_queries
):
    post = make_post("Magnetic Rose")
    make_page("About", show_in_menu=True)
    login(client, make_user(Role.ADMIN))
    client.get(f"/posts/{post.slug}/")
    with count_queries() as queries:
        assert "About" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert not [s for s in queries.statements if "FROM pages" in s]


@pytest.fixture(params=["local", "redis"])
def cache_backend(request: pytest.FixtureRequest, app: Any) -> Iterator[str]:
    """The page cache with its generation in the database, then in Redis (as tests/test_cache.py)."""
    if request.param == "redis":
        import redis

        from blog import cache

        prefix = f"test-{uuid.uuid4().hex[:10]}:"
        app.config.update(REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
        app.extensions["sargasso.page_cache"] = cache.RedisBackend(REDIS_URL, prefix)
        yield request.param
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
    else:
        yield request.param


def test_a_menu_change_reaches_every_cached_page_at_once(cache_backend, client, make_post, make_page, make_user):
    post = make_post("Magnetic Rose")
    about = make_page("About", show_in_menu=True)
    urls = ["/", f"/posts/{post.slug}/", "/archives/", "/about/"]
    for url in urls:
        client.get(url)
        assert client.get(url).headers["X-Cache"] == "HIT", url
    write_page(make_user(Role.ADMIN), PageInput(title="Contact", body_md="Say hi.", status="published",
                                                show_in_menu=True))  # fmt: skip
    db.session.commit()
    for url in urls:
        response = client.get(url)
        assert response.headers["X-Cache"] == "MISS", url
        assert ("Contact", "/contact/") in menu_links(response), url
    about.menu_label = "About me"
    db.session.commit()
    assert ("About me", "/about/") in menu_links(client.get(f"/posts/{post.slug}/"))


def test_a_new_comment_costs_the_cached_pages_no_read_of_the_menu(
    cache_backend, client, make_post, make_page, make_comment, count_queries
):
    """A comment moves the cache generation (the post page shows it) but not the menu's part of it."""
    post = make_post("Magnetic Rose")
    make_page("About", show_in_menu=True)
    url = f"/posts/{post.slug}/"
    client.get(url)
    assert client.get(url).headers["X-Cache"] == "HIT"
    make_comment(post, "The opera scenes!")
    with count_queries() as queries:
        response = client.get(url)
    assert response.headers["X-Cache"] == "MISS" and "The opera scenes!" in response.get_data(as_text=True)
    assert ("About", "/about/") in menu_links(response)
    assert not [s for s in queries.statements if "FROM pages" in s]


def test_an_edited_page_is_shown_at_once_to_readers_of_the_cached_one(client, author, make_page):
    page = make_page("About", "First words.")
    anonymous = client.application.test_client()
    anonymous.get("/about/")
    assert anonymous.get("/about/").headers["X-Cache"] == "HIT"
    client.post(f"/admin/pages/{page.id}/edit", data=form(title="About", slug="about", body_md="Second words."))
    response = anonymous.get("/about/")
    assert response.headers["X-Cache"] == "MISS" and "Second words." in response.get_data(as_text=True)
    client.post(f"/admin/pages/{page.id}/edit", data=form(title="About", slug="about", status="draft"))
    assert anonymous.get("/about/").status_code == 404


def test_another_worker_shows_the_new_menu_on_its_next_cached_page(make_page, make_post, tmp_path, pg_schema):
    """Two workers on one database (no Redis): a page saved through one is in the other's menu on
    the other's next shared page, because the page cache's generation moved, however long its recheck."""
    from blog import create_app
    from tests.conftest import build_config

    make_post("Magnetic Rose")
    other = create_app(build_config(tmp_path, pg_schema, MENU_RECHECK_SECONDS=3600))
    reader = other.test_client()
    assert "/about/" not in reader.get("/").get_data(as_text=True)
    make_page("About", show_in_menu=True)
    assert ("About", "/about/") in menu_links(reader.get("/"))
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_another_worker_shows_the_new_menu_to_signed_in_people_after_its_recheck(
    make_page, make_post, make_user, tmp_path, pg_schema
):
    from blog import create_app
    from tests.conftest import build_config, login_as

    make_post("Magnetic Rose")
    admin = make_user(Role.ADMIN)
    other = create_app(build_config(tmp_path, pg_schema, MENU_RECHECK_SECONDS=0))
    editor = login_as(other.test_client(), admin)
    assert "/about/" not in editor.get("/").get_data(as_text=True)
    make_page("About", show_in_menu=True)
    assert ("About", "/about/") in menu_links(editor.get("/"))
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_flask_rerender_brings_a_pages_stored_html_up_to_date(app, make_page):
    from sqlalchemy import update

    page = make_page("About", "The *score* matters.")
    updated_at = page.updated_at
    db.session.execute(
        update(Page).where(Page.id == page.id).values(body_html='<p>old <img src=x onerror="alert(1)"></p>')
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rerender", "--no-posts", "--no-comments"])
    assert result.exit_code == 0, result.output
    assert "Pages: 1 of 1 changed." in result.output
    db.session.expire_all()
    page = db.session.get(Page, page.id)
    assert page.body_html == "<p>The <em>score</em> matters.</p>" and page.updated_at == updated_at
    again = app.test_cli_runner().invoke(args=["rerender", "--no-posts", "--no-comments"])
    assert "Pages: 0 of 1 changed." in again.output
