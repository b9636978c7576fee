"""Rendering from many threads at once, as gunicorn's threaded workers do."""

from __future__ import annotations

import sys
import threading

from blog.rendering import render_comment, render_post

COMMENT = (
    "Kanno's *score* carries it, see https://example.org/opera and ||the ending||.\n\n"
    "> a quote with `code`\n\n- one\n- two **bold** and <b>raw</b>\n\n" * 6
)
POST = (
    "# Magnetic Rose\n\nThe *opera* house, [a link](https://example.org/), and a table:\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n" * 6
)


def test_comments_and_posts_render_the_same_when_many_threads_render_at_once():
    expected_comment, expected_post = render_comment(COMMENT), render_post(POST)
    results: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        try:
            for _ in range(15):
                results.append((render_comment(COMMENT), render_post(POST)))
        except Exception as error:  # noqa: BLE001 - the test reports whatever broke
            errors.append(error)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so any shared state shows
    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(results) == 8 * 15
    assert all(result == (expected_comment, expected_post) for result in results)
