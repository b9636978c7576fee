"""Readers open work, person and browse pages; each page costs a fixed number of queries."""

from __future__ import annotations

import re

import pytest

from blog.models import Role, WorkKind
from tests.reviews_support import add_person, add_work, review, seed_memories


def test_reader_opens_the_work_page_and_sees_its_information(client, make_post):
    seed_memories(make_post)
    page = client.get("/works/memories/").get_data(as_text=True)
    assert "<h1>Memories" in page
    assert "メモリーズ" in page
    assert "General Information" in page
    assert "Dec. 23, 1995</time> (Japan)" in page and "Feb. 24, 2004</time> (US)" in page
    assert '<dt>Runtime</dt><dd>115&nbsp;<abbr title="minutes">min</abbr></dd>' in page and "(mins)" not in page
    assert "<dt>Age rating</dt><dd>R</dd>" in page
    assert "Katsuhiro Otomo Presents: Memories" in page
    for part in ("Magnetic Rose", "Stink Bomb", "Cannon Fodder"):
        assert f'href="/works/{part.lower().replace(" ", "-")}/"' in page
    assert "Satoshi Kon" in page and "Famous Anime Director" in page
    # The review of a part shows on the whole work as the part's, not as the whole's average.
    assert "Fond Memories Part 1: Magnetic Rose" in page
    assert "our average" not in page and "Not reviewed as a whole yet" in page
    assert "Readers: no ratings yet" in page
    assert "Top Editors" in page


def test_a_part_links_back_to_the_whole(client, make_post):
    seed_memories(make_post)
    page = client.get("/works/magnetic-rose/").get_data(as_text=True)
    assert 'part of <a href="/works/memories/">Memories</a>' in page
    assert "Dec. 23, 1995" in page  # release dates come from the whole film


def test_unknown_work_and_person_are_404(client):
    assert client.get("/works/nothing-here/").status_code == 404
    assert client.get("/people/nobody/").status_code == 404


def test_person_page_lists_credits_and_reviews_of_their_work(client, make_post):
    seed_memories(make_post)
    page = client.get("/people/satoshi-kon/").get_data(as_text=True)
    assert "<h1>Satoshi Kon</h1>" in page and "今敏" in page
    assert 'href="/works/memories/"' in page and 'href="/works/magnetic-rose/"' in page
    assert "Writer" in page
    assert "Fond Memories Part 1: Magnetic Rose" in page
    assert "people" in client.get("/people/").get_data(as_text=True).lower()


def _titles(html: str) -> list[str]:
    return re.findall(r'class="work-title" href="[^"]+">([^<]+)</a>', html)


def test_reader_filters_works_by_kind_genre_year_and_score(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira", year=1988, genres=["Science fiction"])
    add_work(editor, "Cowboy Bebop", kind=WorkKind.SERIES, year=1998, genres=["Science fiction", "Western"])
    tokyo = add_work(editor, "Tokyo Godfathers", year=2003, genres=["Comedy"])
    review(editor, make_post("Akira at 35"), akira, 9)
    review(editor, make_post("Tokyo Godfathers again"), tokyo, 6)

    assert _titles(client.get("/works/").get_data(as_text=True)) == ["Akira", "Cowboy Bebop", "Tokyo Godfathers"]
    assert _titles(client.get("/works/?kind=series").get_data(as_text=True)) == ["Cowboy Bebop"]
    assert _titles(client.get("/works/?genre=science-fiction").get_data(as_text=True)) == ["Akira", "Cowboy Bebop"]
    assert _titles(client.get("/works/?year=2003").get_data(as_text=True)) == ["Tokyo Godfathers"]
    assert _titles(client.get("/works/?score=7").get_data(as_text=True)) == ["Akira"]
    assert _titles(client.get("/works/?sort=score").get_data(as_text=True))[:2] == ["Akira", "Tokyo Godfathers"]
    page = client.get("/works/?kind=game").get_data(as_text=True)
    assert "No work matches these filters." in page
    # Nonsense in the query string is ignored, never a 500.
    assert client.get("/works/?year=abc&score=lots&kind=<x>&sort=<y>").status_code == 200


def test_work_page_costs_the_same_number_of_queries_however_big(app, client, make_user, make_post, count_queries):
    editor = make_user(Role.EDITOR)
    for i in range(3):
        add_person(editor, f"Person {i}")
    small = add_work(editor, "Small", credits=[("Person 0", "Director")])
    add_work(editor, "Small part", kind=WorkKind.SEGMENT, parent=small)
    review(editor, make_post("Small review"), small, 7)

    big = add_work(editor, "Big", credits=[(f"Person {i}", "Key Animator") for i in range(3)], genres=["A", "B"])
    for i in range(4):
        part = add_work(editor, f"Big part {i}", kind=WorkKind.EPISODE, parent=big, genres=["C"])
        review(editor, make_post(f"Big review {i}"), part, 5 + i)

    def cost(slug: str) -> int:
        with count_queries() as q:
            assert client.get(f"/works/{slug}/").status_code == 200
        return q.count

    assert cost("big") == cost("small")


def test_browse_and_person_pages_cost_a_fixed_number_of_queries(client, make_user, make_post, count_queries):
    editor = make_user(Role.EDITOR)
    add_person(editor, "Busy Person")

    def cost(url: str) -> int:
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    add_work(editor, "One", year=2000, genres=["X"], credits=[("Busy Person", "Director")])
    before_browse, before_person = cost("/works/"), cost("/people/busy-person/")
    for i in range(5):
        made = add_work(editor, f"More {i}", year=2001 + i, genres=["X", f"G{i}"], credits=[("Busy Person", "Music")])
        review(editor, make_post(f"Review {i}"), made, 8)
    assert cost("/works/") == before_browse
    assert cost("/people/busy-person/") == before_person


def test_person_page_dates_a_part_by_its_whole_and_does_not_repeat_their_own_note(client, make_post):
    seed_memories(make_post)
    page = client.get("/people/koji-morimoto/").get_data(as_text=True)
    assert re.search(r'href="/works/magnetic-rose/">Magnetic Rose</a> \(1995\)', page)
    note = "one of that nation's premier anime directors"
    assert page.count(note.replace("'", "&#39;")) == 1  # the person's note, not again under a credit


def test_the_theme_filter_names_the_theme_and_keeps_it_in_the_form(client, make_post):
    seed_memories(make_post)
    page = client.get("/works/?theme=memory").get_data(as_text=True)
    assert "with the theme “Memory”" in page and "“memory”" not in page
    # Memories, and its parts, which show its themes as theirs ("Themes (from Memories)").
    assert _titles(page) == ["Cannon Fodder", "Magnetic Rose", "Memories", "Stink Bomb"]
    select = re.search(r'<select id="f-theme" name="theme">(.*?)</select>', page, re.S)
    assert select, "the filter form has no theme control"
    assert '<option value="memory" selected>Memory</option>' in select.group(1)
    assert '<option value="war">War</option>' in select.group(1)
    assert '<label for="f-theme">Theme</label>' in page


@pytest.mark.settings(WORKS_PER_PAGE=2)
def test_a_page_of_works_past_the_last_is_not_found_as_in_the_posts_lists(client, make_user):
    editor = make_user(Role.EDITOR)
    for title in ("Akira", "Millennium Actress", "Paprika"):
        add_work(editor, title)
    assert _titles(client.get("/works/?page=2").get_data(as_text=True)) == ["Paprika"]
    for page in ("3", "99", "0", "-1", "two", "9999999"):
        assert client.get(f"/works/?page={page}").status_code == 404, page
    assert client.get("/works/?kind=game").status_code == 200  # an empty first page is a page
    assert client.get("/works/?kind=game&page=2").status_code == 404


def test_the_kind_filter_offers_only_kinds_the_site_has(client, make_post):
    seed_memories(make_post)  # a film and its segments
    page = client.get("/works/").get_data(as_text=True)
    select = re.search(r'<select id="f-kind".*?</select>', page, re.S).group(0)
    offered = re.findall(r'<option value="([a-z-]+)"', select)
    assert offered and all(WorkKind(k) for k in offered)
    assert "book" not in offered and "game" not in offered  # no such work here: no dead end
    chosen = client.get("/works/?kind=book").get_data(as_text=True)  # an old link still shows its choice
    assert '<option value="book" selected>' in chosen
