"""`make loadtest`: comments and readers against gunicorn, with faults, and nothing lost.

For each scenario: a fresh database, gunicorn with 4 workers on loopback, 50 clients posting
comments and 50 reading pages for 30 seconds. Afterwards every comment the server acknowledged
(a redirect after POST) must be in the database with the text that was sent. Scenarios:

  sqlite            SQLite (WAL), no Redis: one box
  postgres          PostgreSQL and Redis: the several-machines set-up
  sqlite-kill       as sqlite, one worker SIGKILLed a third of the way in
  postgres-kill     as postgres, one worker SIGKILLed
  postgres-restart  as postgres, the PostgreSQL server restarted a third of the way in

Requests in flight when a fault hits may fail; they must fail with an answer (a 5xx page or a
closed connection), never hang: every request has a 60 s client timeout (gunicorn's is 30 s) and hangs are counted.
Results go to the terminal and to the "Load and faults" section of BENCHMARKS.md.

Options: --duration, --writers, --readers, --workers, --only NAME[,NAME], --pg-url (a server
where the script may create and drop a database), --pg-cluster "15 main" (what
pg_ctlcluster restarts; must be the server --pg-url points at), --no-write (no BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "BENCHMARKS.md"
START, END = "<!-- loadtest:start -->", "<!-- loadtest:end -->"
SCENARIOS = ["sqlite", "postgres", "sqlite-kill", "postgres-kill", "postgres-restart"]
#: Longer than gunicorn's 30 s worker timeout: a request still unanswered after this is hung.
TIMEOUT = 60.0


class FormFields(HTMLParser):
    """The fields of the comment form, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.inside, self.fields, self.action = False, {}, None
        self.token_url: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id") == "commentform":
            self.inside, self.action = True, a.get("action")
            self.token_url = a.get("data-token-url")
        elif self.inside and tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields[a["name"]] = a.get("value") or ""
        elif self.inside and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self.fields[a["name"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    acked: dict[str, str] = field(default_factory=dict)  # body -> writer
    hangs: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, key: str) -> None:
        with self.lock:
            self.statuses[key] += 1


@dataclass
class Result:
    name: str
    database: str
    duration: float
    requests: int
    reads_ok: int
    statuses: dict[str, int]
    server_errors: int
    connection_errors: int
    hangs: int
    acked: int
    found_acked: int
    extra_in_db: int
    content_mismatch: int
    fault: str

    @property
    def lost(self) -> int:
        return self.acked - self.found_acked

    @property
    def passed(self) -> bool:
        clean = self.fault == "none"
        return (
            self.lost == 0
            and self.content_mismatch == 0
            and self.hangs == 0
            and (not clean or (self.server_errors == 0 and self.connection_errors == 0))
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(kind: str, pg_url: str, tmp: Path) -> tuple[str, Any]:
    """A fresh database with the schema, one admin and one post; returns its URL and a cleanup."""
    from sqlalchemy import create_engine, text

    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'load.db'}"
        cleanup = None
    else:
        name = "sargasso_load_" + uuid.uuid4().hex[:8]
        admin = create_engine(pg_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = pg_url.rsplit("/", 1)[0] + "/" + name

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    from blog import create_app
    from blog.extensions import db
    from blog.models import Role, User
    from blog.posts.editing import PostInput, save_post

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "loadtest-" + "x" * 24,
            "MAIL_RESUME_ON_START": False,
            "PAGE_CACHE_ENABLED": False,
        }
    )
    with app.app_context():
        db.create_all()
        user = User(email="ed@example.org", name="Ed", role=Role.ADMIN, active=True)
        db.session.add(user)
        db.session.flush()
        save_post(
            user,
            PostInput(
                title="Fond Memories Part 1: Magnetic Rose",
                status="published",
                body_md="Memories is a *three episode* anthology. " * 40,
            ),
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return url, cleanup


def comments_in_database(url: str, marker: str) -> dict[str, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT body_source, author_name FROM comments WHERE body_source LIKE :m"), {"m": f"{marker}%"}
        ).all()
    engine.dispose()
    return {body: name for body, name in rows}


def worker_pids(master: int) -> list[int]:
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [int(pid) for pid in children]
    return []


def run_scenario(name: str, args: argparse.Namespace) -> Result:
    kind = "sqlite" if name.startswith("sqlite") else "postgres"
    fault = "none"
    if name.endswith("kill"):
        fault = "worker SIGKILL"
    elif name.endswith("restart"):
        fault = "PostgreSQL restart"
    tmp = Path(tempfile.mkdtemp(prefix="sargasso-load-"))
    url, cleanup = prepare_database(kind, args.pg_url, tmp)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    marker = f"lt-{name}-{uuid.uuid4().hex[:6]}-"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "loadtest-" + "x" * 24,
        "BLOG_COMMENTS_MIN_SECONDS": "0",
        "BLOG_COMMENTS_MODERATION": "all-approved",
        "BLOG_COMMENTS_RATELIMIT": "1000000 per minute",
        "BLOG_MAIL_RESUME_ON_START": "false",
        "BLOG_MEDIA_ROOT": str(tmp / "media"),
        "GUNICORN_ACCESS_LOG": str(tmp / "access.log"),
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
        "BLOG_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if kind == "postgres":
        env.update(REDIS_URL="redis://127.0.0.1:6379/0", BLOG_REDIS_KEY_PREFIX=marker)
    log = (tmp / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wsgi:app", "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"gunicorn did not start; see {tmp / 'gunicorn.log'}")
            time.sleep(0.2)
        slug = re.search(r'href="(/posts/[^"]+/)"', requests.get(base + "/", timeout=10).text).group(1)
        tally = Tally()
        stop = threading.Event()

        def request(session: requests.Session, method: str, url: str, **kw: Any) -> requests.Response | None:
            try:
                response = session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kw)
            except requests.Timeout:
                with tally.lock:
                    tally.hangs += 1
                return None
            except requests.ConnectionError:
                tally.note("connection error")
                return None
            tally.note(str(response.status_code))
            return response

        def writer(n: int) -> None:
            session = requests.Session()
            fields: dict[str, str] | None = None
            action = ""
            i = 0
            while not stop.is_set():
                if fields is None:
                    page = request(session, "GET", base + slug)
                    if page is None or page.status_code != 200:
                        time.sleep(0.2)
                        continue
                    parser = FormFields()
                    parser.feed(page.text)
                    fields, action = parser.fields, parser.action or ""
                    if not fields.get("csrf_token") and parser.token_url:
                        # A cached (shared) page carries no token: ask for one as site.js does.
                        token = request(session, "GET", base + parser.token_url)
                        if token is None or token.status_code != 200:
                            fields = None
                            time.sleep(0.2)
                            continue
                        fields.update(token.json())
                body = f"{marker}{n}-{i} Kanno's score, take {i} — {uuid.uuid4().hex[:8]}"
                i += 1
                data = {**fields, "body": body, "name": f"Writer {n}", "email": f"w{n}@example.org"}
                response = request(session, "POST", base + action, data=data)
                if response is not None and response.status_code in (302, 303):
                    with tally.lock:
                        tally.acked[body] = f"Writer {n}"
                elif response is not None and response.status_code == 400:
                    fields = None  # a new form (and token) next time

        def reader(n: int) -> None:
            session = requests.Session()
            paths = [slug, "/", slug]
            i = 0
            while not stop.is_set():
                request(session, "GET", base + paths[i % len(paths)])
                i += 1

        def inject() -> None:
            if stop.wait(args.duration / 3) or fault == "none":
                return
            if fault == "worker SIGKILL":
                pids = worker_pids(server.pid)
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
            else:
                version, cluster = args.pg_cluster.split()
                subprocess.run(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
                    check=True,
                    capture_output=True,
                    timeout=60,
                )

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
        threads += [threading.Thread(target=reader, args=(n,)) for n in range(args.readers)]
        threads.append(threading.Thread(target=inject))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT + 60)
        elapsed = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    in_db = comments_in_database(url, marker)
    found = [body for body in tally.acked if body in in_db]
    mismatch = sum(1 for body in found if in_db[body] != tally.acked[body])
    statuses = dict(sorted(tally.statuses.items()))
    result = Result(
        name=name,
        database=kind,
        duration=elapsed,
        requests=sum(tally.statuses.values()) + tally.hangs,
        reads_ok=tally.statuses.get("200", 0),
        statuses=statuses,
        server_errors=sum(v for k, v in statuses.items() if k.isdigit() and int(k) >= 500),
        connection_errors=statuses.get("connection error", 0),
        hangs=tally.hangs,
        acked=len(tally.acked),
        found_acked=len(found),
        extra_in_db=len(set(in_db) - set(tally.acked)),
        content_mismatch=mismatch,
        fault=fault,
    )
    if cleanup is not None:
        cleanup()
    return result


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def table(results: list[Result], args: argparse.Namespace) -> str:
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}; `make loadtest` "
        f"({args.writers} comment writers + {args.readers} readers, {args.duration:g} s, gunicorn "
        f"{args.workers} sync workers, loopback; PostgreSQL runs use Redis for cache and limits).",
        "",
        "| scenario | fault | requests | req/s | 5xx | conn. errors | hangs | comments acked | found in DB "
        "| lost | extra (committed, answer lost) | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.fault} | {r.requests} | {r.requests / r.duration:.0f} | {r.server_errors} | "
            f"{r.connection_errors} | {r.hangs} | {r.acked} | {r.found_acked} | {r.lost} | {r.extra_in_db} | "
            f"{'pass' if r.passed else 'FAIL'} |"
        )
    lines += [
        "",
        "Status codes seen: "
        + "; ".join(f"{r.name}: " + ", ".join(f"{k}×{v}" for k, v in r.statuses.items()) for r in results)
        + ".",
    ]
    return "\n".join(lines)


def write_benchmarks(text: str) -> None:
    section = (
        f"## Load and faults (`make loadtest`)\n\n{START}\n{text}\n{END}\n\n"
        "Pass means: every acknowledged comment is in the database with its text; no request hung; "
        "and, without a fault, no 5xx and no dropped connection. With a fault, requests in flight "
        "may fail (a 503 page, or a connection closed by the killed worker) and are counted above.\n"
    )
    current = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    if START in current and END in current:
        before, rest = current.split(START, 1)
        after = rest.split(END, 1)[1]
        BENCHMARKS.write_text(f"{before}{START}\n{text}\n{END}{after}")
    else:
        BENCHMARKS.write_text(current.rstrip() + "\n\n" + section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument(
        "--pg-url", default=os.environ.get("LOADTEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--pg-cluster", default=os.environ.get("LOADTEST_PG_CLUSTER", "15 main"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    results = []
    for name in args.only.split(","):
        print(f"== {name}: {args.duration:g} s ...", flush=True)
        result = run_scenario(name.strip(), args)
        print(
            f"   {result.requests} requests, 5xx {result.server_errors}, conn errors {result.connection_errors}, "
            f"hangs {result.hangs}, acked {result.acked}, found {result.found_acked}, lost {result.lost} "
            f"-> {'pass' if result.passed else 'FAIL'}",
            flush=True,
        )
        results.append(result)
    text = table(results, args)
    print(text)
    if not args.no_write:
        write_benchmarks(text)
    sys.exit(0 if all(r.passed for r in results) else 1)


if __name__ == "__main__":
    main()
