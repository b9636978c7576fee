"""Nothing typed is lost: the comment being written and the comment it answers survive the trip to
a sign-in provider (kept server-side, not in the cookie), a cancelled sign-in, Change and Log Out."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from blog.comments.posting import CommentInput, post_comment
from blog.extensions import db
from blog.models import Comment, CommentDraft, Role, User
from tests.fakes.provider import FAKE, FakeProvider, provider_settings, through_provider

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", **provider_settings())

LONG_REPLY = "I disagree about the ending. " * 300  # ~8,700 characters: far more than a cookie holds


@pytest.fixture
def fake() -> FakeProvider:
    FAKE.start().reset()
    return FAKE


@pytest.fixture
def thread(make_post, make_user):
    post = make_post("Perfect Blue")
    author = make_user(Role.READER, name="Kon Fan", email="kon@example.org", password=None)
    first = post_comment(post, CommentInput(body="Best Satoshi Kon film."), author)
    return post, first


def from_comment_form(client, action: str, page: str, **fields: str):
    data = {"body": "", "parent_id": "", "name": "", "email": "", "url": "", **fields}
    return client.post(action, query_string={"next": page + "#respond"}, data=data)


def test_reply_text_and_target_survive_the_trip_to_google(client, fake, thread):
    post, first = thread
    page = f"/posts/{post.slug}/"
    begin = from_comment_form(client, "/login/google", page, body=LONG_REPLY, parent_id=str(first.id))
    assert begin.status_code == 302
    with client.session_transaction() as session:
        assert "I disagree" not in repr(dict(session))  # the text is not in the cookie
    landed = through_provider(client, begin)
    assert landed.headers["Location"] == page + "#respond"

    html = client.get(page).get_data(as_text=True)
    assert LONG_REPLY.strip()[:200] in html
    assert f'name="parent_id" type="hidden" value="{first.id}"' in html
    assert "You are commenting using your Google account." in html

    posted = client.post(f"/posts/{post.slug}/comments", data={"body": LONG_REPLY, "parent_id": str(first.id)})
    assert posted.status_code == 302
    reply = db.session.scalar(select(Comment).where(Comment.parent_id == first.id))
    assert reply.author_name == "Ada Reader"
    assert reply.user_id == db.session.scalar(select(User.id).where(User.email == "ada@example.org"))
    # Posted: the draft is gone and the box is empty again.
    assert db.session.scalar(select(CommentDraft)) is None
    assert "I disagree about the ending." not in client.get(page).get_data(as_text=True).split("commentform")[1]


def test_the_draft_is_restored_once_and_only_on_its_post(client, fake, thread, make_post):
    post, _ = thread
    other = make_post("Paprika")
    page = f"/posts/{post.slug}/"
    through_provider(client, from_comment_form(client, "/login/twitter", page, body="Kept for later."))
    assert "Kept for later." not in client.get(f"/posts/{other.slug}/").get_data(as_text=True)
    assert "Kept for later." in client.get(page).get_data(as_text=True)
    assert "Kept for later." not in client.get(page).get_data(as_text=True)


def test_a_cancelled_sign_in_keeps_the_guests_text_and_details(client, fake, thread):
    post, _ = thread
    page = f"/posts/{post.slug}/"
    fake.behaviour.approve = "page"
    begin = from_comment_form(
        client, "/login/facebook", page, body="Guest thoughts.", name="Guest Gil", email="gil@example.org"
    )
    params = parse_qs(urlsplit(begin.headers["Location"]).query)
    cancelled = requests.post(
        f"{fake.url}/authorize/decision",
        data={**{k: v[0] for k, v in params.items()}, "decision": "cancel"},
        allow_redirects=False,
        timeout=5,
    )
    back = urlsplit(cancelled.headers["Location"])
    client.get(f"{back.path}?{back.query}")
    html = client.get(page).get_data(as_text=True)
    assert "Sign-in with Facebook was cancelled." in html
    assert "Guest thoughts." in html
    assert 'value="Guest Gil"' in html and 'value="gil@example.org"' in html


def test_change_and_log_out_keep_the_draft(client, fake, thread):
    post, _ = thread
    page = f"/posts/{post.slug}/"
    through_provider(client, client.get("/login/google", query_string={"next": page}))

    change = from_comment_form(client, "/sign-in", page, body="Switching accounts.")
    assert change.status_code == 302 and change.headers["Location"].startswith("/sign-in?next=")
    choices = client.get(change.headers["Location"]).get_data(as_text=True)
    assert "You are signed in as <strong>Ada Reader</strong>" in choices
    assert "Continue with Twitter" in choices
    assert "Switching accounts." in client.get(page).get_data(as_text=True)

    out = from_comment_form(client, "/auth/sign-out", page, body="Leaving, but keep this.")
    assert out.headers["Location"] == page + "#respond"
    html = client.get(page).get_data(as_text=True)
    assert "You are signed out." in html
    assert "Leaving, but keep this." in html
    assert "Fill in your details below or click an icon to log in:" in html


def test_the_email_icon_keeps_the_draft_and_the_typed_address(client, fake, thread):
    post, _ = thread
    page = f"/posts/{post.slug}/"
    start = from_comment_form(client, "/login/email/start", page, body="By email.", email="gil@example.org")
    assert start.status_code == 302
    form = client.get(start.headers["Location"]).get_data(as_text=True)
    assert 'value="gil@example.org"' in form
    assert "By email." in client.get(page).get_data(as_text=True)


def test_a_draft_with_nul_bytes_is_kept_clean_not_a_500(client, thread):
    """The draft is stored before any form validation: NUL, which PostgreSQL refuses, never reaches it."""
    post, _ = thread
    page = f"/posts/{post.slug}/"
    change = from_comment_form(client, "/sign-in", page, body="Kon\x00 is great.", name="A\x00nn")
    assert change.status_code == 302
    draft = db.session.scalars(select(CommentDraft)).one()
    assert (draft.body, draft.author_name) == ("Kon is great.", "Ann")
    assert "Kon is great." in client.get(page).get_data(as_text=True)
