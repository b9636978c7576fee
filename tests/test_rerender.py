"""``flask rerender``: an operator brings every stored post and comment up to the current rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import update

from blog.extensions import db
from blog.models import Post, Role, User
from blog.models.comments import Comment
from blog.rendering import render_comment, render_post

EMBED = '<iframe src="https://www.youtube-nocookie.com/embed/abc" width="560"></iframe>\n\nThe **score**.'


def _tamper(model: Any, row_id: int, **values: Any) -> None:
    """Simulate HTML stored under an older (or broken) rendering policy."""
    db.session.execute(update(model).where(model.id == row_id).values(**values))
    db.session.commit()
    db.session.expire_all()


def test_rerender_fixes_stale_post_and_comment_html(
    app: Flask, make_post: Callable[..., Post], make_comment: Callable[..., Any]
) -> None:
    post = make_post(body="A *fine* film. https://example.com/")
    comment = make_comment(post, "Agreed, ||the ending|| is perfect. https://example.org/")
    updated_at = post.updated_at
    _tamper(Post, post.id, body_html='<p>old <img src=x onerror="alert(1)"></p>', body_text="old",
            updated_at=updated_at)  # fmt: skip
    _tamper(Comment, comment.id, body_html='<p><a href="https://example.org/">no rel</a></p>')

    result = app.test_cli_runner().invoke(args=["rerender"])

    assert result.exit_code == 0, result.output
    assert "Posts: 1 of 1 changed." in result.output
    assert "Comments: 1 of 1 changed." in result.output
    # The comment's new HTML rewrote its card and its thread's as that batch committed: the card
    # pass, which compares, finds them current (it used to write every thread again).
    assert "Cards: 0 of comments and 0 of threads written, on 1 post." in result.output
    post = db.session.get(Post, post.id)
    comment = db.session.get(Comment, comment.id)
    assert post.body_html == render_post("A *fine* film. https://example.com/")
    assert post.body_text == "A fine film. https://example.com/"
    assert post.updated_at == updated_at  # a re-render is not an edit
    assert comment.body_html == render_comment("Agreed, ||the ending|| is perfect. https://example.org/")
    assert 'rel="nofollow ugc noopener"' in comment.body_html


def test_rerender_twice_changes_nothing_the_second_time(
    app: Flask, make_post: Callable[..., Post], make_comment: Callable[..., Any]
) -> None:
    post = make_post()
    make_comment(post)
    runner = app.test_cli_runner()
    runner.invoke(args=["rerender"])
    result = runner.invoke(args=["rerender"])
    assert "Posts: 0 of 1 changed." in result.output
    assert "Comments: 0 of 1 changed." in result.output
    assert "Cards: 0 of comments and 0 of threads written, on 1 post." in result.output


def test_rerender_keeps_embeds_only_for_posts_saved_with_unfiltered_html(
    app: Flask, make_post: Callable[..., Post], make_user: Callable[..., User]
) -> None:
    admin_post = make_post("Embed", EMBED, author=make_user(Role.ADMIN))
    author_post = make_post("No embed", EMBED, author=make_user(Role.AUTHOR))
    for post in (admin_post, author_post):
        _tamper(Post, post.id, body_html="<p>stale</p>")

    app.test_cli_runner().invoke(args=["rerender", "--no-comments"])

    assert admin_post.unfiltered_html
    assert "<iframe" in db.session.get(Post, admin_post.id).body_html
    assert "<iframe" not in db.session.get(Post, author_post.id).body_html
    assert "<strong>score</strong>" in db.session.get(Post, author_post.id).body_html


def test_rerender_updates_automatic_excerpts_but_keeps_typed_ones(app: Flask, make_post: Callable[..., Post]) -> None:
    auto = make_post("Auto", "New text of the review.")
    typed = make_post("Typed", "New text too.", excerpt="My own summary.")
    _tamper(Post, auto.id, body_html="<p>Old text.</p>", body_text="Old text.", excerpt="Old text.")
    _tamper(Post, typed.id, body_html="<p>Old text.</p>", body_text="Old text.")

    app.test_cli_runner().invoke(args=["rerender", "--no-comments"])

    assert db.session.get(Post, auto.id).excerpt == "New text of the review."
    assert db.session.get(Post, typed.id).excerpt == "My own summary."


def test_rerender_in_small_batches_reaches_every_comment(
    app: Flask, make_post: Callable[..., Post], make_comment: Callable[..., Any]
) -> None:
    post = make_post()
    comments = [make_comment(post, f"Comment *{n}*") for n in range(7)]
    for comment in comments:
        _tamper(Comment, comment.id, body_html="stale")

    result = app.test_cli_runner().invoke(args=["rerender", "--batch-size", "2", "--no-posts"])

    assert result.exit_code == 0, result.output
    assert "Comments: 7 of 7 changed." in result.output
    assert "Posts:" not in result.output
    for n, comment in enumerate(comments):
        assert db.session.get(Comment, comment.id).body_html == f"<p>Comment <em>{n}</em></p>"


def test_rerendered_comment_shows_on_the_post_page(
    app: Flask, client: Any, make_post: Callable[..., Post], make_comment: Callable[..., Any]
) -> None:
    post = make_post()
    comment = make_comment(post, "Fixed **now**")
    _tamper(Comment, comment.id, body_html="<p>BROKEN</p>")

    app.test_cli_runner().invoke(args=["rerender"])

    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "Fixed <strong>now</strong>" in page
    assert "BROKEN" not in page


def test_rerender_keeps_the_resized_copies_of_uploaded_images(
    app: Flask, client: Any, make_user: Callable[..., User], make_post: Callable[..., Post]
) -> None:
    import io

    from PIL import Image

    from tests.conftest import login_as

    author = make_user(Role.AUTHOR)
    image = io.BytesIO()
    Image.new("RGB", (1600, 900), (200, 30, 60)).save(image, "JPEG")
    upload = login_as(client, author).post(
        "/admin/media/upload",
        data={"file": (io.BytesIO(image.getvalue()), "rose.jpg"), "alt": "Rose"},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201, upload.get_data(as_text=True)
    post = make_post("Pictures", upload.get_json()["markdown"], author=author)
    saved_html = post.body_html
    assert "640w" in saved_html
    _tamper(Post, post.id, body_html="<p>stale</p>")

    app.test_cli_runner().invoke(args=["rerender", "--no-comments"])

    assert db.session.get(Post, post.id).body_html == saved_html
