"""The mail outbox against real SMTP servers on 127.0.0.1 (aiosmtpd): delivery, the log fallback,
retries, permanent refusals, slow and broken servers that never slow a request, and a restart."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from blog import create_app
from blog.extensions import db
from blog.mail import mail_worker, send_mail, stop_worker
from blog.models import MailStatus, OutgoingMail
from blog.models.base import utcnow
from tests.conftest import build_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler: keeps what it receives; can refuse, fail for a while, or hang."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.received = threading.Event()
        self.fail_times = 0  # answer 451 (try later) this many times first
        self.refuse_recipients = False  # answer 550 to RCPT
        self.refused_addresses: set[str] = set()  # answer 550 to RCPT for these only
        self.sessions: list[Any] = []  # one per SMTP connection that delivered something
        self.hold: threading.Event | None = None  # when set: wait for it before answering DATA
        self.holding = threading.Event()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse_recipients or address in self.refused_addresses:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold is not None:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 20)
        if self.fail_times > 0:
            self.fail_times -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content))
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        self.received.set()
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    if inbox.hold is not None:
        inbox.hold.set()
    controller.stop()


def smtp_settings(port: int) -> dict[str, Any]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False, "MAIL_TIMEOUT": 5}


@pytest.fixture
def smtp_app(app, smtp) -> Iterator[Any]:
    app.config.update(smtp_settings(smtp[1]))
    yield app
    stop_worker(app)


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll the database until ``check`` holds (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # see the worker's commits
        if check():
            return True
        time.sleep(0.02)
    return False


def status_of(message_id: int) -> MailStatus:
    return db.session.get(OutgoingMail, message_id, populate_existing=True).status


def test_queued_mail_is_sent_over_smtp_after_commit(smtp_app, smtp):
    inbox, _ = smtp
    message = send_mail("reader@example.org", "Welcome", "Plain words.", html="<p>Plain words.</p>")
    message_id = message.id
    assert not inbox.received.is_set()
    db.session.commit()
    assert inbox.received.wait(10)
    sent = inbox.messages[0]
    assert sent["To"] == "reader@example.org" and sent["Subject"] == "Welcome"
    assert sent["From"] == smtp_app.config["MAIL_FROM"]
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in sent.walk() if not p.is_multipart()}
    assert "Plain words." in parts["text/plain"] and "<p>Plain words.</p>" in parts["text/html"]
    assert wait_for(lambda: status_of(message_id) == MailStatus.SENT)


def test_a_round_of_mail_goes_over_one_smtp_connection_and_a_refusal_does_not_stop_it(smtp_app, smtp):
    """A post announced to its followers is one SMTP session, not one per follower; a refused
    address fails alone, and the others still go out on the same session."""
    inbox, _ = smtp
    inbox.refused_addresses = {"gone@example.org"}
    addresses = ["a@example.org", "b@example.org", "gone@example.org", "c@example.org", "d@example.org"]
    ids = [send_mail(address, "New review", "Magnetic Rose is up.").id for address in addresses]
    db.session.commit()
    assert wait_for(lambda: all(status_of(i) in {MailStatus.SENT, MailStatus.FAILED} for i in ids))
    assert [status_of(i) for i in ids] == [
        MailStatus.SENT,
        MailStatus.SENT,
        MailStatus.FAILED,
        MailStatus.SENT,
        MailStatus.SENT,
    ]
    assert sorted(message["To"] for message in inbox.messages) == [
        "a@example.org",
        "b@example.org",
        "c@example.org",
        "d@example.org",
    ]
    assert len(inbox.sessions) == 1


def log_one_mail(app: Any, caplog: Any, subject: str, text: str) -> int:
    """Queue one email with no MAIL_SERVER, let the worker "send" it to the log; its id."""
    with caplog.at_level(logging.INFO, logger="blog.mail"):
        message = send_mail("reader@example.org", subject, text)
        db.session.commit()
        assert wait_for(lambda: status_of(message.id) == MailStatus.SENT)
        assert mail_worker(app).wait_idle()
    return int(message.id)


def test_mail_is_written_to_the_log_when_no_server_is_set(app, caplog):
    """In debug mode (``make run``) the whole message is in the log: how a developer follows a
    sign-in link without a mail server."""
    app.config["DEBUG"] = True
    log_one_mail(app, caplog, "Your link", "Open https://example.org/x to sign in.")
    assert "MAIL_SERVER is not set" in caplog.text
    assert "https://example.org/x" in caplog.text


def test_a_production_log_names_unsent_mail_but_keeps_its_links_out(app, caplog):
    """Without debug mode a body's sign-in or approve link would work for anyone who reads the log."""
    assert not app.config["DEBUG"]
    message_id = log_one_mail(app, caplog, "Your link", "Open https://example.org/secret-token to sign in.")
    assert "MAIL_SERVER is not set" in caplog.text and "reader@example.org" in caplog.text
    assert "'Your link'" in caplog.text
    assert "secret-token" not in caplog.text
    assert f"Mail {message_id} to reader@example.org sent" not in caplog.text  # it was not
    app.config["MAIL_LOG_BODIES"] = True
    log_one_mail(app, caplog, "Again", "Open https://example.org/second-token to sign in.")
    assert "second-token" in caplog.text


def test_a_round_of_mail_is_recorded_as_sent_with_one_write(app):
    """Five moderators told of one comment: one claim and one "sent" statement for all five, not
    a commit per message (each takes SQLite's one write lock from the readers posting)."""
    from sqlalchemy import event

    worker = mail_worker(app)
    marks: list[str] = []

    def count_marks(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        set_clause = statement.split(" WHERE ")[0]
        if set_clause.lstrip().upper().startswith("UPDATE MAIL_OUTBOX") and "sent_at=" in set_clause:
            marks.append(statement)

    event.listen(worker.engine, "before_cursor_execute", count_marks)
    try:
        ids = [send_mail(f"mod{i}@example.org", "Held comment", "Someone wrote.").id for i in range(5)]
        db.session.commit()
        assert wait_for(lambda: all(status_of(i) == MailStatus.SENT for i in ids))
        assert worker.wait_idle()
    finally:
        event.remove(worker.engine, "before_cursor_execute", count_marks)
    assert len(marks) == 1
    sent_at = {db.session.get(OutgoingMail, i).sent_at for i in ids}
    assert len(sent_at) == 1 and None not in sent_at


def test_mail_that_went_out_before_an_unforeseen_error_is_recorded_as_sent(app, monkeypatch, caplog):
    """A send that raises something nobody planned for stops the round; the messages already sent
    in it are recorded, so they are not sent twice, and the rest wait to be taken back."""
    from blog.mail import smtp as smtp_module

    real_deliver = smtp_module.deliver
    calls: list[int] = []

    def deliver(mail: Any, *args: Any, **kwargs: Any) -> bool:
        calls.append(mail.id)
        if len(calls) == 3:
            raise RuntimeError("the disk is full")
        return real_deliver(mail, *args, **kwargs)

    monkeypatch.setattr(smtp_module, "deliver", deliver)
    with caplog.at_level(logging.INFO, logger="blog.mail"):
        ids = [send_mail(f"reader{i}@example.org", "Reply", "Someone answered.").id for i in range(4)]
        db.session.commit()
        assert wait_for(lambda: "could not read its queue" in caplog.text)
    stop_worker(app)
    assert [status_of(i) for i in ids] == [MailStatus.SENT, MailStatus.SENT, MailStatus.SENDING, MailStatus.SENDING]
    assert calls == ids[:3]


def test_rolled_back_mail_is_never_sent(app):
    send_mail("reader@example.org", "Never", "This transaction fails.")
    db.session.rollback()
    assert db.session.scalar(select(OutgoingMail)) is None


def test_header_injection_is_refused(app):
    with pytest.raises(ValueError):
        send_mail("reader@example.org\nBcc: everyone@example.org", "Hi", "x")
    with pytest.raises(ValueError):
        send_mail("reader@example.org", "Hi\r\nBcc: everyone@example.org", "x")


@pytest.mark.settings(MAIL_RETRY_SECONDS=0)
def test_temporary_smtp_failure_is_retried(smtp_app, smtp):
    inbox, _ = smtp
    inbox.fail_times = 2
    message = send_mail("reader@example.org", "Eventually", "Third time lucky.")
    db.session.commit()
    assert inbox.received.wait(10)
    assert wait_for(lambda: status_of(message.id) == MailStatus.SENT)
    row = db.session.get(OutgoingMail, message.id, populate_existing=True)
    assert row.attempts == 3 and row.last_error == ""
    assert len(inbox.messages) == 1


def test_refused_recipient_fails_at_once(smtp_app, smtp):
    inbox, _ = smtp
    inbox.refuse_recipients = True
    message = send_mail("nobody@example.org", "Hello", "Nobody reads this.")
    db.session.commit()
    assert wait_for(lambda: status_of(message.id) == MailStatus.FAILED)
    row = db.session.get(OutgoingMail, message.id, populate_existing=True)
    assert row.attempts == 1 and "refused" in row.last_error


@pytest.mark.settings(MAIL_RETRY_SECONDS=0, MAIL_MAX_ATTEMPTS=3)
def test_mail_gives_up_after_the_last_attempt(smtp_app, smtp):
    inbox, _ = smtp
    inbox.fail_times = 100
    message = send_mail("reader@example.org", "Doomed", "The server never takes it.")
    db.session.commit()
    assert wait_for(lambda: status_of(message.id) == MailStatus.FAILED)
    row = db.session.get(OutgoingMail, message.id, populate_existing=True)
    assert row.attempts == 3 and "451" in row.last_error
    assert inbox.messages == []


def test_unreachable_server_schedules_a_retry_with_backoff(app):
    app.config.update(smtp_settings(free_port()))  # nothing listens there
    message = send_mail("reader@example.org", "Later", "Will be retried.")
    db.session.commit()
    assert wait_for(lambda: db.session.get(OutgoingMail, message.id, populate_existing=True).last_error != "")
    row = db.session.get(OutgoingMail, message.id, populate_existing=True)
    assert row.status == MailStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert "ConnectionRefusedError" in row.last_error
    stop_worker(app)


def test_a_slow_smtp_server_does_not_slow_a_sign_in_request(smtp_app, smtp, client):
    inbox, _ = smtp
    inbox.hold = threading.Event()
    response = client.post("/login/email", data={"email": "slow@example.org", "next": "/"})
    # The page answered while the SMTP server was still sitting on the message.
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert inbox.holding.wait(10)
    assert not inbox.received.is_set()
    inbox.hold.set()
    assert inbox.received.wait(10)
    assert inbox.messages[0]["To"] == "slow@example.org"


def test_a_broken_smtp_server_does_not_fail_a_sign_in_request(app, client):
    app.config.update(smtp_settings(free_port()))
    response = client.post("/login/email", data={"email": "broken@example.org", "next": "/"})
    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert wait_for(lambda: db.session.scalar(select(OutgoingMail.last_error)) != "")
    assert db.session.scalar(select(OutgoingMail.status)) == MailStatus.QUEUED
    stop_worker(app)


def test_queued_mail_survives_a_restart(app, smtp, tmp_path, pg_schema):
    inbox, port = smtp
    stop_worker(app)  # the first process dies before its worker sends anything
    waiting = send_mail("reader@example.org", "Still here", "Queued before the restart.")
    # A message a dead worker had claimed long ago is taken back too.
    stale = send_mail("other@example.org", "Half sent", "Claimed, then the process died.")
    stale.status = MailStatus.SENDING
    stale.claimed_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert db.session.get(OutgoingMail, waiting.id, populate_existing=True).status == MailStatus.QUEUED

    restarted = create_app(build_config(tmp_path, pg_schema, MAIL_RESUME_ON_START=True, **smtp_settings(port)))
    try:
        restarted.test_client().get("/")  # the first request resumes the queue
        deadline = time.monotonic() + 10
        while len(inbox.messages) < 2 and time.monotonic() < deadline:
            inbox.received.wait(0.05)
        assert sorted(m["To"] for m in inbox.messages) == ["other@example.org", "reader@example.org"]
        assert wait_for(lambda: status_of(waiting.id) == MailStatus.SENT and status_of(stale.id) == MailStatus.SENT)
    finally:
        stop_worker(restarted)
        with restarted.app_context():
            db.engine.dispose()
