"""Atom feeds of comments: per post and site-wide, approved comments of live posts only."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)
A = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[ET.Element]:
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    return ET.fromstring(response.data).findall(f"{A}entry")  # noqa: S314  (our own output)


def test_post_comment_feed_lists_approved_comments_newest_first(client, make_post, make_comment):
    post = make_post("Magnetic Rose")
    first = make_comment(post, "The <b>opera</b> scene & the score", name="Ann")
    second = make_comment(post, "A reply", parent=first, name="Bob")
    make_comment(post, "Held back", status="pending")
    make_comment(post, "Buy watches", status="spam")
    make_comment(post, "Gone", deleted=True)
    make_comment(make_post("Another post"), "Elsewhere")

    items = entries(client.get(f"/posts/{post.slug}/comments.atom"))
    assert [e.findtext(f"{A}title") for e in items] == [
        "Bob on \u201cMagnetic Rose\u201d",
        "Ann on \u201cMagnetic Rose\u201d",
    ]
    assert items[0].find(f"{A}link").get("href").endswith(f"/posts/{post.slug}/#comment-{second.id}")
    assert "&amp;" in items[1].findtext(f"{A}content") and "<b>" not in items[1].findtext(f"{A}content")


def test_site_feed_has_every_posts_comments_but_not_drafts(client, make_post, make_comment):
    live = make_post("Live")
    draft = make_post("Draft", status="draft")
    make_comment(live, "On the live post")
    make_comment(draft, "On the draft")
    titles = [e.findtext(f"{A}title") for e in entries(client.get("/comments.atom"))]
    assert len(titles) == 1 and titles[0].endswith("on \u201cLive\u201d")
    assert client.get(f"/posts/{draft.slug}/comments.atom").status_code == 404
    assert client.get("/posts/no-such-post/comments.atom").status_code == 404
