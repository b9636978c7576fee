"""A cover that is one of our uploads is shown through its resized copies, worked out when the post is saved."""

import io
import re

from PIL import Image
from sqlalchemy import update

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Post, Role
from blog.rerender import RerenderResult, rerender_posts


def _upload(author, width=1600, height=900):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 60, 120)).save(out, "PNG")
    media = store_upload(out.getvalue(), "station.png", author)
    db.session.commit()
    return media


def _cover_img(html: str, selector_class: str) -> str:
    match = re.search(rf'<figure class="{selector_class}">\s*(<img [^>]*>)', html)
    assert match, f"no {selector_class} in the page"
    return match.group(1)


def test_an_uploaded_cover_gets_the_srcset_of_its_copies_on_the_post_page_and_the_home_card(
    client, make_user, make_post
):
    author = make_user(Role.AUTHOR)
    media = _upload(author)
    post = make_post(
        "Magnetic Rose", "A ghost story in orbit.", author=author, cover_image=f"/media/{media.key}", cover_alt="Rose"
    )
    expected = f"/media/{media.variant_key(640)} 640w, /media/{media.variant_key(1280)} 1280w, /media/{media.key} 1600w"
    assert post.cover_srcset == expected

    page = _cover_img(client.get(f"/posts/{post.slug}/").get_data(as_text=True), "post-cover")
    assert f'src="/media/{media.key}"' in page and f'srcset="{expected}"' in page
    assert 'sizes="' in page and 'alt="Rose"' in page

    card = _cover_img(client.get("/").get_data(as_text=True), "post-card-cover")
    assert f'srcset="{expected}"' in card and 'sizes="' in card


def test_an_external_cover_or_a_small_upload_has_no_srcset(client, make_user, make_post):
    author = make_user(Role.AUTHOR)
    small = _upload(author, 500, 300)  # narrower than the smallest copy: nothing was resized
    external = make_post("Remote", "x", author=author, cover_image="https://cdn.example.org/a.jpg", cover_alt="A")
    tiny = make_post("Tiny", "x", author=author, cover_image=f"/media/{small.key}", cover_alt="B")
    assert external.cover_srcset == "" and tiny.cover_srcset == ""
    html = client.get(f"/posts/{external.slug}/").get_data(as_text=True)
    assert "srcset" not in _cover_img(html, "post-cover")


def test_the_editor_shows_the_saved_cover_and_removing_it_clears_the_srcset(client, login, make_user, make_post):
    author = make_user(Role.AUTHOR)
    media = _upload(author)
    post = make_post("Rose", "x", author=author, cover_image=f"/media/{media.key}", cover_alt="Rose")
    login(client, author)
    editor = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    thumbnail = re.search(r'<div class="cover-preview" data-cover-preview>\s*(<img [^>]*>)', editor)
    assert thumbnail and f'srcset="{post.cover_srcset}"' in thumbnail.group(1)  # the saved cover's copies
    form = {
        "title": "Rose",
        "body_md": "x",
        "slug": post.slug,
        "cover_image": "",
        "cover_alt": "",
        "comment_status": "open",
        "action": "publish",
        "base_version": str(post.version),
    }
    assert client.post(f"/admin/posts/{post.id}/edit", data=form).status_code in {302, 303}
    db.session.expire_all()
    saved = db.session.get(Post, post.id)
    assert saved.cover_image is None and saved.cover_srcset == ""


def test_rerender_gives_older_posts_the_srcset_of_their_uploaded_cover(make_user, make_post):
    author = make_user(Role.AUTHOR)
    media = _upload(author)
    post = make_post("Rose", "x", author=author, cover_image=f"/media/{media.key}", cover_alt="Rose")
    expected = post.cover_srcset
    db.session.execute(update(Post).where(Post.id == post.id).values(cover_srcset=""))  # saved before covers had one
    db.session.commit()

    result = RerenderResult()
    rerender_posts(result)
    db.session.expire_all()
    assert db.session.get(Post, post.id).cover_srcset == expected
    assert result.posts_changed == 1
    rerender_posts(again := RerenderResult())
    assert again.posts_changed == 0
