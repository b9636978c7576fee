"""The operator's dashboard: comments per day as an SVG chart, queue counts, most discussed posts,
and mail and webhook delivery failures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from blog.extensions import db
from blog.models import MailStatus, OutgoingMail, WebhookDelivery
from blog.models.base import utcnow

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)


def test_moderator_reads_the_insights_dashboard(app, make_user, login, make_post, make_comment):
    now = utcnow()
    busy = make_post("Magnetic Rose")
    quiet = make_post("Stink Bomb")
    for days_ago in (0, 0, 0, 2, 40):
        make_comment(busy, created_at=now - timedelta(days=days_ago))
    make_comment(quiet, created_at=now)
    make_comment(quiet, status="pending")
    make_comment(quiet, status="spam")
    make_comment(quiet, created_at=now - timedelta(days=120))  # outside the chart
    db.session.add(
        OutgoingMail(
            to_address="gone@example.org",
            subject="Reply to you",
            body_text="x",
            status=MailStatus.FAILED,
            attempts=6,
            last_error="SMTP 550: no such user",
        )
    )
    db.session.add(
        WebhookDelivery(
            event="comment.created",
            url="https://hooks.example/x",
            payload="{}",
            status=MailStatus.FAILED,
            attempts=8,
            last_error="HTTP 500",
        )
    )
    db.session.commit()

    client = login(app.test_client(), make_user("editor"))
    page = client.get("/admin/insights")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<a href="/admin/insights" aria-current="page">Insights</a>' in html
    chart = html.split('class="insights-svg"', 1)[1].split("</svg>", 1)[0]
    assert "<script" not in chart
    # today: three on one post, one approved, one held and one spam on the other (all received)
    assert f"{now.date().isoformat()}: 6 comments</title>" in chart
    assert len(re.findall(r'<rect [^>]*class="bar"', chart)) == 3  # three days with comments in 90
    assert re.search(r"<strong>1</strong> pending", html) and re.search(r"<strong>1</strong> spam", html)
    top = re.findall(r'<li><a href="/posts/([\w-]+)/#comments">', html)
    assert top[0] == busy.slug
    assert "SMTP 550: no such user" in html and "gone@example.org" in html
    assert "HTTP 500" in html and "https://hooks.example/x" in html


def test_readers_and_authors_cannot_open_insights(app, make_user, login):
    assert login(app.test_client(), make_user("reader")).get("/admin/insights").status_code in {403, 404}
    assert login(app.test_client(), make_user("author")).get("/admin/insights").status_code == 403
