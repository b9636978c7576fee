"""Readers give the work their own score: one per account or confirmed email, changeable."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blog.errors import DomainError
from blog.extensions import db
from blog.models import Comment, Post, ReaderRating, Role
from blog.reviews.ratings import rate_work, rating_of, reader_scores_for_comments, reader_stats, remove_rating
from tests.conftest import login_as
from tests.reviews_support import seed_memories, work


def test_signed_in_reader_rates_from_the_post_page_and_changes_their_mind(client, make_user, make_post):
    post = seed_memories(make_post)
    reader = make_user(Role.READER)
    login_as(client, reader)
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'class="rating-form"' in page and "Your score for Magnetic Rose" in page

    response = client.post("/works/magnetic-rose/rate", data={"score": "8", "next": f"/posts/{post.slug}/"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/posts/{post.slug}/")
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "<strong>8</strong>/10 from 1 reader" in page
    assert 'value="8"' in page and "Change my score" in page

    client.post("/works/magnetic-rose/rate", data={"score": "6.5", "next": f"/posts/{post.slug}/"})
    assert db.session.scalar(select(func.count()).select_from(ReaderRating)) == 1
    assert "<strong>6.5</strong>/10 from 1 reader" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)

    client.post("/works/magnetic-rose/rate", data={"remove": "1", "next": f"/posts/{post.slug}/"})
    assert "No reader scores yet" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)


def test_signed_in_reader_rates_from_the_work_page_itself(client, make_user, make_post):
    seed_memories(make_post)
    login_as(client, make_user(Role.READER))
    page = client.get("/works/memories/").get_data(as_text=True)
    form = re.search(r'<form class="rating-form" method="post" action="/works/memories/rate">.*?</form>', page, re.S)
    assert form, "no rating form on the work page"
    assert 'name="next" type="hidden" value="/works/memories/"' in form.group(0)
    assert "Your score for Memories (0–10)" in form.group(0) and ">Rate</button>" in form.group(0)

    response = client.post("/works/memories/rate", data={"score": "8.5", "next": "/works/memories/"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/works/memories/")
    page = client.get("/works/memories/").get_data(as_text=True)
    assert "Readers: <strong>8.5</strong>/10 from 1 rating" in page
    assert 'value="8.5"' in page and "Change my score" in page and "Remove my score" in page
    # The same checks as from the post page: a score off the scale is refused, the old one kept.
    client.post("/works/memories/rate", data={"score": "11", "next": "/works/memories/"})
    assert db.session.scalar(select(ReaderRating.score)) == 8.5
    client.post("/works/memories/rate", data={"remove": "1", "next": "/works/memories/"})
    assert "Readers: no ratings yet" in client.get("/works/memories/").get_data(as_text=True)


def test_visitors_of_the_work_page_are_offered_the_readers_sign_in(client, make_post):
    seed_memories(make_post)
    page = client.get("/works/memories/").get_data(as_text=True)
    assert '<a href="/sign-in?next=/works/memories/">Sign in</a> to give your own score.' in page
    assert 'class="rating-form"' not in page


def test_a_score_outside_the_scale_is_refused_with_a_message(client, make_user, make_post):
    post = seed_memories(make_post)
    login_as(client, make_user(Role.READER))
    for bad in ("11", "-1", "7.3", "lots"):
        response = client.post(
            "/works/magnetic-rose/rate", data={"score": bad, "next": f"/posts/{post.slug}/"}, follow_redirects=True
        )
        assert response.status_code == 200
        assert "score" in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count()).select_from(ReaderRating)) == 0


def test_anonymous_readers_are_asked_to_sign_in(client, make_post):
    post = seed_memories(make_post)
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert f'<a href="/sign-in?next=/posts/{post.slug}/">Sign in</a> to give your own score.' in page
    response = client.post("/works/magnetic-rose/rate", data={"score": "8"})
    assert response.status_code in {302, 401}
    assert db.session.scalar(select(func.count()).select_from(ReaderRating)) == 0


def test_rating_by_email_counts_once_and_the_account_takes_it_over(make_user, make_post):
    seed_memories(make_post)
    rose = work("magnetic-rose")
    rate_work(rose, "Guest@Example.org", 7)
    rate_work(rose, "guest@example.org", 9)  # same confirmed email: changed, not added
    assert reader_stats([rose.id])[rose.id].count == 1
    reader = make_user(Role.READER, email="guest@example.org", email_verified=True)
    rate_work(rose, reader, 10)
    db.session.commit()
    stats = reader_stats([rose.id])[rose.id]
    assert (stats.average, stats.count) == (10, 1)
    assert rating_of(rose.id, reader) == 10
    assert remove_rating(rose, reader) is True
    assert reader_stats([rose.id])[rose.id].count == 0


def test_readers_average_is_shown_beside_the_authors_score(client, make_user, make_post):
    post = seed_memories(make_post)
    rose = work("magnetic-rose")
    for score in (6, 7, 9.5):
        rate_work(rose, make_user(Role.READER), score)
    db.session.commit()
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "<strong>7.5</strong>/10 from 3 readers" in page
    assert "Readers: <strong>7.5</strong>/10 from 3 ratings" in client.get("/works/magnetic-rose/").get_data(
        as_text=True
    )


@pytest.mark.settings(REVIEW_SCORE_SCALE=5)
def test_scores_given_on_another_scale_are_converted(make_user, make_post):
    seed_memories(make_post)
    rose = work("magnetic-rose")
    rate_work(rose, make_user(Role.READER), 8, scale=10)
    rate_work(rose, make_user(Role.READER), 3)
    assert reader_stats([rose.id])[rose.id].average == 3.5  # (4 + 3) / 2 on the 5 scale
    with pytest.raises(DomainError):
        rate_work(rose, make_user(Role.READER), 6)


def test_each_comment_shows_its_writers_score(make_user, make_post):
    seed_memories(make_post)
    rose = work("magnetic-rose")
    member = make_user(Role.READER)
    rate_work(rose, member, 8)
    rate_work(rose, "guest@example.org", 0)

    post = db.session.scalar(select(Post))
    comments = [
        Comment(post_id=post.id, user_id=member.id, author_name="Member", body_source="x", body_html="<p>x</p>"),
        Comment(post_id=post.id, author_name="Guest", author_email="GUEST@example.org", body_source="y", body_html="y"),
        Comment(post_id=post.id, author_name="Other", author_email="x@y.z", body_source="z", body_html="z"),
    ]
    db.session.add_all(comments)
    db.session.commit()
    scores = reader_scores_for_comments(rose.id, comments)
    scores = {[c.id for c in comments].index(k) + 1: v for k, v in scores.items()}
    assert scores == {1: 8.0, 2: 0.0}
