"""A work's poster comes with its size, so the page keeps its place while the image loads."""

from __future__ import annotations

import io
import json
import re

from PIL import Image

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Role
from tests.reviews_support import add_work, review


def _upload(author, width: int, height: int):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 30, 60)).save(out, "PNG")
    media = store_upload(out.getvalue(), "poster.png", author)
    db.session.commit()
    return media


def _poster(html: str) -> str:
    match = re.search(r'<img class="poster[^"]*"[^>]*>', html)
    assert match, "no poster"
    return match.group(0)


def test_a_library_poster_has_its_width_height_and_resized_copies(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    media = _upload(editor, 1000, 1500)
    akira = add_work(editor, "Akira", poster_url=f"/media/{media.key}")
    post = make_post("Akira at 35", author=editor)
    review(editor, post, akira, 9)

    on_page = _poster(client.get("/works/akira/").get_data(as_text=True))
    assert 'width="224" height="336"' in on_page
    assert f'srcset="/media/{media.variant_key(640)} 640w, /media/{media.key} 1000w"' in on_page
    assert 'sizes="224px"' in on_page and 'alt="Poster of Akira"' in on_page

    in_post = _poster(client.get(f"/posts/{post.slug}/").get_data(as_text=True))
    assert 'width="136" height="204"' in in_post and 'loading="lazy"' in in_post and "srcset=" in in_post

    # Search engines get the poster's whole address, not a path they cannot place.
    html = client.get("/works/akira/").get_data(as_text=True)
    [data] = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    assert data["image"] == f"http://localhost/media/{media.key}"


def test_a_wide_library_image_keeps_its_own_ratio(client, make_user):
    editor = make_user(Role.EDITOR)
    media = _upload(editor, 400, 300)  # smaller than any copy: no srcset
    add_work(editor, "Wide", poster_url=f"/media/{media.key}")
    tag = _poster(client.get("/works/wide/").get_data(as_text=True))
    assert 'width="224" height="168"' in tag and "srcset" not in tag and "poster-unsized" not in tag


def test_a_poster_from_another_site_gets_a_poster_shaped_box(client, make_user):
    editor = make_user(Role.EDITOR)
    add_work(editor, "Remote", poster_url="https://images.example.org/remote.jpg")
    tag = _poster(client.get("/works/remote/").get_data(as_text=True))
    assert 'class="poster poster-unsized"' in tag and 'width="224"' in tag and "height=" not in tag
    assert 'src="https://images.example.org/remote.jpg"' in tag
    css = client.get("/static/css/reviews.css").get_data(as_text=True)
    assert re.search(r"img\.poster-unsized \{[^}]*aspect-ratio: 2 / 3", css)
