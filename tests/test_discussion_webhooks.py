"""Signed webhooks against a receiver on 127.0.0.1: events, signatures, retries with backoff, and
receivers that fail or hang without slowing the site."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from blog.extensions import db
from blog.models import WebhookDelivery
from blog.models.mail import MailStatus
from blog.posts.editing import PostInput, save_post
from blog.webhooks import stop_webhook_worker, webhook_worker

SECRET = "receiver-shared-secret"
pytestmark = pytest.mark.settings(
    COMMENTS_MODERATION="all-approved",
    PAGE_CACHE_ENABLED=False,
    WEBHOOK_SECRET=SECRET,
    WEBHOOK_RETRY_SECONDS=0,
    WEBHOOK_TIMEOUT=2,
)


class Receiver:
    """Keeps what it receives when the signature verifies; can answer 500 a few times, or hang."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.fail_times = 0
        self.hold: threading.Event | None = None
        self.holding = threading.Event()
        self.got = threading.Condition()


@pytest.fixture
def receiver(app) -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if state.hold is not None:
                state.holding.set()
                state.hold.wait(20)
            expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, self.headers.get("X-Sargasso-Signature", "")):
                state.bad_signatures += 1
                self.send_response(401)
            elif state.fail_times > 0:
                state.fail_times -= 1
                self.send_response(500)
            else:
                with state.got:
                    state.events.append(json.loads(body))
                    state.got.notify_all()
                self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["WEBHOOK_URL"] = f"http://127.0.0.1:{server.server_port}/hook"
    yield state, app.config["WEBHOOK_URL"]
    if state.hold is not None:
        state.hold.set()
    stop_webhook_worker(app)
    server.shutdown()
    server.server_close()
    thread.join(5)


def wait_events(state: Receiver, count: int, timeout: float = 15, prefix: str = "comment.") -> list[dict[str, Any]]:
    """The first ``count`` events whose name starts with ``prefix`` (make_post publishes posts too)."""

    def matching() -> list[dict[str, Any]]:
        return [e for e in state.events if e["event"].startswith(prefix)]

    with state.got:
        state.got.wait_for(lambda: len(matching()) >= count, timeout)
    assert len(matching()) >= count, state.events
    return matching()


def quiet_post(app: Any, make_post: Any) -> Any:
    """A published post made before the webhook URL counts (its own post.published is not wanted)."""
    url, app.config["WEBHOOK_URL"] = app.config["WEBHOOK_URL"], ""
    try:
        return make_post()
    finally:
        app.config["WEBHOOK_URL"] = url


def deliveries() -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_new_comment_sends_signed_created_and_approved_events(app, client, make_post, receiver):
    state, _ = receiver
    post = make_post("Magnetic Rose")
    client.post(f"/posts/{post.slug}/comments", data={"body": "Great score", "name": "Ann", "email": "ann@example.org"})
    events = wait_events(state, 2)
    assert [e["event"] for e in events] == ["comment.created", "comment.approved"]
    comment = events[0]["data"]["comment"]
    assert comment["author_name"] == "Ann" and comment["body_html"] == "<p>Great score</p>"
    assert "ann@example.org" not in json.dumps(events)  # no email addresses leave the site
    assert events[0]["data"]["post"]["slug"] == post.slug
    assert state.bad_signatures == 0


@pytest.mark.settings(COMMENTS_MODERATION="hold-all")
def test_approving_a_held_comment_sends_comment_approved(app, client, make_post, make_user, login, receiver):
    state, _ = receiver
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data={"body": "Held", "name": "Bo", "email": "bo@example.org"})
    created = wait_events(state, 1)
    assert [e["event"] for e in created] == ["comment.created"]
    mod = login(app.test_client(), make_user("editor"))
    comment_id = created[0]["data"]["comment"]["id"]
    mod.post("/admin/comments/bulk", data={"ids": [str(comment_id)], "action": "approve", "tab": "pending"})
    assert wait_events(state, 2)[1]["event"] == "comment.approved"


def test_publishing_a_post_sends_post_published_once(app, make_user, receiver):
    state, _ = receiver
    author = make_user("admin")
    post = save_post(author, PostInput(title="Perfect Blue", body_md="A review.", status="draft"))
    db.session.commit()
    save_post(author, PostInput(title="Perfect Blue", body_md="A review.", status="published"), post)
    db.session.commit()
    save_post(author, PostInput(title="Perfect Blue!", body_md="A review, edited.", status="published"), post)
    db.session.commit()
    events = wait_events(state, 1, prefix="post.")
    assert webhook_worker(app).wait_idle()
    assert [e["event"] for e in state.events] == ["post.published"]
    assert events[0]["data"]["post"]["title"] == "Perfect Blue"


def test_a_failing_receiver_is_retried_until_it_accepts(app, client, make_post, receiver):
    state, _ = receiver
    state.fail_times = 2
    post = quiet_post(app, make_post)
    client.post(f"/posts/{post.slug}/comments", data={"body": "Retry me", "name": "Cy", "email": "cy@example.org"})
    events = wait_events(state, 2)
    assert {e["event"] for e in events} == {"comment.created", "comment.approved"}
    assert webhook_worker(app).wait_idle()
    rows = [row for row in deliveries() if row.event.startswith("comment.")]
    assert all(row.status == MailStatus.SENT for row in rows)
    assert sum(row.attempts for row in rows) == 4  # two 500s answered, then both accepted


@pytest.mark.settings(WEBHOOK_MAX_ATTEMPTS=2)
def test_a_receiver_that_keeps_failing_is_given_up_on_and_the_failure_kept(app, client, make_post, receiver):
    state, _ = receiver
    state.fail_times = 100
    post = quiet_post(app, make_post)
    client.post(f"/posts/{post.slug}/comments", data={"body": "Doomed", "name": "Di", "email": "di@example.org"})
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(r.status == MailStatus.FAILED for r in deliveries() or [None]):
        time.sleep(0.02)
    rows = deliveries()
    assert rows and all(r.status == MailStatus.FAILED and r.last_error == "HTTP 500" for r in rows)


def test_a_receiver_that_never_answers_does_not_hold_up_posting(app, client, make_post, receiver):
    state, _ = receiver
    state.hold = threading.Event()
    post = quiet_post(app, make_post)
    first = client.post(f"/posts/{post.slug}/comments", data={"body": "One", "name": "Ed", "email": "e@example.org"})
    assert state.holding.wait(10)  # the worker is stuck inside the receiver...
    second = client.post(f"/posts/{post.slug}/comments", data={"body": "Two", "name": "Ed", "email": "e@example.org"})
    assert first.status_code == second.status_code == 302  # ...and the site answered anyway
    assert "Two" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    state.hold.set()


def test_no_url_no_deliveries(app, client, make_post):
    post = make_post()
    client.post(f"/posts/{post.slug}/comments", data={"body": "Quiet", "name": "Fa", "email": "f@example.org"})
    assert deliveries() == []
