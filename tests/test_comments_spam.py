"""The guard, one test per rule: each refusal is a clear 4xx with the reader's text kept, nothing stored."""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import func, select

from blog.comments.spam import DUPLICATE_MESSAGE, RULES, form_token
from blog.extensions import db
from blog.models import Comment, CommentStatus

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)


def guest(body="A considered opinion on Magnetic Rose.", **extra):
    return {"body": body, "name": "Ann Reader", "email": "ann@example.org", **extra}


def stored() -> int:
    return int(db.session.scalar(select(func.count(Comment.id))) or 0)


def kept_text(html: str) -> str:
    match = re.search(r'<textarea[^>]*id="comment"[^>]*>(.*?)</textarea>', html, re.S)
    assert match
    return match.group(1).strip()


def shown_token(client, post) -> str:
    """The form's signed "shown at" stamp, as the page's script gets it when the reader starts writing
    (an anonymous reader's page is the shared one: it carries none)."""
    answer = client.get(f"/comments/form-token?post={post.id}")
    assert answer.status_code == 200 and answer.get_json()["shown"], "the form gets its signed timestamp"
    return str(answer.get_json()["shown"])


def test_every_rule_is_in_the_guard():
    names = {rule.__name__ for rule in RULES}
    assert names == {"check_text", "check_honeypot", "check_timing", "check_length", "check_rate", "check_duplicate"}


def test_honeypot_filled_in_is_refused(client, make_post):
    post = make_post()
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert re.search(r'<p class="hp-field" aria-hidden="true">', page)
    response = client.post(f"/posts/{post.slug}/comments", data=guest(extra_info="http://spam.example"))
    assert response.status_code == 400
    assert kept_text(response.get_data(as_text=True)) == "A considered opinion on Magnetic Rose."
    assert stored() == 0


@pytest.mark.settings(COMMENTS_MIN_SECONDS=30)
def test_posting_faster_than_a_person_could_is_refused(client, make_post):
    post = make_post()
    token = shown_token(client, post)
    response = client.post(f"/posts/{post.slug}/comments", data=guest(shown=token))
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "That was quick!" in html and kept_text(html) == "A considered opinion on Magnetic Rose."
    assert stored() == 0


@pytest.mark.settings(COMMENTS_MIN_SECONDS=1)
def test_posting_after_the_minimum_time_is_accepted(app, client, make_post):
    post = make_post()
    token = shown_token(client, post)
    time.sleep(1.05)
    assert client.post(f"/posts/{post.slug}/comments", data=guest(shown=token)).status_code == 302


@pytest.mark.settings(COMMENTS_MIN_SECONDS=1)
def test_missing_or_forged_form_timestamp_is_refused(app, client, make_post):
    post, other = make_post("One"), make_post("Two")
    with app.test_request_context():
        other_token = form_token(other.id)
    for token in ("", "forged.value.here", other_token):
        response = client.post(f"/posts/{post.slug}/comments", data=guest(shown=token))
        assert response.status_code == 400
        assert "please post again" in response.get_data(as_text=True)
    assert stored() == 0


@pytest.mark.settings(COMMENTS_MAX_LENGTH=10_000)
def test_comment_over_the_length_limit_is_refused_with_the_numbers(client, make_post):
    post = make_post()
    body = "word " * 2001
    response = client.post(f"/posts/{post.slug}/comments", data=guest(body=body))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Your comment is 10,005 characters long; the limit is 10,000." in html
    assert kept_text(html) == body.strip()
    assert stored() == 0


@pytest.mark.settings(RATELIMIT_ENABLED=True, COMMENTS_RATELIMIT="2 per minute")
def test_per_ip_rate_limit_refuses_the_third_comment_in_a_minute(client, make_post):
    post = make_post()
    for n in range(2):
        assert client.post(f"/posts/{post.slug}/comments", data=guest(body=f"Comment {n}")).status_code == 302
    response = client.post(f"/posts/{post.slug}/comments", data=guest(body="One too many."))
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "You are posting comments too quickly" in html and kept_text(html) == "One too many."
    # Another address is not affected.
    other = client.post(
        f"/posts/{post.slug}/comments", data=guest(body="From elsewhere."), environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert other.status_code == 302
    assert stored() == 3


@pytest.mark.settings(RATELIMIT_ENABLED=True, COMMENTS_RATELIMIT="1000 per minute")
def test_the_in_process_rate_limit_starts_no_thread_per_comment(client, make_post, monkeypatch):
    """Without Redis the limit lives in the worker's memory; limits' own storage started a timer
    thread on every other hit (a tenth of a worker's CPU while comments stream in)."""
    started: list[str] = []
    real_start = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.append(type(thread).__name__)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    post = make_post()
    for n in range(5):
        assert client.post(f"/posts/{post.slug}/comments", data=guest(body=f"Comment {n}")).status_code == 302
        time.sleep(0.02)  # the old timer lived 10 ms: each hit would have started another
    assert "Timer" not in started
    assert stored() == 5


def test_the_in_process_rate_limit_forgets_expired_counters():
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from blog.extensions import SweptMemoryStorage

    storage = storage_from_string("memory://")
    assert isinstance(storage, SweptMemoryStorage)
    storage.sweep_every = 0.0
    limiter = FixedWindowRateLimiter(storage)
    one_a_second = parse("1 per second")
    assert limiter.hit(one_a_second, "10.0.0.1") and not limiter.hit(one_a_second, "10.0.0.1")
    time.sleep(1.05)
    assert limiter.hit(one_a_second, "10.0.0.2")  # sweeps: 10.0.0.1's counter has expired
    assert [key for key in storage.storage if "10.0.0.1" in key] == []
    assert limiter.hit(one_a_second, "10.0.0.1")


def test_same_comment_twice_is_refused_as_a_duplicate(client, make_post):
    post = make_post()
    assert client.post(f"/posts/{post.slug}/comments", data=guest()).status_code == 302
    response = client.post(f"/posts/{post.slug}/comments", data=guest(body="  A considered opinion on Magnetic Rose. "))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "It looks as though you\u2019ve already said that!" in html
    assert DUPLICATE_MESSAGE == "It looks as though you\u2019ve already said that!"
    assert stored() == 1
    # Someone else may say the same thing.
    someone_else = guest(email="bob@example.org", name="Bob")
    assert client.post(f"/posts/{post.slug}/comments", data=someone_else).status_code == 302


def test_a_duplicate_is_the_whole_text_not_only_its_start(client, make_post):
    """The check finds candidates by the text's first 32 characters (an index) and compares the rest."""
    post = make_post()
    opening = "The opera house reveal is the best scene of the whole film"  # longer than that start

    def say(body: str) -> int:
        return client.post(f"/posts/{post.slug}/comments", data=guest(body=body)).status_code

    assert say(opening + ", and the score makes it.") == 302
    assert say(opening + ", though the ending drags.") == 302  # the same start, another comment
    assert say("Short and sweet.") == 302
    assert say("Short and sweet.") == 409
    assert say(opening + ", and the score makes it.") == 409
    assert say(opening) == 302  # only the start of an earlier one
    assert stored() == 4


@pytest.mark.settings(COMMENTS_DISALLOWED_KEYS="cheap-pills.example\n198.51.100.7")
def test_disallowed_keys_send_the_comment_to_spam_quietly(app, client, make_post):
    post = make_post()
    response = client.post(f"/posts/{post.slug}/comments", data=guest(url="https://cheap-pills.example/buy"))
    assert response.status_code == 302
    response = client.post(
        f"/posts/{post.slug}/comments",
        data=guest(body="From a blocked address."),
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 302
    statuses = db.session.scalars(select(Comment.status)).all()
    assert statuses == [CommentStatus.SPAM, CommentStatus.SPAM]
    other_reader = app.test_client()
    assert "From a blocked address." not in other_reader.get(f"/posts/{post.slug}/").get_data(as_text=True)


@pytest.mark.parametrize("signed_in", [False, True], ids=["guest", "account"])
def test_the_duplicate_check_finds_a_text_by_its_start_however_much_its_author_wrote(
    app, client, make_post, make_comment, make_user, signed_in
):
    """Someone with hundreds of comments on one post: the check must look the new text up by its
    start (``ix_comments_post_text``), not read everything they wrote there (the author's index)."""
    from sqlalchemy import event, exists

    from blog.comments.spam import same_text_by

    post = make_post()
    user = make_user(email="ann@example.org") if signed_in else None
    for n in range(100):  # the discussion when the planner last gathered its statistics: many voices
        make_comment(post, f"Reader {n} thinks the station is the star.", commit=False)
    db.session.commit()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    for n in range(300):  # then one voice, much
        make_comment(
            post,
            f"Episode {n} is the one with the station.",
            name="Ann Reader",
            email="ann@example.org",
            user=user,
            commit=False,
        )
    db.session.commit()

    def duplicate(body: str) -> bool:
        return bool(
            db.session.scalar(select(exists(same_text_by(post.id, body, user.id if user else None, "ann@example.org"))))
        )

    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, params, context, executemany):
        captured.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert duplicate("Episode 7 is the one with the station.")
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert not duplicate("Episode 7 is the one with the station!")
    statement, params = captured[-1]
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tables this small would be scanned
        plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params)]
    db.session.rollback()
    assert any("ix_comments_post_text" in line for line in plan), plan
    assert not any("ix_comments_post_email" in line or "ix_comments_user_status" in line for line in plan), plan
