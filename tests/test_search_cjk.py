"""A reader searches in Japanese, Chinese or Korean: words are found wherever they stand in a sentence.

Both databases take a whole run of CJK characters for one word, so the index also holds each run
as overlapping bigrams (blog.posts.search.search_terms) and a query's runs become the same
bigrams, as a phrase. These tests run on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from blog.extensions import db
from blog.models import Post
from blog.posts.editing import post_input_from, save_post
from blog.posts.search import query_terms, search_terms

KON = "原題は「彼女の想いで」で、脚本は今敏が担当した。"


def _titles(html: str) -> list[str]:
    return re.findall(r'class="post-card-title"><a href="[^"]+">([^<]+)</a>', html)


def _found(client, query: str) -> list[str]:
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    return _titles(response.get_data(as_text=True))


@pytest.fixture
def posts(make_post, make_user):
    author = make_user()
    memories = make_post(
        "Magnetic Rose",
        f"The first part of Memories. {KON} 大友克洋のメモリーズは三部作。AKIRAは1988年の作品。",
        author=author,
    )
    make_post("Perfect Blue", "An idol leaves her band; Satoshi Kon's first film.", author=author)
    make_post("パーフェクトブルー", "The Japanese title, in katakana.", author=author)
    make_post("Korean", "한국어를 배우는 사람들.", author=author)
    make_post("Cities", "東京。京都は古い。", author=author)
    return memories


@pytest.mark.parametrize(
    "query",
    [
        "今敏",
        "彼女の想いで",
        "脚本",
        "想い",
        "メモリーズ",
        "モリー",
        "大友克洋",
        "三部作",
        "彼女の想いで 今敏",
        "今敏 memories",
    ],
)
def test_cjk_words_are_found_in_the_middle_of_a_sentence(client, posts, query):
    assert _found(client, query) == ["Magnetic Rose"]


@pytest.mark.parametrize("query", ["敏", "原", "た", "作"])  # a run's middle, first and last characters
def test_a_single_cjk_character_is_found_wherever_it_stands(client, posts, query):
    assert _found(client, query) == ["Magnetic Rose"]


def test_cjk_characters_must_stand_together_in_the_post(client, posts):
    """The bigrams of a query are a phrase: each in turn, in one run of the post."""
    assert _found(client, "今脚") == []
    assert _found(client, "敏今") == []
    # 東京 and 京都 are both in a post, in two runs: 東京都 is not.
    assert _found(client, "東京都") == []
    assert _found(client, "京都") == ["Cities"]


def test_katakana_titles_and_korean_are_found(client, posts):
    assert _found(client, "ブルー") == ["パーフェクトブルー"]
    assert _found(client, "국어") == ["Korean"]


def test_latin_words_next_to_cjk_are_words_of_their_own(client, posts):
    """「AKIRAは」 is one token for the databases; "akira" still finds it, before other words too."""
    assert _found(client, "akira") == ["Magnetic Rose"]
    assert _found(client, "akira 1988") == ["Magnetic Rose"]
    assert _found(client, "1988年") == ["Magnetic Rose"]


def test_latin_search_ignores_accents_and_matches_prefixes(client, posts, make_post):
    make_post("Ópera prima", "Una reseña de Pokémon y de la ópera.")
    assert _found(client, "pokemon") == ["Ópera prima"]
    assert _found(client, "Pokémon") == ["Ópera prima"]
    assert sorted(_found(client, "oper")) == ["Ópera prima"]
    assert _found(client, "idol band") == ["Perfect Blue"]


def test_the_snippet_shows_the_post_text_with_the_match_marked(client, posts):
    html = client.get("/search", query_string={"q": "今敏"}).get_data(as_text=True)
    assert "脚本は<mark>今敏</mark>が担当した" in html
    # The index's bigrams never reach the page.
    assert "今敏 敏が" not in html and "脚本 本は" not in html


def test_the_snippet_marks_a_latin_word_whatever_its_accents(client, posts, make_post):
    make_post("Ópera prima", "Una reseña de Pokémon y de la ópera.")
    html = client.get("/search", query_string={"q": "pokemon opera"}).get_data(as_text=True)
    assert "<mark>Pokémon</mark>" in html and "<mark>ópera</mark>" in html


def test_editing_a_post_updates_what_search_finds(client, posts, make_user):
    post = db.session.get(Post, posts.id)
    data = post_input_from(post)
    data.body_md = "監督は宮崎駿。"
    save_post(post.author, data, post)
    db.session.commit()
    assert _found(client, "今敏") == []
    assert _found(client, "宮崎駿") == ["Magnetic Rose"]
    assert _found(client, "崎") == ["Magnetic Rose"]


def test_editing_the_title_updates_its_terms(client, posts):
    post = db.session.get(Post, posts.id)
    data = post_input_from(post)
    data.title = "磁気の薔薇"
    save_post(post.author, data, post)
    db.session.commit()
    assert _found(client, "薔薇") == ["磁気の薔薇"]


def test_rerender_fills_the_terms_of_posts_written_without_them(client, posts):
    """A raw SQL import leaves ``search_terms`` empty: CJK words inside a run are not found until
    ``flask rerender``, which works them out as ``save_post`` does."""
    from blog.rerender import RerenderResult, rerender_posts

    db.session.execute(update(Post).values(search_terms=""))
    db.session.commit()
    assert _found(client, "今敏") == []
    rerender_posts(RerenderResult())
    assert _found(client, "今敏") == ["Magnetic Rose"]


def test_search_terms_hold_cjk_bigrams_and_accent_free_words():
    assert search_terms("Memories", "A film in three parts.") == ""
    assert search_terms("メモリーズ", "今敏が") == "メモ モリ リー ーズ ズ 今敏 敏が が"
    assert search_terms("", "AKIRAは") == "AKIRA は"
    # PostgreSQL's 'simple' configuration keeps accents: the plain form is indexed too, once.
    assert search_terms("Pokémon", "Pokémon, ópera, ガンダム") == "ガン ンダ ダム ム Pokemon opera"


@pytest.mark.parametrize(
    "query", ['"今敏"', "今敏*", "NEAR(今敏)", "今敏 OR", "今:*", "<->今", "ー", "〇", "　", "ｱｷﾗ"]
)
def test_odd_cjk_queries_never_500(client, posts, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200


def test_query_terms_are_words_and_bigram_phrases():
    terms = query_terms("Memories 彼女の想い 敏")
    assert [(t.tokens, t.prefix) for t in terms] == [
        (("Memories",), False),
        (("彼女", "女の", "の想", "想い"), False),
        (("敏",), True),
    ]


def test_the_stored_terms_follow_save_post(posts):
    stored = db.session.scalar(select(Post.search_terms).where(Post.id == posts.id))
    assert "今敏" in stored.split() and "メモ" in stored.split()


def test_a_very_long_post_keeps_its_index_within_the_databases_limits(client, make_post):
    """PostgreSQL positions stop at 16,383 and a tsvector at 1 MB: the bigrams are capped, the post
    is saved, and its beginning is found mid-run as any other's."""
    from blog.posts.search import MAX_CJK_TERMS

    body = "今敏の作品。" + "".join(chr(0x4E00 + (n * 7919) % 20000) for n in range(40_000))
    assert len(search_terms("", body).split()) == MAX_CJK_TERMS
    make_post("Long", body)
    assert _found(client, "敏の作") == ["Long"]
