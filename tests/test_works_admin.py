"""Staff add works, parts and people through the admin forms; bad input gets clear errors, input kept."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Person, Role, Work, WorkRevision
from tests.conftest import login_as
from tests.reviews_support import add_person, add_work, work

GOOD = {
    "title": "Paprika",
    "original_title": "パプリカ",
    "kind": "film",
    "aliases": "Papurika",
    "release_dates": "2006-11-25 | Japan\n2007-05-25 | US",
    "runtime_minutes": "90",
    "content_rating": "R",
    "genres": "Science fiction, Thriller",
    "themes": "Dreams",
    "synopsis": "A device that lets therapists enter dreams is stolen.",
    "poster_url": "",
    "links": "Official site | https://example.org/paprika",
    "credits": "Satoshi Kon | Director | His last feature\nSusumu Hirasawa | Music",
    "slug": "",
    "parent_id": "0",
    "position": "0",
    "summary": "",
}


@pytest.fixture
def paprika_editor(client, make_user):
    """An editor signed in on ``client``, with the people GOOD credits already known."""
    editor = make_user(Role.EDITOR)
    add_person(editor, "Satoshi Kon")
    add_person(editor, "Susumu Hirasawa")
    login_as(client, editor)
    return editor


def test_staff_add_a_work_with_dates_credits_and_links(client, paprika_editor):
    assert client.get("/admin/works/new").status_code == 200
    response = client.post("/admin/works/new", data=GOOD)
    assert response.status_code == 303
    paprika = work("paprika")
    assert paprika.original_title == "パプリカ" and paprika.year == 2006 and paprika.runtime_minutes == 90
    assert [(c.person.name, c.role, c.note) for c in paprika.credits] == [
        ("Satoshi Kon", "Director", "His last feature"),
        ("Susumu Hirasawa", "Music", ""),
    ]
    assert [g.name for g in paprika.genres] == ["Science fiction", "Thriller"]
    assert [(link.label, link.url) for link in paprika.links] == [("Official site", "https://example.org/paprika")]
    page = client.get("/admin/works/").get_data(as_text=True)
    assert "Paprika" in page
    # Editing shows what is stored, the way a person types it.
    form = client.get(f"/admin/works/{paprika.id}/").get_data(as_text=True)
    assert "2006-11-25 | Japan" in form and "Satoshi Kon | Director | His last feature" in form


def _post_bad(client, **changes):
    data = dict(GOOD, **changes)
    response = client.post("/admin/works/new", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_bad_input_gets_clear_errors_and_keeps_everything_typed(client, paprika_editor):

    status, page = _post_bad(client, release_dates="2006-11-25 | Japan\nsometime in 2007 | US")
    assert status == 400
    assert "Line 2: “sometime in 2007” is not a date" in page
    assert "sometime in 2007 | US" in page and "パプリカ" in page  # what was typed is still there

    status, page = _post_bad(client, runtime_minutes="-90")
    assert status == 400 and "is not a runtime" in page and 'value="-90"' in page

    status, page = _post_bad(client, runtime_minutes="0")
    assert status == 400 and "is not a runtime" in page

    status, page = _post_bad(client, credits="Satoshi Kon | Director\nHayao Miyazaki")
    assert status == 400
    assert "Line 2: write the person, then the role" in page
    assert "Hayao Miyazaki" in page

    status, page = _post_bad(client, title="")
    assert status == 400 and "Give the work a name." in page

    status, page = _post_bad(client, links="not a link")
    assert status == 400 and "is not a web address" in page

    assert db.session.scalar(select(func.count()).select_from(Work)) == 0
    assert db.session.scalar(select(func.count()).select_from(WorkRevision)) == 0


def test_staff_add_a_part_to_a_work(client, make_user):
    editor = make_user(Role.EDITOR)
    whole = add_work(editor, "Memories")
    login_as(client, editor)
    data = dict(GOOD, title="Stink Bomb", kind="segment", credits="", parent_id=str(whole.id), position="2")
    assert client.post("/admin/works/new", data=data).status_code == 303
    part = work("stink-bomb")
    assert part.parent_id == whole.id and part.position == 2


def test_staff_add_people_and_cannot_delete_someone_credited(client, make_user):
    editor = make_user(Role.EDITOR)
    login_as(client, editor)
    response = client.post(
        "/admin/people/new", data={"name": "Satoshi Kon", "original_name": "今敏", "note": "Director"}
    )
    assert response.status_code == 303
    kon = db.session.scalar(select(Person))
    assert (kon.slug, kon.original_name) == ("satoshi-kon", "今敏")
    assert client.post("/admin/people/new", data={"name": ""}).status_code == 400
    add_work(editor, "Paprika", credits=[("Satoshi Kon", "Director")])
    response = client.post(f"/admin/people/{kon.id}/delete", follow_redirects=True)
    assert "still has credits" in response.get_data(as_text=True)
    assert db.session.get(Person, kon.id) is not None


def test_readers_and_anonymous_visitors_cannot_open_the_works_admin(client, make_user):
    assert client.get("/admin/works/").status_code == 302  # to the login page
    login_as(client, make_user(Role.READER))
    for url in ("/admin/works/", "/admin/works/new", "/admin/people/", "/admin/reviews/", "/admin/works/corrections/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/works/new", data=GOOD).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Work)) == 0


def test_contributors_cannot_manage_works_but_authors_can(client, make_user):
    login_as(client, make_user(Role.CONTRIBUTOR))
    assert client.get("/admin/works/").status_code == 403
    login_as(client, make_user(Role.AUTHOR))
    assert client.get("/admin/works/").status_code == 200
    assert client.get("/admin/works/corrections/").status_code == 403  # deciding is for editors and admins


def test_searching_the_works_list_finds_by_title_and_shrugs_off_a_nul_byte(client, make_user):
    editor = make_user(Role.EDITOR)
    add_work(editor, "Memories")
    add_work(editor, "Perfect Blue")
    login_as(client, editor)
    found = client.get("/admin/works/", query_string={"q": "memo"}).get_data(as_text=True)
    assert "Memories" in found and "Perfect Blue" not in found
    odd = client.get("/admin/works/", query_string={"q": "memo\x00"})  # PostgreSQL refuses NUL in a query
    assert odd.status_code == 200 and "Memories" in odd.get_data(as_text=True)


def test_the_original_names_language_marks_it_on_the_pages_and_a_bad_tag_is_explained(client, paprika_editor):
    """``ja`` (typed any case) puts lang="ja" on the original name wherever it shows; a tag that is
    not one is a form error that keeps everything typed and stores nothing."""
    status, page = _post_bad(client, original_language="Japanese!")
    assert status == 400
    assert "Write a language tag, like ja (Japanese)" in page
    assert 'value="Japanese!"' in page and 'value="パプリカ"' in page
    assert db.session.scalar(select(func.count(Work.id))) == 0

    assert client.post("/admin/works/new", data=dict(GOOD, original_language="JA")).status_code == 303
    paprika = work("paprika")
    assert paprika.original_language == "ja"
    public = client.get("/works/paprika/").get_data(as_text=True)
    assert '<p class="alt-titles" lang="ja">パプリカ</p>' in public
    assert '<dt>Original name</dt><dd lang="ja">パプリカ</dd>' in public
    assert '"inLanguage": "ja"' in public or '"inLanguage":"ja"' in public
    assert 'value="ja"' in client.get(f"/admin/works/{paprika.id}/").get_data(as_text=True)


def test_language_tags_are_written_the_standard_way():
    from blog.errors import DomainError
    from blog.reviews.editing import normalize_language

    assert [normalize_language(t) for t in ("", "JA", "zh-hant", "pt_br", "sr-latn-rs")] == [
        "",
        "ja",
        "zh-Hant",
        "pt-BR",
        "sr-Latn-RS",
    ]
    for bad in ("j", "Japanese", "ja--jp", "ja-<b>", "1a"):
        with pytest.raises(DomainError):
            normalize_language(bad)


class _Tables(HTMLParser):
    """The admin tables of a page: each column's header, and each body cell's ``data-label``."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, list]] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and "admin-table" in (a.get("class") or ""):
            self.tables.append({"headers": [], "rows": []})
        elif not self.tables:
            return
        elif tag == "th" and a.get("scope") == "col":
            self._in = "th"
            self.tables[-1]["headers"].append("")
        elif tag == "tr" and self.tables[-1]["headers"]:
            self.tables[-1]["rows"].append([])
        elif tag == "td":
            self.tables[-1]["rows"][-1].append(a.get("data-label"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "th":
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "th":
            self.tables[-1]["headers"][-1] += data.strip()


def test_every_cell_of_the_reviews_admin_tables_is_labelled_for_phones(client, make_user, make_post):
    from blog.reviews.corrections import approve_correction, propose_correction
    from blog.reviews.editing import snapshot_of, snapshot_to_input
    from tests.reviews_support import seed_memories

    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    memories = work("memories")
    for minutes in (113, 114):
        propose_correction(
            make_user(Role.READER), memories, snapshot_to_input(dict(snapshot_of(memories), runtime_minutes=minutes))
        )
    approve_correction(
        editor,
        propose_correction(
            make_user(Role.READER), memories, snapshot_to_input(dict(snapshot_of(memories), content_rating="PG-13"))
        ),
    )
    db.session.commit()
    login_as(client, editor)
    for url in (
        "/admin/works/",
        "/admin/people/",
        "/admin/reviews/",
        "/admin/works/corrections/",
        "/admin/works/corrections/?status=approved",
    ):
        parser = _Tables()
        parser.feed(client.get(url).get_data(as_text=True))
        [table] = parser.tables
        rows = [row for row in table["rows"] if row]
        assert rows, url
        for row in rows:
            labels = ["Correction" if h == "#" else h for h in table["headers"]]
            assert row == labels, url


def test_one_entry_a_line_fields_do_not_wrap_so_a_long_line_reads_as_one(client, paprika_editor):
    page = client.get("/admin/works/new").get_data(as_text=True)
    for name in ("aliases", "release_dates", "links", "credits"):
        assert re.search(rf'<textarea[^>]*id="{name}"[^>]*wrap="off"|<textarea[^>]*wrap="off"[^>]*id="{name}"', page), (
            name
        )


def test_a_poster_can_come_from_the_media_library_and_keeps_its_image_from_deletion(client, paprika_editor):
    """An image on another site tells that site who reads the page and may vanish: our own
    uploads may be posters, and the library counts a poster as a use."""
    from blog.models import MediaFile
    from tests.test_media_uploads import _image_bytes, _upload

    payload = _upload(client, _image_bytes(), name="paprika.jpg").get_json()
    assert client.post("/admin/works/new", data=dict(GOOD, poster_url=payload["url"])).status_code == 303
    assert work("paprika").poster_url == payload["url"]
    assert f'src="{payload["url"]}"' in client.get("/works/paprika/").get_data(as_text=True)

    library = client.get("/admin/media/").get_data(as_text=True)
    assert '<a href="/works/paprika/">Paprika</a>' in library
    refused = client.post(f"/admin/media/{payload['id']}/delete", follow_redirects=True)
    assert "still used by “Paprika”" in refused.get_data(as_text=True)
    assert db.session.get(MediaFile, payload["id"]) is not None

    status, page = _post_bad(client, title="Perfect Blue", poster_url="/media/" + "0" * 32 + ".png")
    assert status == 400 and "is not in the media library" in page
