"""The editor page itself: a plain form without JavaScript, settings with suggestions, no inline code."""

import re

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Role
from tests.test_editor_preview import _png


def test_without_javascript_the_editor_is_a_plain_form_that_posts(client, login, make_user):
    login(client, make_user(Role.AUTHOR))
    html = client.get("/admin/posts/new").get_data(as_text=True)
    assert re.search(r'<form method="post" class="form post-form editor-form"\s+action="/admin/posts/new"', html)
    assert re.search(r'<textarea[^>]*name="body_md"', html)
    # The toolbar, the preview pane and the image button wait for the script to show them.
    assert re.search(r'<div class="editor-bar" data-editor-bar hidden>', html)
    assert re.search(r'<section class="editor-preview"[^>]*hidden>', html)
    assert re.search(r"data-editor-image-label hidden>", html)
    # The cover's Upload / Choose from library / Remove too: without them the URL and description fields stay.
    assert re.search(r'<div class="cover-actions" data-cover-actions hidden>', html)
    assert re.search(r'<p class="cover-empty" data-cover-empty>No cover image</p>', html)
    # Strict CSP: no inline script, style attribute or event handler.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html and not re.search(r"\son[a-z]+=", html)
    assert '<script src="/static/js/editor.js" defer></script>' in html


def test_the_settings_offer_existing_tags_series_and_uploads(client, login, make_user, make_post):
    author = make_user(Role.AUTHOR)
    make_post(
        "Old",
        "x",
        author=author,
        tags=["anime", "Satoshi Kon"],
        categories=["Reviews"],
        series_title="Fond Memories",
        series_part=1,
    )
    media = store_upload(_png(), "rose.png", author)
    media.alt_text = "A rose in space"
    db.session.commit()
    login(client, author)
    html = client.get("/admin/posts/new").get_data(as_text=True)
    assert '<datalist id="tag-suggestions"><option value="anime"></option><option value="Satoshi Kon">' in html
    assert 'list="tag-suggestions"' in html and 'list="category-suggestions"' in html
    assert '<option value="Reviews">' in html and '<option value="Fond Memories">' in html
    assert f'<option value="/media/{media.key}" data-alt="A rose in space">A rose in space</option>' in html
    # "Choose from library" reads the uploads a page at a time (tests/test_media_library_listing.py).
    assert 'data-media-library-url="/admin/media/library.json"' in html


def test_an_existing_post_links_to_its_review_details(client, login, make_user, make_post):
    author = make_user(Role.AUTHOR)
    post = make_post("Magnetic Rose", "x", author=author)
    login(client, author)
    html = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert f'href="/admin/reviews/{post.id}/">Review details: work, score, verdict</a>' in html
    assert f'data-autosave-url="/admin/posts/{post.id}/autosave"' in html
    assert f'data-base-version="{post.version}"' in html


def test_the_editor_page_takes_the_same_queries_with_many_tags_and_uploads(
    client, login, make_user, make_post, count_queries
):
    author = make_user(Role.AUTHOR)
    post = make_post("Many", "x", author=author, tags=["a"])
    login(client, author)
    db.session.expire_all()
    with count_queries() as few:
        client.get(f"/admin/posts/{post.id}/edit")
    for n in range(6):
        make_post(f"P{n}", "x", author=author, tags=[f"t{n}", f"u{n}"], series_title=f"S{n}")
        store_upload(_png(700 + n, 400), f"{n}.png", author)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        client.get(f"/admin/posts/{post.id}/edit")
    assert many.count == few.count
