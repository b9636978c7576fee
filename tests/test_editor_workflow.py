"""The review workflow: contributors submit, editors publish or send back with a note; upcoming posts."""

from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import PostStatus, Role
from blog.models.base import utcnow
from blog.posts.revisions import revisions_of


def _submit(client, **fields):
    data = {
        "title": "Cannon Fodder",
        "body_md": "A city that only makes cannons.",
        "action": "review",
        "comment_status": "open",
    }
    data.update(fields)
    return client.post("/admin/posts/new", data=data)


@pytest.fixture
def cory(make_user):
    return make_user(Role.CONTRIBUTOR, name="Cory")


def test_a_contributor_submits_and_an_editor_finds_it_in_the_queue(client, login, make_user, cory):
    login(client, cory)
    editor_page = client.get("/admin/posts/new").get_data(as_text=True)
    assert "Submit for review" in editor_page and 'value="publish"' not in editor_page
    follow = client.get(_submit(client).headers["Location"]).get_data(as_text=True)
    assert "Submitted for review" in follow
    login(client, make_user(Role.EDITOR))
    queue = client.get("/admin/review-queue").get_data(as_text=True)
    assert "Cannon Fodder" in queue and "by Cory" in queue and "Send back" in queue
    assert 'href="/admin/review-queue"' in queue  # in the admin sidebar


def test_an_editor_publishes_from_the_queue(app, client, login, make_user, make_post, cory):
    post = make_post("Cannon Fodder", "Grim.", author=cory, status=PostStatus.PENDING)
    post.review_note = "An older note."
    db.session.commit()
    login(client, make_user(Role.EDITOR))
    reply = client.post(f"/admin/review-queue/{post.id}/publish", follow_redirects=True)
    assert "Published “Cannon Fodder”." in reply.get_data(as_text=True)
    db.session.refresh(post)
    assert post.is_live and post.review_note == ""
    assert revisions_of(post)[0].note == "Published after review"
    assert app.test_client().get(f"/posts/{post.slug}/").status_code == 200
    again = client.post(f"/admin/review-queue/{post.id}/publish", follow_redirects=True)
    assert "no longer waiting for review" in again.get_data(as_text=True)


def test_a_requested_future_date_is_kept_when_published(client, login, make_user, make_post, cory):
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    post = make_post("Later", "x", author=cory, status=PostStatus.PENDING, published_at=when)
    login(client, make_user(Role.EDITOR))
    reply = client.post(f"/admin/review-queue/{post.id}/publish", follow_redirects=True)
    assert "is scheduled for" in reply.get_data(as_text=True)
    db.session.refresh(post)
    assert post.is_scheduled and post.published_at == when


def test_sending_back_needs_a_note_and_the_writer_sees_it(client, login, make_user, make_post, cory):
    post = make_post("Cannon Fodder", "Grim.", author=cory, status=PostStatus.PENDING)
    editor = make_user(Role.EDITOR, name="Eda")
    login(client, editor)
    empty = client.post(f"/admin/review-queue/{post.id}/send-back", data={"note": "   "})
    assert empty.status_code == 400 and "Say what needs changing" in empty.get_data(as_text=True)
    db.session.refresh(post)
    assert post.status == PostStatus.PENDING
    reply = client.post(
        f"/admin/review-queue/{post.id}/send-back", data={"note": "Add a source for the quote."}, follow_redirects=True
    )
    assert "Sent “Cannon Fodder” back to Cory with your note." in reply.get_data(as_text=True)
    assert "Cannon Fodder" not in client.get("/admin/review-queue").get_data(as_text=True)
    db.session.refresh(post)
    assert post.status == PostStatus.DRAFT
    login(client, cory)
    page = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert "Sent back by an editor:" in page and "Add a source for the quote." in page


def test_a_contributor_cannot_publish_through_any_endpoint(client, login, make_user, make_post, cory):
    login(client, cory)
    assert _submit(client, action="publish").status_code == 403
    pending = make_post("Mine", "x", author=cory, status=PostStatus.PENDING)
    assert client.get("/admin/review-queue").status_code == 403
    assert client.post(f"/admin/review-queue/{pending.id}/publish").status_code == 403
    assert client.post(f"/admin/review-queue/{pending.id}/send-back", data={"note": "x"}).status_code == 403
    edit = client.post(
        f"/admin/posts/{pending.id}/edit",
        data={
            "title": "Mine",
            "body_md": "x",
            "action": "publish",
            "comment_status": "open",
            "base_version": str(pending.version),
        },
    )
    assert edit.status_code == 403
    db.session.refresh(pending)
    assert pending.status == PostStatus.PENDING


def test_authors_cannot_use_the_review_queue(client, login, make_user, make_post):
    post = make_post("Pending", "x", author=make_user(Role.CONTRIBUTOR), status=PostStatus.PENDING)
    login(client, make_user(Role.AUTHOR))
    assert client.get("/admin/review-queue").status_code == 403
    assert client.post(f"/admin/review-queue/{post.id}/publish").status_code == 403


def test_upcoming_lists_scheduled_posts_soonest_first(client, login, make_user, make_post):
    ann = make_user(Role.AUTHOR, name="Ann")
    other = make_user(Role.AUTHOR, name="Ben")
    make_post("Part 3", "x", author=ann, published_at=utcnow() + timedelta(days=3))
    make_post("Part 2", "x", author=ann, published_at=utcnow() + timedelta(days=1))
    make_post("Ben's post", "x", author=other, published_at=utcnow() + timedelta(days=2))
    make_post("Already out", "x", author=ann)
    make_post("A draft", "x", author=ann, status=PostStatus.DRAFT)
    login(client, ann)
    page = client.get("/admin/upcoming").get_data(as_text=True)
    assert page.index("Part 2") < page.index("Part 3")
    assert "Ben&#39;s post" not in page and "Already out" not in page and "A draft" not in page
    login(client, make_user(Role.EDITOR))
    page = client.get("/admin/upcoming").get_data(as_text=True)
    assert page.index("Part 2") < page.index("Ben&#39;s post") < page.index("Part 3")


def test_the_review_queue_takes_the_same_queries_for_many_posts(client, login, make_user, make_post, count_queries):
    editor = make_user(Role.EDITOR)
    make_post(
        "One",
        "x",
        author=make_user(Role.CONTRIBUTOR),
        status=PostStatus.PENDING,
        tags=["a"],
        series_title="S",
        series_part=1,
    )
    login(client, editor)
    db.session.expire_all()
    with count_queries() as few:
        client.get("/admin/review-queue")
    for n in range(5):
        make_post(
            f"More {n}",
            "x",
            author=make_user(Role.CONTRIBUTOR),
            status=PostStatus.PENDING,
            series_title=f"S{n}",
            series_part=1,
            tags=[f"t{n}"],
        )
    db.session.expire_all()
    with count_queries() as many:
        page = client.get("/admin/review-queue").get_data(as_text=True)
    assert page.count("Send back<") == 6
    assert many.count == few.count
