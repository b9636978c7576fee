"""The readers' and staff accounts, as a QA walk-through found them: readers are sent to the readers'
sign-in, a deleted account's emails stop, its data download is complete, a reader made staff can
choose a password, the sign-in pages offer what the site has, and a deleted reader's comments show
the placeholder avatar."""

from __future__ import annotations

import dataclasses
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from blog.comments import markup
from blog.comments.avatars import PLACEHOLDER_HASH
from blog.extensions import db
from blog.models import Comment, Identity, OutgoingMail, Role, User
from blog.models.base import utcnow
from blog.models.discussion import Follower, Subscription, SubscriptionKind
from blog.models.works import Correction, CorrectionStatus
from blog.reviews.corrections import propose_correction
from blog.reviews.editing import snapshot_of, snapshot_to_input
from blog.reviews.ratings import rate_work
from tests.conftest import PASSWORD
from tests.fakes.provider import provider_settings
from tests.reviews_support import seed_memories, work

NEW_PASSWORD = "a brand new passphrase"


def mails_to(address: str) -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == address)))


def link_in(mail: OutgoingMail, path: str) -> str:
    match = re.search(rf"http://localhost({re.escape(path)}\S+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def next_of(location: str) -> str:
    """The ``next`` a redirect to the readers' sign-in carries."""
    parts = urlsplit(location)
    assert parts.path == "/sign-in", location
    return parse_qs(parts.query)["next"][0]


def signed_in_user_id(client) -> int | None:
    with client.session_transaction() as session:
        raw = session.get("_user_id")
    return int(raw.split(":")[0]) if raw else None


def email_reader(make_user, email: str = "mika@example.org", **fields) -> User:
    """A reader who signs in with emailed links: no password, a confirmed address."""
    return make_user(Role.READER, email=email, name="Mika", password=None, email_verified=True, **fields)


# ----------------------------------------------------------------------------- 1. readers sign in as readers


def test_a_signed_out_reader_suggesting_a_correction_goes_to_the_readers_sign_in_and_back(client, make_post):
    seed_memories(make_post)
    response = client.get("/works/memories/correct")
    assert response.status_code == 302
    assert not response.headers["Location"].startswith("/login")  # not the staff password page
    assert next_of(response.headers["Location"]) == "/works/memories/correct"
    choices = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sign in to suggest a correction." in choices
    assert "Email me a sign-in link" in choices and "For the people who write and run" not in choices

    # The email link takes them back to the form.
    client.post("/login/email", data={"email": "mika@example.org", "next": "/works/memories/correct"})
    link = link_in(mails_to("mika@example.org")[0], "/login/email/")
    done = client.post(link)
    assert done.status_code == 302 and done.headers["Location"] == "/works/memories/correct"
    assert client.get("/works/memories/correct").status_code == 200


def test_a_signed_out_reader_giving_a_score_goes_to_the_readers_sign_in_and_back_to_the_page(client, make_post):
    post = seed_memories(make_post)
    page = f"/posts/{post.slug}/"
    response = client.post("/works/magnetic-rose/rate", data={"score": "8", "next": page})
    assert response.status_code == 302 and next_of(response.headers["Location"]) == page
    assert "Sign in to give your own score." in client.get(response.headers["Location"]).get_data(as_text=True)
    # A form without ``next``: back to the page it was sent from, never to the POST-only address.
    response = client.post(
        "/works/magnetic-rose/rate", data={"score": "8"}, headers={"Referer": "http://localhost/works/magnetic-rose/"}
    )
    assert next_of(response.headers["Location"]) == "/works/magnetic-rose/"
    elsewhere = client.post(
        "/works/magnetic-rose/rate",
        data={"score": "8", "next": "//evil.example"},
        headers={"Referer": "https://evil.example/"},
    )
    assert next_of(elsewhere.headers["Location"]) == "/"


def test_a_signed_out_visitor_of_a_profile_action_is_sent_back_to_the_profile(client):
    response = client.post("/profile/delete", data={"confirm": "y"}, headers={"Referer": "http://localhost/profile"})
    assert response.status_code == 302 and next_of(response.headers["Location"]) == "/profile"
    assert next_of(client.get("/profile").headers["Location"]) == "/profile"


def test_staff_pages_of_the_reviews_area_still_send_strangers_to_the_staff_login(client):
    response = client.get("/admin/works/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_the_public_sign_in_pages_give_no_server_commands(client):
    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in login_page and "Forgot your password?" in login_page
    assert "flask reset-password" not in login_page
    assert "flask reset-password" not in client.get("/login/forgot").get_data(as_text=True)


# ----------------------------------------------------------------------------- 2. deleting an account, downloading it


def test_deleting_an_account_ends_every_email_to_its_addresses(client, make_user, make_post, make_comment, login):
    post = make_post()
    reader = email_reader(make_user)
    make_comment(post, "Notify me, please.", user=reader)
    db.session.add_all(
        [
            # a provider vouches for another address of theirs
            Identity(provider="google", provider_user_id="g", user=reader, email="Mika.Alt@x.org", email_verified=True),
            # an address nobody proved: someone else's subscriptions stay
            Identity(provider="github", provider_user_id="h", user=reader, email="claimed@example.org"),
            # another account holds this one
            Identity(provider="twitter", provider_user_id="t", user=reader, email="boss@x.org", email_verified=True),
        ]
    )
    make_user(Role.ADMIN, email="boss@x.org")
    now = utcnow()
    addresses = ("mika@example.org", "mika.alt@x.org", "claimed@example.org", "boss@x.org", "x@example.org")
    for email in addresses:
        db.session.add(Subscription(kind=SubscriptionKind.POST, email=email, post_id=post.id, confirmed_at=now))
    db.session.add_all(
        [
            Follower(email="mika@example.org", confirmed_at=now),
            Follower(email="mika.alt@x.org"),  # not confirmed yet: ended too
            Follower(email="x@example.org", confirmed_at=now),
        ]
    )
    db.session.commit()

    login(client, reader)
    assert client.post("/profile/delete", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, reader.id) is None
    assert sorted(db.session.scalars(select(Subscription.email))) == [
        "boss@x.org",
        "claimed@example.org",
        "x@example.org",
    ]
    assert list(db.session.scalars(select(Follower.email))) == ["x@example.org"]

    # The next post is announced to the remaining follower only.
    make_post("After they left")
    assert mails_to("mika@example.org") == mails_to("mika.alt@x.org") == []
    assert len(mails_to("x@example.org")) == 1


def test_the_data_download_holds_scores_and_corrections(client, make_user, make_post, login):
    seed_memories(make_post)
    reader = email_reader(make_user)
    rate_work(work("magnetic-rose"), reader, 8.5)
    rate_work(work("memories"), "mika@example.org", 7)  # given as a guest with the same address
    memories = work("memories")
    proposed = dataclasses.replace(snapshot_to_input(snapshot_of(memories)), runtime_minutes=113)
    propose_correction(reader, memories, proposed, "The Japanese Blu-ray says 113 minutes.")
    db.session.add(Follower(email="mika@example.org"))
    db.session.commit()

    login(client, reader)
    data = json.loads(client.get("/profile/export.json").get_data(as_text=True))
    scores = {(r["work"]["slug"], r["score"], r["email"]) for r in data["ratings"]}
    assert scores == {("magnetic-rose", 8.5, None), ("memories", 7.0, "mika@example.org")}
    (correction,) = data["corrections"]
    assert correction["work"] == {"slug": "memories", "title": "Memories"}
    assert correction["status"] == "pending" and correction["decided_at"] is None
    assert correction["reason"] == "The Japanese Blu-ray says 113 minutes."
    assert correction["proposed"]["runtime_minutes"] == 113
    assert [s["kind"] for s in data["subscriptions"]] == ["Follower"]

    db.session.execute(update(Correction).values(status=CorrectionStatus.REJECTED, review_note="It says 115."))
    db.session.commit()
    data = json.loads(client.get("/profile/export.json").get_data(as_text=True))
    assert (data["corrections"][0]["status"], data["corrections"][0]["review_note"]) == ("rejected", "It says 115.")


# ----------------------------------------------------------------------------- 3. a reader made staff


def test_a_reader_made_author_is_emailed_a_link_and_chooses_a_first_password(app, client, make_user, login):
    admin = make_user(Role.ADMIN, name="Boss")
    reader = email_reader(make_user)
    login(client, admin)
    response = client.post(f"/admin/users/{reader.id}/role", data={"role": "author"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Mika is now author." in html and "we emailed mika@example.org a link to choose one" in html
    assert "(no password yet)" in html

    (mail,) = mails_to("mika@example.org")
    assert mail.subject == "Set your password on Sargasso"
    assert "Boss made you an author on Sargasso" in mail.body_text and "within 60 minutes" in mail.body_text
    assert "http://localhost/login/forgot" in mail.body_text  # where to ask again once it expired
    link = link_in(mail, "/login/reset/")

    stranger = app.test_client()
    page = stranger.get(link).get_data(as_text=True)
    assert "Choose your password" in page and "<strong>mika@example.org</strong>" in page
    done = stranger.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "Your password is set. Sign in with it." in stranger.get("/login").get_data(as_text=True)
    assert [m.subject for m in mails_to("mika@example.org")][-1] == "Your password on Sargasso is set"

    signed = stranger.post("/login", data={"email": "mika@example.org", "password": NEW_PASSWORD})
    assert signed.status_code == 302 and signed.headers["Location"] == "/admin/"
    # The link was spent when the password was set.
    another = "yet another passphrase"
    again = app.test_client().post(link, data={"password": another, "confirm": another})
    assert again.status_code == 410
    assert "(no password yet)" not in client.get("/admin/users").get_data(as_text=True)


def test_staff_without_a_password_set_a_first_one_with_forgot_your_password(client, make_user):
    user = make_user(Role.AUTHOR, email="ann@example.org", name="Ann", password=None, email_verified=True)
    assert client.post("/login/forgot", data={"email": "ann@example.org"}).status_code == 200
    (mail,) = mails_to("ann@example.org")
    assert mail.subject == "Set your password on Sargasso" and "which has none yet" in mail.body_text
    link = link_in(mail, "/login/reset/")
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 2
    assert client.post("/login", data={"email": "ann@example.org", "password": NEW_PASSWORD}).status_code == 302
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 410


def test_an_email_link_a_new_staff_member_still_holds_tells_them_how_to_get_in(client, make_user, login):
    email_reader(make_user)
    client.post("/login/email", data={"email": "mika@example.org", "next": "/"})
    link = link_in(mails_to("mika@example.org")[0], "/login/email/")
    db.session.execute(update(User).where(User.email == "mika@example.org").values(role=Role.AUTHOR))
    db.session.commit()
    refused = client.post(link)
    assert refused.status_code == 403
    assert "No password yet? Choose one with “Forgot your password?” there." in refused.get_data(as_text=True)
    assert signed_in_user_id(client) is None


def test_a_link_for_someone_made_reader_again_is_refused(client, make_user, login):
    admin = make_user(Role.ADMIN)
    reader = email_reader(make_user)
    login(client, admin)
    client.post(f"/admin/users/{reader.id}/role", data={"role": "editor"})
    link = link_in(mails_to("mika@example.org")[0], "/login/reset/")
    client.post(f"/admin/users/{reader.id}/role", data={"role": "reader"})
    assert len(mails_to("mika@example.org")) == 1  # nothing sent on the way back
    refused = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, reader.id).password_hash is None


@pytest.mark.parametrize(
    ("fields", "flash"),
    [
        pytest.param(
            {"password": PASSWORD, "email_verified": True}, "Rita is now contributor.</p>", id="has a password"
        ),
        pytest.param(
            {"password": None, "email_verified": False},
            "but has no password and no confirmed email address",
            id="address never confirmed",
        ),
    ],
)
def test_no_link_goes_to_an_account_that_has_a_password_or_an_unconfirmed_address(
    client, make_user, login, fields, flash
):
    login(client, make_user(Role.ADMIN))
    reader = make_user(Role.READER, email="rita@example.org", name="Rita", **fields)
    html = client.post(f"/admin/users/{reader.id}/role", data={"role": "contributor"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert flash in html
    assert mails_to("rita@example.org") == []
    if fields["password"] is None:  # nor can an unconfirmed address ask for one
        client.post("/login/forgot", data={"email": "rita@example.org"})
        assert mails_to("rita@example.org") == []


def test_the_users_page_marks_staff_without_a_password_and_labels_cells_for_phones(client, make_user, login):
    login(client, make_user(Role.ADMIN, name="Boss"))
    make_user(Role.AUTHOR, name="Paula Passwordless", password=None)
    make_user(Role.READER, name="Rhea Reader", password=None)
    html = client.get("/admin/users").get_data(as_text=True)
    found = re.finditer(r'<tr>\s*<th scope="row">(.*?)</th>.*?</tr>', html, re.S)
    rows = {re.sub(r"<[^>]+>", "", m.group(1)).strip(): m.group(0) for m in found}
    assert "(no password yet)" in next(row for name, row in rows.items() if name.startswith("Paula"))
    assert all("(no password yet)" not in row for name, row in rows.items() if not name.startswith("Paula"))
    table = html[html.index('<table class="admin-table users-table">') : html.index("</table>")]
    cells = re.findall(r"<td[^>]*>", table)
    assert cells and all("data-label=" in cell for cell in cells)
    assert {re.search(r'data-label="([^"]+)"', c).group(1) for c in cells} == {"Email", "Last sign-in", "Role"}


# ----------------------------------------------------------------------------- 4. the sign-in pages' words


def test_with_email_links_only_the_sign_in_pages_offer_nothing_else(client):
    choices = client.get("/sign-in").get_data(as_text=True)
    assert "Use an account you already have" not in choices and "shares it" not in choices
    assert "We&#39;ll email you a link that signs you in" in choices
    by_email = client.get("/login/email").get_data(as_text=True)
    assert "Google" not in by_email and "later on your profile page" not in by_email
    assert "A new address gets a reader account; a new link is all you need to sign in again." in by_email


@pytest.mark.settings(**provider_settings(providers=("google", "github")))
def test_with_providers_the_sign_in_pages_name_them(client):
    choices = client.get("/sign-in").get_data(as_text=True)
    assert "Use an account you already have (Google or GitHub) or get a sign-in link by email." in choices
    by_email = client.get("/login/email").get_data(as_text=True)
    assert "you can add Google or GitHub later on your profile page." in by_email


@pytest.mark.settings(**provider_settings(providers=("google",)))
def test_with_one_provider_the_sign_in_pages_name_it(client):
    assert "Use an account you already have (Google)" in client.get("/sign-in").get_data(as_text=True)
    assert "you can add Google later" in client.get("/login/email").get_data(as_text=True)


# ----------------------------------------------------------------------------- 5. a deleted reader's avatar


@pytest.mark.settings(PAGE_CACHE_ENABLED=False, COMMENTS_MODERATION="all-approved")
def test_a_deleted_readers_comment_shows_the_placeholder_avatar(client, make_user, make_post, make_comment, login):
    post = make_post()
    reader = email_reader(make_user)
    make_comment(post, "I was here.", user=reader)
    login(client, reader)
    client.post("/profile/delete", data={"confirm": "y"})
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Deleted user" in html and 'src="/avatars/.svg"' not in html
    assert f'<img class="avatar" src="/avatars/{PLACEHOLDER_HASH}.svg"' in html
    avatar = client.get(f"/avatars/{PLACEHOLDER_HASH}.svg")
    assert avatar.status_code == 200 and avatar.mimetype == "image/svg+xml"


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_cards_stored_with_the_broken_avatar_are_not_served_and_rerender_rewrites_them(
    app, client, make_post, make_comment, monkeypatch
):
    post = make_post()
    make_comment(post, "Written by someone who left.")
    # As the previous release stored a deleted reader's comment: no hash, so an empty file name.
    with monkeypatch.context() as previous_release:
        previous_release.setattr(markup, "CARD_VERSION", 1)
        previous_release.setattr(markup, "PLACEHOLDER_HASH", "")
        db.session.execute(update(Comment).values(avatar_hash="", author_name="Deleted user"))
        db.session.commit()  # the thread's cards are rewritten before the commit, old style
    stored = db.session.execute(select(Comment.card_head, Comment.thread_card)).one()
    assert 'src="/avatars/.svg"' in stored.card_head and 'src="/avatars/.svg"' in stored.thread_card

    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'src="/avatars/.svg"' not in html and f"/avatars/{PLACEHOLDER_HASH}.svg" in html

    result = app.test_cli_runner().invoke(args=["rerender"])
    assert result.exit_code == 0 and "Cards: 1 of comments and 1 of threads written" in result.output
    db.session.expire_all()
    stored = db.session.execute(select(Comment.card_head, Comment.thread_card)).one()
    for html in (stored.card_head, stored.thread_card, client.get(f"/posts/{post.slug}/").get_data(as_text=True)):
        assert 'src="/avatars/.svg"' not in html and f"/avatars/{PLACEHOLDER_HASH}.svg" in html
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.avatar_hash == "")) == 1


def test_mail_waiting_for_a_deleted_reader_is_not_sent_and_none_is_kept(client, make_user, login):
    """A reply notice queued a moment before they left would still have gone out, with their comment
    quoted; the outbox's record of what it sent them was kept too."""
    from blog.mail.outbox import mail_row, queue_mails
    from blog.models.mail import MailStatus

    reader = email_reader(make_user)
    queue_mails(
        [
            mail_row("mika@example.org", "A reply to your comment", "Someone replied."),
            mail_row("Mika@Example.org", "Your digest", "Three new comments."),
            mail_row("x@example.org", "For someone else", "Stays."),
        ]
    )
    db.session.flush()
    sent = db.session.scalars(select(OutgoingMail).where(OutgoingMail.subject == "Your digest")).one()
    sent.status = MailStatus.SENT
    db.session.commit()

    login(client, reader)
    assert client.post("/profile/delete", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert list(db.session.scalars(select(OutgoingMail.to_address))) == ["x@example.org"]
