"""A reader searches titles and bodies; whatever they type, the page answers without a 500."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from blog.models import PostStatus
from blog.models.base import utcnow


def _titles(html: str) -> list[str]:
    return re.findall(r'class="post-card-title"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def posts(make_post, make_user):
    author = make_user()
    rose = make_post(
        "Magnetic Rose",
        "A salvage crew answers a distress call from a derelict station orbiting in the debris. " * 5
        + "Inside, an opera singer's memories take the shape of rooms.",
        author=author,
        tags=["anime"],
    )
    bomb = make_post("Stink Bomb", "A lab worker swallows the wrong pills and becomes a walking weapon.", author=author)
    make_post("Cannon Fodder draft", "A city that fires cannons at an enemy nobody has seen.", status=PostStatus.DRAFT)
    make_post(
        "Scheduled opera", "More about the opera singer.", author=author, published_at=utcnow() + timedelta(days=1)
    )
    return rose, bomb


def test_search_finds_posts_by_words_in_the_body(client, posts):
    response = client.get("/search?q=opera singer")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _titles(html) == ["Magnetic Rose"]
    assert "1 result for “opera singer”" in html
    assert "<mark>opera</mark>" in html and "<mark>singer</mark>" in html


def test_search_finds_posts_by_title_and_prefix(client, posts):
    assert _titles(client.get("/search?q=stink").get_data(as_text=True)) == ["Stink Bomb"]
    assert _titles(client.get("/search?q=salv").get_data(as_text=True)) == ["Magnetic Rose"]


def test_search_never_shows_drafts_or_scheduled_posts(client, posts):
    html = client.get("/search?q=cannons").get_data(as_text=True)
    assert _titles(html) == []
    assert "No posts match “cannons”" in html
    assert "Scheduled opera" not in client.get("/search?q=opera").get_data(as_text=True)


def test_search_page_without_query_shows_the_form(client, posts):
    response = client.get("/search")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="search-page-q"' in html
    assert "result" not in html.lower().split("<main", 1)[1]


def test_search_keeps_what_was_typed_escaped(client, posts):
    html = client.get('/search?q=<script>alert("x")</script>').get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "AND",
        "OR NOT",
        "NEAR(",
        "title:rose",
        "rose -bomb",
        "'; DROP TABLE posts; --",
        "a" * 10_240,
        "word " * 2000,
        "opera\x00singer",
        "\x00",
        "🌹 メモリーズ",
        "foo_bar",
        "&|!:*()<>",
        "%",
        "\\",
    ],
)
def test_garbage_queries_never_500(client, posts, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200


def test_search_paginates(client, make_post, make_user, app):
    app.config["POSTS_PER_PAGE"] = 2
    author = make_user()
    for n in range(5):
        make_post(f"Opera {n}", "An opera review.", author=author)
    first = client.get("/search?q=opera").get_data(as_text=True)
    assert len(_titles(first)) == 2
    assert "5 results" in first
    assert 'rel="next" href="/search?page=2&amp;q=opera"' in first
    second = client.get("/search?q=opera&page=2").get_data(as_text=True)
    assert len(_titles(second)) == 2 and "Page 2<" in second and "5 results" in second
    assert 'rel="prev" href="/search?q=opera"' in second and 'rel="next" href="/search?page=3&amp;q=opera"' in second
    last = client.get("/search?q=opera&page=3").get_data(as_text=True)
    assert len(_titles(last)) == 1
    assert 'rel="next"' not in last and "More results" not in last
    assert client.get("/search?q=opera&page=4").status_code == 404
    assert client.get("/search?q=opera&page=x").status_code == 404


def test_search_results_are_not_indexed(client, posts):
    html = client.get("/search?q=opera").get_data(as_text=True)
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)  # the same URL is asked twice under two limits
def test_a_word_in_too_many_posts_ranks_the_newest_and_says_so(client, make_post, make_user, monkeypatch):
    """Ranking is bounded (blog.posts.search.MAX_CANDIDATES) so a common word costs the same on a
    20,000-post archive as on a small one; the reader is told and asked for another word."""
    from blog.posts import search as fulltext

    monkeypatch.setattr(fulltext, "MAX_CANDIDATES", 3)
    author = make_user()
    now = utcnow()
    for n in range(5):
        make_post(f"Opera night {n}", "An opera review.", author=author, published_at=now - timedelta(days=10 - n))
    html = client.get("/search?q=opera").get_data(as_text=True)
    assert sorted(_titles(html)) == ["Opera night 2", "Opera night 3", "Opera night 4"]
    assert "More than 3 posts match" in html and "Add a word" in html
    monkeypatch.setattr(fulltext, "MAX_CANDIDATES", 1000)
    html = client.get("/search?q=opera").get_data(as_text=True)
    assert len(_titles(html)) == 5 and "5 results for" in html


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_the_best_match_among_the_newest_comes_first(client, make_post, make_user, monkeypatch):
    """Ranking happens among the newest matches only: an older post that would rank higher is left
    out, and within the newest the post most about the word leads, then the newer ones."""
    from blog.posts import search as fulltext

    monkeypatch.setattr(fulltext, "MAX_CANDIDATES", 3)
    author = make_user()
    now = utcnow()
    make_post(
        "Opera, opera, opera",
        "Opera upon opera: an opera about opera.",
        author=author,
        published_at=now - timedelta(days=9),
    )
    make_post("Scores", "An opera scene.", author=author, published_at=now - timedelta(days=8))
    make_post(
        "Opera night",
        "An opera, and the opera house where it plays.",
        author=author,
        published_at=now - timedelta(days=7),
    )
    make_post("Soundtracks", "An opera scene.", author=author, published_at=now - timedelta(days=6))
    make_post("Stink Bomb", "No singing at all.", author=author, published_at=now - timedelta(days=5))

    html = client.get("/search?q=opera").get_data(as_text=True)
    assert _titles(html) == ["Opera night", "Soundtracks", "Scores"]
    assert "More than 3 posts match" in html


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_exactly_as_many_matches_as_are_ranked_is_not_more(client, make_post, make_user, monkeypatch):
    from blog.posts import search as fulltext

    monkeypatch.setattr(fulltext, "MAX_CANDIDATES", 3)
    author = make_user()
    for n in range(3):
        make_post(f"Opera night {n}", "An opera review.", author=author, published_at=utcnow() - timedelta(days=n + 1))
    html = client.get("/search?q=opera").get_data(as_text=True)
    assert len(_titles(html)) == 3
    assert "3 results for “opera”" in html and "More than" not in html


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_a_word_rare_among_recent_posts_still_finds_the_newest_older_matches(client, make_post, make_user, monkeypatch):
    """PostgreSQL looks among the newest posts first (blog.posts.search.RECENT_WINDOW) and asks the
    full-text index when too few of them match: the older matches must be found all the same."""
    from blog.posts import search as fulltext

    monkeypatch.setattr(fulltext, "MAX_CANDIDATES", 2)
    monkeypatch.setattr(fulltext, "RECENT_WINDOW", 3)
    author = make_user()
    now = utcnow()
    for n in range(4):
        make_post(f"Opera night {n}", "An opera review.", author=author, published_at=now - timedelta(days=20 - n))
    for n in range(4):
        make_post(f"Cinema {n}", "A film review.", author=author, published_at=now - timedelta(days=10 - n))

    html = client.get("/search?q=opera").get_data(as_text=True)
    assert _titles(html) == ["Opera night 3", "Opera night 2"]
    assert "More than 2 posts match" in html
    monkeypatch.setattr(fulltext, "MAX_CANDIDATES", 10)
    html = client.get("/search?q=oper").get_data(as_text=True)
    assert _titles(html) == ["Opera night 3", "Opera night 2", "Opera night 1", "Opera night 0"]
    assert "4 results for “oper”" in html


# ----------------------------------------------------------------------------- works and people


@pytest.fixture
def catalogue(make_post, make_user):
    """The demo's Memories (メモリーズ) with its people, and a few more works."""
    from blog.models import Role
    from tests.reviews_support import add_work, seed_memories

    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    add_work(editor, "Darker than Black", kind="series", year=2007, original_title="DARKER THAN BLACK -黒の契約者-")
    add_work(editor, "Ghost in the Shell", year=1995, aliases=["Kōkaku Kidōtai"])
    add_work(editor, "Pokémon: The First Movie", year=1998)
    return editor


def _names_section(html: str) -> str:
    """The "Works & people" section of a search page ("" when there is none)."""
    found = re.search(r'<section class="search-names".*?</section>', html, re.S)
    return found.group(0) if found else ""


def _links(section: str) -> list[str]:
    return re.findall(r'href="(/(?:works|people)/[^"]*)"', section)


def test_a_persons_name_finds_the_person_above_the_posts(client, catalogue):
    html = client.get("/search?q=Tensai Okamura").get_data(as_text=True)
    section = _names_section(html)
    assert "Works &amp; people" in section
    assert _links(section) == ["/people/tensai-okamura/"]
    assert "岡村天斎" in section
    assert html.index('class="search-names"') < html.index('class="search-summary"')
    # Any order, any case, accents or not.
    for query in ("okamura TENSAI", "okamura", "Kōji Morimoto"):
        section = _names_section(client.get("/search", query_string={"q": query}).get_data(as_text=True))
        assert _links(section), query


def test_a_title_finds_the_work_in_any_script(client, catalogue):
    darker = _names_section(client.get("/search?q=darker").get_data(as_text=True))
    assert _links(darker) == ["/works/darker-than-black/"]
    assert "TV series" in darker and "2007" in darker
    memories = _names_section(client.get("/search?q=メモリーズ").get_data(as_text=True))
    assert "/works/memories/" in _links(memories)
    assert "メモリーズ" in memories
    contract = _names_section(client.get("/search?q=黒の契約").get_data(as_text=True))
    assert _links(contract) == ["/works/darker-than-black/"]


def test_a_cjk_name_finds_the_person_and_the_posts(client, catalogue, make_post):
    make_post("Kon", "原題は「彼女の想いで」で、脚本は今敏が担当した。")
    html = client.get("/search?q=今敏").get_data(as_text=True)
    assert _links(_names_section(html)) == ["/people/satoshi-kon/"]
    assert _titles(html) == ["Kon"]


def test_accents_and_aliases_find_works(client, catalogue):
    pokemon = _names_section(client.get("/search?q=pokemon").get_data(as_text=True))
    assert _links(pokemon) == ["/works/pokemon-the-first-movie/"]
    ghost = _names_section(client.get("/search?q=kokaku kidotai").get_data(as_text=True))
    assert _links(ghost) == ["/works/ghost-in-the-shell/"]
    assert "also known as Kōkaku Kidōtai" in ghost


def test_works_show_when_no_post_matches(client, catalogue):
    html = client.get("/search?q=darker").get_data(as_text=True)
    assert _links(_names_section(html)) == ["/works/darker-than-black/"]
    assert "No posts contain “darker”: see the work above." in html


def test_an_empty_search_says_what_to_type_and_where_to_browse(client):
    for path in ("/search", "/search?q=", "/search?q=+++"):
        html = client.get(path).get_data(as_text=True)
        assert "Type a title, a name or a word from a review." in html, path
        assert 'href="/archives/"' in html and 'href="/works/"' in html and 'href="/people/"' in html


def test_no_section_when_nothing_is_named(client, catalogue):
    for query in ("opera", "%", "_", "a", "%_%", "'", ""):
        html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert _names_section(html) == "", query


def test_at_most_eight_of_each_then_more(client, catalogue, make_user):
    from tests.reviews_support import add_work

    for n in range(10):
        add_work(catalogue, f"Gundam {n:02d}")
    section = _names_section(client.get("/search?q=gundam").get_data(as_text=True))
    works = [link for link in _links(section) if link != "/works/"]
    assert len(works) == 8 and works[0] == "/works/gundam-00/"
    assert 'href="/works/">More works' in section


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_works_and_people_cost_two_statements_however_many_match(client, catalogue, count_queries):
    from tests.reviews_support import add_work

    def statements(query: str) -> int:
        with count_queries() as counted:
            assert client.get("/search", query_string={"q": query}).status_code == 200
        return counted.count

    few = statements("darker")
    for n in range(12):
        add_work(catalogue, f"Darker {n}", aliases=[f"Darker alias {n}"])
    assert statements("darker") == few
    assert statements("zzzz") == few


def test_works_and_people_are_on_the_first_page_only(client, catalogue, make_post, app):
    app.config["POSTS_PER_PAGE"] = 1
    make_post("Okamura one", "Tensai Okamura directed it.")
    make_post("Okamura two", "Tensai Okamura again.")
    assert _names_section(client.get("/search?q=okamura").get_data(as_text=True))
    assert _names_section(client.get("/search?q=okamura&page=2").get_data(as_text=True)) == ""


@pytest.mark.parametrize(
    "query", ["a*b", "x[y", "R.O.D", "a\\b", "50%off", "a_b", "ō", "Ō*", "(da)rker", "^$", "黒の契約者]"]
)
def test_odd_queries_with_works_and_people_never_500(client, catalogue, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_punctuation_inside_a_name_is_matched_as_typed(client, catalogue):
    from tests.reviews_support import add_work

    add_work(catalogue, "R.O.D the TV")
    add_work(catalogue, "Rod Stewart live")
    assert _links(_names_section(client.get("/search?q=R.O.D").get_data(as_text=True))) == ["/works/r-o-d-the-tv/"]
