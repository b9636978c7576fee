"""Characters and voice actors on credits, and credits naming people the site does not know yet."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, text

from blog import create_app
from blog.errors import DomainError
from blog.extensions import db
from blog.models import Correction, CorrectionStatus, Credit, Person, Role, Work
from blog.models.base import utcnow
from blog.models.works import name_key
from blog.reviews.corrections import approve_correction, diff_snapshots, propose_correction
from blog.reviews.credits import format_credit_line, parse_credit_line
from blog.reviews.editing import CreditInput, WorkInput, save_work, snapshot_of, snapshot_to_input
from blog.reviews.forms import parse_credits
from tests.conftest import TEST_DATABASE_URL, build_config, empty_database_app, login_as
from tests.reviews_support import add_person, add_work, seed_memories, work
from tests.test_corrections import _form_for
from tests.test_works_admin import GOOD

#: The line the QA walk-through typed, in the documented syntax (the character after "as").
CAST_LINE = "Mamoru Yamaguchi | Voice Actor | as Heintz Beckner"


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person)) or 0


def _with_line(slug: str, *lines: str) -> dict[str, str]:
    """The correction form for ``slug`` as prefilled, with ``lines`` added to its credits."""
    form = _form_for(slug)
    form["credits"] = "\n".join([form["credits"], *lines]).strip()
    return form


# --------------------------------------------------------------------------- the credits syntax


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Satoshi Kon | Writer", ("Satoshi Kon", "Writer", "", "")),
        ("Satoshi Kon | Writer | Famous Anime Director", ("Satoshi Kon", "Writer", "", "Famous Anime Director")),
        ("Yoko Kanno | Music | Magnetic Rose | theme", ("Yoko Kanno", "Music", "", "Magnetic Rose | theme")),
        (CAST_LINE, ("Mamoru Yamaguchi", "Voice Actor", "Heintz Beckner", "")),
        ("Someone | Voice Actor | AS  Eva Friedel | opera", ("Someone", "Voice Actor", "Eva Friedel", "opera")),
        ("Someone | Director | | as a favour", ("Someone", "Director", "", "as a favour")),
        ("Someone | Director | assistant", ("Someone", "Director", "", "assistant")),
    ],
)  # fmt: skip
def test_credit_lines_old_and_new_read_as_documented(line, expected):
    parsed = parse_credit_line(line)
    assert (parsed.person, parsed.role, parsed.character, parsed.note) == expected


@pytest.mark.parametrize(
    "values",
    [
        ("Satoshi Kon", "Writer", "", ""),
        ("Satoshi Kon", "Writer", "", "Famous Anime Director"),
        ("Someone", "Voice Actor", "Heintz Beckner", ""),
        ("Someone", "Voice Actor", "Heintz Beckner", "English dub"),
        ("Someone", "Director", "", "as a favour to Otomo"),
        ("Someone", "Director", "", "| odd"),
    ],
)
def test_what_the_form_prefills_reads_back_the_same(values):
    """A note that starts with "as" is written with an empty character column, so saving the form
    unchanged never turns an old note into a character."""
    parsed = parse_credit_line(format_credit_line(*values))
    assert (parsed.person, parsed.role, parsed.character, parsed.note) == values


def test_a_line_without_a_role_names_its_line():
    with pytest.raises(ValueError, match="Line 2: write the person, then the role"):
        parse_credits("Satoshi Kon | Writer\n | Voice Actor | as Heintz")
    assert [c.character for c in parse_credits("Satoshi Kon | Writer\n" + CAST_LINE)] == ["", "Heintz Beckner"]


# --------------------------------------------------------------------------- staff edit a work directly


def test_staff_edit_with_a_cast_line_adds_the_person_and_shows_the_character(client, make_user, make_post):
    seed_memories(make_post)
    login_as(client, make_user(Role.EDITOR))
    rose = work("magnetic-rose")
    people_before = _people()
    data = dict(GOOD, **{k: v for k, v in _with_line("magnetic-rose", CAST_LINE).items() if k != "reason"})
    data.update(slug="magnetic-rose", parent_id=str(rose.parent_id), position="1")
    response = client.post(f"/admin/works/{rose.id}/", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Added to the people list: Mamoru Yamaguchi." in page
    assert _people() == people_before + 1
    credit = db.session.scalar(select(Credit).join(Person).where(Person.name == "Mamoru Yamaguchi"))
    assert (credit.role, credit.character, credit.note, credit.work_id) == (
        "Voice Actor",
        "Heintz Beckner",
        "",
        rose.id,
    )
    # The edit form shows the line as it was typed.
    assert CAST_LINE in client.get(f"/admin/works/{rose.id}/").get_data(as_text=True)

    work_page = client.get("/works/magnetic-rose/").get_data(as_text=True)
    assert '<h2 id="cast-title">Characters &amp; Voice Actors</h2>' in work_page
    assert re.search(
        r'<dt class="character">Heintz Beckner</dt><dd><span class="credited"><a href="/people/mamoru-yamaguchi/">'
        r"Mamoru Yamaguchi</a> <span class=\"role\">Voice Actor</span>",
        work_page,
    )
    person_page = client.get("/people/mamoru-yamaguchi/").get_data(as_text=True)
    assert '<h2 id="characters-title">Characters</h2>' in person_page
    assert re.search(r'<span class="character">Heintz Beckner</span> in <a href="/works/magnetic-rose/">', person_page)
    assert '<h2 id="credits-title">' not in person_page  # nothing but the character to list


def test_a_name_differing_only_in_case_or_spaces_is_the_same_person(make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    kon = db.session.scalar(select(Person).where(Person.slug == "satoshi-kon"))
    people_before = _people()
    added: list[Person] = []
    made = save_work(
        editor,
        WorkInput(
            title="Paprika", credits=[CreditInput("  satoshi   KON ", "Director"), CreditInput("koji-morimoto", "x")]
        ),
        added=added,
    )
    db.session.commit()
    assert added == [] and _people() == people_before
    assert [c.person.slug for c in made.credits] == [kon.slug, "koji-morimoto"]


def test_two_people_with_one_name_must_be_told_apart_by_slug(make_user):
    editor = make_user(Role.EDITOR)
    add_person(editor, "Takashi Watanabe")
    add_person(editor, "Takashi Watanabe")
    with pytest.raises(DomainError) as error:
        save_work(editor, WorkInput(title="Slayers", credits=[CreditInput("takashi watanabe", "Director")]))
    assert "takashi-watanabe, takashi-watanabe-2" in error.value.message
    db.session.rollback()
    made = add_work(editor, "Slayers", credits=[("takashi-watanabe-2", "Director")])
    assert made.credits[0].person.slug == "takashi-watanabe-2"


# --------------------------------------------------------------------------- readers propose someone new


def test_a_reader_names_someone_new_and_staff_approve_it(app, make_user, make_post):
    seed_memories(make_post)
    reader, editor = make_user(Role.READER, name="Obsidian609"), make_user(Role.EDITOR)
    reader_client, editor_client = app.test_client(), app.test_client()
    login_as(reader_client, reader)
    login_as(editor_client, editor)
    people_before = _people()

    form = reader_client.get("/works/magnetic-rose/correct").get_data(as_text=True)
    assert "as Heintz Beckner" in form and "added as a new person once staff approve" in form
    typed = _with_line("magnetic-rose", CAST_LINE, "mamoru  yamaguchi | Narrator")
    response = reader_client.post("/works/magnetic-rose/correct", data=typed)
    assert response.status_code == 303
    assert _people() == people_before  # nobody is added before staff look
    correction = db.session.scalar(select(Correction))
    assert correction.status == CorrectionStatus.PENDING
    assert [c["person_id"] for c in correction.proposed["credits"][-2:]] == [None, None]

    review_page = editor_client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True)
    assert "<ins>Mamoru Yamaguchi (new person) — Voice Actor — as Heintz Beckner</ins>" in review_page
    assert '<h2 id="new-people-title">New people</h2>' in review_page
    assert review_page.count('<span class="badge status-pending">new person</span>') == 1  # one name, two lines
    assert "Similar names already listed" not in review_page

    response = editor_client.post(f"/admin/works/corrections/{correction.id}/", data={"action": "approve"})
    assert response.status_code == 303
    assert _people() == people_before + 1
    rose = work("magnetic-rose")
    added = [(c.person.name, c.role, c.character) for c in rose.credits if c.person.slug == "mamoru-yamaguchi"]
    assert added == [("Mamoru Yamaguchi", "Voice Actor", "Heintz Beckner"), ("Mamoru Yamaguchi", "Narrator", "")]
    # The revision holds the new person's id, so restoring it later needs no approval again.
    assert all(c["person_id"] for c in snapshot_of(rose)["credits"])
    page = reader_client.get("/works/magnetic-rose/").get_data(as_text=True)
    assert '<dt class="character">Heintz Beckner</dt>' in page
    assert "Character not named yet" in page  # the narrator line names no character


def test_rejecting_a_correction_adds_nobody(client, make_user, make_post):
    seed_memories(make_post)
    reader, editor = make_user(Role.READER), make_user(Role.EDITOR)
    people_before = _people()
    rose = work("magnetic-rose")
    data = snapshot_to_input(snapshot_of(rose))
    data.credits.append(CreditInput("Mamoru Yamaguchi", "Voice Actor", character="Heintz Beckner"))
    correction = propose_correction(reader, rose, data)
    db.session.commit()
    login_as(client, editor)
    response = client.post(f"/admin/works/corrections/{correction.id}/", data={"action": "reject", "note": "Source?"})
    assert response.status_code == 303
    assert _people() == people_before
    assert db.session.scalar(select(func.count()).select_from(Credit).where(Credit.character != "")) == 0


def test_the_review_page_suggests_people_whose_name_looks_alike(client, make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    add_person(editor, "Morimoto Koji")  # the same name, family name first
    rose = work("magnetic-rose")
    data = snapshot_to_input(snapshot_of(rose))
    data.credits.append(CreditInput("Kōji Morimoto", "Storyboard"))
    correction = propose_correction(make_user(Role.READER), rose, data)
    db.session.commit()
    login_as(client, editor)
    page = client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True)
    assert "<strong>Kōji Morimoto</strong>" in page and "new person</span>" in page
    similar = re.search(r"Similar names already listed: (.*?)\. If one", page)
    assert similar is not None
    assert '<a href="/people/koji-morimoto/">Koji Morimoto</a>' in similar.group(1)
    assert '<a href="/people/morimoto-koji/">Morimoto Koji</a>' in similar.group(1)


def test_a_person_added_while_the_correction_waited_is_used_not_duplicated(client, make_user, make_post):
    seed_memories(make_post)
    reader, editor = make_user(Role.READER), make_user(Role.EDITOR)
    rose = work("magnetic-rose")
    data = snapshot_to_input(snapshot_of(rose))
    data.credits.append(CreditInput("Mamoru Yamaguchi", "Voice Actor", character="Heintz Beckner"))
    correction = propose_correction(reader, rose, data)
    db.session.commit()
    staff_added = add_person(editor, "MAMORU YAMAGUCHI")
    login_as(client, editor)
    page = client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True)
    assert "already listed</span>" in page and "approving uses them" in page
    approve_correction(editor, db.session.get(Correction, correction.id))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.name_key == "mamoru yamaguchi")) == 1
    assert any(c.person_id == staff_added.id and c.character == "Heintz Beckner" for c in work("magnetic-rose").credits)


def test_a_name_too_long_for_the_people_list_is_a_form_error(client, make_user, make_post):
    seed_memories(make_post)
    login_as(client, make_user(Role.READER))
    response = client.post(
        "/works/magnetic-rose/correct", data=_with_line("magnetic-rose", "x" * 250 + " | Voice Actor")
    )
    assert response.status_code == 400
    assert "Keep a person&#39;s name under 200 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Correction)) == 0


def _without_characters(credits: list[dict]) -> list[dict]:
    """Credits as snapshots stored them before characters existed."""
    return [{k: v for k, v in c.items() if k != "character"} for c in credits]


def test_a_version_stored_before_characters_shows_no_change_to_credits(make_post):
    seed_memories(make_post)
    now = snapshot_of(work("memories"))
    older = dict(now, credits=_without_characters(now["credits"]))
    assert diff_snapshots(older, now) == []
    assert diff_snapshots(older, dict(now, runtime_minutes=113))[0].label == "Runtime (minutes)"


def test_approving_a_correction_stored_before_characters_keeps_the_credits(make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    memories = work("memories")
    proposed = snapshot_to_input(dict(snapshot_of(memories), runtime_minutes=113))
    correction = propose_correction(make_user(Role.READER), memories, proposed)
    # As a correction stored before this release looks: credits without a "character".
    old_shape = _without_characters(correction.base["credits"])
    correction.base = dict(correction.base, credits=old_shape)
    correction.proposed = dict(correction.proposed, credits=old_shape)
    db.session.commit()
    approve_correction(editor, correction)
    db.session.commit()
    memories = work("memories")
    assert memories.runtime_minutes == 113 and len(memories.credits) == 11


# --------------------------------------------------------------------------- the work page


def test_work_page_groups_the_crew_by_role(client, make_post):
    seed_memories(make_post)
    page = client.get("/works/memories/").get_data(as_text=True)
    assert page.count('<dt class="role">Director</dt>') == 1
    directors = re.search(r'<dt class="role">Director</dt><dd>(.*?)</dd>', page)
    assert directors is not None
    assert re.findall(r'href="/people/[^"]+/">([^<]+)</a>', directors.group(1)) == [
        "Tensai Okamura",
        "Koji Morimoto",
        "Katsuhiro Otomo",
    ]
    assert page.count('<dt class="role">Music</dt>') == 1
    # No cast yet: the page asks for it, as the seed's page does.
    assert "We don't have any characters for Memories yet." in page
    assert 'href="/works/memories/correct#credits">Help us fill it in!</a>' in page


def test_work_page_queries_do_not_grow_with_the_cast(client, make_user, count_queries):
    editor = make_user(Role.EDITOR)

    def cost(slug: str) -> int:
        with count_queries() as q:
            assert client.get(f"/works/{slug}/").status_code == 200
        return q.count

    add_work(editor, "Small")
    small = cost("small")
    save_work(
        editor,
        WorkInput(
            title="Big",
            credits=[CreditInput(f"Actor {i}", "Voice Actor", character=f"Character {i}") for i in range(12)]
            + [CreditInput(f"Crew {i}", "Key Animator") for i in range(6)],
        ),
    )
    db.session.commit()
    assert cost("big") == small


def test_work_jsonld_lists_actors_with_their_characters(client, make_user):
    editor = make_user(Role.EDITOR)
    save_work(
        editor,
        WorkInput(
            title="Magnetic Rose",
            credits=[
                CreditInput("Koji Morimoto", "Director"),
                CreditInput("Mamoru Yamaguchi", "Voice Actor", character="Heintz Beckner"),
                CreditInput("Someone Uncast", "Cast"),
            ],
        ),
    )
    db.session.commit()
    page = client.get("/works/magnetic-rose/").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["actor"] == [
        {
            "@type": "PerformanceRole",
            "actor": {
                "@type": "Person",
                "name": "Mamoru Yamaguchi",
                "url": "http://localhost/people/mamoru-yamaguchi/",
            },
            "characterName": "Heintz Beckner",
        },
        {"@type": "Person", "name": "Someone Uncast", "url": "http://localhost/people/someone-uncast/"},
    ]
    assert [d["name"] for d in data["director"]] == ["Koji Morimoto"]


def test_the_review_infobox_shows_the_character(client, make_user, make_post):
    post = seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    rose = work("magnetic-rose")
    data = snapshot_to_input(snapshot_of(rose))
    data.credits.append(CreditInput("Mamoru Yamaguchi", "Voice Actor", character="Heintz Beckner"))
    save_work(editor, data, rose, parent=rose.parent, position=rose.position)
    db.session.commit()
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'Voice Actor <span class="credit-character">as Heintz Beckner</span>' in page


# --------------------------------------------------------------------------- schema, migration, import


def test_people_keep_a_key_that_ignores_case_spacing_and_accents(make_user):
    assert name_key("  Kōji   MORIMOTO ") == "koji morimoto"
    assert name_key("今敏") == "今敏" and name_key("ガ") != name_key("カ")  # a voicing mark is not an accent
    editor = make_user(Role.EDITOR)
    person = add_person(editor, "Kōji Morimoto")
    assert person.name_key == "koji morimoto"
    person.name = "Shinji Aramaki"
    db.session.commit()
    assert db.session.scalar(select(Person.name_key).where(Person.id == person.id)) == "shinji aramaki"


def test_the_migration_adds_characters_and_keys_to_existing_rows_and_goes_back(tmp_path: Path):
    with empty_database_app(tmp_path) as app, app.app_context():
        upgrade(revision="e18dabf5370d")
        now = utcnow()
        people = sa.table(
            "people", *(sa.column(n) for n in ("id", "name", "original_name", "slug", "note", "created_at"))
        )
        works = sa.table("works", *(sa.column(n) for n in (
            "id", "title", "original_title", "original_language", "slug", "kind", "position", "content_rating",
            "synopsis", "poster_url", "version", "created_at", "updated_at",
        )))  # fmt: skip
        credits = sa.table(
            "credits", *(sa.column(n) for n in ("id", "work_id", "person_id", "role", "note", "position"))
        )
        with db.engine.begin() as conn:
            conn.execute(
                people.insert().values(
                    id=1, name="Kōji  Morimoto", original_name="", slug="koji-morimoto", note="", created_at=now
                )
            )
            conn.execute(works.insert().values(
                id=1, title="Magnetic Rose", original_title="", original_language="", slug="magnetic-rose",
                kind="segment", position=1, content_rating="", synopsis="", poster_url="", version=0,
                created_at=now, updated_at=now,
            ))  # fmt: skip
            conn.execute(credits.insert().values(id=1, work_id=1, person_id=1, role="Director", note="", position=1))
        upgrade()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT character FROM credits")).scalar_one() == ""
            assert conn.execute(text("SELECT name_key FROM people")).scalar_one() == "koji morimoto"
        downgrade(revision="e18dabf5370d")
        with db.engine.connect() as conn:
            assert "character" not in {c["name"] for c in inspect(conn).get_columns("credits")}
            assert "name_key" not in {c["name"] for c in inspect(conn).get_columns("people")}
            assert conn.execute(text("SELECT role FROM credits")).scalar_one() == "Director"


@pytest.fixture
def second_site(tmp_path: Path) -> Iterator[Flask]:
    """Another site on an empty database, to import into."""
    schema = None
    if TEST_DATABASE_URL:
        schema = "t_" + uuid.uuid4().hex[:12]
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    (tmp_path / "second").mkdir()
    site = create_app(build_config(tmp_path / "second", schema))
    with site.app_context():
        db.create_all()
        db.session.remove()
    yield site
    with site.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_an_export_from_before_characters_imports_with_keys_made(app, make_user, make_post, second_site, tmp_path):
    seed_memories(make_post)
    path = tmp_path / "site.json"
    assert app.test_cli_runner().invoke(args=["export", str(path)]).exit_code == 0
    data = json.loads(path.read_text())
    for table, column in (
        ("people", "name_key"),
        ("people", "sort_name"),
        ("people", "sort_key"),
        ("credits", "character"),
    ):
        section = data["tables"][table]
        index = section["columns"].index(column)
        section["columns"].pop(index)
        for row in section["rows"]:
            row.pop(index)
    path.write_text(json.dumps(data))
    with second_site.app_context():
        result = second_site.test_cli_runner().invoke(args=["import", str(path)])
        assert result.exit_code == 0, result.output
        keys = dict(db.session.execute(select(Person.name, Person.name_key)).all())
        assert keys["Koji Morimoto"] == "koji morimoto" and keys["Satoshi Kon"] == "satoshi kon"
        kon = db.session.scalar(select(Person).where(Person.name == "Satoshi Kon"))
        assert (kon.sort_name, kon.sort_key) == ("Kon, Satoshi", "kon, satoshi")
        assert set(db.session.scalars(select(Credit.character))) == {""}
        assert db.session.scalar(select(func.count()).select_from(Work)) == 4
