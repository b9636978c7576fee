"""Accounts behind social sign-in: joining by verified email only, linking and unlinking (never the
last way in), staff who link a provider, the profile page, data download and account deletion."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from blog.comments.posting import CommentInput, post_comment
from blog.extensions import db
from blog.models import Comment, Identity, Post, Role, User
from tests.fakes.provider import FAKE, FakeProvider, provider_settings, through_provider

pytestmark = pytest.mark.settings(COMMENTS_MODERATION="all-approved", **provider_settings())


@pytest.fixture
def fake() -> FakeProvider:
    FAKE.start().reset()
    return FAKE


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def signed_in_user_id(client) -> int | None:
    with client.session_transaction() as session:
        raw = session.get("_user_id")
    return int(raw.split(":")[0]) if raw else None


def sign_in(client, provider: str = "google", next_path: str = "/"):
    return through_provider(client, client.get(f"/login/{provider}", query_string={"next": next_path}))


def test_verified_email_joins_the_readers_existing_account(client, fake, make_user):
    ada = make_user(Role.READER, email="ada@example.org", name="Ada", password=None)
    sign_in(client, "google")
    assert signed_in_user_id(client) == ada.id
    assert count(User) == 1
    identity = db.session.scalar(select(Identity))
    assert identity.user_id == ada.id
    assert db.session.get(User, ada.id).name == "Ada"  # a name the reader chose is kept


def test_unverified_email_never_joins_an_existing_account(client, fake, make_user):
    ada = make_user(Role.READER, email="ada@example.org", password=None)
    fake.user.email_verified = False
    sign_in(client, "google")
    newcomer = signed_in_user_id(client)
    assert newcomer is not None and newcomer != ada.id
    assert db.session.get(User, newcomer).email is None
    assert db.session.scalar(select(Identity.email)) == "ada@example.org"


def test_facebook_email_never_joins_an_existing_account(client, fake, make_user):
    ada = make_user(Role.READER, email="ada@example.org", password=None)
    sign_in(client, "facebook")
    assert signed_in_user_id(client) not in (None, ada.id)


def test_staff_account_is_not_taken_over_by_a_matching_email(client, fake, make_user):
    make_user(Role.ADMIN, email="ada@example.org")
    landed = sign_in(client, "google")
    assert signed_in_user_id(client) is None
    assert count(Identity) == 0 and count(User) == 1
    assert "A staff account uses this email address" in client.get(landed.headers["Location"]).get_data(as_text=True)


def test_staff_links_google_then_signs_in_with_it(client, fake, make_user, login):
    editor = make_user(Role.EDITOR, email="editor@example.org")
    login(client, editor)
    started = client.post("/profile/link/google")
    landed = through_provider(client, started)
    assert landed.headers["Location"] == "/profile"
    assert "Your Google account is now linked" in client.get("/profile").get_data(as_text=True)
    assert db.session.scalar(select(Identity.user_id)) == editor.id
    client.post("/auth/sign-out")
    assert signed_in_user_id(client) is None
    sign_in(client, "google")
    assert signed_in_user_id(client) == editor.id


def test_linking_an_account_that_belongs_to_someone_else_is_refused(client, fake, make_user, login):
    sign_in(client, "twitter")
    first = signed_in_user_id(client)
    client.post("/auth/sign-out")
    other = make_user(Role.READER, email="other@example.org", password=None)
    login(client, other)
    through_provider(client, client.post("/profile/link/twitter"))
    html = client.get("/profile").get_data(as_text=True)
    assert "already linked to another account" in html
    assert db.session.scalar(select(Identity.user_id)) == first
    assert count(Identity) == 1


def test_reader_links_a_second_provider_and_unlinks_one(client, fake):
    sign_in(client, "twitter")
    user_id = signed_in_user_id(client)
    through_provider(client, client.post("/profile/link/github"))
    providers = set(db.session.scalars(select(Identity.provider).where(Identity.user_id == user_id)))
    assert providers == {"twitter", "github"}
    html = client.get("/profile").get_data(as_text=True)
    assert "Twitter" in html and "GitHub" in html and "Unlink" in html

    twitter = db.session.scalar(select(Identity).where(Identity.provider == "twitter"))
    response = client.post(f"/profile/unlink/{twitter.id}")
    assert response.status_code == 302
    assert "Twitter is no longer linked" in client.get("/profile").get_data(as_text=True)
    assert set(db.session.scalars(select(Identity.provider))) == {"github"}


def test_the_last_way_in_cannot_be_unlinked(client, fake):
    sign_in(client, "twitter")  # Twitter gives no email: this identity is the only way in
    identity = db.session.scalar(select(Identity))
    html = client.get("/profile").get_data(as_text=True)
    assert "Your only way in" in html
    client.post(f"/profile/unlink/{identity.id}")
    assert "is your only way to sign in" in client.get("/profile").get_data(as_text=True)
    assert count(Identity) == 1


def test_a_confirmed_email_counts_as_a_way_in(client, fake):
    sign_in(client, "google")  # Google vouches for the address: email links work too
    identity = db.session.scalar(select(Identity))
    client.post(f"/profile/unlink/{identity.id}")
    assert count(Identity) == 0


def test_unlinking_someone_elses_identity_is_refused(client, fake, make_user, login):
    sign_in(client, "twitter")
    theirs = db.session.scalar(select(Identity))
    client.post("/auth/sign-out")
    login(client, make_user(Role.READER, password=None))
    client.post(f"/profile/unlink/{theirs.id}")
    assert count(Identity) == 1


def test_profile_asks_strangers_to_sign_in(client, fake):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=/profile")
    choices = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Continue with Google" in choices and "Email me a sign-in link" in choices


def test_reader_changes_their_display_name(client, fake):
    sign_in(client, "google")
    client.post("/profile", data={"name": "  Ada   the Reviewer "})
    assert db.session.get(User, signed_in_user_id(client)).name == "Ada the Reviewer"
    response = client.post("/profile", data={"name": "   "})
    assert response.status_code == 400 and "cannot be empty" in response.get_data(as_text=True)


def _comment(post: Post, user: User, body: str, parent: Comment | None = None) -> Comment:
    data = CommentInput(body=body, parent_id=parent.id if parent else None, ip="203.0.113.9", user_agent="Firefox")
    return post_comment(post, data, user)


def test_reader_downloads_everything_held_about_them(client, fake, make_post):
    post = make_post("Mushishi")
    sign_in(client, "google")
    user = db.session.get(User, signed_in_user_id(client))
    _comment(post, user, "The quietest anime I love.")
    response = client.get("/profile/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == "ada@example.org"
    assert data["linked_accounts"][0]["provider"] == "google"
    assert data["comments"][0]["text"] == "The quietest anime I love."
    assert data["comments"][0]["post"]["title"] == "Mushishi"
    assert data["comments"][0]["ip"] == "203.0.113.9"
    assert "subscriptions" in data


def test_deleting_an_account_keeps_comments_as_deleted_user(client, fake, make_post):
    post = make_post()
    sign_in(client, "google")
    user = db.session.get(User, signed_in_user_id(client))
    comment_id = _comment(post, user, "Still worth reading.").id
    response = client.post("/profile/delete", data={"confirm": "y"})
    assert response.status_code == 302
    assert signed_in_user_id(client) is None
    assert count(Identity) == 0
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.READER)) == 0
    comment = db.session.get(Comment, comment_id)
    db.session.refresh(comment)
    assert (comment.author_name, comment.author_email, comment.author_ip, comment.user_id) == (
        "Deleted user",
        "",
        "",
        None,
    )
    assert comment.body_source == "Still worth reading."
    assert "Deleted user" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)


def test_deleting_an_account_with_its_comments(client, fake, make_post, make_user):
    post = make_post()
    sign_in(client, "google")
    user = db.session.get(User, signed_in_user_id(client))
    lonely = _comment(post, user, "Nobody answered this.").id
    answered = _comment(post, user, "Somebody answered this.")
    other = make_user(Role.READER, password=None)
    reply = _comment(post, other, "I did.", parent=answered)
    client.post("/profile/delete", data={"confirm": "y", "remove_comments": "y"})
    db.session.expire_all()
    assert db.session.get(Comment, lonely) is None
    kept = db.session.get(Comment, answered.id)
    assert kept.deleted and kept.body_source == "" and kept.author_name == "Deleted user"
    assert db.session.get(Comment, reply.id).body_source == "I did."
    assert db.session.get(Post, post.id).comment_count == 1


def test_account_deletion_needs_the_box_ticked(client, fake):
    sign_in(client, "google")
    response = client.post("/profile/delete", data={})
    assert response.status_code == 400
    assert "Tick the box" in response.get_data(as_text=True)
    assert count(User) == 1


def test_staff_cannot_delete_their_account_from_the_profile(client, fake, make_user, login):
    admin = make_user(Role.ADMIN)
    login(client, admin)
    response = client.post("/profile/delete", data={"confirm": "y"})
    assert response.status_code == 403
    assert db.session.get(User, admin.id) is not None


def test_disabled_account_cannot_sign_in(client, fake):
    sign_in(client, "google")
    user_id = signed_in_user_id(client)
    client.post("/auth/sign-out")
    db.session.get(User, user_id).active = False
    db.session.commit()
    landed = sign_in(client, "google")
    assert signed_in_user_id(client) is None
    assert "This account is disabled" in client.get(landed.headers["Location"]).get_data(as_text=True)
