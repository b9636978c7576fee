"""`flask export` then `flask import` into an empty database: everything is there, no secrets."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, text

from blog import create_app
from blog.extensions import db
from blog.models import (
    Category,
    Comment,
    CommentStatus,
    ModerationAction,
    Post,
    Review,
    Role,
    User,
    Work,
    WorkRevision,
)
from blog.models.base import utcnow
from blog.models.pages import Page, PageRedirect, PageStatus
from blog.pages.editing import PageInput, input_from, save_page, write_page
from blog.pages.revisions import revision_list
from blog.portability import SECRET_COLUMN, exported_columns, exported_tables
from blog.posts.editing import PostInput, save_post
from tests.conftest import PASSWORD, TEST_DATABASE_URL, build_config


def build_site(make_user, make_post):
    admin = make_user(Role.ADMIN, email="ed@example.org", name="Ed")
    reader = make_user(Role.READER, email="rin@example.org", name="りん", password=None)
    parent = Category(name="Anime", slug="anime")
    db.session.add(parent)
    db.session.flush()
    db.session.add(Category(name="Anthologies", slug="anthologies", parent_id=parent.id))
    post = make_post(
        "Fond Memories Part 1: Magnetic Rose",
        "Memories is a *three episode* anthology.",
        author=admin,
        tags=["anime", "Satoshi Kon"],
        categories=["Anime"],
        series_title="Fond Memories",
        series_part=1,
    )
    make_post("Part 2: Stink Bomb", "Draft thoughts.", author=admin, status="draft")
    make_post("Part 3: Cannon Fodder", "Soon.", author=admin, published_at=utcnow() + timedelta(days=3))
    save_post(
        admin,
        PostInput(
            title="Fond Memories Part 1",
            body_md=post.body_md,
            status=post.status,
            published_at=post.published_at,
            slug="fond-memories-1",
        ),
        post=post,
    )
    first = Comment(
        post_id=post.id,
        author_name="Ann",
        author_email="ann@example.org",
        author_ip="203.0.113.9",
        body_source="The *score*!",
        body_html="<p>The <em>score</em>!</p>",
        status=CommentStatus.APPROVED,
    )
    db.session.add(first)
    db.session.flush()
    first.thread_id = first.id
    reply = Comment(
        post_id=post.id,
        parent_id=first.id,
        thread_id=first.id,
        depth=1,
        user_id=reader.id,
        author_name=reader.name,
        body_source="Yes — Yoko Kanno.",
        body_html="<p>Yes — Yoko Kanno.</p>",
        status=CommentStatus.APPROVED,
    )
    held = Comment(
        post_id=post.id,
        author_name="Spammer",
        body_source="cheap",
        body_html="<p>cheap</p>",
        status=CommentStatus.PENDING,
    )
    db.session.add_all([reply, held])
    db.session.flush()
    db.session.add(ModerationAction(comment_id=held.id, actor_id=admin.id, action="hold", note="links"))
    work = Work(title="Memories", original_title="メモリーズ", slug="memories", year=1995, runtime_minutes=113)
    db.session.add(work)
    db.session.flush()
    db.session.add(Work(title="Magnetic Rose", slug="magnetic-rose", parent_id=work.id, position=1))
    db.session.add(
        WorkRevision(
            work_id=work.id,
            number=1,
            snapshot={"title": "Memories", "year": 1995, "credits": [{"role": "director"}]},
            author_id=admin.id,
            summary="First version",
        )
    )
    db.session.add(Review(post_id=post.id, work_id=work.id, score=8.5, scale=10, verdict="Haunting."))
    scores = write_page(
        admin,
        PageInput(
            title="How I score",
            body_md="A **10** is a favourite for life; メモリーズ got one.",
            status=PageStatus.PUBLISHED,
            show_in_menu=True,
            menu_label="Scores",
            menu_order=2,
        ),
    )
    db.session.add(PageRedirect(old_slug="how-i-rate", page_id=scores.id))  # its address before
    edited = input_from(scores)
    edited.body_md += "\n\nA 5 is fine."
    save_page(admin, edited, scores, max_bytes=1024 * 1024, revision_note="The fives")  # a second page revision
    write_page(admin, PageInput(title="Review policy", body_md="Not written yet.", status=PageStatus.DRAFT))
    db.session.commit()
    return admin


def table_contents():
    contents = {}
    with db.engine.connect() as conn:
        for table in exported_tables():
            columns = exported_columns(table)
            order = list(table.primary_key.columns)
            rows = conn.execute(select(*(table.c[c] for c in columns)).order_by(*order)).all()
            contents[table.name] = [tuple(row) for row in rows]
    return contents


@pytest.fixture
def empty_app(tmp_path):
    """A second site on a fresh database (a new SQLite file, or a new PostgreSQL schema)."""
    if TEST_DATABASE_URL:
        schema = "t_" + uuid.uuid4().hex[:12]
        engine = create_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        config = build_config(tmp_path / "second", schema)
    else:
        (tmp_path / "second").mkdir()
        config = build_config(tmp_path / "second", None)
    second = create_app(config)
    with second.app_context():
        db.create_all()
        db.session.remove()
    yield second
    with second.app_context():
        db.session.remove()
        db.engine.dispose()
    if TEST_DATABASE_URL:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def export_without(app, tmp_path, table: str, column: str):
    """The site exported, then written as an export from before ``column`` existed would be."""
    path = tmp_path / "site.json"
    assert app.test_cli_runner().invoke(args=["export", str(path)]).exit_code == 0
    data = json.loads(path.read_text())
    rows = data["tables"][table]
    drop = rows["columns"].index(column)
    rows["columns"].pop(drop)
    for row in rows["rows"]:
        row.pop(drop)
    path.write_text(json.dumps(data))
    return path


def test_export_then_import_loses_nothing_but_secrets(app, make_user, make_post, empty_app, tmp_path):
    build_site(make_user, make_post)
    before = table_contents()
    path = tmp_path / "site.json"
    result = app.test_cli_runner().invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    raw = path.read_text()
    data = json.loads(raw)
    assert data["format"] == "sargasso-export"
    assert "scrypt" not in raw and "password_hash" not in data["tables"]["users"]["columns"]
    assert data["omitted"]["columns"]["users"] == ["password_hash"]
    assert "メモリーズ" in raw and "Yes — Yoko Kanno." in raw

    with empty_app.app_context():
        result = empty_app.test_cli_runner().invoke(args=["import", str(path)])
        assert result.exit_code == 0, result.output
        assert "Imported" in result.output
        after = table_contents()
        assert after.keys() == before.keys()
        for name in before:
            assert after[name] == before[name], f"table {name} differs after the round trip"
        # What a reader would notice: the posts, the thread, the scheduled post still scheduled.
        client = empty_app.test_client()
        page = client.get("/posts/fond-memories-1/").get_data(as_text=True)
        assert "Fond Memories Part 1" in page
        assert client.get("/posts/fond-memories-part-1-magnetic-rose/").status_code == 301
        home = client.get("/").get_data(as_text=True)
        assert "Cannon Fodder" not in home
        # The pages: the published one at its address and in the menu, the draft still a draft.
        assert '<a href="/how-i-score/">Scores</a>' in home
        assert "favourite for life" in client.get("/how-i-score/").get_data(as_text=True)
        assert client.get("/review-policy/").status_code == 404
        assert client.get("/how-i-rate/").headers["Location"].endswith("/how-i-score/")
        scores = db.session.scalar(select(Page).where(Page.slug == "how-i-score"))
        assert [(r.summary, r.note) for r in revision_list(scores)] == [
            ("body (+2 −0 lines)", "The fives"),
            ("first published version", ""),
        ]
        ed = db.session.scalar(select(User).where(User.email == "ed@example.org"))
        assert ed.password_hash is None and not ed.check_password(PASSWORD)
        # New rows get fresh ids (PostgreSQL sequences moved past the imported ones).
        new = save_post(ed, PostInput(title="After the move", body_md="Hello again.", status="published"))
        db.session.commit()
        assert new.id > max(row[0] for row in before["posts"])
        assert db.session.scalar(select(Comment).where(Comment.depth == 1)).parent_id is not None


def test_import_refuses_a_database_that_is_not_empty(app, make_user, make_post, tmp_path):
    build_site(make_user, make_post)
    path = tmp_path / "site.json"
    assert app.test_cli_runner().invoke(args=["export", str(path)]).exit_code == 0
    posts_before = db.session.scalar(select(db.func.count(Post.id)))
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code != 0
    assert "not empty" in result.output and "flask db upgrade" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(Post.id))) == posts_before


def test_import_refuses_a_file_that_is_not_an_export(app, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"posts": []}')
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code != 0 and "not a Sargasso export" in result.output
    path.write_text("{oops")
    result = app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code != 0 and "not valid JSON" in result.output


def test_every_table_is_exported_unless_it_is_secret_or_transient():
    names = {t.name for t in exported_tables()}
    assert {"posts", "comments", "users", "works", "slug_redirects", "page_redirects", "page_revisions"} <= names
    assert "media_files" in names
    assert "email_login_tokens" not in names and "cache_generation" not in names
    for table in exported_tables():
        assert not any(SECRET_COLUMN.search(c) for c in exported_columns(table))


def test_the_media_list_names_every_stored_file(app, tmp_path):
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    (media / "poster.webp").write_bytes(b"RIFF....WEBP")
    out = tmp_path / "site.json"
    assert app.test_cli_runner().invoke(args=["export", str(out)]).exit_code == 0
    listed = json.loads(out.read_text())["media"]
    assert listed == [{"path": "poster.webp", "bytes": 12, "sha256": hashlib.sha256(b"RIFF....WEBP").hexdigest()}]


def test_an_export_from_before_announcements_does_not_email_followers_again(
    app, make_user, make_post, empty_app, tmp_path
):
    build_site(make_user, make_post)
    path = export_without(app, tmp_path, "posts", "announced_at")

    with empty_app.app_context():
        assert empty_app.test_cli_runner().invoke(args=["import", str(path)]).exit_code == 0
        rows = db.session.execute(select(Post.slug, Post.published_at, Post.announced_at)).all()
        now = utcnow()
        live = [r for r in rows if r.published_at is not None and r.published_at <= now]
        assert live and all(r.announced_at == r.published_at for r in live)
        scheduled = [r for r in rows if r.published_at is not None and r.published_at > now]
        assert scheduled and all(r.announced_at is None for r in scheduled)


def test_an_export_from_before_search_terms_finds_cjk_words_after_import(app, make_post, empty_app, tmp_path):
    """``posts.search_terms`` (CJK bigrams for search) is worked out on import when the export has none."""
    make_post("Kon", "原題は「彼女の想いで」で、脚本は今敏が担当した。")
    path = export_without(app, tmp_path, "posts", "search_terms")

    with empty_app.app_context():
        assert empty_app.test_cli_runner().invoke(args=["import", str(path)]).exit_code == 0
        page = empty_app.test_client().get("/search", query_string={"q": "今敏"}).get_data(as_text=True)
        assert 'href="/posts/kon/">Kon</a>' in page
