"""Memory: the resident size of gunicorn workers after 10,000 mixed requests, and after 10,000 more.

    .venv/bin/python -m bench.memory                  # SQLite, 2 sync workers, page cache on
    .venv/bin/python -m bench.memory --requests 2000  # a quicker look

The mix is what a small blog sees: the 200-comment post page, the home page, a tag archive, the
Atom feed, a search, a work-less 404, a comment feed and, one request in twenty, a new comment
(which invalidates the cached pages, so the next readers render afresh). Four client threads,
loopback only. A worker that keeps growing over the second round holds on to something per
request; the figures go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import threading
import uuid
from pathlib import Path

from bench.bench import app_env, fetch, form_for, serve
from bench.build import PAGE_SLUG, TARGET_SLUG, build

MIX = [
    f"/posts/{PAGE_SLUG}/",
    "/",
    f"/posts/{PAGE_SLUG}/",
    "/tag/anime/",
    "/feed.atom",
    f"/posts/{TARGET_SLUG}/",
    "/search?q=opera",
    f"/posts/{PAGE_SLUG}/",
    "/posts/no-such-post/",
    f"/posts/{PAGE_SLUG}/comments.atom",
    "/",
    f"/posts/{PAGE_SLUG}/?cpage=1",
    "/comments.atom",
    f"/posts/{PAGE_SLUG}/",
    "/",
    "/tag/satoshi-kon/",
    "/sitemap.xml",
    f"/posts/{PAGE_SLUG}/",
    "/",
    "POST",
]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def run_round(port: int, count: int, form, threads: int = 4) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """``count`` requests of the mix; returns status -> how many."""
    counter = itertools.count()
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    tag = uuid.uuid4().hex[:8]

    def client() -> None:
        while (n := next(counter)) < count:
            path = MIX[n % len(MIX)]
            if path == "POST":
                headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": form.cookie}
                status, _, _ = fetch(port, "POST", form.path, form.body(n, tag), headers)
            else:
                status, _, _ = fetch(port, "GET", path)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests per round (default 10,000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sargasso-memory-") as tmpdir:
        tmp = Path(tmpdir)
        url = "sqlite:///" + str(tmp / "memory.db")
        build(url)
        env = {**app_env(url, tmp), "BLOG_PAGE_CACHE_ENABLED": "true"}
        with serve("memory", "wsgi:app", env, "/", tmp) as site:
            form = form_for(site, TARGET_SLUG)
            pids = sorted(site.worker_pids())
            start = {pid: rss_kib(pid) for pid in pids}
            print(f"Workers {pids}: RSS after start-up {', '.join(f'{start[p] / 1024:.1f}' for p in pids)} MiB")
            rounds = []
            for number in (1, 2):
                statuses = run_round(site.port, args.requests, form)
                now = {pid: rss_kib(pid) for pid in pids}
                rounds.append(now)
                print(
                    f"After round {number} ({args.requests:,} requests, statuses {dict(sorted(statuses.items()))}):"
                    f" RSS {', '.join(f'{now[p] / 1024:.1f}' for p in pids)} MiB",
                    flush=True,
                )
                if any(status >= 500 for status in statuses):
                    raise SystemExit("Server errors during the run: see the log above.")
            if sorted(site.worker_pids()) != pids:
                raise SystemExit("A worker was replaced during the run; the figures do not hold.")
            growth = [(rounds[1][p] - rounds[0][p]) / 1024 for p in pids]
            print(f"Growth over the second round: {', '.join(f'{g:+.1f}' for g in growth)} MiB per worker")


if __name__ == "__main__":
    main()
