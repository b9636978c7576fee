"""Search engines read the review and the work as schema.org JSON-LD; the tests parse it."""

from __future__ import annotations

import json
import re

import pytest

from blog.models import Role, WorkKind
from blog.reviews.jsonld import iso_duration, schema_type
from tests.reviews_support import add_work, review, seed_memories

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _jsonld(html: str, type_: str) -> dict:
    blocks = [json.loads(body) for body in SCRIPT.findall(html)]
    found = [b for b in blocks if b.get("@type") == type_]
    assert found, f"no {type_} JSON-LD in {blocks}"
    return found[0]


def test_the_post_page_describes_a_review_of_the_segment(client, make_post):
    post = seed_memories(make_post)
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    data = _jsonld(html, "Review")
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Fond Memories Part 1: Magnetic Rose"
    assert data["url"].endswith(f"/posts/{post.slug}/")
    assert data["reviewRating"] == {"@type": "Rating", "ratingValue": 9.0, "bestRating": 10, "worstRating": 0}
    item = data["itemReviewed"]
    assert item["@type"] == "Movie" and item["name"] == "Magnetic Rose"
    assert item["isPartOf"]["name"] == "Memories"
    assert item["dateCreated"] == "1995-12-23"
    assert [p["name"] for p in item["director"]] == ["Koji Morimoto"]
    assert data["author"]["name"] == post.author.name
    # A data block: script-src does not apply, so no nonce (the page stays the same for every reader).
    assert SCRIPT.search(html) and "nonce=" not in html


@pytest.mark.settings(REVIEW_SCORE_SCALE=100)
def test_best_rating_follows_the_score_scale(client, make_post):
    post = seed_memories(make_post)
    rating = _jsonld(client.get(f"/posts/{post.slug}/").get_data(as_text=True), "Review")["reviewRating"]
    assert rating["bestRating"] == 100 and rating["ratingValue"] == 90


def test_the_work_page_carries_the_films_own_description(client, make_post):
    seed_memories(make_post)
    data = _jsonld(client.get("/works/memories/").get_data(as_text=True), "Movie")
    assert data["name"] == "Memories"
    assert "メモリーズ" in data["alternateName"] and "Katsuhiro Otomo Presents: Memories" in data["alternateName"]
    assert data["dateCreated"] == "1995-12-23"
    assert data["duration"] == "PT115M"
    assert data["contentRating"] == "R"
    assert {p["name"] for p in data["director"]} == {"Tensai Okamura", "Koji Morimoto", "Katsuhiro Otomo"}
    assert "Takashi Watanabe" not in {p["name"] for p in data["director"]}  # an Art Director is not the director
    assert [p["name"] for p in data["hasPart"]] == ["Magnetic Rose", "Stink Bomb", "Cannon Fodder"]
    assert {p["name"] for p in data["musicBy"]} == {"Yoko Kanno", "Hiroyuki Nagashima", "Jun Miyake"}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (WorkKind.FILM, "Movie"),
        (WorkKind.SERIES, "TVSeries"),
        (WorkKind.EPISODE, "TVEpisode"),
        (WorkKind.BOOK, "Book"),
        (WorkKind.GAME, "VideoGame"),
        (WorkKind.OTHER, "CreativeWork"),
    ],
)
def test_each_kind_of_work_gets_its_schema_type(kind, expected):
    assert schema_type(kind) == expected


def test_a_reviewed_book_and_game_are_typed_in_the_review(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    book = add_work(editor, "The Memory Police", kind=WorkKind.BOOK, year=1994)
    post = make_post("Reading The Memory Police")
    review(editor, post, book, 8)
    data = _jsonld(client.get(f"/posts/{post.slug}/").get_data(as_text=True), "Review")
    assert data["itemReviewed"]["@type"] == "Book"
    assert iso_duration(115) == "PT115M" and iso_duration(None) is None


def test_text_from_the_database_cannot_break_out_of_the_script(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    evil = add_work(editor, "</script><script>alert(1)</script>")
    post = make_post("A careful review")
    review(editor, post, evil, 5, verdict="<b>bold</b> & </script>")
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    data = _jsonld(html, "Review")
    assert data["itemReviewed"]["name"] == "</script><script>alert(1)</script>"
