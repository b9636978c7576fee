"""Email sign-in links: signed, single use, 15 minutes, spent only by a POST; the way in for
readers without a provider, and never an account-enumeration oracle."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import EmailLoginToken, OutgoingMail, Role, User
from blog.models.base import utcnow


def sent_link() -> str:
    mail = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id.desc())).first()
    assert mail is not None, "no mail was queued"
    match = re.search(r"http://localhost(/login/email/\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def signed_in_user_id(client) -> int | None:
    with client.session_transaction() as session:
        raw = session.get("_user_id")
    return int(raw.split(":")[0]) if raw else None


def ask(client, email: str = "mika@example.org", next_path: str = "/"):
    return client.post("/login/email", data={"email": email, "next": next_path})


def test_reader_signs_in_with_an_emailed_link(client, make_post):
    post = make_post()
    page = f"/posts/{post.slug}/"
    answer = ask(client, "Mika@Example.org", page + "#respond")
    assert answer.status_code == 200
    assert "Check your inbox" in answer.get_data(as_text=True)
    mail = db.session.scalar(select(OutgoingMail))
    assert mail.to_address == "mika@example.org" and "sign-in link" in mail.subject
    link = sent_link()

    # Opening the link (or a mail scanner fetching it) signs nobody in.
    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "You are signing in as <strong>mika@example.org</strong>" in confirm.get_data(as_text=True)
    assert signed_in_user_id(client) is None

    done = client.post(link)
    assert done.status_code == 302 and done.headers["Location"] == page + "#respond"
    user = db.session.scalar(select(User).where(User.email == "mika@example.org"))
    # Not "mika": half the address would show beside every comment.
    assert user is not None and user.email_verified and user.role == Role.READER and user.name == "Reader"
    assert signed_in_user_id(client) == user.id
    shown = client.get(page).get_data(as_text=True)
    assert "You are commenting using your email address." in shown
    assert "Your comments show the name “Reader” until you choose yours on your profile page." in shown


def test_a_new_account_takes_the_name_its_address_last_commented_under(client, make_post, make_comment):
    post = make_post()
    make_comment(post, "First as a guest", name="Mika K.", email="mika@example.org")
    ask(client, "mika@example.org")
    client.post(sent_link())
    user = db.session.scalar(select(User).where(User.email == "mika@example.org"))
    assert user.name == "Mika K."  # the name they chose to show, not "mika"
    assert "choose yours" not in client.get("/").get_data(as_text=True)


def test_a_link_works_only_once(client):
    ask(client)
    link = sent_link()
    client.post(link)
    client.post("/auth/sign-out")
    again = client.post(link)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert signed_in_user_id(client) is None
    assert client.get(link).status_code == 410


def test_an_expired_link_says_so(client):
    ask(client)
    link = sent_link()
    db.session.scalar(select(EmailLoginToken)).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.post(link)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert signed_in_user_id(client) is None


@pytest.mark.settings(EMAIL_LOGIN_MAX_AGE_SECONDS=0)
def test_a_link_older_than_its_signature_allows_is_refused(client):
    ask(client)
    response = client.post(sent_link())
    assert response.status_code == 410
    assert signed_in_user_id(client) is None


def test_a_forged_or_altered_link_is_refused(client):
    ask(client)
    link = sent_link()
    token = link.rsplit("/", 1)[1]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (f"/login/email/{altered}", "/login/email/not-a-token"):
        response = client.post(bad)
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, make_user):
    make_user(Role.READER, email="known@example.org", password=None)
    known = ask(client, "known@example.org").get_data(as_text=True)
    unknown = ask(client, "unknown@example.org").get_data(as_text=True)
    assert known.replace("known@", "X@") == unknown.replace("unknown@", "X@")


def test_an_existing_reader_gets_back_into_their_account(client, make_user):
    reader = make_user(Role.READER, email="back@example.org", password=None, email_verified=False)
    ask(client, "back@example.org")
    client.post(sent_link())
    assert signed_in_user_id(client) == reader.id
    assert db.session.get(User, reader.id).email_verified


def test_staff_addresses_get_no_link(client, make_user):
    make_user(Role.ADMIN, email="boss@example.org")
    answer = ask(client, "boss@example.org")
    assert answer.status_code == 200 and "Check your inbox" in answer.get_data(as_text=True)
    assert db.session.scalar(select(OutgoingMail)) is None


def test_a_bad_address_is_explained_and_kept(client):
    response = ask(client, "not an address")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is not a valid email address" in html and 'value="not an address"' in html
    assert db.session.scalar(select(OutgoingMail)) is None


def test_one_address_cannot_be_flooded_with_links(client):
    for _ in range(5):
        assert ask(client, "flood@example.org").status_code == 200
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 3


def test_next_in_the_link_stays_on_the_site(client):
    ask(client, "mika@example.org", "//evil.example/")
    done = client.post(sent_link())
    assert done.headers["Location"] == "/"


@pytest.mark.settings(RATELIMIT_ENABLED=True, EMAIL_LOGIN_RATELIMIT="2 per minute")
def test_asking_for_links_is_rate_limited_per_network(client):
    assert ask(client, "a@example.org").status_code == 200
    assert ask(client, "b@example.org").status_code == 200
    third = ask(client, "c@example.org")
    assert third.status_code == 429
    assert "Too many sign-in links" in third.get_data(as_text=True)


@pytest.mark.settings(EMAIL_LOGIN_MAX_AGE_SECONDS=3600)
def test_the_pages_and_the_email_say_how_long_a_link_works_as_configured(client):
    assert "It works once, for 1 hour." in client.get("/login/email").get_data(as_text=True)
    sent = ask(client).get_data(as_text=True)
    assert "Open it within 1 hour and press" in sent and "15 minutes" not in sent
    assert "Open this link within 1 hour" in db.session.scalar(select(OutgoingMail.body_text))
