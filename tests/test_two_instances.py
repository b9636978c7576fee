"""Two gunicorn instances on one PostgreSQL and one Redis behave as one site.

A comment posted through one shows at once on the other, a rate limit reached on one holds on
the other, and a cached page invalidated by one is gone for both. Real processes, real sockets.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
#: Behind a load balancer both instances see the site's public name, whatever port they listen on.
PUBLIC_HOST = {"Host": "reviews.example.org"}


class FormFields(HTMLParser):
    """The named fields of one form (by id) with their current values, as a browser would send."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields, self.action = form_id, False, {}, None
        self.token_url: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside, self.action, self.token_url = True, a.get("action"), a.get("data-token-url")
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif self.inside and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


def comment_form(html: str) -> tuple[str, dict[str, str], str | None]:
    parser = FormFields("commentform")
    parser.feed(html)
    assert parser.action, "the post page has no comment form"
    return parser.action, parser.fields, parser.token_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _require_postgres() -> None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure: say what is missing
        pytest.fail(f"This test needs PostgreSQL at {PG_URL} (set TEST_DATABASE_URL): {error}")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"This test needs Redis at {REDIS_URL}: {error}")


class Instance:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "-c", str(ROOT / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}; see {self.log.name}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn on {self.url} not ready after {timeout}s; see {self.log.name}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[Instance, Instance, str]]:
    _require_postgres()
    schema = "two_" + uuid.uuid4().hex[:12]
    prefix = f"two-{uuid.uuid4().hex[:8]}:"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    plain_url = PG_URL.replace("+psycopg", "")
    database_url = f"{plain_url}?options=-csearch_path%3D{schema}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "two-instances-share-this-secret-key",
        "BLOG_REDIS_KEY_PREFIX": prefix,
        "BLOG_COMMENTS_MIN_SECONDS": "0",
        "BLOG_COMMENTS_MODERATION": "all-approved",
        "BLOG_COMMENTS_RATELIMIT": "3 per minute",
        "BLOG_MAIL_RESUME_ON_START": "false",
        "BLOG_MEDIA_ROOT": str(tmp_path / "media"),
        "GUNICORN_ACCESS_LOG": "-",
        "GUNICORN_GRACEFUL_TIMEOUT": "3",
    }
    env.pop("TEST_DATABASE_URL", None)
    from blog import create_app
    from blog.extensions import db
    from blog.models import Role, User
    from blog.posts.editing import PostInput, save_post

    seeder = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": env["SECRET_KEY"],
            "REDIS_URL": REDIS_URL,
            "REDIS_KEY_PREFIX": prefix,
            "MAIL_RESUME_ON_START": False,
        }
    )
    with seeder.app_context():
        db.create_all()
        author = User(email="ed@example.org", name="Ed", role=Role.ADMIN, active=True)
        db.session.add(author)
        db.session.flush()
        post = save_post(
            author,
            PostInput(
                title="Fond Memories Part 1: Magnetic Rose",
                body_md="Memories is a *three episode* anthology.",
                status="published",
            ),
        )
        db.session.commit()
        slug = post.slug
        db.session.remove()
        db.engine.dispose()
    first, second = Instance(env, tmp_path / "a.log"), Instance(env, tmp_path / "b.log")
    try:
        first.wait_ready()
        second.wait_ready()
        yield first, second, f"/posts/{slug}/"
    finally:
        first.stop()
        second.stop()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def anonymous_get(instance: Instance, path: str) -> requests.Response:
    response = requests.get(instance.url + path, headers=PUBLIC_HOST, timeout=10)
    assert response.status_code == 200, response.status_code
    return response


def post_comment(reader: requests.Session, form_from: Instance, post_to: Instance, path: str, body: str):
    page = reader.get(form_from.url + path, timeout=10)
    action, fields, token_url = comment_form(page.text)
    if not fields.get("csrf_token") and token_url:
        # A page from the cache carries no token: fetch one as static/js/site.js does on focus.
        tokens = reader.get(form_from.url + token_url, timeout=10).json()
        fields.update(csrf_token=tokens["csrf_token"], shown=tokens["shown"])
    fields.update(body=body, name="Rin", email="rin@example.org")
    return reader.post(post_to.url + action, data=fields, timeout=10, allow_redirects=False)


def test_two_instances_share_comments_rate_limits_and_the_page_cache(site):
    a, b, path = site

    # A cached page is cached for both: rendered once by A, served by B from Redis.
    assert anonymous_get(a, path).headers["X-Cache"] == "MISS"
    assert anonymous_get(b, path).headers["X-Cache"] == "HIT"
    assert anonymous_get(a, path).headers["X-Cache"] == "HIT"

    # A reader takes the form from A and posts through B: the signed session works on both.
    reader = requests.Session()
    reader.headers.update(PUBLIC_HOST)
    posted = post_comment(reader, a, b, path, "Kanno's score carries the whole first act.")
    assert posted.status_code in (302, 303), posted.text[:500]

    # It shows at once on A, for a reader who never touched B: B's change invalidated A's page.
    fresh = anonymous_get(a, path)
    assert fresh.headers["X-Cache"] == "MISS"
    assert "carries the whole first act" in fresh.text
    assert "carries the whole first act" in anonymous_get(b, path).text

    # The limit is 3 comments a minute per address, counted in Redis for every instance.
    assert post_comment(reader, b, a, path, "Second thought, through A.").status_code in (302, 303)
    assert post_comment(reader, a, b, path, "Third thought, through B.").status_code in (302, 303)
    refused_on_a = post_comment(reader, a, a, path, "Fourth, through A.")
    assert refused_on_a.status_code == 429, refused_on_a.status_code
    refused_on_b = post_comment(reader, b, b, path, "Fifth, through B.")
    assert refused_on_b.status_code == 429, refused_on_b.status_code
    assert re.search(r"(?i)too many|slow down|wait", refused_on_b.text)
    page = anonymous_get(b, path).text
    assert "Third thought, through B." in page and "Fourth, through A." not in page
    reader.close()
