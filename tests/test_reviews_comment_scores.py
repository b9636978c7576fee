"""A signed-in reader gives their own score with their comment; the comment shows it."""

from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Comment, Role
from blog.models.works import ReaderRating
from tests.reviews_support import seed_memories


def test_reader_scores_the_work_with_their_comment_and_the_comment_shows_it(client, make_user, make_post, login):
    post = seed_memories(make_post)
    reader = make_user(Role.READER, name="Mika")
    login(client, reader)
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Your score for the work (out of 10, optional)" in page
    response = client.post(f"/posts/{post.slug}/comments", data={"body": "Kanno's score floors me.", "score": "8.5"})
    assert response.status_code == 302
    rating = db.session.scalar(select(ReaderRating).where(ReaderRating.user_id == reader.id))
    assert rating is not None and rating.score == 8.5 and rating.comment_id is not None
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'title="Their score for the work">8.5/10</span>' in page
    # One score per account: a second comment with another score changes it.
    client.post(f"/posts/{post.slug}/comments", data={"body": "On reflection, even better.", "score": "9"})
    assert db.session.scalar(select(func.count(ReaderRating.id)).where(ReaderRating.user_id == reader.id)) == 1
    assert db.session.scalar(select(ReaderRating.score).where(ReaderRating.user_id == reader.id)) == 9


def test_a_score_off_the_scale_keeps_the_comment_text_and_stores_nothing(client, make_user, make_post, login):
    post = seed_memories(make_post)
    login(client, make_user(Role.READER))
    response = client.post(f"/posts/{post.slug}/comments", data={"body": "Typed with care.", "score": "11"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "The score goes from 0 to 10." in body and "Typed with care." in body
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert db.session.scalar(select(func.count(ReaderRating.id))) == 0


def test_guests_see_no_score_field_and_a_forged_score_is_refused_politely(client, make_post):
    post = seed_memories(make_post)
    assert "Your score for the work" not in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    response = client.post(
        f"/posts/{post.slug}/comments",
        data={"body": "Guest here.", "name": "Guest", "email": "guest@example.org", "score": "7"},
    )
    assert response.status_code == 400
    assert "Sign in to give your own score" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_posts_that_review_nothing_take_no_score(client, make_user, make_post, login):
    post = make_post("Just musing")
    login(client, make_user(Role.READER))
    assert "Your score for the work" not in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    response = client.post(f"/posts/{post.slug}/comments", data={"body": "Hi", "score": "5"})
    assert response.status_code == 400
