"""A spoiler stays hidden wherever a post or comment is read without our page's CSS: excerpts on
the home page, meta descriptions and link previews, search snippets, feeds and emails. Only the
post page (where the markup hides it until a tap) and staff (moderators, the post's author) see it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text, update

from blog.extensions import db
from blog.models import OutgoingMail, Post, Role
from blog.models.base import utcnow
from blog.rendering import excerpt_of, hide_spoilers, html_to_text, render_comment, render_post, summary_of
from tests.conftest import empty_database_app
from tests.test_migrations import insert_first_schema_posts

REVIEW = """\
# Perfect Blue

A pop idol quits her group to act, and loses her grip on who she is. In the end ||Mima survives||
and **nobody** is who they seem.

## Verdict

Watch it.

- Tense
- Dreamlike

:::spoiler The ending
Rumi is the stalker.
:::
"""
SECRETS = ("Mima survives", "Rumi is the stalker")

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)


def _shows_no_secret(text_: str) -> None:
    for secret in SECRETS:
        assert secret not in text_


# ----------------------------------------------------------------------------- the functions


def test_hide_spoilers_replaces_inline_and_block_spoilers_and_keeps_the_rest():
    html = render_post(REVIEW)
    hidden = hide_spoilers(html, inline="[s]", block="<p>[block]</p>")
    _shows_no_secret(hidden)
    assert "In the end [s]\nand <strong>nobody</strong>" in hidden
    assert "<p>[block]</p>" in hidden and "<li>Dreamlike</li>" in hidden
    assert "The ending" not in hidden  # the block's own title goes with it


def test_hide_spoilers_finds_the_end_of_a_spoiler_that_holds_other_markup():
    html = render_comment("a ||b *c* [d](https://example.org/) e|| f ||g|| h")
    assert html_to_text(hide_spoilers(html)) == "a [spoiler] f [spoiler] h"
    nested = (
        '<p>x <span class="spoiler" tabindex="0">one <span class="spoiler" tabindex="0">two</span> three</span> y</p>'
    )
    assert hide_spoilers(nested) == "<p>x [spoiler] y</p>"
    assert hide_spoilers('<p>x <span class="spoiler" tabindex="0">never closed</p>') == "<p>x [spoiler]"


def test_html_to_text_keeps_spoilers_unless_asked_not_to():
    html = render_post(REVIEW)
    assert "Mima survives" in html_to_text(html)
    _shows_no_secret(html_to_text(html, spoilers=False))


def test_the_automatic_excerpt_is_the_paragraphs_without_headings_lists_or_spoilers():
    summary = summary_of(render_post(REVIEW))
    assert summary == (
        "A pop idol quits her group to act, and loses her grip on who she is. In the end [spoiler]"
        " and nobody is who they seem. Watch it."
    )
    assert summary_of(render_post("- only\n- a list")) == "only a list"  # no paragraph: all the text


# ----------------------------------------------------------------------------- where readers look


@pytest.fixture
def review(make_post, make_user):
    return make_post("Perfect Blue", REVIEW, author=make_user(Role.AUTHOR, name="Mina"))


def test_the_post_page_keeps_the_spoiler_hidden_in_its_markup_but_not_in_its_descriptions(client, review):
    html = client.get(f"/posts/{review.slug}/").get_data(as_text=True)
    assert '<span class="spoiler" tabindex="0">Mima survives</span>' in html
    metas = " ".join(re.findall(r"<meta [^>]*>", html))
    assert "A pop idol quits her group" in metas
    _shows_no_secret(metas)
    json_ld = " ".join(re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S))
    _shows_no_secret(json_ld)


def test_the_home_page_excerpt_hides_the_spoiler(client, review):
    html = client.get("/").get_data(as_text=True)
    assert "In the end [spoiler] and nobody is who they seem." in html
    _shows_no_secret(html)


def test_search_snippets_hide_the_spoiler(client, review):
    html = client.get("/search?q=nobody").get_data(as_text=True)
    assert "Perfect Blue" in html and "[spoiler]" in html
    _shows_no_secret(html)
    _shows_no_secret(client.get("/search?q=survives").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/feed.atom", "/feed.rss"])
def test_feeds_hide_spoilers_in_the_summary_and_the_full_text(client, review, path):
    feed = client.get(path).get_data(as_text=True)
    assert "A pop idol quits her group" in feed and "Hidden here; read it on the site." in feed
    _shows_no_secret(feed)


@pytest.mark.settings(COMMENTS_MODERATION="all-approved")
def test_the_comments_feed_hides_a_comments_spoiler(client, review, make_comment):
    make_comment(review, "Loved it, and ||the mirror scene|| got me.")
    feed = client.get("/comments.atom").get_data(as_text=True)
    assert "Loved it, and [spoiler] got me." in feed and "the mirror scene" not in feed


@pytest.mark.settings(COMMENTS_MODERATION="hold-all", COMMENTS_NOTIFY_POST_AUTHOR=True)
def test_staff_emails_show_a_comments_spoiler_that_subscribers_emails_hide(app, review, make_user):
    make_user(Role.EDITOR, email="mod@example.org")
    client = app.test_client()
    client.post(
        f"/posts/{review.slug}/comments",
        data={"name": "Dee", "email": "dee@example.org", "body": "So ||Rumi did it||, wow."},
    )
    mails = {mail.to_address: mail.body_text for mail in db.session.scalars(select(OutgoingMail))}
    assert "So Rumi did it, wow." in mails["mod@example.org"]  # "Please moderate": they must read it
    assert "So Rumi did it, wow." in mails[review.author.email]

    from blog.comments.notify import comment_excerpt

    comment = type("C", (), {"body_html": render_comment("So ||Rumi did it||, wow.")})()
    assert comment_excerpt(comment) == "So [spoiler], wow."  # what subscribers and digests quote


# ----------------------------------------------------------------------------- the editor


def test_the_editor_leaves_the_automatic_excerpt_out_of_the_field_so_it_follows_the_text(app, client, review, login):
    login(client, review.author)
    form = client.get(f"/admin/posts/{review.id}/edit").get_data(as_text=True)
    field = re.search(r'<textarea[^>]*name="excerpt"[^>]*>(.*?)</textarea>', form, re.S)
    assert field is not None and field.group(1).strip() == ""

    from blog.posts.editing import post_input_from, save_post

    data = post_input_from(review)
    data.body_md = "A new opening paragraph.\n\n" + REVIEW
    save_post(review.author, data, review)
    db.session.commit()
    assert db.session.get(Post, review.id).excerpt.startswith("A new opening paragraph. A pop idol")


# ----------------------------------------------------------------------------- stored before the fix


def test_rerender_and_the_migration_take_spoilers_out_of_stored_excerpts_and_search_text(app, review, make_post):
    typed = make_post("Typed", REVIEW, excerpt="My own words.")
    old_text = html_to_text(review.body_html)  # what older versions stored: spoilers in the clear
    old_excerpt = excerpt_of(old_text)  # the automatic excerpt they made from it
    for post in (review, typed):
        db.session.execute(update(Post).where(Post.id == post.id).values(body_text=old_text))
    db.session.execute(update(Post).where(Post.id == review.id).values(excerpt=old_excerpt))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["rerender", "--no-comments"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    fixed = db.session.get(Post, review.id)
    _shows_no_secret(fixed.body_text + fixed.excerpt)
    assert fixed.excerpt == summary_of(fixed.body_html)
    assert db.session.get(Post, typed.id).excerpt == "My own words."


def test_upgrading_a_database_takes_spoilers_out_of_its_stored_excerpts(tmp_path: Path):
    with empty_database_app(tmp_path) as app, app.app_context(), app.test_request_context():
        upgrade(revision="c9d0e1f2a3b4")
        html = render_post(REVIEW)
        old_text = html_to_text(html)
        now = utcnow()
        with db.engine.begin() as conn:
            insert_first_schema_posts(
                conn,
                *(
                    {"id": pid, "slug": slug, "body_md": REVIEW, "body_html": html, "body_text": old_text}
                    | {"excerpt": excerpt, "published_at": now, "word_count": 50}
                    for pid, slug, excerpt in ((1, "auto", excerpt_of(old_text)), (2, "typed", "My own words."))
                ),
            )
        upgrade()
        rows = dict(db.session.execute(text("SELECT slug, excerpt || ' ' || body_text FROM posts")).all())
        _shows_no_secret(rows["auto"])
        assert rows["auto"].startswith("A pop idol quits her group")
        assert rows["typed"].startswith("My own words.")
