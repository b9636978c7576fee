""" "Email me new posts": double opt-in, one email per new post, one-click unsubscribe, bad links."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import Follower, OutgoingMail
from blog.posts.editing import PostInput, save_post

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)


def mails_to(address: str) -> list[OutgoingMail]:
    return list(
        db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address).order_by(OutgoingMail.id))
    )


def path_in(mail: OutgoingMail, part: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + re.escape(part) + r"\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def publish(author, title: str) -> None:
    save_post(author, PostInput(title=title, body_md="A new review.", status="published"))
    db.session.commit()


def test_reader_follows_the_blog_confirms_and_gets_each_new_post(app, client, make_user):
    author = make_user("admin")
    assert "Email me new posts" in client.get("/").get_data(as_text=True)
    sent = client.post("/follow", data={"email": "Fan@Example.org"})
    assert "Check your inbox" in sent.get_data(as_text=True)
    publish(author, "Before confirming")
    assert len(mails_to("fan@example.org")) == 1  # only the confirmation
    confirm = path_in(mails_to("fan@example.org")[0], "/follow/confirm/")
    assert "Yes, email me new posts" in client.get(confirm).get_data(as_text=True)
    assert "You follow this blog" in client.post(confirm).get_data(as_text=True)
    assert client.post(confirm).status_code == 409

    publish(author, "Perfect Blue")
    post_mail = mails_to("fan@example.org")[-1]
    assert post_mail.subject.endswith("New post: Perfect Blue")
    assert "/posts/perfect-blue/" in post_mail.body_text
    stop = path_in(post_mail, "/follow/unsubscribe/")
    assert "no more of these emails" in client.post(stop).get_data(as_text=True)
    again = client.post(stop)
    assert again.status_code == 409 and "already unsubscribed" in again.get_data(as_text=True)
    publish(author, "Millennium Actress")
    assert not any("Millennium" in m.subject for m in mails_to("fan@example.org"))


def test_following_twice_sends_one_confirmation_and_bad_input_is_kept(client):
    client.post("/follow", data={"email": "fan@example.org"})
    client.post("/follow", data={"email": "fan@example.org"})
    assert len(mails_to("fan@example.org")) == 1
    assert db.session.scalar(select(Follower.email)) == "fan@example.org"
    bad = client.post("/follow", data={"email": "not-an-address"})
    assert bad.status_code == 400 and 'value="not-an-address"' in bad.get_data(as_text=True)
    assert client.post("/follow/confirm/forged-token").status_code == 400
    assert client.get("/follow/other/x").status_code == 404


def test_a_signed_in_reader_follows_at_once_with_their_verified_address(client, make_user, login):
    author = make_user("admin")
    reader = make_user("reader", email="fan@example.org", password=None, email_verified=True)
    login(client, reader)
    form = client.get("/follow").get_data(as_text=True)
    assert 'value="fan@example.org"' in form  # filled in from the account
    done = client.post("/follow", data={"email": "fan@example.org"}).get_data(as_text=True)
    assert "Each new post comes to fan@example.org" in done
    assert mails_to("fan@example.org") == []  # nothing to confirm: the sign-in proved the address
    publish(author, "Perfect Blue")
    assert [m.subject.endswith("New post: Perfect Blue") for m in mails_to("fan@example.org")] == [True]

    # Another address still gets the double opt-in, and says nothing about its state.
    other = client.post("/follow", data={"email": "friend@example.org"}).get_data(as_text=True)
    assert "Check your inbox" in other and len(mails_to("friend@example.org")) == 1


def test_an_unverified_account_address_still_needs_confirming(client, make_user, login):
    reader = make_user("reader", email="fan@example.org", password=None, email_verified=False)
    login(client, reader)
    assert 'value=""' in client.get("/follow").get_data(as_text=True)
    assert "Check your inbox" in client.post("/follow", data={"email": "fan@example.org"}).get_data(as_text=True)
    assert db.session.scalar(select(Follower.confirmed_at)) is None
