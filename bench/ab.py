"""This checkout against another one (A/B), round by round: posting or an uncached page.

    .venv/bin/python -m bench.ab                                  # posting, 4 rounds, this checkout
    git worktree add /tmp/before <commit>
    .venv/bin/python -m bench.ab --against /tmp/before            # posting, both checkouts
    .venv/bin/python -m bench.ab --against /tmp/before --page     # the 200-comment post page

One SQLite database built by ``bench.build`` (with ``--postgres``, a schema of its own on the bench's
PostgreSQL, dropped afterwards); the site, the other checkout
(served from its own directory with the same gunicorn settings) and the reference up for the whole
run: the naive insert for posting, the Flask hello-world for a page. Each round loads the reference,
then each site, one after the other, and prints every round's figures: on this shared machine a
figure is worth comparing only with those of its own round. Both checkouts read and write the same
database; their schemas must match.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path

from bench import bench as B
from bench.build import PAGE_SLUG, TARGET_SLUG, build


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--against", type=Path, help="another checkout of Sargasso to serve beside this one")
    parser.add_argument("--page", action="store_true", help="the post page, no cache, instead of posting")
    parser.add_argument("--postgres", action="store_true", help=f"on PostgreSQL ({B.DEFAULT_PG}) instead of SQLite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sargasso-ab-") as tmpdir, ExitStack() as stack:
        tmp = Path(tmpdir)
        url = "sqlite:///" + str(tmp / "ab.db")
        if args.postgres:
            schema = "ab_" + uuid.uuid4().hex[:10]
            url = B.pg_with_schema(B.DEFAULT_PG, schema)
            stack.callback(B.drop_schema, B.DEFAULT_PG, schema)
        build(url)
        env = B.app_env(url, tmp)
        page = f"/posts/{PAGE_SLUG}/"
        sites = {"this": stack.enter_context(B.serve("this", "wsgi:app", env, page, tmp))}
        if args.against is not None:
            other = str(args.against.resolve())
            here, B.ROOT = B.ROOT, Path(other)  # serve() runs gunicorn from ROOT
            try:
                sites["other"] = stack.enter_context(
                    B.serve("other", "wsgi:app", {**env, "PYTHONPATH": other}, page, tmp)
                )
            finally:
                B.ROOT = here
        if args.page:
            reference = stack.enter_context(B.serve("hello", "bench.hello:app", env, "/", tmp))
            reference_path, reference_form, label = "/", None, "hello"
            forms: dict[str, B.PostForm | None] = {name: None for name in sites}
            settle = None
        else:
            reference = stack.enter_context(B.serve("naive", "bench.naive:app", env, page, tmp))
            reference_form = B.naive_post_form()
            reference_path, label = reference_form.path, "naive"
            forms = {name: B.form_for(site, TARGET_SLUG) for name, site in sites.items()}
            settle = B.outbox_drained(url)
        for round_number in range(1, args.rounds + 1):
            base = B.measure(
                reference, reference_path, seconds=args.duration, connections=16, tmp=tmp, form=reference_form
            )
            line = f"round {round_number}: {label} {base.rps:7.1f} req/s {base.cpu_ms:6.3f} ms"
            for name, site in sites.items():
                form = forms[name]
                load = B.measure(
                    site,
                    form.path if form else page,
                    seconds=args.duration,
                    connections=16,
                    tmp=tmp,
                    form=form,
                    settle=settle,
                )
                line += (
                    f" | {name} {load.rps:6.1f} req/s {load.cpu_ms:6.3f} ms"
                    f" ({100 * load.rps / base.rps:5.1f}% / {100 * base.cpu_ms / load.cpu_ms:5.1f}% of {label})"
                )
            print(line, flush=True)


if __name__ == "__main__":
    main()
