"""The page cache's hit path, timed in process (no server, no load generator).

A quick figure for a developer's machine, beside ``bench.bench``'s gunicorn runs: CPU time of
one anonymous hit of the 200-comment post page and of the home page through Flask's test client,
against the same loop over ``bench/hello.py``. Every request is a new reader (no cookies).

    python -m bench.cache_inprocess [--db sqlite:////tmp/bench.db] [--redis redis://127.0.0.1:6379/5]

Build the database first: ``python -c "from bench.build import build; build('sqlite:////tmp/bench.db')"``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from typing import Any

POST_URL = "/posts/two-hundred-comments/"


def per_request_ms(app: Any, url: str, n: int, rounds: int = 5) -> float:
    """Median over ``rounds`` of the mean CPU time of ``n`` cookie-less GETs of ``url``."""
    client = app.test_client()
    for _ in range(50):
        client._cookies.clear()
        client.get(url)
    results = []
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(n):
            client._cookies.clear()
            client.get(url)
        results.append((time.process_time() - start) / n * 1000)
    return statistics.median(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:////tmp/wt-cache-bench.db")
    parser.add_argument("--redis", default="", help="a Redis URL: measure with the Redis backend too")
    parser.add_argument("-n", type=int, default=500)
    args = parser.parse_args()

    from bench.hello import app as hello
    from blog import create_app

    floor = per_request_ms(hello, "/", args.n)
    print(f"hello-world            {floor:.3f} ms")
    backends = [("local", "")] + ([("redis", args.redis)] if args.redis else [])
    for name, url in backends:
        prefix = f"bench-inprocess-{uuid.uuid4().hex[:8]}:"
        app = create_app(
            {
                "SECRET_KEY": "x" * 40,
                "SQLALCHEMY_DATABASE_URI": args.db,
                "PAGE_CACHE_ENABLED": True,
                "REDIS_URL": url,
                "REDIS_KEY_PREFIX": prefix,
            }
        )
        for page in (POST_URL, "/"):
            response = app.test_client().get(page)
            response = app.test_client().get(page)
            status = response.headers.get("X-Cache")
            ms = per_request_ms(app, page, args.n)
            print(f"{name:6} {page:30} {ms:.3f} ms  {ms / floor:.2f}x hello  ({status}, {len(response.data)} B)")
        if url:
            import redis

            client = redis.Redis.from_url(url)
            keys = list(client.scan_iter(f"{prefix}*"))
            if keys:
                client.delete(*keys)


if __name__ == "__main__":
    main()
