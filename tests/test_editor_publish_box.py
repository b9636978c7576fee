"""The editor's Publish box as a WordPress author expects it: an empty date means now, "Publish
now" for a scheduled post, a button that says "Schedule" for a future date, drafts that always
save, each link once, revisions told apart to the second, tags in reading order."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Post, PostStatus, Role
from blog.models.base import utcnow
from blog.posts.editing import post_input_from, save_post
from blog.posts.revisions import revisions_of


def _form(post: Post | None = None, **fields: str) -> dict[str, str]:
    data = {
        "title": post.title if post else "Millennium Actress",
        "slug": post.slug if post else "",
        "body_md": post.body_md if post else "An actress runs through a thousand years of film.",
        "excerpt": "",
        "tags": "",
        "categories": "",
        "series_title": "",
        "series_part": "",
        "cover_image": "",
        "cover_alt": "",
        "comment_status": "open",
        "published_at": "",
        "action": "publish",
    }
    if post is not None:
        data["base_version"] = str(post.version)
    data.update(fields)
    return data


def _buttons(html: str) -> list[str]:
    """The Publish box's submit buttons, as the author reads them, in page order."""
    return re.findall(r'<button type="submit" name="action" value="\w+"[^>]*>([^<]+)</button>', html)


@pytest.fixture
def author(client, make_user, login):
    user = make_user(Role.AUTHOR, name="Ann")
    login(client, user)
    return user


@pytest.fixture
def scheduled(author, make_post) -> Post:
    return make_post("Paprika", "Dreams leak out.", author=author, published_at=utcnow() + timedelta(days=3))


def test_clearing_a_scheduled_posts_date_and_pressing_update_publishes_it_now(app, client, scheduled):
    assert scheduled.is_scheduled
    reply = client.post(f"/admin/posts/{scheduled.id}/edit", data=_form(scheduled, published_at=""))
    html = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert "Post published." in html and "Scheduled for" not in html
    db.session.refresh(scheduled)
    assert scheduled.is_live and utcnow() - scheduled.published_at < timedelta(minutes=1)
    assert app.test_client().get(f"/posts/{scheduled.slug}/").status_code == 200


def test_a_scheduled_post_offers_publish_now_which_ignores_the_date(app, client, scheduled):
    editor = client.get(f"/admin/posts/{scheduled.id}/edit").get_data(as_text=True)
    assert _buttons(editor) == ["Update", "Publish now", "Switch to draft"]
    kept_date = _form(scheduled, published_at=(utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    reply = client.post(
        f"/admin/posts/{scheduled.id}/edit", data={**kept_date, "action": "publish_now"}, follow_redirects=True
    )
    html = reply.get_data(as_text=True)
    assert "Post published." in html
    db.session.refresh(scheduled)
    assert scheduled.is_live
    assert _buttons(html) == ["Update", "Switch to draft"]  # out now: nothing left to publish early
    assert app.test_client().get(f"/posts/{scheduled.slug}/").status_code == 200


def test_the_publish_button_says_schedule_for_a_future_date(client, author, make_post):
    assert _buttons(client.get("/admin/posts/new").get_data(as_text=True)) == ["Save draft", "Publish"]
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post("/admin/posts/new", data=_form(title="", published_at=later))  # sent back: no title
    assert refused.status_code == 400
    assert _buttons(refused.get_data(as_text=True)) == ["Save draft", "Schedule"]
    draft = make_post(
        "Tokyo Godfathers", author=author, status=PostStatus.DRAFT, published_at=utcnow() + timedelta(days=2)
    )
    assert _buttons(client.get(f"/admin/posts/{draft.id}/edit").get_data(as_text=True)) == ["Save draft", "Schedule"]
    live = make_post("Perfect Blue", author=author)
    assert _buttons(client.get(f"/admin/posts/{live.id}/edit").get_data(as_text=True)) == ["Update", "Switch to draft"]
    # A live post moved to a future date is scheduled again: the button says so.
    moved = client.post(f"/admin/posts/{live.id}/edit", data=_form(live, title="", published_at=later))
    assert _buttons(moved.get_data(as_text=True)) == ["Schedule", "Switch to draft"]


def test_a_draft_saves_without_a_cover_description_but_going_out_asks_for_one(client, author):
    cover = {"cover_image": "/media/rose.png", "tags": "anime, kept"}
    saved = client.post("/admin/posts/new", data=_form(action="draft", **cover))
    assert saved.status_code == 302
    post = db.session.scalar(select(Post))
    assert post.status == PostStatus.DRAFT and post.cover_image == "/media/rose.png" and post.cover_alt == ""

    for action in ("publish", "publish_now"):
        refused = client.post(f"/admin/posts/{post.id}/edit", data=_form(post, action=action, **cover))
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert "One field needs your attention" in html  # the error summary, linking to the field
        assert 'href="#cover_alt"' in html and "Describe the cover image" in html
        assert 'value="/media/rose.png"' in html and 'value="anime, kept"' in html
    db.session.refresh(post)
    assert post.status == PostStatus.DRAFT

    described = client.post(f"/admin/posts/{post.id}/edit", data=_form(post, cover_alt="A rose in orbit", **cover))
    assert described.status_code == 302
    db.session.refresh(post)
    assert post.is_live and post.cover_alt == "A rose in orbit"


def test_a_contributor_submitting_for_review_is_asked_for_the_cover_description(client, make_user, login):
    login(client, make_user(Role.CONTRIBUTOR))
    refused = client.post("/admin/posts/new", data=_form(action="review", cover_image="/media/rose.png"))
    assert refused.status_code == 400 and "Describe the cover image" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Post.id))) == 0
    draft = client.post("/admin/posts/new", data=_form(action="draft", cover_image="/media/rose.png"))
    assert draft.status_code == 302


def test_view_post_and_revisions_are_each_shown_once(client, author, make_post):
    post = make_post("Memories", "Three shorts.", author=author)
    data = post_input_from(post)
    data.body_md = "Three shorts, one of them an opera."
    save_post(author, data, post, base_version=post.version)
    db.session.commit()
    html = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert html.count(">View post</a>") == 1
    assert html.count(f'href="/admin/posts/{post.id}/revisions"') == 1 and "Revisions (2)" in html
    publish_box = html[
        html.index("<legend>Publish</legend>") : html.index("</fieldset>", html.index("<legend>Publish"))
    ]
    assert "Revisions (2)" in publish_box


def test_revisions_saved_in_the_same_minute_are_told_apart_by_their_seconds(client, author, make_post):
    post = make_post("Stink Bomb", "One.", author=author)
    for body in ("Two.", "Three."):
        data = post_input_from(post)
        data.body_md = body
        save_post(author, data, post, base_version=post.version)
        db.session.commit()
    minute = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    for n, revision in enumerate(reversed(revisions_of(post))):
        revision.created_at = minute + timedelta(seconds=5 + 20 * n)
    db.session.commit()
    html = client.get(f"/admin/posts/{post.id}/revisions").get_data(as_text=True)
    times = re.findall(r"<time [^>]*>([^<]+)</time>", html)
    assert len(times) == 3 and len(set(times)) == 3
    assert [t.split(", ")[1][:8][-2:] for t in times] == ["45", "25", "05"]  # newest first, to the second


def test_tags_come_back_in_reading_order_whatever_their_case(client, author):
    client.post("/admin/posts/new", data=_form(action="draft", tags="anime, Katsuhiro Otomo, comedy"))
    post = db.session.scalar(select(Post))
    html = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="anime, comedy, Katsuhiro Otomo"' in html
