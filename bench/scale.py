"""Scale check: page times on a small and a large database, and the query plans behind them.

    .venv/bin/python -m bench.scale                     # SQLite, 20,000 posts / 1,000,000 comments
    .venv/bin/python -m bench.scale --postgres URL      # the same on PostgreSQL
    .venv/bin/python -m bench.scale --posts 2000 --comments 100000   # a quicker run

For each page (post, home, tag archive, monthly archive, search) it prints the median server
time over repeated requests on both databases (alternating between them) and their ratio (the
target is ≤ 1.5), then the plan of every SQL statement the page ran on the large database,
flagging full scans of the big tables.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select, text

from blog import create_app
from blog.dataset import generate
from blog.extensions import db
from blog.models import Post

ROOT = Path(__file__).resolve().parents[1]
BIG_TABLES = ("posts", "comments", "post_tags")


def _app(url: str, schema: str | None) -> Any:
    # No page cache: the point is what the database does as it grows.
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "bench-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": url,
        "PAGE_CACHE_ENABLED": False,
    }
    if schema:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    return create_app(config)


def build(url: str, schema: str | None, posts: int, comments: int) -> Any:
    app = _app(url, schema)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        generate(posts, comments)
        if db.engine.dialect.name == "postgresql":
            # A site that grew to this size has been vacuumed and analysed by autovacuum; a bulk
            # load has not (no visibility map: no index-only scans; no statistics: poor plans).
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"  built {posts:,} posts / {comments:,} comments in {time.perf_counter() - started:.0f} s", flush=True)
    return app


def pages(app: Any) -> dict[str, str]:
    with app.app_context():
        # A post with a typical large discussion: the busiest tenth, not the single outlier.
        counts = db.session.scalars(select(Post.comment_count).order_by(Post.comment_count.desc())).all()
        target = counts[max(0, len(counts) // 10 - 1)]
        post = db.session.scalar(select(Post).where(Post.comment_count == target).limit(1))
        month = post.published_at.strftime("%Y/%m")
        return {
            "post page": f"/posts/{post.slug}/",
            "home": "/",
            "tag archive": "/tag/dataset-tag-3/",
            "month archive": f"/{month}/",
            "search": "/search?q=soundtrack+memories",
        }


def time_pages(apps: list[Any], urls: list[dict[str, str]], repeat: int) -> list[dict[str, float]]:
    """Median time of each page on each app; requests to the apps alternate, so a change in the
    machine's load (other processes) falls on both databases alike instead of on one of them."""
    clients = [app.test_client() for app in apps]
    samples: list[dict[str, list[float]]] = [{name: [] for name in urls[0]} for _ in apps]
    for name in urls[0]:
        for client, pages_of in zip(clients, urls, strict=True):
            for _ in range(3):  # warm caches and the connection pool
                response = client.get(pages_of[name])
                if response.status_code != 200:
                    raise SystemExit(f"{name} {pages_of[name]} answered {response.status_code}")
        for _ in range(repeat):
            for client, pages_of, times in zip(clients, urls, samples, strict=True):
                started = time.perf_counter()
                client.get(pages_of[name])
                times[name].append(time.perf_counter() - started)
    return [{name: statistics.median(values) for name, values in times.items()} for times in samples]


def plans(app: Any, urls: dict[str, str]) -> list[str]:
    lines: list[str] = []
    client = app.test_client()
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect.name
        for name, url in urls.items():
            captured: list[tuple[str, Any]] = []

            def _capture(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
                if statement.lstrip().upper().startswith("SELECT"):
                    captured.append((statement, params))  # noqa: B023

            event.listen(engine, "before_cursor_execute", _capture)
            client.get(url)
            event.remove(engine, "before_cursor_execute", _capture)
            lines.append(f"\n## {name} ({url}): {len(captured)} statements")
            for statement, params in captured:
                prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
                with engine.connect() as conn:
                    rows = conn.exec_driver_sql(prefix + statement, params).fetchall()
                plan = [str(row[-1]) for row in rows]
                scans = [
                    p
                    for p in plan
                    if any(f"SCAN {t}" in p or f"Seq Scan on {t}" in p for t in BIG_TABLES)
                    and "COVERING INDEX" not in p
                    and "USING INDEX" not in p
                    and "VIRTUAL TABLE" not in p  # posts_fts: the full-text index itself
                ]
                flag = "FULL SCAN " if scans else "indexed   "
                lines.append(f"- {flag}{' '.join(statement.split())[:140]}")
                lines.extend(f"      {p}" for p in plan)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    work = ROOT / "instance" / "bench"
    work.mkdir(parents=True, exist_ok=True)
    schemas: list[str] = []
    if args.postgres:
        engine = create_engine(args.postgres)
        targets = []
        for label in ("small", "large"):
            schema = f"scale_{label}_{uuid.uuid4().hex[:6]}"
            with engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            schemas.append(schema)
            targets.append((args.postgres, schema))
    else:
        targets = [(f"sqlite:///{work}/scale-small.db", None), (f"sqlite:///{work}/scale-large.db", None)]
        for url, _ in targets:
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)

    small_posts, small_comments = max(200, args.posts // 100), max(10_000, args.comments // 100)
    try:
        print("small database:", flush=True)
        small = build(*targets[0], small_posts, small_comments)
        print("large database:", flush=True)
        large = build(*targets[1], args.posts, args.comments)
        large_urls = pages(large)
        small_times, large_times = time_pages([small, large], [pages(small), large_urls], args.repeat)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        print(f"\n{backend}: median server time per page (in-process, {args.repeat} requests each)")
        print(f"{'page':15} {'small':>9} {'large':>9} {'ratio':>6}")
        worst = 0.0
        for name in small_times:
            ratio = large_times[name] / small_times[name]
            worst = max(worst, ratio)
            print(f"{name:15} {small_times[name] * 1000:7.2f}ms {large_times[name] * 1000:7.2f}ms {ratio:6.2f}")
        print(f"worst ratio {worst:.2f} (target ≤ 1.50)")
        print("\n".join(plans(large, large_urls)))
    finally:
        if schemas:
            with engine.begin() as conn:
                for schema in schemas:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    sys.exit(0)


if __name__ == "__main__":
    main()
