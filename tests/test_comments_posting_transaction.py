"""Posting in one transaction: one read for every check, the writes and the emails committed together,
the redirect's page worked out before the commit, and the mail worker sending each email once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blog.comments import posting
from blog.comments.posting import CommentInput
from blog.extensions import db
from blog.mail import mail_worker, stop_worker
from blog.mail.outbox import OUTBOX, mail_row, queue_mails
from blog.models import Comment, MailStatus, ModerationAction, OutgoingMail, Post
from blog.models.base import utcnow
from tests.test_mail_outbox import Inbox, smtp, smtp_settings  # noqa: F401  (the aiosmtpd fixture)

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)


def guest(body: str, **extra: str) -> dict[str, str]:
    return {"body": body, "name": "Ann Reader", "email": "ann@example.org", **extra}


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_a_held_comments_emails_go_out_once_each_after_the_commit(app, smtp, make_post, make_user):  # noqa: F811
    inbox, port = smtp
    app.config.update(smtp_settings(port))
    writer = make_user("author", email="writer@example.org")
    make_user("editor", email="mod@example.org")
    post = make_post("Magnetic Rose", author=writer)
    response = app.test_client().post(f"/posts/{post.slug}/comments", data=guest("Held for a moderator"))
    assert response.status_code == 302
    worker = mail_worker(app)
    assert worker.wait_idle(20)
    worker.kick()  # a second round finds nothing left to send
    assert worker.wait_idle(20)
    stop_worker(app)
    assert sorted(message["To"] for message in inbox.messages) == ["mod@example.org", "writer@example.org"]
    assert "Please moderate" in str(next(m["Subject"] for m in inbox.messages if m["To"] == "mod@example.org"))
    db.session.rollback()
    sent = sorted(db.session.execute(select(OutgoingMail.to_address, OutgoingMail.subject, OutgoingMail.status)))
    assert sent == [
        ("mod@example.org", "[Sargasso] Please moderate: \u201cMagnetic Rose\u201d", MailStatus.SENT),
        (
            "writer@example.org",
            "[Sargasso] New comment on \u201cMagnetic Rose\u201d (held for moderation)",
            MailStatus.SENT,
        ),
    ]


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_a_comment_whose_transaction_fails_before_the_commit_leaves_nothing_and_sends_nothing(
    app,
    smtp,  # noqa: F811
    make_post,
    make_user,
):
    inbox, port = smtp
    app.config.update(smtp_settings(port))
    make_user("editor", email="mod@example.org")
    post = make_post()

    def dies_before_the_commit(comment_id: int) -> posting.threads.Viewer:
        raise RuntimeError("the process died here")

    with app.test_request_context(), pytest.raises(RuntimeError):
        posting.submit(
            post.slug,
            CommentInput(body="Never stored", name="Ann", email="ann@example.org"),
            viewer=dies_before_the_commit,
        )
    db.session.rollback()
    assert (count(Comment), count(ModerationAction), count(OutgoingMail)) == (0, 0, 0)
    mail_worker(app).kick()
    assert mail_worker(app).wait_idle(20)
    stop_worker(app)
    assert inbox.messages == []
    assert db.session.get(Post, post.id).comment_count == 0


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_a_post_author_who_moderates_gets_one_email_about_a_held_comment(client, make_post, make_user):
    admin = make_user("admin", email="owner@example.org")
    post = make_post(author=admin)
    client.post(f"/posts/{post.slug}/comments", data=guest("Is this on?"))
    subjects = list(db.session.scalars(select(OutgoingMail.subject).where(OutgoingMail.to_address == admin.email)))
    assert subjects == [f"[Sargasso] Please moderate: \u201c{post.title}\u201d"]


@pytest.mark.settings(COMMENTS_MODERATION="first")
def test_a_guest_comment_is_one_read_and_three_writes(client, make_post, count_queries):
    post = make_post()
    client.get(f"/posts/{post.slug}/")
    with count_queries() as queries:
        response = client.post(f"/posts/{post.slug}/comments", data=guest("First words here"))
    assert response.status_code == 302
    kinds = [statement.split(None, 2)[:2] for statement in queries.statements]
    assert kinds == [["SELECT", "posts.id,"], ["INSERT", "INTO"], ["INSERT", "INTO"], ["INSERT", "INTO"]]
    tables = [statement.split()[2] for statement in queries.statements[1:]]
    assert tables == ["comments", "moderation_actions", "mail_outbox"]
    comment = db.session.scalars(select(Comment)).one()
    assert comment.thread_id == comment.id and comment.depth == 0


@pytest.mark.settings(COMMENTS_MODERATION="all-approved")
def test_an_approved_comment_is_three_reads_and_five_writes_and_counts(client, make_post, count_queries):
    post = make_post()
    client.get(f"/posts/{post.slug}/")
    with count_queries() as queries:
        client.post(f"/posts/{post.slug}/comments", data=guest("Straight onto the page"))
    # The checks' one read; the comment and the count; for its card, its thread and whether the post
    # reviews a work (readers' scores show on cards), then the card and the thread's card; the mail.
    assert [" ".join(statement.split()[:3]) for statement in queries.statements] == [
        "SELECT posts.id, posts.slug,",
        "INSERT INTO comments",
        "UPDATE posts SET",
        "SELECT comments.id, comments.parent_id,",
        "SELECT reviews.work_id FROM",
        "UPDATE comments SET",
        "UPDATE comments SET",
        "INSERT INTO mail_outbox",
    ]
    assert db.session.get(Post, post.id).comment_count == 1
    assert db.session.scalars(select(OutgoingMail.subject)).one().startswith("[Sargasso] New comment on")


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", COMMENTS_PER_PAGE=2)
def test_the_redirect_lands_on_the_page_and_anchor_that_show_the_comment(client, make_post, make_comment):
    post = make_post()
    first = make_comment(post)
    for _ in range(4):
        make_comment(post)
    response = client.post(f"/posts/{post.slug}/comments", data=guest("Sixth thread"))
    comment = db.session.scalars(select(Comment).where(Comment.body_source == "Sixth thread")).one()
    assert response.headers["Location"] == f"/posts/{post.slug}/?cpage=3#comment-{comment.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="comment-{comment.id}"' in page and "Sixth thread" in page

    reply = client.post(f"/posts/{post.slug}/comments", data=guest("A reply up top", parent_id=str(first.id)))
    answer = db.session.scalars(select(Comment).where(Comment.body_source == "A reply up top")).one()
    assert reply.headers["Location"] == f"/posts/{post.slug}/#comment-{answer.id}"
    assert answer.thread_id == first.id and answer.depth == 1

    newest = client.post(f"/posts/{post.slug}/comments?sort=newest", data=guest("Newest first"))
    latest = db.session.scalars(select(Comment).where(Comment.body_source == "Newest first")).one()
    assert newest.headers["Location"] == f"/posts/{post.slug}/#comment-{latest.id}"


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", COMMENTS_PER_PAGE=2)
def test_a_new_thread_lands_after_every_thread_the_reader_can_read(client, make_post, make_comment):
    """A new thread is counted after the pinned ones, after a thread readable only through its
    reply, and not after held or spam threads nobody may read."""
    post = make_post()
    later = make_comment(post, "Pinned late")
    held_root = make_comment(post, "Held first words", status="pending")
    make_comment(post, "An approved reply under it", parent=held_root, status="approved")
    make_comment(post, "Spam thread", status="spam")
    make_comment(post, "Someone else's held thread", status="pending")
    make_comment(post, "An ordinary thread")
    later.pinned = True
    db.session.commit()  # readable: the pinned one, the held root's thread, the ordinary one: 3
    response = client.post(f"/posts/{post.slug}/comments", data=guest("The newest thread"))
    comment = db.session.scalars(select(Comment).where(Comment.body_source == "The newest thread")).one()
    assert response.headers["Location"] == f"/posts/{post.slug}/?cpage=2#comment-{comment.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="comment-{comment.id}"' in page and "The newest thread" in page
    assert "Spam thread" not in page and "Someone else" not in page


@pytest.mark.settings(COMMENTS_MODERATION="hold-all", COMMENTS_PER_PAGE=2)
def test_a_guests_held_comments_count_on_their_own_pages(app, make_post):
    post = make_post()
    reader = app.test_client()
    locations = [
        reader.post(f"/posts/{post.slug}/comments", data=guest(f"Held words {n}")).headers["Location"] for n in range(3)
    ]
    ids = list(db.session.scalars(select(Comment.id).order_by(Comment.id)))
    assert locations == [
        f"/posts/{post.slug}/#comment-{ids[0]}",
        f"/posts/{post.slug}/#comment-{ids[1]}",
        f"/posts/{post.slug}/?cpage=2#comment-{ids[2]}",
    ]
    page = reader.get(locations[2]).get_data(as_text=True)
    assert "Held words 2" in page and "awaiting moderation" in page
    assert "Held words 2" not in app.test_client().get(locations[2]).get_data(as_text=True)


def test_two_workers_never_claim_the_same_mail(app):
    queue_mails([mail_row(f"reader{n}@example.org", f"Message {n}", "Words.") for n in range(30)])
    db.session.commit()
    stop_worker(app)  # this test claims by hand
    config = app.config
    with db.engine.connect() as one, db.engine.connect() as two:
        from sqlalchemy.orm import Session

        first = OUTBOX.claim_due(Session(one, expire_on_commit=False), utcnow(), config, 20)
        second = OUTBOX.claim_due(Session(two, expire_on_commit=False), utcnow(), config, 20)
    assert len(first) == 20 and len(second) == 10
    assert not {row.id for row in first} & {row.id for row in second}
    assert {row.status for row in first + second} == {MailStatus.SENDING}


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_a_guests_held_comment_alone_has_a_heading_and_no_sort_bar(app, make_post, make_comment):
    """Nothing approved yet: the guest's own held comment sits under "Comments on …", not under a
    bare sort bar; the sort bar comes with a second thread."""
    post = make_post("Perfect Blue")
    reader = app.test_client()
    reader.post(f"/posts/{post.slug}/comments", data=guest("Held words"))
    html = reader.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Held words" in html and "awaiting moderation" in html
    assert '<h2 id="comments-title" class="comments-title">Comments on &ldquo;Perfect Blue&rdquo;</h2>' in html
    assert 'aria-labelledby="comments-title"' in html and 'class="comment-sort"' not in html
    make_comment(post, "An approved thread")
    again = reader.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "1 thought on &ldquo;Perfect Blue&rdquo;" in again and 'class="comment-sort"' in again


@pytest.mark.settings(COMMENTS_MODERATION="all-approved", COMMENTS_EDIT_WINDOW_MINUTES=0)
def test_a_reader_is_not_offered_to_report_their_own_comment(app, make_post, make_comment, make_user, login):
    """The Report link sits on everyone's comments but the reader's own (a guest's or an account's),
    also once the edit window has closed, when the page would otherwise use the shared card."""
    post = make_post("Perfect Blue")
    make_comment(post, "Someone else's words")
    guest_reader = app.test_client()
    guest_reader.post(f"/posts/{post.slug}/comments", data=guest("My own words"))
    mine = db.session.scalars(select(Comment).where(Comment.body_source == "My own words")).one()
    other = db.session.scalars(select(Comment).where(Comment.body_source == "Someone else's words")).one()
    html = guest_reader.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert f'href="/comments/{other.id}/report"' in html and f'href="/comments/{mine.id}/report"' not in html
    anyone = app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert f'href="/comments/{mine.id}/report"' in anyone  # everyone else may report it
    member = make_user(name="Mina")
    make_comment(post, "A member's words", user=member)
    theirs = db.session.scalars(select(Comment).where(Comment.body_source == "A member's words")).one()
    signed_in = login(app.test_client(), member)
    page = signed_in.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert f'href="/comments/{theirs.id}/report"' not in page and f'href="/comments/{other.id}/report"' in page
