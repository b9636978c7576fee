"""The admin's posts list: sorted by the date it shows (as WordPress's is), and searchable by title."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import PostStatus, Role
from blog.models.base import utcnow


@pytest.fixture
def author(client, make_user, login):
    user = make_user(Role.AUTHOR, name="Ann")
    login(client, user)
    return user


def _rows(html: str) -> list[tuple[str, str]]:
    """(title, what the date column says before its date) for each row of the posts table."""
    rows = re.findall(
        r'<th scope="row" class="post-title-cell">\s*<a [^>]*>([^<]+)</a>.*?'
        r'<td class="post-date-cell">.*?<span class="muted">([^<]+)</span>',
        html,
        re.S,
    )
    return [(title, label) for title, label in rows]


def test_the_list_is_ordered_by_the_date_it_shows(client, author, make_post):
    now = utcnow()
    old = make_post("Memories", author=author, published_at=now - timedelta(days=10))
    make_post("Perfect Blue", author=author, published_at=now - timedelta(days=2))
    make_post("Paprika", author=author, published_at=now + timedelta(days=3))
    draft = make_post("Tokyo Godfathers", author=author, status=PostStatus.DRAFT)
    draft.updated_at = now - timedelta(days=1)
    old.updated_at = now  # edited a minute ago: it keeps its place, by its publish date
    db.session.commit()

    html = client.get("/admin/").get_data(as_text=True)
    assert _rows(html) == [
        ("Paprika", "Scheduled"),
        ("Tokyo Godfathers", "Last modified"),
        ("Perfect Blue", "Published"),
        ("Memories", "Published"),
    ]
    published = client.get("/admin/?status=published").get_data(as_text=True)
    assert [title for title, _ in _rows(published)] == ["Perfect Blue", "Memories"]


def test_searching_the_list_by_title(client, author, make_post):
    for title in ("Perfect Blue", "Blue Giant", "Millennium Actress", "100% Orange", "A_B testing"):
        make_post(title, author=author)
    make_post("Blue Period", author=author, status=PostStatus.DRAFT)

    html = client.get("/admin/?q=BLUE").get_data(as_text=True)
    assert sorted(title for title, _ in _rows(html)) == ["Blue Giant", "Blue Period", "Perfect Blue"]
    assert 'role="search"' in html and 'value="BLUE"' in html
    assert "3 posts with “BLUE” in the title." in html
    assert 'All <span class="count">(3)</span>' in html and 'Drafts <span class="count">(1)</span>' in html
    assert 'href="/admin/?status=draft&amp;q=BLUE"' in html  # the tabs keep the search

    drafts = client.get("/admin/?q=blue&status=draft").get_data(as_text=True)
    assert [title for title, _ in _rows(drafts)] == ["Blue Period"]
    # % and _ are plain characters, not wildcards.
    assert [title for title, _ in _rows(client.get("/admin/?q=100%25").get_data(as_text=True))] == ["100% Orange"]
    assert [title for title, _ in _rows(client.get("/admin/?q=_").get_data(as_text=True))] == ["A_B testing"]
    nothing = client.get("/admin/?q=Akira").get_data(as_text=True)
    assert _rows(nothing) == [] and "No posts with “Akira” in the title." in nothing


@pytest.mark.parametrize("query", ["%00", "blue%00", "x" * 5000, "%F0%9F%8C%B9", "'; drop table posts; --"])
def test_odd_searches_answer_a_page(client, author, make_post, query):
    make_post("Perfect Blue", author=author)
    assert client.get(f"/admin/?q={query}").status_code == 200
