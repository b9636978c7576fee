"""The editor's cover picker reads the media library as JSON: staff only, newest first, a page at a time."""

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from blog.extensions import db
from blog.media.uploads import store_upload
from blog.models import Role

URL = "/admin/media/library.json"


def _png(width: int, height: int, shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (shade, 40, 90)).save(out, "PNG")
    return out.getvalue()


def _uploads(author, count: int, start: int = 0) -> list:
    """``count`` distinct uploads, the last one the newest; wide enough for the 640 px copy."""
    files = []
    for n in range(start, start + count):
        files.append(store_upload(_png(700 + n, 20, n % 256), f"still-{n}.png", author))
        db.session.commit()
    return files


@pytest.mark.settings(MEDIA_LIBRARY_PAGE_SIZE=2)
def test_staff_get_the_newest_uploads_first_a_page_at_a_time(client, login, make_user):
    author = make_user(Role.AUTHOR)
    oldest, middle, newest = _uploads(author, 3)
    middle.alt_text = "Heintz in the rose's ballroom"
    db.session.commit()
    login(client, make_user(Role.CONTRIBUTOR))

    first = client.get(URL, headers={"Accept": "application/json"})
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("application/json")
    page = first.get_json()
    assert [item["id"] for item in page["items"]] == [newest.id, middle.id]
    item = page["items"][1]
    assert item["url"] == f"/media/{middle.key}"
    assert item["thumb"] == f"/media/{middle.variant_key(640)}"  # the smallest copy, not the original
    assert item["srcset"].endswith(f"/media/{middle.key} {middle.width}w")
    assert item["alt_text"] == "Heintz in the rose's ballroom"
    assert page["items"][0]["alt_text"] == ""  # no description: the picker leaves the field to the writer
    assert item["name"] == "still-1.png"
    assert (item["width"], item["height"]) == (middle.width, middle.height)

    second = client.get(urlsplit(page["next"]).path + "?" + urlsplit(page["next"]).query).get_json()
    assert [item["id"] for item in second["items"]] == [oldest.id]
    assert second["next"] is None


def test_an_empty_library_and_a_page_past_the_end_are_empty_lists(client, login, make_user):
    login(client, make_user(Role.AUTHOR))
    assert client.get(URL).get_json() == {"items": [], "page": 1, "next": None}
    assert client.get(URL + "?page=9").get_json()["items"] == []
    assert client.get(URL + "?page=nonsense").get_json()["page"] == 1


@pytest.mark.settings(MEDIA_LIBRARY_PAGE_SIZE=12)
def test_a_page_of_media_is_one_query_however_many_items(client, login, make_user, count_queries):
    author = make_user(Role.AUTHOR)
    _uploads(author, 2)
    login(client, author)
    db.session.expire_all()
    with count_queries() as few:
        assert len(client.get(URL).get_json()["items"]) == 2
    _uploads(author, 14, start=2)
    db.session.expire_all()
    with count_queries() as many:
        reply = client.get(URL).get_json()
    assert len(reply["items"]) == 12 and reply["next"]
    assert many.count == few.count
    media_statements = [s for s in many.statements if "media_files" in s]
    assert len(media_statements) == 1, media_statements


def test_readers_are_refused_and_visitors_sent_to_sign_in(client, login, make_user):
    _uploads(make_user(Role.AUTHOR), 1)
    anonymous = client.get(URL)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    login(client, make_user(Role.READER))
    refused = client.get(URL, headers={"Accept": "application/json"})
    assert refused.status_code == 403
    assert "still-0" not in refused.get_data(as_text=True)
