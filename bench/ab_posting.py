"""Posting against the naive insert, round by round, optionally beside another checkout (A/B).

    .venv/bin/python -m bench.ab_posting                          # 4 rounds, this checkout
    git worktree add /tmp/before <commit>
    .venv/bin/python -m bench.ab_posting --against /tmp/before    # the same rounds, both checkouts

One SQLite database built by ``bench.build``; the site (and the other checkout, served from its
own directory with the same gunicorn settings) and ``bench.naive`` up for the whole run. Each
round loads the naive insert, then each site, one after the other, and prints every round's
figures: on this shared machine a figure is worth comparing only with those of its own round.
Both checkouts post to the same post as the same reader; their schemas must match.
"""

from __future__ import annotations

import argparse
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import bench as B
from bench.build import PAGE_SLUG, TARGET_SLUG, build


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--against", type=Path, help="another checkout of Sargasso to serve beside this one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sargasso-ab-") as tmpdir, ExitStack() as stack:
        tmp = Path(tmpdir)
        url = "sqlite:///" + str(tmp / "ab.db")
        build(url)
        env = B.app_env(url, tmp)
        page = f"/posts/{PAGE_SLUG}/"
        sites = {"this": stack.enter_context(B.serve("this", "wsgi:app", env, page, tmp))}
        if args.against is not None:
            other = str(args.against.resolve())
            here, B.ROOT = B.ROOT, Path(other)  # serve() runs gunicorn from ROOT
            try:
                sites["other"] = stack.enter_context(B.serve("other", "wsgi:app", {**env, "PYTHONPATH": other}, page,
                                                             tmp))
            finally:
                B.ROOT = here
        naive = stack.enter_context(B.serve("naive", "bench.naive:app", env, page, tmp))
        forms = {name: B.form_for(site, TARGET_SLUG) for name, site in sites.items()}
        naive_form = B.naive_post_form()
        settle = B.outbox_drained(url)
        for round_number in range(1, args.rounds + 1):
            base = B.measure(naive, naive_form.path, seconds=args.duration, connections=16, tmp=tmp, form=naive_form)
            line = f"round {round_number}: naive {base.rps:6.1f} req/s {base.cpu_ms:6.3f} ms"
            for name, site in sites.items():
                load = B.measure(site, forms[name].path, seconds=args.duration, connections=16, tmp=tmp,
                                 form=forms[name], settle=settle)
                line += (f" | {name} {load.rps:6.1f} req/s {load.cpu_ms:6.3f} ms"
                         f" ({100 * load.rps / base.rps:5.1f}% / {100 * base.cpu_ms / load.cpu_ms:5.1f}% of naive)")
            print(line, flush=True)


if __name__ == "__main__":
    main()
