"""A reader browses by tag, category, author, month and series, and through the archives index."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from blog.models import PostStatus, Role
from blog.models.base import utcnow
from blog.posts import queries


def _titles(html: str) -> list[str]:
    return re.findall(r'class="post-card-title"><a href="[^"]+">([^<]+)</a>', html)


def _at(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def author(make_user):
    return make_user(Role.AUTHOR, name="Mina Kovač", bio="Writes about anime and old films.")


# ----------------------------------------------------------------------------- tags and categories


def test_tag_page_lists_only_live_posts_with_that_tag(client, make_post, author):
    make_post("Perfect Blue", author=author, tags=["Satoshi Kon"], published_at=_at(2024, 1))
    make_post("Paprika", author=author, tags=["Satoshi Kon", "dreams"], published_at=_at(2024, 2))
    make_post("Akira", author=author, tags=["Otomo"], published_at=_at(2024, 3))
    make_post("Millennium Actress draft", author=author, tags=["Satoshi Kon"], status=PostStatus.DRAFT)

    response = client.get("/tag/satoshi-kon/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _titles(html) == ["Paprika", "Perfect Blue"]
    assert "<h1" in html and "Satoshi Kon</h1>" in html
    assert 'href="/tag/satoshi-kon/feed.atom">Feed of this tag</a>' in html
    assert 'type="application/atom+xml" title="Sargasso · Satoshi Kon (Atom)" href="/tag/satoshi-kon/feed.atom"' in html


def test_category_page_shows_its_posts(client, make_post, author):
    make_post("Perfect Blue", author=author, categories=["Film reviews"], published_at=_at(2024, 1))
    make_post("Berserk", author=author, categories=["Manga"], published_at=_at(2024, 2))

    html = client.get("/category/film-reviews/").get_data(as_text=True)

    assert _titles(html) == ["Perfect Blue"]
    assert "Film reviews</h1>" in html
    assert 'href="/category/film-reviews/feed.rss"' in html


@pytest.mark.parametrize("url", ["/tag/nope/", "/category/nope/", "/series/nope/", "/author/999/"])
def test_unknown_archive_is_404(client, url):
    assert client.get(url).status_code == 404


def test_a_tag_or_category_typed_with_capitals_leads_to_its_page(client, make_post, author):
    make_post("Perfect Blue", author=author, tags=["Satoshi Kon"], categories=["Reviews"])
    moved = client.get("/tag/Satoshi-Kon/?page=1")
    assert moved.status_code == 301 and moved.headers["Location"] == "/tag/satoshi-kon/?page=1"
    assert client.get("/category/Reviews/").headers["Location"] == "/category/reviews/"
    assert client.get("/tag/satoshi-kon/").status_code == 200


def test_the_archives_list_tags_and_categories_by_letter_whatever_their_case(client, make_post, author):
    make_post(
        "Perfect Blue", author=author, tags=["Satoshi Kon", "anime", "Memories"], categories=["Reviews", "essays"]
    )
    html = client.get("/archives/").get_data(as_text=True)
    assert re.findall(r'href="/tag/([^/]+)/"', html) == ["anime", "memories", "satoshi-kon"]
    assert re.findall(r'href="/category/([^/]+)/"', html) == ["essays", "reviews"]


def test_tag_with_only_drafts_is_404(client, make_post, author):
    make_post("Secret", author=author, tags=["unannounced"], status=PostStatus.DRAFT)
    assert client.get("/tag/unannounced/").status_code == 404


def test_archive_pages_paginate_and_refuse_bad_pages(client, make_post, author, app):
    app.config["POSTS_PER_PAGE"] = 2
    for n in range(5):
        make_post(f"Tagged {n}", author=author, tags=["anime"], published_at=_at(2024, 1, n + 1))

    first = client.get("/tag/anime/").get_data(as_text=True)
    assert _titles(first) == ["Tagged 4", "Tagged 3"]
    assert 'rel="next" href="/tag/anime/?page=2"' in first and "Page 1<" in first
    second = client.get("/tag/anime/?page=2").get_data(as_text=True)
    assert _titles(second) == ["Tagged 2", "Tagged 1"]
    assert 'rel="prev" href="/tag/anime/"' in second and 'rel="next" href="/tag/anime/?page=3"' in second
    html = client.get("/tag/anime/?page=3").get_data(as_text=True)
    assert _titles(html) == ["Tagged 0"]
    assert 'rel="prev" href="/tag/anime/?page=2"' in html and "Page 3<" in html
    assert 'rel="next"' not in html and "Older posts" not in html
    assert client.get("/tag/anime/?page=4").status_code == 404
    assert client.get("/tag/anime/?page=two").status_code == 404


# ----------------------------------------------------------------------------- authors


def test_author_page_lists_their_posts_and_bio(client, make_post, make_user, author):
    other = make_user(Role.AUTHOR, name="Someone Else")
    make_post("Mine", author=author)
    make_post("Theirs", author=other)

    html = client.get(f"/author/{author.id}/").get_data(as_text=True)

    assert _titles(html) == ["Mine"]
    assert "Posts by Mina Kovač" in html
    assert "Writes about anime and old films." in html


def test_reader_accounts_have_no_author_page(client, make_user):
    reader = make_user(Role.READER)
    assert client.get(f"/author/{reader.id}/").status_code == 404


def test_author_website_must_be_http(client, make_post, make_user):
    sneaky = make_user(Role.AUTHOR, website="javascript:alert(1)")
    make_post("Hello", author=sneaky)
    html = client.get(f"/author/{sneaky.id}/").get_data(as_text=True)
    assert "javascript:" not in html


# ----------------------------------------------------------------------------- months


def test_monthly_archive_lists_that_months_posts(client, make_post, author):
    make_post("End of January", author=author, published_at=datetime(2024, 1, 31, 23, 59, tzinfo=UTC))
    make_post("Start of February", author=author, published_at=datetime(2024, 2, 1, 0, 0, tzinfo=UTC))
    make_post("Late February", author=author, published_at=datetime(2024, 2, 29, 23, 0, tzinfo=UTC))
    make_post("March", author=author, published_at=datetime(2024, 3, 1, 0, 0, tzinfo=UTC))

    response = client.get("/2024/2/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _titles(html) == ["Late February", "Start of February"]
    assert "February 2024</h1>" in html


@pytest.mark.parametrize(
    "url", ["/2024/13/", "/2024/0/", "/0/5/", "/9999/12/", "/2024/99999999999999999999/", "/2024/-1/"]
)
def test_invalid_month_is_404(client, make_post, url):
    make_post("Something")
    assert client.get(url).status_code == 404


def test_monthly_archive_paginates_to_its_last_page(client, make_post, author, app):
    app.config["POSTS_PER_PAGE"] = 2
    for day in range(1, 5):
        make_post(f"March {day}", author=author, published_at=_at(2024, 3, day))
    make_post("April", author=author, published_at=_at(2024, 4, 1))

    first = client.get("/2024/3/").get_data(as_text=True)
    assert _titles(first) == ["March 4", "March 3"]
    assert 'rel="next" href="/2024/3/?page=2"' in first
    last = client.get("/2024/3/?page=2").get_data(as_text=True)
    assert _titles(last) == ["March 2", "March 1"]
    assert 'rel="prev" href="/2024/3/"' in last and 'rel="next"' not in last
    assert client.get("/2024/3/?page=3").status_code == 404


def test_month_without_posts_is_404(client, make_post, author):
    make_post("January", author=author, published_at=_at(2024, 1))
    assert client.get("/2023/7/").status_code == 404


def test_yearly_archive_lists_that_years_posts_newest_first(client, make_post, author):
    make_post("New Year's Eve", author=author, published_at=datetime(2023, 12, 31, 23, 59, tzinfo=UTC))
    make_post("First of January", author=author, published_at=datetime(2024, 1, 1, 0, 0, tzinfo=UTC))
    make_post("Midsummer", author=author, published_at=_at(2024, 6, 21))
    make_post("Draft", author=author, status=PostStatus.DRAFT)

    response = client.get("/2024/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _titles(html) == ["Midsummer", "First of January"]
    assert "Yearly archive" in html and ">2024</h1>" in html


@pytest.mark.parametrize("url", ["/2022/", "/0/", "/9999/", "/99999999999999999999/"])
def test_a_year_without_posts_or_out_of_range_is_404(client, make_post, author, url):
    make_post("Something", author=author, published_at=_at(2024, 1))
    assert client.get(url).status_code == 404


# ----------------------------------------------------------------------------- archives index


def test_archives_index_counts_posts_per_month(client, make_post, author):
    for day in (3, 9, 20):
        make_post(f"Jan {day}", author=author, published_at=_at(2024, 1, day), tags=["anime"])
    make_post("Feb", author=author, published_at=_at(2024, 2), categories=["Film reviews"])
    make_post("Dec last year", author=author, published_at=_at(2023, 12))
    make_post("Draft", author=author, status=PostStatus.DRAFT, tags=["anime"])
    make_post("Tomorrow", author=author, published_at=utcnow() + timedelta(days=1))

    assert [(m.year, m.month, m.count) for m in queries.archive_months()] == [(2024, 2, 1), (2024, 1, 3), (2023, 12, 1)]

    html = client.get("/archives/").get_data(as_text=True)
    assert '<a href="/2024/1/">January</a> <span class="count">(3)</span>' in html
    assert '<a href="/2024/2/">February</a> <span class="count">(1)</span>' in html
    assert '<a href="/2023/12/">December</a> <span class="count">(1)</span>' in html
    assert html.index('<a href="/2024/">2024</a></h3>') < html.index('<a href="/2023/">2023</a></h3>')
    assert '<a rel="tag" href="/tag/anime/">anime</a> <span class="count">(3)</span>' in html
    assert 'href="/category/film-reviews/">Film reviews</a> <span class="count">(1)</span>' in html


def test_archives_index_is_a_constant_number_of_queries(client, make_post, author, count_queries):
    make_post("One", author=author, published_at=_at(2024, 1), tags=["a"])
    with count_queries() as few:
        client.get("/archives/")
    for month in range(2, 13):
        make_post(f"Month {month}", author=author, published_at=_at(2023, month), tags=[f"t{month}"])
    with count_queries() as many:
        client.get("/archives/")
    assert many.count == few.count


# ----------------------------------------------------------------------------- series


def test_series_page_lists_parts_in_order(client, make_post, author):
    make_post(
        "Part 2: Stink Bomb", author=author, series_title="Fond Memories", series_part=2, published_at=_at(2024, 1)
    )
    make_post(
        "Part 1: Magnetic Rose", author=author, series_title="Fond Memories", series_part=1, published_at=_at(2024, 2)
    )
    make_post("Part 3: Cannon Fodder", author=author, series_title="Fond Memories", series_part=3, status="draft")

    html = client.get("/series/fond-memories/").get_data(as_text=True)

    assert _titles(html) == ["Part 1: Magnetic Rose", "Part 2: Stink Bomb"]
    assert "Fond Memories</h1>" in html
    assert "2 parts" in html


def test_series_index_lists_series_with_published_parts(client, make_post, author):
    make_post("Part 1", author=author, series_title="Fond Memories", series_part=1)
    make_post("Unseen", author=author, series_title="Secret series", series_part=1, status="draft")

    html = client.get("/series/").get_data(as_text=True)

    assert 'href="/series/fond-memories/">Fond Memories</a>' in html
    assert "Secret series" not in html


@pytest.mark.parametrize("url", ["/tag/anime/", "/category/reviews/", "/series/run/", "AUTHOR", "/2024/1/", "/2024/"])
def test_archive_query_count_does_not_grow_with_posts(client, make_post, author, count_queries, app, url):
    app.config["POSTS_PER_PAGE"] = 50
    url = f"/author/{author.id}/" if url == "AUTHOR" else url

    def build(start: int, n: int) -> None:
        for i in range(start, start + n):
            make_post(
                f"Post {i}",
                author=author,
                tags=["anime", f"t{i}"],
                categories=["Reviews"],
                series_title="Run",
                series_part=i + 1,
                published_at=_at(2024, 1, 1) + timedelta(minutes=i),
            )

    build(0, 2)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    build(2, 20)
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert len(_titles(html)) == 22
    assert many.count == few.count
