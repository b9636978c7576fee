"""Image uploads: real checks, metadata stripped, resized variants, and the media library."""

import io

import pytest
from PIL import Image

from blog.extensions import db
from blog.models import MediaFile, Role


def _image_bytes(fmt="JPEG", size=(1600, 900), color=(200, 30, 60), exif=None):
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def _gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    gps = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    return exif


def _fetch(client, url):
    """GET a served file and close the response (send_file keeps the file open until then)."""
    response = client.get(url)
    response.get_data()  # buffers the body so it stays readable after close
    response.close()
    return response


def _upload(client, data, name="photo.jpg", **form):
    return client.post(
        "/admin/media/upload",
        data={"file": (io.BytesIO(data), name), **form},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )


@pytest.fixture
def author_client(client, make_user, login):
    return login(client, make_user(Role.AUTHOR))


def test_author_uploads_a_jpeg_and_gets_markdown_and_variants(author_client, app):
    response = _upload(author_client, _image_bytes(), name="Miguel and Heintz.jpg", alt="Miguel and Heintz")
    assert response.status_code == 201
    payload = response.get_json()
    assert payload["markdown"].startswith("![Miguel and Heintz](/media/")
    assert "640w" in payload["srcset"] and "1280w" in payload["srcset"] and "1600w" in payload["srcset"]
    served = _fetch(author_client, payload["url"])
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"]
    small = Image.open(io.BytesIO(_fetch(author_client, payload["url"].replace(".jpg", "-640.jpg")).data))
    assert small.size == (640, 360)


def test_gps_exif_never_reaches_the_stored_copy(author_client):
    original = _image_bytes(exif=_gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the upload really carries GPS
    payload = _upload(author_client, original).get_json()
    stored = _fetch(author_client, payload["url"]).data
    exif = Image.open(io.BytesIO(stored)).getexif()
    assert 0x8825 not in exif and 0x010F not in exif
    assert b"SpyCam" not in stored


def test_a_text_file_named_jpg_is_refused_with_a_reason(author_client):
    response = _upload(author_client, b"just some words, not pixels\n" * 20, name="holiday.jpg")
    assert response.status_code == 400
    assert "not an image" in response.get_json()["error"]
    assert db.session.query(MediaFile).count() == 0


def test_a_truncated_png_is_refused(author_client):
    data = _image_bytes("PNG", size=(400, 400))
    response = _upload(author_client, data[: len(data) // 2], name="cut.png")
    assert response.status_code == 400
    assert "damaged" in response.get_json()["error"] or "not an image" in response.get_json()["error"]
    assert db.session.query(MediaFile).count() == 0


@pytest.mark.settings(MEDIA_MAX_PIXELS=1_000_000)
def test_a_huge_image_is_refused_by_its_pixel_count(author_client):
    response = _upload(author_client, _image_bytes("PNG", size=(2000, 1000)), name="huge.png")
    assert response.status_code == 400
    assert "megapixels" in response.get_json()["error"]


@pytest.mark.settings(MEDIA_MAX_BYTES=20_000)
def test_a_file_over_the_size_limit_is_refused_with_the_limit(author_client):
    noisy = Image.effect_noise((400, 400), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, "PNG")
    response = _upload(author_client, out.getvalue(), name="noise.png")
    assert response.status_code == 400
    assert "the limit is 20 KB" in response.get_json()["error"]  # 20,000 bytes


def test_the_same_picture_uploaded_twice_is_stored_once(author_client):
    data = _image_bytes()
    first = _upload(author_client, data).get_json()
    second = _upload(author_client, data, name="copy.jpg").get_json()
    assert first["id"] == second["id"]
    assert db.session.query(MediaFile).count() == 1


def test_small_images_get_no_upscaled_variants(author_client):
    payload = _upload(author_client, _image_bytes(size=(500, 300))).get_json()
    assert payload["srcset"].count("w") == 1 and "500w" in payload["srcset"]


def test_delete_is_refused_while_a_post_uses_the_image(author_client, make_post, make_user):
    payload = _upload(author_client, _image_bytes()).get_json()
    make_post("Magnetic Rose", f"{payload['markdown']}\nMiguel (left) Heintz (right)")
    library = author_client.get("/admin/media/").get_data(as_text=True)
    assert "Magnetic Rose" in library
    response = author_client.post(f"/admin/media/{payload['id']}/delete", follow_redirects=True)
    assert "still used by “Magnetic Rose”" in response.get_data(as_text=True)
    assert db.session.get(MediaFile, payload["id"]) is not None


def test_unused_image_is_deleted_with_its_variants(author_client):
    payload = _upload(author_client, _image_bytes()).get_json()
    response = author_client.post(f"/admin/media/{payload['id']}/delete")
    assert response.status_code == 303
    assert db.session.get(MediaFile, payload["id"]) is None
    assert _fetch(author_client, payload["url"]).status_code == 404
    assert _fetch(author_client, payload["url"].replace(".jpg", "-640.jpg")).status_code == 404


def test_alt_text_is_editable_in_the_library(author_client):
    payload = _upload(author_client, _image_bytes()).get_json()
    author_client.post(f"/admin/media/{payload['id']}/alt", data={"alt_text": "Eva Friedel's hologram"})
    assert db.session.get(MediaFile, payload["id"]).alt_text == "Eva Friedel's hologram"


def test_readers_and_anonymous_visitors_cannot_upload(client, make_user, login):
    assert _upload(client, _image_bytes()).status_code in {302, 401}
    login(client, make_user(Role.READER))
    assert _upload(client, _image_bytes()).status_code == 403


def test_media_urls_cannot_walk_the_filesystem(client):
    for bad in ["..%2Fsargasso.db", "notahash.jpg", "%2Fetc%2Fpasswd"]:
        assert client.get(f"/media/{bad}").status_code == 404


def test_the_library_says_small_sizes_in_bytes_and_asks_before_deleting_a_named_file(author_client):
    tiny = Image.new("RGB", (40, 40), (200, 30, 60))
    out = io.BytesIO()
    tiny.save(out, "PNG")
    payload = _upload(author_client, out.getvalue(), name="icon.png").get_json()
    size = db.session.get(MediaFile, payload["id"]).size_bytes
    page = author_client.get("/admin/media/").get_data(as_text=True)
    assert size < 1024 and f"40×40 px, {size} bytes" in page  # it said "0 KB"
    # Every card's buttons say which file they act on, and deleting asks first.
    assert 'Delete<span class="visually-hidden"> icon.png</span>' in page
    assert 'Save alt text<span class="visually-hidden"> of icon.png</span>' in page
    assert 'data-confirm="Delete icon.png from the library? This cannot be undone."' in page


def test_sizes_read_as_people_say_them():
    from blog.media.uploads import human_size

    assert [human_size(n) for n in (1, 612, 1024, 4608, 20_000, 123_456, 3_355_443, 52_428_800)] == [
        "1 byte", "612 bytes", "1.0 KB", "4.5 KB", "20 KB", "121 KB", "3.2 MB", "50 MB",
    ]  # fmt: skip
