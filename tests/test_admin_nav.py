"""The admin menu: a pending-comments badge beside "Comments" for moderators, counted by one query,
and "Signed in as" said once on the page the login lands on."""

from __future__ import annotations

import re

from blog.models import Role
from tests.conftest import PASSWORD

BADGE = re.compile(r'class="admin-count"[^>]*>.*?(\d+) comments? awaiting moderation', re.S)


def _comments_link(html: str) -> str:
    """The <a> of the admin menu's "Comments" link (href /admin/comments), whole."""
    match = re.search(r'<a href="/admin/comments"[^>]*>.*?</a>', html, re.S)
    assert match, "no Comments link in the admin menu"
    return match.group(0)


#: A count of comments by status alone (not one post's thread): the moderation counts.
STATUS_COUNT = re.compile(
    r"count\(.*\bFROM comments\s+(WHERE comments\.status\b|GROUP BY comments\.status\b)", re.I | re.S
)


def _comment_count_statements(statements: list[str]) -> list[str]:
    return [s for s in statements if STATUS_COUNT.search(s)]


def test_moderator_sees_how_many_comments_wait_beside_comments(client, login, make_user, make_post, make_comment):
    post = make_post("Perfect Blue")
    for _ in range(3):
        make_comment(post, status="pending")
    make_comment(post, status="approved")
    make_comment(post, status="spam")
    login(client, make_user(Role.EDITOR))

    link = _comments_link(client.get("/admin/").get_data(as_text=True))
    assert "Comments" in link
    assert BADGE.search(link) and BADGE.search(link).group(1) == "3"
    assert '<span class="visually-hidden">3 comments awaiting moderation</span>' in link


def test_the_closed_menu_names_what_its_count_counts(client, login, make_user, make_post, make_comment):
    """On a phone (and in the editor) the menu is closed: its bar said a bare "3"."""
    post = make_post("Perfect Blue")
    for _ in range(2):
        make_comment(post, status="pending")
    login(client, make_user(Role.EDITOR))
    html = client.get("/admin/").get_data(as_text=True)
    toggle = re.search(r'<summary class="admin-menu-toggle">.*?</summary>', html, re.S).group(0)
    waiting = re.search(r'<span class="admin-menu-waiting">(.*?)</span></span></span>', toggle, re.S)
    assert waiting, toggle
    shown = re.sub(r'<span class="visually-hidden">[^<]*', "", waiting.group(1))
    assert re.sub(r"<[^>]+>", "", shown).split() == ["Comments", "2"]
    assert "2 comments awaiting moderation" in waiting.group(1)


def test_one_pending_comment_reads_in_the_singular(client, login, make_user, make_post, make_comment):
    make_comment(make_post(), status="pending")
    login(client, make_user(Role.ADMIN))
    link = _comments_link(client.get("/admin/comments").get_data(as_text=True))
    assert "1 comment awaiting moderation" in link


def test_no_badge_when_nothing_waits(client, login, make_user, make_post, make_comment):
    make_comment(make_post(), status="approved")
    login(client, make_user(Role.ADMIN))
    html = client.get("/admin/").get_data(as_text=True)
    assert "Comments" in _comments_link(html)
    assert "admin-count" not in html and "awaiting moderation" not in html


def test_author_who_cannot_moderate_sees_no_count_and_costs_no_query(
    client, login, make_user, make_post, make_comment, count_queries
):
    make_comment(make_post(), status="pending")
    login(client, make_user(Role.AUTHOR))
    with count_queries() as queries:
        html = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/comments"' not in html
    assert "awaiting moderation" not in html and "admin-count" not in html
    assert _comment_count_statements(queries.statements) == []


def test_the_badge_costs_one_query_whatever_the_number_of_comments(
    client, login, make_user, make_post, make_comment, count_queries
):
    login(client, make_user(Role.ADMIN))
    post = make_post()
    client.get("/admin/")  # warm up (settings and other per-process caches)
    make_comment(post, status="pending")
    with count_queries() as few:
        client.get("/admin/")
    for _ in range(20):
        make_comment(post, status="pending", commit=False)
    make_comment(post, status="pending")
    with count_queries() as many:
        html = client.get("/admin/").get_data(as_text=True)

    assert "22 comments awaiting moderation" in html
    assert len(_comment_count_statements(many.statements)) == 1
    assert many.count == few.count


def test_public_pages_do_not_count_pending_comments(client, login, make_user, make_post, make_comment, count_queries):
    post = make_post("Perfect Blue")
    make_comment(post, status="pending")
    login(client, make_user(Role.ADMIN))
    for url in ("/", f"/posts/{post.slug}"):
        with count_queries() as queries:
            assert client.get(url, follow_redirects=True).status_code == 200
        assert _comment_count_statements(queries.statements) == [], url


def test_signed_in_as_is_said_once_on_the_page_the_login_lands_on(client, make_user):
    make_user(Role.ADMIN, email="admin@example.org", name="Ann")
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert html.count("Signed in as") == 1
    assert "Signed in as <strong>Ann</strong>" in html
    assert "Signed in as" not in client.get("/").get_data(as_text=True)  # said once, not carried on


def test_a_login_that_lands_outside_the_admin_still_says_who_signed_in(client, make_user):
    make_user(Role.ADMIN, email="admin@example.org", name="Ann")
    response = client.post("/login", data={"email": "admin@example.org", "password": PASSWORD, "next": "/archives/"})
    assert response.headers["Location"] == "/archives/"
    assert "Signed in as Ann." in client.get("/archives/").get_data(as_text=True)
