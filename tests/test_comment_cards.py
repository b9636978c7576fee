"""Comment cards: the markup around each comment, stored when it changes, never shown stale.

Every test compares the post page as readers get it (from the cards) with the same page rendered
comment by comment (``COMMENT_CARDS=False``): they must be the same, byte for byte, after each
kind of change. And after the changes the site makes itself, the page renders no comment afresh:
the cards were brought up to date by the write.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask_migrate import stamp
from sqlalchemy import select, update

from blog.auth import readers
from blog.comments import markup, moderation, threads, tools, votes
from blog.extensions import db
from blog.models import Comment, CommentStatus, Role
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.posts import CommentStatusChoice
from blog.models.works import Review, Work
from blog.reviews.ratings import rate_work
from tests.reviews_support import seed_memories

# Both ways are rendered by the app: a page-cache hit for the second request would compare the
# page with itself.
pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)

_VOLATILE = re.compile(r'nonce="[^"]*"|name="csrf_token"[^>]*|id="comment_shown"[^>]*')


def reviewed(post) -> Work:
    """The work the post reviews (its readers' scores show on their comments)."""
    reviewing = select(Work).join(Review, Review.work_id == Work.id).where(Review.post_id == post.id)
    return db.session.scalars(reviewing).one()


@pytest.fixture
def fresh_renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Ids of the comments a request rendered afresh instead of taking their card."""
    rendered: list[int] = []
    original = markup._Page.parts

    def spy(self: markup._Page, node: object) -> tuple[str, str]:
        rendered.append(node.id)  # type: ignore[attr-defined]
        return original(self, node)  # type: ignore[arg-type]

    monkeypatch.setattr(markup._Page, "parts", spy)
    return rendered


def behind_the_sites_back(statement: object) -> None:
    """Run a write on a connection of its own, as another tool or a hand-made UPDATE would: none
    of the site's session hooks see it."""
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(statement)  # type: ignore[call-overload]
    db.session.expire_all()


@pytest.fixture
def stored_pages(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """For each request that asked for its threads' stored cards: how many threads it took from them
    (0: the page was put together comment by comment)."""
    taken: list[int] = []
    original = threads.stored_page

    def spy(*args: object, **kwargs: object) -> threads.StoredPage | None:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        taken.append(found.threads if found is not None else 0)
        return found

    monkeypatch.setattr(threads, "stored_page", spy)
    return taken


def page_both_ways(app, client, path: str, fresh_renders: list[int]) -> tuple[str, list[int]]:
    """The page from the cards, checked against the page rendered comment by comment; the HTML
    and the comments that had to be rendered afresh."""
    fresh_renders.clear()
    with_cards = client.get(path).get_data(as_text=True)
    afresh = list(fresh_renders)
    app.config["COMMENT_CARDS"] = False
    try:
        without = client.get(path).get_data(as_text=True)
    finally:
        app.config["COMMENT_CARDS"] = True
    assert _VOLATILE.sub("", with_cards) == _VOLATILE.sub("", without)
    return with_cards, afresh


@pytest.mark.settings(COMMENTS_MAX_DEPTH=3)
def test_a_busy_discussion_reads_the_same_from_cards_and_renders_nothing_afresh(
    app, client, make_post, make_comment, make_user, fresh_renders, stored_pages
):
    post = seed_memories(make_post)
    author = db.session.get(User, post.author_id)
    admin = make_user(Role.ADMIN)
    reader = make_user(Role.READER, name="Mika <3", avatar_url="https://pics.example.org/mika.png?s=1&t=2")
    rate_work(reviewed(post), reader, 8.5, post_id=post.id)
    root = make_comment(post, "The *opening* shot.", name="Ann & Co", author_url="https://ann.example.org/?a=1&b=2")
    reply = make_comment(post, "Agreed — `Puccini`.", parent=root, user=reader)
    deeper = make_comment(post, "Third level.", parent=reply, user=author)
    capped = make_comment(post, "Fourth, shown beside its parent.", parent=deeper)
    other = make_comment(post, "||The hologram|| twist.")
    db.session.commit()
    tools.apply_tool(root.id, "pin", admin)
    tools.apply_tool(root.id, "lock", admin)
    tools.apply_tool(other.id, "mark-author", admin)
    votes.toggle_like(reply.id, votes.Voter(user_id=admin.id))
    moderation.edit_comment(
        db.session.get(Comment, capped.id), admin, body="Fourth, edited.", name="Bo", email="bo@example.org", url=""
    )

    html, afresh = page_both_ways(app, client, f"/posts/{post.slug}/", fresh_renders)

    assert afresh == [] and stored_pages == [2]  # both threads as stored, each in one piece
    assert 'class="comment-in-reply-to">in reply to' in html  # the capped reply names whom it answers
    assert 'title="Their score for the work">8.5/10</span>' in html
    assert 'data-avatar="https://pics.example.org/mika.png?s=1&amp;t=2"' in html
    assert '<b itemprop="name">Ann &amp; Co</b>' in html and "Mika &lt;3" in html
    assert "badge-pinned" in html and "badge-locked" in html and html.count("bypostauthor") == 2
    assert 'itemprop="dateModified">edited</time>' in html and "Fourth, edited." in html


def test_each_change_a_reader_sees_is_in_the_card_at_once(
    app, client, make_post, make_comment, make_user, fresh_renders, stored_pages
):
    post = seed_memories(make_post)
    reader = make_user(Role.READER, name="Kei")
    parent = make_comment(post, "A parent.")
    child = make_comment(post, "A child.", parent=parent, user=reader)
    path = f"/posts/{post.slug}/"
    page_both_ways(app, client, path, fresh_renders)

    app.test_client().post(f"/comments/{child.id}/like")  # another reader's like
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and '<span class="like-count">1</span>' in html

    rate_work(reviewed(post), reader, 7, post_id=post.id)
    db.session.commit()
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and ">7/10</span>" in html

    db.session.get(User, reader.id).avatar_url = "https://pics.example.org/kei.png"
    db.session.commit()
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and 'data-avatar="https://pics.example.org/kei.png"' in html

    moderation.moderate([parent.id], "trash", make_user(Role.ADMIN))
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and "A parent." not in html and "A child." in html
    assert stored_pages == [1] * 5  # every page above read its one thread as stored


def test_a_post_given_another_author_or_another_work_has_its_cards_rewritten(
    app, client, make_post, make_comment, make_user, fresh_renders
):
    post = seed_memories(make_post)
    reader = make_user(Role.READER, name="Kei")
    new_author = make_user(Role.AUTHOR, name="Second Author")
    rate_work(reviewed(post), reader, 7, post_id=post.id)
    make_comment(post, "Scored.", user=reader)
    make_comment(post, "From the one who takes the post over.", user=new_author)
    db.session.commit()
    path = f"/posts/{post.slug}/"
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and ">7/10</span>" in html and "bypostauthor" not in html

    db.session.get(type(post), post.id).author_id = new_author.id
    db.session.commit()
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and html.count("bypostauthor") == 1

    other = Work(title="Perfect Blue", slug="perfect-blue", kind=reviewed(post).kind)
    db.session.add(other)
    db.session.flush()
    db.session.scalars(select(Review).where(Review.post_id == post.id)).one().work_id = other.id
    db.session.commit()
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and ">7/10</span>" not in html  # Kei scored Memories, not Perfect Blue


def test_a_change_made_behind_the_sites_back_shows_after_flask_rerender(
    app, client, make_post, make_comment, fresh_renders, stored_pages
):
    post = make_post()
    comment = make_comment(post, "Counted.")
    path = f"/posts/{post.slug}/"
    # A write that no hook saw (another tool, a hand-made UPDATE), like a hand-made change to a
    # comment's Markdown source: the stored thread is what the site last wrote.
    behind_the_sites_back(update(Comment).where(Comment.id == comment.id).values(like_count=41))
    assert '<span class="like-count">41</span>' not in client.get(path).get_data(as_text=True)
    # A page put together comment by comment (a thread without its stored card, as right after
    # the upgrade that added them) checks each comment's card key and renders this one afresh.
    behind_the_sites_back(update(Comment).values(thread_card=None))
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [comment.id] and '<span class="like-count">41</span>' in html
    # ``flask rerender`` writes the card and the thread again.
    result = app.test_cli_runner().invoke(args=["rerender"])
    assert result.exit_code == 0 and "Cards: 1 of comments and 1 of threads written, on 1 post." in result.output
    stored_pages.clear()
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and stored_pages == [1] and '<span class="like-count">41</span>' in html


def test_new_markup_is_never_served_from_old_cards(
    app, client, make_post, make_comment, fresh_renders, stored_pages, monkeypatch
):
    post = make_post()
    comment = make_comment(post)
    monkeypatch.setattr(markup, "CARD_VERSION", markup.CARD_VERSION + 1)
    _, afresh = page_both_ways(app, client, f"/posts/{post.slug}/", fresh_renders)
    assert afresh == [comment.id] and stored_pages == [0]


@pytest.mark.settings(COMMENTS_MODERATION="all-approved")
def test_a_posted_comment_comes_with_its_card(app, client, make_post, fresh_renders):
    post = make_post()
    response = client.post(
        f"/posts/{post.slug}/comments", data={"body": "Posted by a guest.", "name": "Guest", "email": "g@example.org"}
    )
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    assert comment.card_key is not None
    # Another reader (no session) gets it from its card; its writer sees their Edit link.
    html, afresh = page_both_ways(app, app.test_client(), f"/posts/{post.slug}/", fresh_renders)
    assert afresh == [] and "Posted by a guest." in html
    own = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "comment-edit-link" in own


@pytest.mark.settings(COMMENTS_PER_PAGE=1)
def test_what_differs_by_page_or_reader_is_right_on_every_page(
    app, client, make_post, make_comment, make_user, login, fresh_renders
):
    post = make_post()
    first = make_comment(post, "Page one.")
    second = make_comment(post, "Page two.")
    html, afresh = page_both_ways(app, client, f"/posts/{post.slug}/?cpage=2", fresh_renders)
    assert afresh == [] and f'href="?cpage=2&replyto={second.id}#respond"' in html
    # A reader who liked a comment sees it pressed: that comment is rendered for them.
    client.post(f"/comments/{first.id}/like")
    html, afresh = page_both_ways(app, client, f"/posts/{post.slug}/", fresh_renders)
    assert afresh == [first.id] and 'aria-pressed="true"' in html
    # Moderators get their tools, and a closed post no reply links: no cards for those pages.
    moderator = app.test_client()
    login(moderator, make_user(Role.EDITOR))
    html, afresh = page_both_ways(app, moderator, f"/posts/{post.slug}/", fresh_renders)
    assert afresh == [first.id] and 'class="comment-tools"' in html
    post.comment_status = CommentStatusChoice.CLOSED
    db.session.commit()
    html, _ = page_both_ways(app, app.test_client(), f"/posts/{post.slug}/", fresh_renders)
    assert "comment-reply-link" not in html


def test_a_site_under_a_url_prefix_links_every_comment_under_it(app, make_post, make_comment, fresh_renders):
    post = make_post()
    comment = make_comment(post)
    client = app.test_client()
    fresh_renders.clear()
    html = client.get(f"/posts/{post.slug}/", base_url="http://localhost/blog/").get_data(as_text=True)
    assert fresh_renders == [comment.id]  # cards name root URLs: this page renders its comments
    assert f'formaction="/blog/comments/{comment.id}/like"' in html and 'src="/blog/avatars/' in html
    assert db.session.scalar(select(Comment.status).where(Comment.id == comment.id)) == CommentStatus.APPROVED


def test_bulk_changes_rewrite_the_threads_they_touch(
    app, client, make_post, make_comment, make_user, fresh_renders, stored_pages
):
    post = make_post()
    kei, ann = make_user(Role.READER, name="Kei"), make_user(Role.READER, name="Ann")
    kei_asks = make_comment(post, "Kei asks.", user=kei)
    make_comment(post, "An answer.", parent=kei_asks)
    ann_says = make_comment(post, "Ann says.", user=ann)
    binned = make_comment(post, "Binned a while ago.", parent=ann_says).id
    path = f"/posts/{post.slug}/"
    page_both_ways(app, client, path, fresh_renders)

    # One account gone with its comments, the other's comments kept without its name.
    readers.delete_account(db.session.get(User, kei.id), remove_comments=True)
    readers.delete_account(db.session.get(User, ann.id))
    db.session.commit()
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and stored_pages[-1] == 2
    assert "Kei" not in html and "Kei asks." not in html and "This comment was deleted." in html
    assert ">Ann<" not in html and f">{readers.DELETED_NAME}<" in html and "Ann says." in html

    moderation.moderate([binned], "trash", make_user(Role.ADMIN))
    moderation.purge_trash(now=utcnow() + timedelta(days=60))
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert afresh == [] and stored_pages[-1] == 2 and "Binned" not in html
    assert db.session.get(Comment, binned) is None


def test_setup_demo_writes_the_thread_cards_an_upgrade_left_missing(
    app, client, make_post, make_comment, fresh_renders, stored_pages
):
    post = make_post()
    first = make_comment(post, "Before the upgrade.")
    make_comment(post, "A reply.", parent=first)
    make_comment(post, "Another thread.")
    # As a database migrated to thread cards holds its old comments: cards, but no thread cards.
    behind_the_sites_back(update(Comment).values(thread_card=None, thread_card_version=None))
    path = f"/posts/{post.slug}/"
    page_both_ways(app, client, path, fresh_renders)
    assert stored_pages == [0]

    stamp()  # the app fixture built the tables; setup-demo's upgrade has nothing to do
    result = app.test_cli_runner().invoke(args=["setup-demo"])
    assert result.exit_code == 0, result.output
    html, afresh = page_both_ways(app, client, path, fresh_renders)
    assert stored_pages == [0, 2] and afresh == [] and "Before the upgrade." in html


def test_an_anonymous_readers_post_page_is_two_statements(client, make_post, make_comment, count_queries):
    """The post (with the work it reviews, none here, and its tags and categories), and the stored
    threads: on PostgreSQL each statement is a round trip, so the page must not grow a third."""
    post = make_post("Counted", tags=["Satoshi Kon", "anime", "berserk"], categories=["Reviews", "anime"])
    root = make_comment(post, "First.")
    make_comment(post, "A reply.", parent=root)
    make_comment(post, "Second thread.")
    db.session.commit()
    url = f"/posts/{post.slug}/"
    with count_queries() as queries:
        html = client.get(url).get_data(as_text=True)
    assert "A reply." in html and "Second thread." in html
    assert queries.count == 2, "\n".join(s[:100].replace("\n", " ") for s in queries.statements)
    # Tags and categories by letter, whatever their case (the database's collation used to decide).
    tags = re.findall(r'href="/tag/([^/]+)/"', html.split('class="post-footer')[-1])
    assert tags[:3] == ["anime", "berserk", "satoshi-kon"], tags
    categories = re.findall(r'href="/category/([^/]+)/"', html.split('class="post-categories"')[1].split("</p>")[0])
    assert categories == ["anime", "reviews"]
