"""The editor's live preview: the same HTML as the published page, and the same raw-HTML rules."""

import io

import pytest
from PIL import Image

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Role
from blog.rendering import render_post

SOURCE = """# Magnetic Rose

Out of all three shorts, it *cuts the deepest*. See [the notes](https://example.org/kon).

![The rose station](/media/rose.png)
Miguel (left) Heintz (right)

<iframe src="https://player.example/v/1" title="Trailer"></iframe>
<script>alert(1)</script>

||spoiler: the rose is a memory||
"""


def _preview(client, body, post_id=None, **headers):
    payload = {"body_md": body}
    if post_id is not None:
        payload["post_id"] = post_id
    return client.post("/admin/posts/preview", json=payload, headers={"Accept": "application/json", **headers})


def _png(width=1600, height=900):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 40, 90)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.EDITOR])
def test_preview_is_the_same_html_as_the_published_page(client, login, make_user, make_post, role):
    writer = make_user(role)
    login(client, writer)
    reply = _preview(client, SOURCE)
    assert reply.status_code == 200
    post = make_post("Magnetic Rose", SOURCE, author=writer)
    assert reply.json["html"] == post.body_html
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert reply.json["html"] in page
    assert "<figcaption>Miguel (left) Heintz (right)</figcaption>" in reply.json["html"]
    assert reply.json["words"] == post.word_count and reply.json["reading_minutes"] == post.reading_minutes


def test_raw_html_is_kept_in_the_preview_only_for_editors_and_admins(client, login, make_user):
    login(client, make_user(Role.AUTHOR))
    author_html = _preview(client, SOURCE).json["html"]
    assert "<iframe" not in author_html and "<script" not in author_html
    login(client, make_user(Role.EDITOR))
    editor_html = _preview(client, SOURCE).json["html"]
    assert '<iframe src="https://player.example/v/1"' in editor_html and "<script" not in editor_html


def test_an_editor_previewing_a_contributors_post_sees_it_sanitized_as_it_will_be_published(
    client, login, make_user, make_post
):
    contributor = make_user(Role.CONTRIBUTOR)
    post = make_post("Submitted", "x", author=contributor, status="pending")
    login(client, make_user(Role.EDITOR))
    assert "<iframe" not in _preview(client, SOURCE, post.id).json["html"]


def test_any_staff_may_preview_text_but_not_someone_elses_post(client, login, make_user, make_post):
    other = make_post("Not yours", "secret draft", author=make_user(Role.AUTHOR), status="draft")
    login(client, make_user(Role.CONTRIBUTOR))
    assert _preview(client, "Just **text**").json["html"] == "<p>Just <strong>text</strong></p>"
    refused = _preview(client, "x", other.id)
    assert refused.status_code == 403 and refused.json["error"] == "You cannot edit this post."
    assert _preview(client, "x", 99999).status_code == 404


def test_readers_and_signed_out_visitors_get_json_errors_not_pages(client, login, make_user):
    signed_out = _preview(client, "x")
    assert signed_out.status_code == 401 and "Sign in again" in signed_out.json["error"]
    login(client, make_user(Role.READER))
    assert _preview(client, "x").status_code == 403


@pytest.mark.settings(WTF_CSRF_ENABLED=True)
def test_preview_needs_the_csrf_token(client, login, make_user):
    login(client, make_user(Role.AUTHOR))
    refused = _preview(client, "x")
    assert refused.status_code == 400 and "CSRF" in refused.json["message"]


def test_uploaded_images_get_srcset_and_lazy_loading_in_preview_and_page(client, login, make_user, make_post):
    author = make_user(Role.AUTHOR)
    media = store_upload(_png(), "rose.png", author)
    db.session.commit()
    source = f"![The rose](/media/{media.key})\nThe rose opens"
    login(client, author)
    html = _preview(client, source).json["html"]
    assert f'srcset="/media/{media.variant_key(640)} 640w, /media/{media.variant_key(1280)} 1280w' in html
    assert 'sizes="(min-width: 46rem) 42rem, 100vw"' in html and 'loading="lazy"' in html
    post = make_post("Rose", source, author=author)
    assert post.body_html == html


def test_render_post_adds_srcset_only_for_mapped_images():
    html = render_post(
        "![a](/media/a.png)\n\n![b](https://elsewhere.example/b.png)",
        image_srcsets={"/media/a.png": "/media/a-640.png 640w, /media/a.png 1600w"},
    )
    assert 'src="/media/a.png" alt="a" loading="lazy" decoding="async" srcset="/media/a-640.png 640w' in html
    assert html.count("srcset=") == 1
    assert "javascript" not in render_post("![a](/m.png)", image_srcsets={"/m.png": "javascript:alert(1) 1w"})
