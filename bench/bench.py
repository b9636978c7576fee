"""``make bench``: the 200-comment post page against a Flask hello-world, and comment posting against
a naive insert-and-commit handler, all served by gunicorn (2 sync workers) in the same run.

    .venv/bin/python -m bench.bench                     # SQLite
    .venv/bin/python -m bench.bench --postgres          # SQLite, then PostgreSQL (TEST_DATABASE_URL or local)
    .venv/bin/python -m bench.bench --duration 5        # seconds per measurement
    .venv/bin/python -m bench.bench --profile           # also: where a page request's time goes (pyinstrument)

Load comes from wrk when it is installed (``apt-get install wrk``; a C load generator that takes
little CPU from the server), else from a small threaded Python client (noisier, and it competes with
the server for CPU). Next to requests per second it reports the server's CPU time per request, read
from the gunicorn workers' ``/proc/<pid>/stat`` before and after each run: on a shared machine
that is the steadier figure. No cache of any kind is on: the page cache is disabled, every request
renders the page from the database.

Posting runs every check the site makes (CSRF token, signed form-shown stamp with a minimum of one
second, honeypot, text checks, length, duplicate detection, moderation keys, the per-IP rate limit
raised to a million a minute so one load generator is not refused), each request a unique comment.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.build import NAIVE_TARGET_SLUG, PAGE_SLUG, TARGET_SLUG, THREADS, build

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SECRET = "bench-secret-key-" + "x" * 32
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# ----------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers, from /proc (Linux)."""
        total = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / CLK_TCK


@contextlib.contextmanager
def serve(name: str, app_spec: str, env: dict[str, str], ready_path: str, logdir: Path) -> Iterator[Server]:
    """gunicorn, 2 sync workers, on a free loopback port; the same settings for every app.

    ``--threads 1`` explicitly: gunicorn reads ./gunicorn.conf.py too, and ``threads`` above 1
    there silently turns ``--worker-class sync`` into gthread (until 2026-12-05 every run here
    measured 4-thread workers while saying "sync")."""
    port = free_port()
    log = logdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [GUNICORN, "--workers", "2", "--worker-class", "sync", "--threads", "1", "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "--chdir", str(ROOT), app_spec],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
    server = Server(name, port, process, log)
    try:
        _wait_ready(server, ready_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} did not start:\n{server.log.read_text()[-3000:]}")
        try:
            status, _, _ = fetch(server.port, "GET", path)
            if status == 200 and len(server.worker_pids()) == 2:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{server.name} did not answer {path} within 30 s:\n{server.log.read_text()[-3000:]}")


def fetch(
    port: int, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text
    finally:
        conn.close()


# ----------------------------------------------------------------------------- load


@dataclass
class Load:
    requests: int
    seconds: float
    errors: int
    cpu: float
    tool: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.requests if self.requests else float("nan")


@dataclass
class PostForm:
    """What a reader's browser holds when it posts: the session cookie and the form's hidden fields."""

    path: str
    cookie: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    #: Who posts. The naive handler's readers are others: its comments are approved, and a guest
    #: with an approved comment is no longer held ("first" mode), which changes what posting does.
    name: str = "Bench Reader"
    email: str = "bench.reader@example.org"

    def body(self, n: int, tag: str) -> str:
        data = {
            **self.fields,
            "name": self.name,
            "email": self.email,
            "url": "",
            "extra_info": "",
            "parent_id": "",
            "body": f"Comment {tag}-{n}: the opera house scene still stays with me.",
        }
        return urllib.parse.urlencode(data)


WRK_LUA = """
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
request = function()
  counter = counter + 1
  local body = PREFIX .. "&body=Comment+" .. RUN .. "-" .. tid .. "-" .. counter .. "%3A+the+opera+house+scene+stays."
  return wrk.format("POST", PATH, HEADERS, body)
end
"""


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk_script(form: PostForm, tmp: Path) -> Path:
    fields = {**form.fields, "name": form.name, "email": form.email, "url": "", "extra_info": "", "parent_id": ""}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if form.cookie:
        headers["Cookie"] = form.cookie
    lua_headers = "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()) + "}"
    script = (
        f"PREFIX = {_lua_string(urllib.parse.urlencode(fields))}\n"
        f"RUN = {_lua_string(uuid.uuid4().hex[:8])}\n"
        f"PATH = {_lua_string(form.path)}\n"
        f"HEADERS = {lua_headers}\n" + WRK_LUA
    )
    path = tmp / f"post-{uuid.uuid4().hex[:6]}.lua"
    path.write_text(script)
    return path


def _parse_wrk(output: str) -> tuple[int, float, int]:
    match = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if match is None:
        raise SystemExit(f"Could not read wrk's output:\n{output}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[match.group(3)]
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sockets:
        # With sync workers every response closes its connection; wrk counts some of those closes
        # as read errors even though the response was whole. Only connect/timeout failures count.
        errors += int(sockets.group(1)) + int(sockets.group(4))
    return int(match.group(1)), float(match.group(2)) * scale, errors


def _python_load(
    server: Server, path: str, seconds: float, connections: int, form: PostForm | None
) -> tuple[int, float, int]:
    """A small threaded client: one request per connection, as sync gunicorn answers anyway."""
    deadline = time.monotonic() + seconds
    counts = [0] * connections
    errors = [0] * connections
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if form is not None and form.cookie:
        headers["Cookie"] = form.cookie
    run = uuid.uuid4().hex[:8]

    def worker(i: int) -> None:
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                if form is None:
                    status, _, _ = fetch(server.port, "GET", path)
                else:
                    status, _, _ = fetch(server.port, "POST", path, form.body(n, f"{run}-{i}"), headers)
            except OSError:
                errors[i] += 1
                continue
            counts[i] += 1
            if status >= 400:
                errors[i] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return sum(counts), time.monotonic() - started, sum(errors)


def measure(
    server: Server,
    path: str,
    *,
    seconds: float,
    connections: int,
    tmp: Path,
    form: PostForm | None = None,
    settle: Callable[[], None] | None = None,
) -> Load:
    """Warm both workers up, then load ``path`` for ``seconds`` and read the workers' CPU (after
    ``settle`` returns, when given: work the requests left to the background is theirs too)."""
    wrk = shutil.which("wrk")

    def run(duration: float) -> tuple[int, float, int]:
        # A fresh script per run: its run id keeps every comment unique (no duplicate refusals).
        script = _wrk_script(form, tmp) if (wrk and form is not None) else None
        if wrk:
            command = [
                wrk,
                "-t2",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "30s",
                server.url(path),
            ]
            if script is not None:
                command += ["-s", str(script)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            return _parse_wrk(done.stdout)
        return _python_load(server, path, duration, connections, form)

    run(2)  # warm-up: imports, template compilation, connection pools in both workers
    before = server.cpu_seconds()
    requests, elapsed, errors = run(seconds)
    if settle is not None:
        settle()
    cpu = server.cpu_seconds() - before
    return Load(requests, elapsed, errors, cpu, "wrk" if wrk else "python")


# ----------------------------------------------------------------------------- the run


def app_env(database_url: str, logdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLOG_", "FLASK_"))}
    env.update(
        {
            "SECRET_KEY": SECRET,
            "DATABASE_URL": database_url,
            "REDIS_URL": "",
            "BLOG_PAGE_CACHE_ENABLED": "false",
            "BLOG_COMMENTS_MIN_SECONDS": "1",
            "BLOG_COMMENTS_RATELIMIT": "1000000 per minute",
            "BLOG_RATELIMIT_STORAGE_URI": "memory://",
            "BLOG_MAIL_SERVER": "",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def form_for(server: Server, slug: str) -> PostForm:
    """Load the post page like a reader, keep its cookie and hidden fields, wait out the minimum time."""
    status, headers, page = fetch(server.port, "GET", f"/posts/{slug}/")
    if status != 200:
        raise SystemExit(f"GET /posts/{slug}/ answered {status}")
    form = PostForm(path=f"/posts/{slug}/comments")
    cookie = headers.get("set-cookie", "")
    form.cookie = cookie.split(";", 1)[0] if cookie else ""
    for name in ("csrf_token", "shown"):
        match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
            rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page
        )
        if match:
            form.fields[name] = match.group(1)
    token_url = re.search(r'data-token-url="([^"]+)"', page)
    if not form.fields.get("csrf_token") and token_url:
        # A shared (cached) page carries no token: ask for one, as static/js/site.js does.
        status, headers, text = fetch(server.port, "GET", html.unescape(token_url.group(1)))
        if status != 200:
            raise SystemExit(f"GET {token_url.group(1)} answered {status}")
        form.fields.update(json.loads(text))
        cookie = headers.get("set-cookie", "")
        form.cookie = cookie.split(";", 1)[0] if cookie else form.cookie
    time.sleep(1.1)  # COMMENTS_MIN_SECONDS=1: the stamp must be older than that
    status, headers, text = fetch(
        server.port, "POST", form.path, form.body(0, "probe-" + uuid.uuid4().hex[:6]),
        {"Content-Type": "application/x-www-form-urlencoded", **({"Cookie": form.cookie} if form.cookie else {})},
    )  # fmt: skip
    if status not in {302, 303}:
        reason = re.search(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', text)
        raise SystemExit(f"A probe comment was refused ({status}): {reason.group(1) if reason else text[:500]}")
    return form


@dataclass
class Row:
    """One measurement repeated over rounds, each round right after a hello-world run (``floors``):
    on a shared machine the floor drifts within minutes, so a ratio is taken within each round and
    the median of the rounds is reported."""

    loads: list[Load]
    floors: list[Load | None]
    #: What ``floors`` measured: the hello-world, or the naive insert that posting is held against.
    reference: str = "hello"

    @property
    def rps(self) -> float:
        return statistics.median(load.rps for load in self.loads)

    @property
    def cpu_ms(self) -> float:
        return statistics.median(load.cpu_ms for load in self.loads)

    @property
    def requests(self) -> int:
        return sum(load.requests for load in self.loads)

    @property
    def errors(self) -> int:
        return sum(load.errors for load in self.loads)

    def rps_ratio(self) -> float:
        """Median over rounds of requests per second against that round's floor (1.0 = the floor)."""
        return statistics.median(load.rps / floor.rps for load, floor in self._pairs())

    def cpu_ratio(self) -> float:
        """Median over rounds of the floor's CPU per request over this one's (1.0 = the floor)."""
        return statistics.median(floor.cpu_ms / load.cpu_ms for load, floor in self._pairs())

    def _pairs(self) -> list[tuple[Load, Load]]:
        return [(load, floor) for load, floor in zip(self.loads, self.floors, strict=True) if floor is not None]


@dataclass
class Bench:
    """What every measurement of the run shares: the floor's server and the load settings."""

    hello: Server
    seconds: float
    connections: int
    rounds: int
    tmp: Path

    def floor(self) -> Load:
        return measure(self.hello, "/", seconds=self.seconds, connections=self.connections, tmp=self.tmp)

    def row(
        self,
        server: Server,
        path: str,
        *,
        form: PostForm | None = None,
        reference: tuple[str, Callable[[], Load]] | None = None,
        settle: Callable[[], None] | None = None,
    ) -> Row:
        """``rounds`` runs of ``path``, each right after a run of the reference: the hello-world
        floor unless ``reference`` names another (name, measurement)."""
        name, before = reference or ("hello", self.floor)
        loads: list[Load] = []
        floors: list[Load | None] = []
        for _ in range(self.rounds):
            floors.append(before())
            loads.append(
                measure(
                    server,
                    path,
                    seconds=self.seconds,
                    connections=self.connections,
                    tmp=self.tmp,
                    form=form,
                    settle=settle,
                )
            )
        return Row(loads, floors, name)


@dataclass
class Results:
    database: str
    rows: dict[str, Row] = field(default_factory=dict)


def run_database(label: str, url: str, bench: Bench) -> Results:
    print(f"\n== {label}: building the database ({THREADS} threads, 200 comments) ...", flush=True)
    build(url)
    tmp = bench.tmp
    env = app_env(url, tmp)
    results = Results(label)
    page = f"/posts/{PAGE_SLUG}/"
    # The naive app is served for the whole run, beside the site (an idle server takes no CPU):
    # posting is measured in rounds, each right after a round of the naive insert, as every page
    # is measured right after the floor (once measured minutes apart, the machine's drift alone
    # moved this ratio from 59% to 76% on the same code).
    with (
        serve(f"sargasso-{label}", "wsgi:app", env, page, tmp) as site,
        serve(f"naive-{label}", "bench.naive:app", env, page, tmp) as naive,
    ):
        _, _, html = fetch(site.port, "GET", page)
        shown = len(re.findall(r'id="comment-\d+"', html))  # each comment's <li>
        if shown < 200:
            raise SystemExit(f"The post page shows {shown} comments, not 200: check the comments area.")
        print(f"   post page: {len(html) // 1024} KiB of HTML, {shown} comments", flush=True)
        results.rows["page"] = bench.row(site, page)
        _report("post page (200 comments)", results.rows["page"])
        results.rows["home"] = bench.row(site, "/")
        _report("home page", results.rows["home"])
        results.rows["naive_page"] = bench.row(naive, page)
        _report("naive one-query page", results.rows["naive_page"])
        form = form_for(site, TARGET_SLUG)
        naive_form = naive_post_form()

        def naive_insert() -> Load:
            return measure(
                naive, naive_form.path, seconds=bench.seconds, connections=bench.connections, tmp=tmp, form=naive_form
            )

        results.rows["post"] = post = bench.row(
            site, form.path, form=form, reference=("naive insert", naive_insert), settle=outbox_drained(url)
        )
        results.rows["naive_post"] = Row([f for f in post.floors if f is not None], [None] * bench.rounds, "")
        _report("naive insert-and-commit", results.rows["naive_post"])
        _report("posting a comment", post)
    # The same pages for anonymous readers with the page cache on (in-process per worker, as on one
    # box without Redis): the first request of each worker fills it, the rest are hits.
    cached_env = {**env, "BLOG_PAGE_CACHE_ENABLED": "true"}
    with serve(f"cached-{label}", "wsgi:app", cached_env, page, tmp) as cached:
        # A worker fills its own cache; sequential requests may all go to one of them, so the
        # check asks until one answers from its cache (wrk's warm-up then reaches both).
        answers = []
        for _ in range(10):
            for path in (page, "/"):
                _, headers, _ = fetch(cached.port, "GET", path)
                if path == page:
                    answers.append(headers.get("x-cache"))
            if answers[-1] == "HIT":
                break
        else:
            raise SystemExit(f"The cached post page never answered X-Cache: HIT ({', '.join(map(str, answers))}).")
        results.rows["cached_page"] = bench.row(cached, page)
        _report("post page, page cache", results.rows["cached_page"])
        results.rows["cached_home"] = bench.row(cached, "/")
        _report("home page, page cache", results.rows["cached_home"])
    return results


def naive_post_form() -> PostForm:
    """The naive handler's reader: another person than the site's, on a post of its own (approved
    comments under the site reader's address would make that reader a trusted commenter)."""
    return PostForm(path=f"/posts/{NAIVE_TARGET_SLUG}/comments", name="Naive Reader", email="naive.reader@example.org")


def outbox_drained(url: str) -> Callable[[], None]:
    """Waits until the site's mail worker has sent what the posting run queued (to the log): the
    worker runs in the gunicorn workers, and its CPU per comment belongs to posting."""
    from sqlalchemy import create_engine, text

    unsent = text("SELECT count(*) FROM mail_outbox WHERE status IN ('queued', 'sending')")

    def wait() -> None:
        engine = create_engine(url)
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                with engine.connect() as conn:
                    if not conn.execute(unsent).scalar():
                        return
                time.sleep(0.05)
        finally:
            engine.dispose()
        raise SystemExit("The mail worker did not empty the outbox within 60 s of the posting run.")

    return wait


def _report(name: str, row: Row) -> None:
    ratio = (
        f"  {100 * row.rps_ratio():6.2f}% of {row.reference} by req/s, {100 * row.cpu_ratio():6.2f}% by CPU"
        if row.floors[0] is not None
        else ""
    )
    errors = f"  ERRORS: {row.errors}" if row.errors else ""
    figures = f"{row.rps:9.1f} req/s  {row.cpu_ms:7.3f} ms CPU/req  ({row.requests} requests)"
    print(f"   {name:<28} {figures}{ratio}{errors}", flush=True)


def _summary(all_results: list[Results], rounds: int) -> None:
    print(f"\n== Summary (medians of {rounds} rounds, each against the hello-world floor measured just before it)")
    for results in all_results:
        floors = [
            floor
            for row in results.rows.values()
            if row.reference == "hello"
            for floor in row.floors
            if floor is not None
        ]
        print(
            f"   {results.database}: hello-world floor {statistics.median(f.rps for f in floors):.0f} req/s,"
            f" {statistics.median(f.cpu_ms for f in floors):.3f} ms CPU/req [{floors[0].tool}]"
            f" (from {min(f.rps for f in floors):.0f} to {max(f.rps for f in floors):.0f} req/s over the run)"
        )
        for key, name, target in (
            ("page", "post page", "10%, 12% for issue 8"),
            ("home", "home page", "12%"),
            ("cached_page", "cached post page", "60%"),
            ("cached_home", "cached home page", "60%"),
            ("naive_page", "naive page", ""),
        ):
            row = results.rows[key]
            goal = f"   (target ≥ {target})" if target else ""
            print(
                f"     {name + ' / hello-world:':<33}{100 * row.rps_ratio():6.2f}% by req/s,"
                f" {100 * row.cpu_ratio():6.2f}% by CPU/req{goal}"
            )
        post = results.rows["post"]
        print(
            f"     {'posting / naive insert:':<33}{100 * post.rps_ratio():6.1f}% by req/s,"
            f" {100 * post.cpu_ratio():6.1f}% by CPU/req   (target ≥ 100%; each round right after a naive one)"
        )


def profile(url: str, requests: int = 200) -> None:
    """Where one page request's time goes, in process (pyinstrument), same settings as the servers."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs pyinstrument: .venv/bin/pip install pyinstrument") from None
    from blog import create_app

    app = create_app(
        {"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "PAGE_CACHE_ENABLED": False, "REDIS_URL": ""}
    )
    client = app.test_client()
    page = f"/posts/{PAGE_SLUG}/"
    for _ in range(20):
        client.get(page)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        client.get(page)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", nargs="?", const=os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG,
                        default=os.environ.get("TEST_DATABASE_URL") or None,
                        help="also run on PostgreSQL (default: TEST_DATABASE_URL, else a local server)")  # fmt: skip
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement (default 4)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each measurement (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--profile", action="store_true", help="profile the page in process after the runs")
    args = parser.parse_args(argv)

    tool = "wrk" if shutil.which("wrk") else "a threaded Python client (install wrk for steadier figures)"
    print(f"Sargasso bench: gunicorn 2 sync workers, {args.connections} connections, {args.duration:g} s per run,"
          f" load from {tool}; {os.cpu_count()} CPUs")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="sargasso-bench-") as tmpdir:
        tmp = Path(tmpdir)
        env = app_env("sqlite:///" + str(tmp / "unused.db"), tmp)
        runs: list[Results] = []
        sqlite_url = "sqlite:///" + str(tmp / "bench.db")
        with serve("hello", "bench.hello:app", env, "/", tmp) as hello_server:
            bench = Bench(hello_server, args.duration, args.connections, max(1, args.rounds), tmp)
            first = bench.floor()
            print(
                f"   hello-world floor            {first.rps:9.1f} req/s  {first.cpu_ms:7.3f} ms CPU/req"
                " (measured again before every other measurement)",
                flush=True,
            )
            if not args.no_sqlite:
                runs.append(run_database("SQLite", sqlite_url, bench))
            schema = None
            if args.postgres:
                schema = "bench_" + uuid.uuid4().hex[:10]
                pg_url = pg_with_schema(args.postgres, schema)
                try:
                    runs.append(run_database("PostgreSQL", pg_url, bench))
                finally:
                    drop_schema(args.postgres, schema)
        _summary(runs, bench.rounds)
        if args.profile:
            print("\n== Profile of the post page (in process, SQLite)")
            if args.no_sqlite:
                build(sqlite_url)
            profile(sqlite_url)


def pg_with_schema(url: str, schema: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=" + urllib.parse.quote(f"-csearch_path={schema}")


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


if __name__ == "__main__":
    main()
