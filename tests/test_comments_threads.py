"""Reading a discussion: nesting, the depth limit, pages of threads, permalinks, markup, avatars."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from blog.comments import threads
from blog.extensions import db
from blog.models import Comment, CommentStatus
from blog.models.base import utcnow


def comment_ids_in_order(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li id="comment-(\d+)"', html)]


def li_block(html: str, comment_id: int) -> str:
    start = html.index(f'<li id="comment-{comment_id}"')
    return html[start:]


def test_reader_sees_a_reply_nested_under_its_comment(client, make_post, make_comment):
    post = make_post("Magnetic Rose")
    first = make_comment(post, "The opera scenes are haunting.", name="Ann")
    reply = make_comment(post, "Agreed, Kanno at her best.", parent=first, name="Bob")
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    ann = li_block(html, first.id)
    # Bob's <li> sits inside Ann's <ol class="children">, before Ann's </li> closes.
    assert ann.index('<ol class="children">') < ann.index(f'<li id="comment-{reply.id}"')
    assert "Agreed, Kanno at her best." in html
    assert reply.thread_id == first.id and reply.depth == 1


def test_reply_past_the_depth_limit_lands_at_the_deepest_level_naming_whom_it_answers(
    app, client, make_post, make_comment
):
    app.config["COMMENTS_MAX_DEPTH"] = 3
    post = make_post()
    top = make_comment(post, name="Level0")
    mid = make_comment(post, parent=top, name="Level1")
    deep = make_comment(post, parent=mid, name="Level2")
    deeper = make_comment(post, "Past the limit.", parent=deep, name="Level3")
    assert (top.depth, mid.depth, deep.depth, deeper.depth) == (0, 1, 2, 2)
    assert deeper.parent_id == deep.id and deeper.thread_id == top.id
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    block = li_block(html, deeper.id)
    assert "in reply to Level2" in block[: block.index("</article>")]
    # It is a sibling of Level2 (inside Level1's children), not nested inside Level2.
    level2 = li_block(html, deep.id)
    assert level2.index("</li>") < level2.index(f'<li id="comment-{deeper.id}"')


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)  # count the page's own queries, not a cache hit
def test_post_page_uses_the_same_number_of_queries_with_2_and_500_comments(
    client, make_post, make_comment, count_queries
):
    small = make_post("Small discussion")
    a = make_comment(small)
    make_comment(small, parent=a)

    big = make_post("Big discussion")
    for _ in range(20):
        root = parent = make_comment(big, commit=False)
        for i in range(24):  # chains that go past the depth limit, restarting from the root
            parent = make_comment(big, parent=parent if i % 8 else root, commit=False)
    db.session.commit()
    assert db.session.get(type(big), big.id).comment_count == 500

    client.get(f"/posts/{small.slug}/")  # warm up anything lazily initialised
    with count_queries() as few:
        small_page = client.get(f"/posts/{small.slug}/")
    with count_queries() as many:
        big_page = client.get(f"/posts/{big.slug}/")
    assert small_page.status_code == big_page.status_code == 200
    assert len(comment_ids_in_order(big_page.get_data(as_text=True))) == 500
    assert few.count == many.count


@pytest.mark.settings(COMMENTS_PER_PAGE=2)
def test_long_discussions_are_paginated_by_top_level_thread(client, make_post, make_comment):
    post = make_post()
    roots = [make_comment(post, f"Thread {i}") for i in range(5)]
    late_reply = make_comment(post, "A reply to the first thread.", parent=roots[0])
    first = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert comment_ids_in_order(first) == [roots[0].id, late_reply.id, roots[1].id]
    assert 'href="/posts/' in first and "?cpage=2#comments" in first
    third = client.get(f"/posts/{post.slug}/?cpage=3").get_data(as_text=True)
    assert comment_ids_in_order(third) == [roots[4].id]
    # Past the end shows the last page rather than an empty discussion.
    assert comment_ids_in_order(client.get(f"/posts/{post.slug}/?cpage=99").get_data(as_text=True)) == [roots[4].id]


@pytest.mark.settings(COMMENTS_PER_PAGE=2, COMMENTS_ORDER="newest")
def test_newest_first_setting_puts_the_latest_thread_on_page_one(client, make_post, make_comment):
    post = make_post()
    roots = [make_comment(post, f"Thread {i}") for i in range(3)]
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert comment_ids_in_order(html) == [roots[2].id, roots[1].id]


@pytest.mark.settings(COMMENTS_PER_PAGE=2)
def test_comment_permalink_redirects_to_its_page_and_anchor(client, make_post, make_comment):
    post = make_post()
    roots = [make_comment(post) for _ in range(5)]
    reply = make_comment(post, parent=roots[4])
    response = client.get(f"/comments/{reply.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/posts/{post.slug}/?cpage=3#comment-{reply.id}"
    assert client.get(f"/comments/{roots[0].id}").headers["Location"] == f"/posts/{post.slug}/#comment-{roots[0].id}"


def test_permalink_of_a_hidden_or_unknown_comment_is_404(client, make_post, make_comment):
    post = make_post()
    spam = make_comment(post, status="spam")
    held = make_comment(post, status="pending")
    assert client.get(f"/comments/{spam.id}").status_code == 404
    assert client.get(f"/comments/{held.id}").status_code == 404
    assert client.get("/comments/999999").status_code == 404


def test_comments_are_marked_up_as_schema_org_comments_of_the_article(client, make_post, make_comment):
    post = make_post()
    first = make_comment(post, "Great review.", name="Ann")
    make_comment(post, "Thanks!", parent=first, name="Bob")
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert 'itemscope itemtype="https://schema.org/BlogPosting"' in html
    assert html.count('itemprop="comment" itemscope itemtype="https://schema.org/Comment"') == 2
    assert '<b itemprop="name">Ann</b>' in html
    assert 'itemprop="dateCreated"' in html and 'itemprop="text"' in html


def test_deleted_comment_with_replies_shows_placeholder_and_keeps_the_replies(client, make_post, make_comment):
    post = make_post()
    parent = make_comment(post, "Something regrettable.")
    reply = make_comment(post, "A thoughtful answer.", parent=parent)
    lonely = make_comment(post, "Nobody answered this.", status="trash")
    parent.status = CommentStatus.TRASH
    db.session.commit()
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "This comment was deleted." in html
    assert "Something regrettable." not in html
    assert "A thoughtful answer." in html
    assert f'id="comment-{lonely.id}"' not in html
    placeholder = li_block(html, parent.id)
    assert placeholder.index("This comment was deleted.") < placeholder.index(f'<li id="comment-{reply.id}"')


def test_post_authors_comments_carry_an_author_badge(client, make_user, make_post, make_comment):
    author = make_user("author", name="Bebop Shock")
    post = make_post(author=author)
    reader = make_comment(post, "Nice.", name="Reader")
    reply = make_comment(post, "Thanks for reading!", parent=reader, user=author)
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    mine = li_block(html, reply.id)
    assert 'class="badge badge-author">Author</span>' in mine[: mine.index("</article>")]
    theirs = li_block(html, reader.id)
    assert "badge-author" not in theirs[: theirs.index("</article>")]


def test_avatar_is_a_local_identicon_with_gravatar_only_as_an_upgrade(client, make_post, make_comment):
    post = make_post()
    comment = make_comment(post, email="Ann@Example.org ")
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    match = re.search(r'<img class="avatar" src="(/avatars/([0-9a-f]{64})\.svg)"', html)
    assert match, "the page's avatar must be our own SVG"
    assert match.group(2) == comment.avatar_hash
    # The upgrade: comments.js asks Gravatar (d=404) for the hash the identicon is named after.
    assert '<ol class="comment-list" data-gravatar="https://www.gravatar.com/avatar/">' in html
    svg = client.get(match.group(1))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True).startswith("<svg")
    assert "max-age=31536000" in svg.headers["Cache-Control"]
    assert client.get(match.group(1), headers={"If-None-Match": svg.headers["ETag"]}).status_code == 304
    assert client.get("/avatars/not-a-hash.svg").status_code == 404


@pytest.mark.settings(GRAVATAR=False)
def test_without_gravatar_the_page_never_points_at_gravatar(client, make_post, make_comment):
    post = make_post()
    make_comment(post)
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert "gravatar.com" not in html and 'src="/avatars/' in html


def test_tree_builder_drops_hidden_leaves_and_keeps_hidden_parents_of_visible_replies(app, make_post, make_comment):
    post = make_post()
    root = make_comment(post, status="spam")
    child = make_comment(post, parent=root)
    spam_leaf = make_comment(post, parent=child, status="spam")
    viewer = threads.Viewer()
    rows = threads.load_threads(post.id, [root.id])
    tree = threads.build_tree(rows, [root.id], viewer, post.author_id)
    assert [n.id for n in tree] == [root.id]
    assert tree[0].placeholder == "This comment was deleted."
    assert [n.id for n in tree[0].children] == [child.id]
    assert tree[0].children[0].children == []
    assert spam_leaf.id not in {n.id for n in threads.flatten(tree)}


def test_comment_count_on_the_post_follows_approved_comments(client, make_post, make_comment):
    post = make_post()
    make_comment(post)
    make_comment(post, status="pending")
    make_comment(post, status="spam")
    db.session.expire_all()
    assert db.session.get(type(post), post.id).comment_count == 1


def test_edited_comment_is_marked_edited(client, make_post, make_comment):
    post = make_post()
    comment = make_comment(post, edited_at=utcnow() - timedelta(minutes=1))
    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert ">edited</time>" in li_block(html, comment.id)
    assert db.session.get(Comment, comment.id).edited_at is not None


@pytest.mark.parametrize("sort", ["oldest", "newest", "best"])
def test_the_one_statement_thread_page_matches_the_general_two_query_path(app, make_post, make_comment, sort):
    """Readers with no comments of their own get the prepared single statement; readers who may
    see their own held comments take the general path. For a reader who owns nothing here both
    must show the same threads, in the same order, with the same count."""
    post = make_post()
    other = make_post("Another post")
    make_comment(other, "Not on this post.")
    roots = [make_comment(post, f"Thread {i}.") for i in range(7)]
    roots[3].pinned = True
    roots[5].like_count = 4
    make_comment(post, "A reply.", parent=roots[1])
    make_comment(post, "Held.", parent=roots[2], status="pending")
    hidden_root = make_comment(post, "Spam that holds up a reply.", status="spam")
    make_comment(post, "Answer to spam.", parent=hidden_root)
    make_comment(post, "Spam alone.", status="spam")
    db.session.commit()
    anyone = threads.Viewer()
    for page in (1, 2, 3):
        rows, ids, total = threads.public_page(post.id, page, 3, sort)
        expected_ids, expected_total = threads.thread_page(post.id, anyone, page, 3, sort)
        assert ids == expected_ids
        assert total == expected_total
        expected_rows = threads.load_threads(post.id, expected_ids)
        assert sorted(row[0] for row in rows) == sorted(row[0] for row in expected_rows)
        tree = threads.flatten(threads.build_tree(rows, ids, anyone, post.author_id))
        expected = threads.flatten(threads.build_tree(expected_rows, expected_ids, anyone, post.author_id))
        assert [(n.id, n.visible, n.placeholder, n.created_at) for n in tree] == [
            (n.id, n.visible, n.placeholder, n.created_at) for n in expected
        ]
    assert threads.public_page(post.id, 4, 3, sort) == ([], [], None)


@pytest.mark.parametrize("sort", ["oldest", "newest", "best"])
def test_a_threads_page_number_counts_exactly_the_threads_listed_before_it(
    app, make_post, make_comment, make_user, sort
):
    """Where a permalink or a new comment lands is counted from the readable comments, not by
    asking each top-level comment (held and spam ones pile up): the count must still agree, thread
    for thread, with the list the reader pages through, whoever the reader is."""
    post = make_post()
    member = make_user("reader", email="member@example.org")
    start = utcnow() - timedelta(days=2)
    roots = [make_comment(post, f"Thread {i}.", created_at=start + timedelta(minutes=i)) for i in range(6)]
    roots[2].pinned = True
    roots[4].like_count = 3
    make_comment(post, "A reply.", parent=roots[1])
    spam_root = make_comment(post, "Spam, with a reply.", status="spam", created_at=start + timedelta(minutes=7))
    make_comment(post, "An answer to the spam.", parent=spam_root, created_at=start + timedelta(minutes=8))
    for i in range(5):  # hidden top-level comments with nothing readable under them
        make_comment(post, f"Spam {i}.", status="spam", created_at=start + timedelta(minutes=10 + i))
    held_guest = make_comment(post, "Held, by a guest.", status="pending", created_at=start + timedelta(minutes=20))
    held_member = make_comment(
        post, "Held, by a member.", status="pending", user=member, created_at=start + timedelta(minutes=21)
    )
    deleted_root = make_comment(post, "Deleted, with a reply.", created_at=start + timedelta(minutes=22), deleted=True)
    make_comment(post, "Under the deleted one.", parent=deleted_root, created_at=start + timedelta(minutes=23))
    make_comment(post, "Held reply of the guest.", parent=roots[0], status="pending")
    db.session.commit()
    for viewer in (threads.Viewer(), threads.Viewer(guest_ids=[held_guest.id]), threads.Viewer(user_id=member.id)):
        listed, total = threads.thread_page(post.id, viewer, 1, 100, sort)
        assert threads.count_threads(post.id, viewer) == total == len(listed)
        for place, root_id in enumerate(listed):
            root = db.session.get(Comment, root_id)
            assert threads.position_of_thread(post.id, viewer, sort, root) == place, (viewer, root.body_source)
    anyone_sees = threads.thread_page(post.id, threads.Viewer(), 1, 100, sort)[0]
    assert spam_root.id in anyone_sees and deleted_root.id in anyone_sees
    assert held_guest.id not in anyone_sees and held_member.id not in anyone_sees
    assert held_guest.id in threads.thread_page(post.id, threads.Viewer(guest_ids=[held_guest.id]), 1, 100, sort)[0]


def test_a_posts_readable_threads_are_counted_from_the_index_alone(app, make_post, make_comment):
    """Every page of a post's comments shows how many threads it has: counted from the (post,
    status, deleted, thread) index, never by reading each comment's row and its long stored cards."""
    from sqlalchemy import event

    post = make_post()
    for n in range(40):
        root = make_comment(post, f"Thread {n}.", commit=False)
        db.session.flush()
        make_comment(post, f"A reply to thread {n}.", parent=root, commit=False)
    db.session.commit()
    # Statistics, and on PostgreSQL the visibility map an index-only scan needs, as autovacuum keeps them.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if conn.dialect.name == "sqlite" else "VACUUM ANALYZE comments")
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, params, context, executemany):
        captured.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert threads.count_threads(post.id, threads.Viewer()) == 40
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, params = captured[-1]
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
        assert any("COVERING INDEX ix_comments_post_status_deleted_thread" in line for line in plan), plan
    else:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tables this small would be scanned
        # Whether PostgreSQL may skip the table (an index-only scan) depends on VACUUM having marked
        # its pages visible, which another test's open transaction (pytest -n 2) can hold back: what
        # this asserts is the index the count reads, not a bitmap of every approved comment.
        connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params)]
        assert any(
            line.lstrip(" ->").startswith(("Index Only Scan using", "Index Scan using"))
            and "ix_comments_post_status_deleted_thread" in line
            for line in plan
        ), plan
    db.session.rollback()


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_a_page_of_threads_is_read_in_order_from_the_index(app, make_post, make_comment, sort):
    """The first page of a post's threads walks the top-level comments in the reader's order and
    stops after a page (``ix_comments_roots_*``): a post with thousands of threads read and sorted
    every one of them on each view. The page still starts with the pinned thread, then the order."""
    from sqlalchemy import event

    from blog.comments import markup

    post = make_post()
    roots = []
    for n in range(30):
        roots.append(make_comment(post, f"Thread {n}.", commit=False, created_at=utcnow() + timedelta(minutes=n)))
        db.session.flush()
    roots[7].pinned = True
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if conn.dialect.name == "sqlite" else "ANALYZE comments")
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, params, context, executemany):
        captured.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        page = threads.stored_page(post.id, 5, sort, markup.card_version())
        ids = threads.thread_page(post.id, threads.Viewer(), 1, 5, sort)[0]
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    rest = [r.id for r in roots if r is not roots[7]]
    expected = [roots[7].id, *(rest[:4] if sort == "oldest" else rest[::-1][:4])]
    assert ids == expected
    assert page is not None and [int(i) for i in re.findall(r'<li id="comment-(\d+)"', page.items)] == expected
    index = f"ix_comments_roots_{sort}"
    connection = db.session.connection()
    for statement, params in captured:
        if "LIMIT" not in statement.upper():
            continue
        if connection.dialect.name == "sqlite":
            plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
            assert any(index in line for line in plan) and not any("ORDER BY" in line for line in plan), plan
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_sort = off")
            plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, params)]
            assert any(f"Index Scan using {index}" in line or f"Index Scan Backward using {index}" in line
                       for line in plan), plan  # fmt: skip
    db.session.rollback()
