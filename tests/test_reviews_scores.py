"""A post reviews a work with the author's score and verdict; the post page and lists show it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Review, Role
from blog.reviews.queries import scores_for_posts
from tests.conftest import login_as
from tests.reviews_support import add_work, review, seed_memories, work


def _text(html: str) -> str:
    """What a reader reads of a piece of HTML: the text, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_the_post_page_shows_the_infobox_and_the_score(client, make_post):
    post = seed_memories(make_post)
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'class="infobox review-infobox"' in page
    assert "General Information" in page
    assert 'aria-label="Score: 9 out of 10"' in page
    assert "The short that cuts the deepest" in page
    assert 'href="/works/magnetic-rose/">Magnetic Rose</a>' in page
    # The original names are marked as Japanese, so screen readers and fonts get them right.
    assert 'href="/works/memories/">Memories</a> (<span lang="ja">メモリーズ</span>)' in page
    assert '<dt>Original name</dt><dd lang="ja">彼女の想いで</dd>' in page
    assert "Dec. 23, 1995</time> (Japan)" in page and "<dd>R</dd>" in page
    assert "Koji Morimoto" in page


def test_a_post_that_reviews_nothing_has_no_infobox(client, make_post):
    post = make_post("Thoughts on blogging")
    assert "review-infobox" not in client.get(f"/posts/{post.slug}/").get_data(as_text=True)


@pytest.mark.settings(REVIEW_SCORE_SCALE=5)
def test_a_score_given_out_of_10_shows_out_of_5_when_the_scale_changes(client, make_post):
    post = seed_memories(make_post)
    assert 'aria-label="Score: 4.5 out of 5"' in client.get(f"/posts/{post.slug}/").get_data(as_text=True)


def test_scores_for_posts_answers_in_one_query(make_user, make_post, count_queries):
    editor = make_user(Role.EDITOR)
    films = [add_work(editor, f"Film {i}") for i in range(4)]
    posts = [make_post(f"Review {i}") for i in range(4)]
    for post, film, score in zip(posts, films, (7, 8, None, 10), strict=True):
        review(editor, post, film, score, verdict=f"Verdict {film.title}")
    plain = make_post("Not a review")
    ids = [p.id for p in posts] + [plain.id]
    with count_queries() as q:
        found = scores_for_posts(ids)
    assert q.count == 1
    assert plain.id not in found
    assert found[posts[0].id].score_text == "7/10" and found[posts[0].id].work_title == "Film 0"
    assert found[posts[2].id].score is None and found[posts[2].id].score_text == ""
    assert scores_for_posts([]) == {}


def test_staff_attach_a_review_with_score_and_verdict(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira", year=1988)
    post = make_post("Akira at 35", author=editor)
    login_as(client, editor)
    assert "Akira (1988)" in client.get(f"/admin/reviews/{post.id}/").get_data(as_text=True)
    response = client.post(
        f"/admin/reviews/{post.id}/", data={"work_id": str(akira.id), "score": "8,5", "verdict": "Still astonishing."}
    )
    assert response.status_code == 303
    saved = db.session.scalar(select(Review).where(Review.post_id == post.id))
    assert (saved.work_id, saved.score, saved.scale, saved.verdict) == (akira.id, 8.5, 10, "Still astonishing.")
    assert "8.5" in client.get("/admin/reviews/").get_data(as_text=True)
    client.post(f"/admin/reviews/{post.id}/", data={"remove": "1"})
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_a_score_outside_the_scale_is_a_form_error_with_the_input_kept(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    post = make_post("Akira at 35", author=editor)
    login_as(client, editor)
    for bad, message in (
        ("11", "The score goes from 0 to 10."),
        ("7.25", "whole or half number"),
        ("ten", "is not a score"),
    ):
        response = client.post(
            f"/admin/reviews/{post.id}/", data={"work_id": str(akira.id), "score": bad, "verdict": "Kept verdict"}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in page
        assert f'value="{bad}"' in page and 'value="Kept verdict"' in page
    response = client.post(f"/admin/reviews/{post.id}/", data={"work_id": "0", "score": "5"})
    assert response.status_code == 400 and "Choose the work this post reviews." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_authors_cannot_attach_a_review_to_someone_elses_post(client, make_user, make_post):
    editor = make_user(Role.EDITOR)
    akira = add_work(editor, "Akira")
    post = make_post("Editor's review", author=editor)
    login_as(client, make_user(Role.AUTHOR))
    response = client.post(f"/admin/reviews/{post.id}/", data={"work_id": str(akira.id), "score": "5"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_the_work_averages_the_blogs_scores_of_its_own_published_reviews(client, make_user, make_post):
    seed_memories(make_post)  # reviews the part Magnetic Rose at 9
    editor = make_user(Role.EDITOR)
    review(editor, make_post("Memories, the whole thing"), work("memories"), 7)
    review(editor, make_post("Memories again"), work("memories"), 8)
    review(editor, make_post("Draft thoughts", status="draft"), work("memories"), 1)  # drafts do not count
    page = client.get("/works/memories/").get_data(as_text=True)
    own = re.search(r'<p class="blog-score">(.*?)</p>', page, re.S).group(1)
    assert 'aria-label="Score: 7.5 out of 10"' in own and "our average from 2 reviews" in own
    assert "Draft thoughts" not in page
    # The part's review is shown as the part's, beside the whole's own score, not averaged into it.
    assert _text(re.search(r'<p class="part-score">(.*?)</p>', page, re.S).group(1)) == "9/10 for Magnetic Rose (part)"


def test_home_archives_and_search_show_the_score_beside_the_title(client, make_post):
    post = seed_memories(make_post)
    make_post("An essay with no score")
    home = client.get("/").get_data(as_text=True)
    assert f'href="/posts/{post.slug}/">Fond Memories Part 1: Magnetic Rose</a> <span class="score score-small"' in home
    assert home.count('class="score score-small"') == 1
    assert 'aria-label="Score: 9 out of 10"' in home
    search = client.get("/search?q=memories").get_data(as_text=True)
    assert 'aria-label="Score: 9 out of 10"' in search


def _listed_scores(html: str) -> dict[str, str]:
    """Each work of the browse list with the score shown beside it ("" for none)."""
    items = re.findall(r'<li class="work-item">(.*?)</li>', html, re.S)
    out = {}
    for item in items:
        title = re.search(r'class="work-title"[^>]*>([^<]+)</a>', item).group(1)
        score = re.search(r'aria-label="Score: ([\d.]+) out of', item)
        out[title] = score.group(1) if score else ""
    return out


def test_the_work_page_and_the_works_list_agree_on_a_works_score(client, make_user, make_post):
    seed_memories(make_post)  # one review, of the part Magnetic Rose, at 9
    listed = _listed_scores(client.get("/works/").get_data(as_text=True))
    assert listed["Memories"] == "" and listed["Magnetic Rose"] == "9"
    assert list(_listed_scores(client.get("/works/?score=8").get_data(as_text=True))) == ["Magnetic Rose"]
    page = client.get("/works/memories/").get_data(as_text=True)
    assert "our average" not in page and "9/10 for Magnetic Rose (part)" in _text(page)
    assert 'aria-label="Score: 9 out of 10"' in client.get("/works/magnetic-rose/").get_data(as_text=True)

    review(make_user(Role.EDITOR), make_post("Memories, the whole thing"), work("memories"), 7)
    listed = _listed_scores(client.get("/works/").get_data(as_text=True))
    assert listed["Memories"] == "7" and listed["Magnetic Rose"] == "9"
    assert "Memories" not in _listed_scores(client.get("/works/?score=8").get_data(as_text=True))
    assert "Memories" in _listed_scores(client.get("/works/?score=7").get_data(as_text=True))
    own = re.search(r'<p class="blog-score">(.*?)</p>', client.get("/works/memories/").get_data(as_text=True), re.S)
    assert _text(own.group(1)) == "7/10 our average from 1 review"


def test_a_parts_review_in_the_works_review_list_says_it_is_the_parts(client, make_post):
    seed_memories(make_post)
    page = client.get("/works/memories/").get_data(as_text=True)
    item = re.search(r'<li class="work-review">(.*?)</li>', page, re.S).group(1)
    assert "Fond Memories Part 1: Magnetic Rose 9/10 for Magnetic Rose (part)" in _text(item)
