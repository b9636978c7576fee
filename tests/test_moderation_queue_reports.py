"""Readers' reports in the moderation queue, and a search that says where else it found comments.

A reported comment used to leave no trace a moderator would see (one line deep in its collapsed
history) until enough reports hid it; a search in the wrong tab said "No comments match".
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import CommentReport, CommentStatus, ModerationAction

pytestmark = pytest.mark.settings(
    COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False, COMMENTS_REPORT_HIDE_THRESHOLD=3
)


@pytest.fixture
def moderator(app, make_user, login):
    return login(app.test_client(), make_user("editor", email="mod@example.org"))


def _report(app, comment, reason, note=""):
    reader = app.test_client()
    reader.get(f"/comments/{comment.id}/report")  # the browser key comes with the form
    response = reader.post(f"/comments/{comment.id}/report", data={"reason": reason, "note": note})
    assert response.status_code == 302


def _tab_count(html: str, label: str) -> int:
    match = re.search(rf">{label} <span class=\"count\">\((\d+)", html)
    assert match, f"no {label} tab"
    return int(match.group(1))


def test_a_reported_comment_shows_in_the_reported_tab_with_its_reasons(app, make_post, make_comment, moderator):
    post = make_post("Magnetic Rose")
    reported = make_comment(post, "Buy watches at example.com", name="Spammy")
    make_comment(post, "The opera scene is haunting.", name="Ann")
    _report(app, reported, "spam", "Advert for a shop")
    _report(app, reported, "off-topic")

    html = moderator.get("/admin/comments").get_data(as_text=True)
    assert _tab_count(html, "Reported") == 1

    html = moderator.get("/admin/comments?status=reported").get_data(as_text=True)
    assert "Buy watches" in html and "The opera scene" not in html
    assert "Reported ×2" in html
    assert "It is spam or advertising: “Advert for a shop”" in html
    assert "It is off-topic" in html
    assert "Keep, dismissing the reports" in html

    # Still shown on the post: two reports are below the threshold that hides a comment.
    db.session.refresh(reported)
    assert reported.status == CommentStatus.APPROVED


def test_keeping_a_reported_comment_closes_its_reports_and_says_so_in_its_history(
    app, make_post, make_comment, moderator
):
    post = make_post("Magnetic Rose")
    reported = make_comment(post, "A harsh but fair take.", name="Bo")
    _report(app, reported, "abuse")
    response = moderator.post(
        "/admin/comments/bulk", data={"one": f"dismiss:{reported.id}", "tab": "reported"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Reports dismissed on 1 comment." in html
    assert _tab_count(html, "Reported") == 0
    assert "No open reports" in html
    open_reports = db.session.scalar(select(func.count(CommentReport.id)).where(CommentReport.resolved_at.is_(None)))
    assert open_reports == 0
    line = db.session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id == reported.id).order_by(ModerationAction.id.desc())
    ).first()
    assert line is not None and line.action == "dismiss-reports" and line.note.startswith("Kept: 1 report dismissed")
    db.session.refresh(reported)
    assert reported.status == CommentStatus.APPROVED  # kept as it was


def test_acting_on_a_reported_comment_takes_it_out_of_the_reported_tab(app, make_post, make_comment, moderator):
    post = make_post("Magnetic Rose")
    reported = make_comment(post, "Spoiler: the ship is her memory", name="Cy")
    _report(app, reported, "spoiler")
    moderator.post("/admin/comments/bulk", data={"one": f"trash:{reported.id}", "tab": "reported"})
    html = moderator.get("/admin/comments?status=reported").get_data(as_text=True)
    assert _tab_count(html, "Reported") == 0 and "Spoiler: the ship" not in html


def test_dismissing_comments_without_reports_changes_nothing(app, make_post, make_comment, moderator):
    post = make_post("Magnetic Rose")
    quiet = make_comment(post, "Nice review.")
    response = moderator.post("/admin/comments/bulk", data={"action": "dismiss", "ids": [str(quiet.id)]})
    assert response.status_code == 302
    html = moderator.get("/admin/comments").get_data(as_text=True)
    assert "None of those comments had open reports." in html
    lines = select(func.count(ModerationAction.id)).where(ModerationAction.comment_id == quiet.id)
    assert db.session.scalar(lines) == 0


def test_a_search_that_finds_nothing_in_this_tab_names_the_tabs_where_it_did(app, make_post, make_comment, moderator):
    post = make_post("Magnetic Rose")
    make_comment(post, "Carol's thoughts on the score.", name="Carol", email="carol@example.com")
    make_comment(post, "Another by Carol.", name="Carol", email="carol@example.com", status="spam")
    make_comment(post, "Someone else entirely.", name="Dan", status="pending")

    html = moderator.get("/admin/comments?status=pending&q=carol@example.com").get_data(as_text=True)
    assert "No pending comments match “carol@example.com”." in html
    assert "Found in:" in html
    assert 'href="/admin/comments?status=approved&amp;q=carol@example.com">Approved (1)</a>' in html
    assert 'href="/admin/comments?status=spam&amp;q=carol@example.com">Spam (1)</a>' in html
    # The tabs count what the search matches, and keep the search when followed.
    assert _tab_count(html, "Pending") == 0 and _tab_count(html, "Approved") == 1 and _tab_count(html, "Spam") == 1
    assert "Clear the search" in html

    html = moderator.get("/admin/comments?status=approved&q=carol@example.com").get_data(as_text=True)
    assert "Carol&#39;s thoughts" in html or "Carol's thoughts" in html
    assert "Someone else" not in html


def test_the_queue_links_each_comment_to_the_ban_form(app, make_post, make_comment, moderator):
    post = make_post("Magnetic Rose")
    comment = make_comment(post, "Troll text.", status="pending")
    html = moderator.get("/admin/comments").get_data(as_text=True)
    assert f'href="/comments/{comment.id}/ban">Ban…</a>' in html
    assert moderator.get(f"/comments/{comment.id}/ban").status_code == 200
