"""Likes and sorting: one like per account or browser, a per-address cap, refusals for comments
that cannot be liked, and threads ordered oldest/newest/best with pinned ones first."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Comment, CommentVote

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)


def order(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="comment-(\d+)"', html)]


def likes(comment: Comment) -> int:
    return int(db.session.scalar(select(Comment.like_count).where(Comment.id == comment.id)) or 0)


def test_guest_likes_a_comment_without_javascript_and_sees_the_count(client, make_post, make_comment):
    post = make_post()
    comment = make_comment(post, "Best review of Magnetic Rose.")
    response = client.post(f"/comments/{comment.id}/like")
    assert response.status_code == 302
    assert likes(comment) == 1
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert re.search(
        r'aria-pressed="true"><span aria-hidden="true">&#9829;</span> '
        r'<span class="visually-hidden">Like</span> <span class="like-count">1</span>',
        html,
    )


def test_liking_twice_from_one_browser_takes_the_like_back(client, make_post, make_comment):
    comment = make_comment(make_post())
    first = client.post(f"/comments/{comment.id}/like", headers={"Accept": "application/json"})
    assert first.get_json() == {"liked": True, "count": 1}
    second = client.post(f"/comments/{comment.id}/like", headers={"Accept": "application/json"})
    assert second.get_json() == {"liked": False, "count": 0}
    assert likes(comment) == 0


def test_an_account_likes_once_whatever_the_browser(app, make_post, make_comment, make_user, login):
    comment = make_comment(make_post())
    reader = make_user("reader")
    for _ in range(2):
        client = login(app.test_client(), reader)
        client.post(f"/comments/{comment.id}/like")
    # the second browser took the account's like back rather than adding one
    assert likes(comment) == 0
    client = login(app.test_client(), reader)
    client.post(f"/comments/{comment.id}/like")
    assert likes(comment) == 1
    assert db.session.scalar(select(func.count(CommentVote.id))) == 1


@pytest.mark.settings(COMMENTS_VOTES_PER_IP=3)
def test_one_address_cannot_stuff_likes_by_clearing_cookies(app, make_post, make_comment):
    comment = make_comment(make_post())
    statuses = []
    for _ in range(5):
        fresh_browser = app.test_client()  # a new cookie jar each time: a new guest id
        statuses.append(fresh_browser.post(f"/comments/{comment.id}/like").status_code)
    assert statuses == [302, 302, 302, 429, 429]
    assert likes(comment) == 3
    refused = app.test_client().post(f"/comments/{comment.id}/like")
    assert "Too many likes" in refused.get_data(as_text=True)


def test_likes_on_unknown_deleted_or_held_comments_are_refused(client, make_post, make_comment):
    post = make_post()
    held = make_comment(post, status="pending")
    deleted = make_comment(post, deleted=True)
    spam = make_comment(post, status="spam")
    assert client.post("/comments/999999/like").status_code == 404
    for comment in (held, deleted, spam):
        response = client.post(f"/comments/{comment.id}/like", headers={"Accept": "application/json"})
        assert response.status_code == 409
        assert response.get_json() == {"error": "This comment cannot be liked."}
    assert db.session.scalar(select(func.count(CommentVote.id))) == 0


def test_reader_sorts_by_newest_and_best_and_the_choice_is_remembered(client, make_post, make_comment):
    post = make_post()
    first = make_comment(post, "First")
    second = make_comment(post, "Second")
    third = make_comment(post, "Third")
    reply = make_comment(post, "A reply", parent=first)
    Comment.query.filter_by(id=second.id).update({"like_count": 5})
    Comment.query.filter_by(id=third.id).update({"like_count": 2})
    db.session.commit()

    assert order(client.get(f"/posts/{post.slug}/").get_data(as_text=True)) == [first.id, reply.id, second.id, third.id]
    newest = client.get(f"/posts/{post.slug}/?sort=newest")
    assert "comment_sort=newest" in newest.headers["Set-Cookie"]
    assert order(newest.get_data(as_text=True)) == [third.id, second.id, first.id, reply.id]
    # remembered: no ?sort= this time
    assert order(client.get(f"/posts/{post.slug}/").get_data(as_text=True))[0] == third.id
    best = client.get(f"/posts/{post.slug}/?sort=best").get_data(as_text=True)
    assert order(best) == [second.id, third.id, first.id, reply.id]
    assert '<span class="current" aria-current="true">Best</span>' in best


@pytest.mark.settings(COMMENTS_SORT_DEFAULT="best")
def test_the_site_default_sort_is_a_setting(client, make_post, make_comment):
    post = make_post()
    plain = make_comment(post, "Plain")
    liked = make_comment(post, "Liked", like_count=3)
    assert order(client.get(f"/posts/{post.slug}/").get_data(as_text=True)) == [liked.id, plain.id]


def test_sorting_keeps_the_thread_query_constant(client, make_post, make_comment, count_queries):
    small = make_post("Small")
    make_comment(small)
    big = make_post("Big")
    for i in range(30):
        root = make_comment(big, commit=False, like_count=i % 7)
        make_comment(big, parent=root, commit=False)
    db.session.commit()
    client.post(f"/comments/{root.id}/like")  # this browser has liked something: the liked-ids query runs
    client.get(f"/posts/{small.slug}/?sort=best")  # warm up both pages
    client.get(f"/posts/{big.slug}/?sort=best")
    with count_queries() as few:
        client.get(f"/posts/{small.slug}/?sort=best")
    with count_queries() as many:
        page = client.get(f"/posts/{big.slug}/?sort=best")
    assert len(order(page.get_data(as_text=True))) == 60
    assert few.count == many.count


def test_a_permalink_lands_on_the_right_page_in_the_readers_sort(client, make_post, make_comment, app):
    app.config["COMMENTS_PER_PAGE"] = 2
    post = make_post()
    comments = [make_comment(post, f"Thread {i}") for i in range(5)]
    client.get(f"/posts/{post.slug}/?sort=newest")
    response = client.get(f"/comments/{comments[0].id}")
    assert response.headers["Location"].endswith(f"?cpage=3#comment-{comments[0].id}")


@pytest.mark.settings(PAGE_CACHE_ENABLED=True)
def test_a_remembered_sort_is_honoured_with_the_page_cache_on(app, make_post, make_comment):
    post = make_post()
    older, newer = make_comment(post, "Older"), make_comment(post, "Newer")
    app.test_client().get(f"/posts/{post.slug}/")  # an anonymous reader fills the cache (oldest first)
    reader = app.test_client()
    reader.get(f"/posts/{post.slug}/?sort=newest")
    assert order(reader.get(f"/posts/{post.slug}/").get_data(as_text=True)) == [newer.id, older.id]
    assert order(app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)) == [older.id, newer.id]
    like = reader.post(f"/comments/{older.id}/like", headers={"Accept": "application/json"})
    assert like.get_json() == {"liked": True, "count": 1}
    fresh = app.test_client().get(f"/posts/{post.slug}/?sort=best").get_data(as_text=True)
    assert order(fresh) == [older.id, newer.id]


def test_a_like_refreshes_its_thread_without_looking_the_thread_up(app, make_post, make_comment, count_queries):
    """The like count shows in the comment's stored card and its thread's: the like names the
    thread, so the refresh before the commit asks nothing first, and the count is there at once."""
    post = make_post()
    root = make_comment(post, "The root.")
    reply = make_comment(post, "A reply.", parent=root)
    reader = app.test_client()
    with count_queries() as queries:
        assert reader.post(f"/comments/{reply.id}/like").status_code in (302, 303)
    lookups = [
        s
        for s in queries.statements
        if s.lstrip().upper().startswith("SELECT DISTINCT") and "thread_id" in s and "coalesce" in s.lower()
    ]
    assert lookups == []
    html = app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert '<span class="like-count">1</span>' in html
