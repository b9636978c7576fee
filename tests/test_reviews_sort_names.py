"""People are listed by family name ("Kon, Satoshi"), as reference databases list them, and shown
by their name as written; staff type a sort name where the last word is not the family name."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from blog.extensions import db
from blog.models import Person, Role
from blog.models.base import utcnow
from blog.models.works import derived_sort_name
from tests.conftest import empty_database_app, login_as
from tests.reviews_support import add_person, seed_memories


def _listed(html: str) -> list[str]:
    """The names on the public people index, in the order a reader sees them."""
    lists = [part.split("</ul>", 1)[0] for part in html.split('<ul class="people-list">')[1:]]
    return [name for people in lists for name in re.findall(r'<a href="/people/[^"]+/">([^<]+)</a>', people)]


def _admin_listed(html: str) -> list[str]:
    return re.findall(r'<td class="title" data-label="Name"><a href="/admin/people/\d+/">([^<]+)</a>', html)


def _sort_name(person_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Person.sort_name).where(Person.id == person_id)) or ""


def test_the_sort_name_is_the_last_word_first_and_one_word_stays():
    assert derived_sort_name("Satoshi Kon") == "Kon, Satoshi"
    assert derived_sort_name("  Vincent  van   Gogh ") == "Gogh, Vincent van"
    assert derived_sort_name("Madhouse") == "Madhouse"
    assert derived_sort_name("今敏") == "今敏"
    assert derived_sort_name("") == ""


def test_the_people_index_lists_people_by_family_name_and_shows_their_name(client, make_user):
    editor = make_user(Role.EDITOR)
    for name in ("Koji Morimoto", "Satoshi Kon", "Yoko Kanno", "Madhouse", "Katsuhiro Ōtomo"):
        add_person(editor, name)
    html = client.get("/people/").get_data(as_text=True)
    assert _listed(html) == ["Yoko Kanno", "Satoshi Kon", "Madhouse", "Koji Morimoto", "Katsuhiro Ōtomo"]
    assert "Kon, Satoshi" not in html
    login_as(client, editor)
    admin = client.get("/admin/people/").get_data(as_text=True)
    assert _admin_listed(admin) == ["Yoko Kanno", "Satoshi Kon", "Madhouse", "Koji Morimoto", "Katsuhiro Ōtomo"]


def test_the_people_page_groups_people_under_their_family_names_letter(client, make_user):
    editor = make_user(Role.EDITOR)
    for name in ("Koji Morimoto", "Satoshi Kon", "Yoko Kanno", "Katsuhiro Ōtomo", "今敏"):
        add_person(editor, name)
    html = client.get("/people/").get_data(as_text=True)
    headings = re.findall(r'<h2 class="people-letter" id="people-([^"]+)">([^<]+)</h2>', html)
    assert headings == [("K", "K"), ("M", "M"), ("O", "O"), ("other", "Other")]
    under_k = html.split('id="people-K">K</h2>', 1)[1].split("</ul>", 1)[0]
    assert re.findall(r'/">([^<]+)</a>', under_k) == ["Yoko Kanno", "Satoshi Kon"]
    jump = html.split('<nav class="letter-jump" aria-label="People by family name">', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'<a href="#people-([^"]+)">', jump) == ["K", "M", "O", "other"]
    assert "css/reviews.css" in html  # the list is styled as the works list is


def test_the_demo_people_get_derived_sort_names(client, make_post):
    seed_memories(make_post)
    people = list(db.session.scalars(select(Person)))
    assert people and all(p.sort_name == derived_sort_name(p.name) for p in people)
    listed = _listed(client.get("/people/").get_data(as_text=True))
    family = [name.split()[-1] for name in listed]
    assert family == sorted(family) and "Koji Morimoto" in listed


def test_a_sort_name_staff_type_wins_and_stays_when_the_name_changes(client, make_user):
    editor = make_user(Role.EDITOR)
    for name in ("Koji Morimoto", "Satoshi Kon", "Yoko Kanno"):
        add_person(editor, name)
    login_as(client, editor)
    response = client.post("/admin/people/new", data={"name": "Vincent van Gogh", "sort_name": "van Gogh,  Vincent"})
    assert response.status_code == 303
    assert _listed(client.get("/people/").get_data(as_text=True)) == [
        "Yoko Kanno", "Satoshi Kon", "Koji Morimoto", "Vincent van Gogh",
    ]  # fmt: skip
    gogh = db.session.scalar(select(Person).where(Person.name == "Vincent van Gogh"))
    form = client.get(f"/admin/people/{gogh.id}/").get_data(as_text=True)
    assert 'value="van Gogh, Vincent"' in form
    assert "Family name first, e.g. Kon, Satoshi. Leave empty to use the last word of the name." in form
    posted = {"name": "Vincent Willem van Gogh", "sort_name": "van Gogh, Vincent"}
    assert client.post(f"/admin/people/{gogh.id}/", data=posted).status_code == 303
    assert _sort_name(gogh.id) == "van Gogh, Vincent"
    # Cleared, the sort name is derived again: under G, before Kanno.
    assert (
        client.post(f"/admin/people/{gogh.id}/", data={"name": "Vincent van Gogh", "sort_name": ""}).status_code == 303
    )
    assert _sort_name(gogh.id) == "Gogh, Vincent van"
    assert _listed(client.get("/people/").get_data(as_text=True))[0] == "Vincent van Gogh"


def test_a_changed_name_derives_its_sort_name_again_unless_staff_typed_one(client, make_user):
    editor = make_user(Role.EDITOR)
    kon = add_person(editor, "Satoshi Kon")
    add_person(editor, "Koji Morimoto")
    login_as(client, editor)
    form = client.get(f"/admin/people/{kon.id}/").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="sort_name"[^>]*>', form)
    assert field and 'value=""' in field.group(0) and 'placeholder="Kon, Satoshi"' in field.group(0)
    # Saved as the form shows it (empty): the new name's sort name.
    assert client.post(f"/admin/people/{kon.id}/", data={"name": "Satoshi Ozawa", "sort_name": ""}).status_code == 303
    assert _sort_name(kon.id) == "Ozawa, Satoshi"
    assert _listed(client.get("/people/").get_data(as_text=True)) == ["Koji Morimoto", "Satoshi Ozawa"]
    # The old derived sort name sent back is no typed one either.
    data = {"name": "Satoshi Kon", "sort_name": "Ozawa, Satoshi"}
    assert client.post(f"/admin/people/{kon.id}/", data=data).status_code == 303
    assert _sort_name(kon.id) == "Kon, Satoshi"
    # Outside the form too: a name set in code takes its sort name along; a typed one stays.
    person = db.session.get(Person, kon.id)
    person.name = "Satoshi Aramaki"
    db.session.commit()
    assert _sort_name(kon.id) == "Aramaki, Satoshi"
    person = db.session.get(Person, kon.id)
    person.sort_name = "Kon (director), Satoshi"
    person.name = "Satoshi Kon"
    db.session.commit()
    assert _sort_name(kon.id) == "Kon (director), Satoshi"
    assert db.session.get(Person, kon.id).sort_key == "kon (director), satoshi"


def test_the_person_form_keeps_a_bad_sort_name_and_says_what_to_write(client, make_user):
    editor = make_user(Role.EDITOR)
    login_as(client, editor)
    response = client.post("/admin/people/new", data={"name": "Satoshi Kon", "sort_name": ", Satoshi"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Write the family name, a comma, then the given names, e.g. Kon, Satoshi." in page
    assert 'value=", Satoshi"' in page and 'value="Satoshi Kon"' in page
    assert db.session.scalar(select(Person)) is None
    kon = add_person(editor, "Satoshi Kon")
    too_long = "Kon, " + "S" * 200
    response = client.post(f"/admin/people/{kon.id}/", data={"name": "Satoshi Kon", "sort_name": too_long})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Keep the sorted-as name under 200 characters." in page and f'value="{too_long}"' in page
    assert _sort_name(kon.id) == "Kon, Satoshi"


def test_the_migration_gives_existing_people_their_derived_sort_name_and_goes_back(tmp_path: Path):
    with empty_database_app(tmp_path) as app, app.app_context():
        upgrade(revision="b5e8d1c3a7f2")
        people = sa.table(
            "people", *(sa.column(n) for n in ("id", "name", "name_key", "original_name", "slug", "note", "created_at"))
        )
        now = utcnow()
        with db.engine.begin() as conn:
            for pid, name, slug in (
                (1, "Satoshi  Kon", "satoshi-kon"),
                (2, "Madhouse", "madhouse"),
                (3, "Kōji Ōtomo", "o"),
            ):
                row = {"id": pid, "name": name, "name_key": "", "original_name": "", "slug": slug, "note": ""}
                conn.execute(people.insert().values(**row, created_at=now))
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT name, sort_name, sort_key FROM people ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            ("Satoshi  Kon", "Kon, Satoshi", "kon, satoshi"),
            ("Madhouse", "Madhouse", "madhouse"),
            ("Kōji Ōtomo", "Ōtomo, Kōji", "otomo, koji"),
        ]
        downgrade(revision="b5e8d1c3a7f2")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("people")}
            assert not {"sort_name", "sort_key"} & columns
            assert conn.execute(text("SELECT count(*) FROM people")).scalar_one() == 3
