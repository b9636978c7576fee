"""A part of a work (Magnetic Rose in Memories) shows the same facts on its own page and in the
infobox of a post reviewing it: what it takes from its whole is labelled "(from Memories)"."""

from __future__ import annotations

import json
import re

from blog.models import Role, WorkKind
from tests.reviews_support import add_work, review, seed_memories

INFOBOX_ROWS = re.compile(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", re.S)
SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _rows(html: str, box: str) -> dict[str, str]:
    """An infobox's rows as a reader reads them: label → value, tags stripped."""
    body = re.search(rf'<aside class="infobox {box}".*?</aside>', html, re.S)
    assert body, box
    return {
        " ".join(re.sub(r"<[^>]+>", " ", dt).split()): " ".join(re.sub(r"<[^>]+>", " ", dd).split())
        for dt, dd in INFOBOX_ROWS.findall(body.group(0))
    }


def test_the_parts_page_and_its_reviews_infobox_say_the_same_and_label_what_is_the_wholes(client, make_post):
    post = seed_memories(make_post)
    on_page = _rows(client.get("/works/magnetic-rose/").get_data(as_text=True), "work-infobox")
    in_post = _rows(client.get(f"/posts/{post.slug}/").get_data(as_text=True), "review-infobox")

    assert on_page["Age rating (from Memories)"] == "R"
    assert on_page["Genres (from Memories)"] == "Anime , Anthology , Science fiction"
    assert on_page["Themes (from Memories)"] == "Memory , War"
    assert on_page["Release dates (from Memories)"] == "Dec. 23, 1995 (Japan) Feb. 24, 2004 (US)"
    assert on_page["Part of"] == "Memories ( メモリーズ )"
    assert "Runtime" not in on_page  # Memories' 115 minutes are not the segment's
    shared = {label: value for label, value in on_page.items() if label != "Name"}
    assert {label: in_post[label] for label in shared} == shared
    assert "Genres" not in on_page and "Age rating" not in in_post  # never unlabelled


def test_the_whole_shows_its_own_facts_unlabelled(client, make_post):
    seed_memories(make_post)
    rows = _rows(client.get("/works/memories/").get_data(as_text=True), "work-infobox")
    assert rows["Age rating"] == "R" and rows["Genres"] == "Anime , Anthology , Science fiction"
    assert not [label for label in rows if "(from" in label]


def test_a_part_with_facts_of_its_own_shows_them_and_not_the_wholes(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    whole = add_work(editor, "Robot Carnival", year=1987, genres=["Anime", "Anthology"], content_rating="PG")
    part = add_work(editor, "Presence", kind=WorkKind.SEGMENT, parent=whole, genres=["Drama"], content_rating="PG-13")
    post = make_post("Presence, again")
    review(editor, post, part, 8)
    on_page = _rows(client.get("/works/presence/").get_data(as_text=True), "work-infobox")
    in_post = _rows(client.get(f"/posts/{post.slug}/").get_data(as_text=True), "review-infobox")
    for rows in (on_page, in_post):
        assert rows["Genres"] == "Drama" and rows["Age rating"] == "PG-13"
        assert rows["Release date (from Robot Carnival)"] == "Jun. 1, 1987 (Japan)"


def test_the_parts_title_and_json_ld_carry_the_wholes_year_rating_and_genres(client, make_post):
    seed_memories(make_post)
    html = client.get("/works/magnetic-rose/").get_data(as_text=True)
    assert "<title>Magnetic Rose (1995) · Sargasso</title>" in html
    assert '<h1>Magnetic Rose <span class="work-year">(1995)</span></h1>' in html
    [data] = [json.loads(block) for block in SCRIPT.findall(html)]
    assert data["genre"] == ["Anime", "Anthology", "Science fiction"]
    assert (data["contentRating"], data["keywords"], data["dateCreated"]) == ("R", "Memory, War", "1995-12-23")


def test_a_part_without_credits_points_to_the_wholes(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    whole = add_work(editor, "Neo-Tokyo", year=1987, credits=[("Rintaro", "Director")])
    add_work(editor, "Labyrinth Labyrinthos", kind=WorkKind.SEGMENT, parent=whole)
    page = client.get("/works/labyrinth-labyrinthos/").get_data(as_text=True)
    assert 'see the credits of <a href="/works/neo-tokyo/#credits-title">Neo-Tokyo</a>' in page


def test_a_parts_page_costs_the_same_queries_whatever_the_whole_holds(client, make_user, count_queries):
    editor = make_user(Role.EDITOR)
    small = add_work(editor, "Small")
    add_work(editor, "Small part", kind=WorkKind.SEGMENT, parent=small)
    big = add_work(editor, "Big", year=1990, genres=["A", "B", "C"], themes=["D", "E"], content_rating="R")
    add_work(editor, "Big part", kind=WorkKind.SEGMENT, parent=big)

    def cost(slug: str) -> int:
        with count_queries() as q:
            assert client.get(f"/works/{slug}/").status_code == 200
        return q.count

    client.get("/people/")  # what every page reads once (the menu) is read before counting
    assert cost("big-part") == cost("small-part")


def test_the_works_list_finds_a_part_by_the_genres_and_themes_it_shows_from_its_whole(client, make_user, make_post):
    """Magnetic Rose shows "Genres (from Memories): Anime" but was missing from /works/?genre=anime."""
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    whole = add_work(editor, "Robot Carnival", year=1987, genres=["Anime", "Anthology"])
    add_work(editor, "Presence", kind=WorkKind.SEGMENT, parent=whole, genres=["Drama"])  # its own genres

    def titles(query: str) -> set[str]:
        html = client.get(f"/works/?{query}").get_data(as_text=True)
        return set(re.findall(r'<a class="work-title" href="/works/[^"]+/">([^<]+)</a>', html))

    anime = titles("genre=anime")
    assert {"Memories", "Magnetic Rose", "Robot Carnival"} <= anime
    assert "Presence" not in anime  # it has genres of its own: Drama
    assert "Presence" in titles("genre=drama")
    assert "Magnetic Rose" in titles("theme=memory")


def test_a_work_page_previews_with_its_poster_and_canonical_address(client, make_user, make_post):
    """A shared link to a work page had no Open Graph tags: no title card, no poster."""
    editor = make_user(Role.EDITOR)
    add_work(
        editor,
        "Perfect Blue",
        year=1997,
        poster_url="https://img.example.org/perfect-blue.jpg",
        synopsis="A pop idol turned actress loses her grip on what is real.",
    )
    html = client.get("/works/perfect-blue/").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/works/perfect-blue/">' in html
    assert '<meta property="og:title" content="Perfect Blue (1997)">' in html
    assert '<meta property="og:image" content="https://img.example.org/perfect-blue.jpg">' in html
    assert '<meta property="og:image:alt" content="Poster of Perfect Blue">' in html
    assert '<meta name="description" content="A pop idol turned actress loses her grip on what is real.">' in html
