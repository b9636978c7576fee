"""`flask import-wordpress`: a reviewer moving off WordPress finds their posts, comments, categories and
tags on the site, and a bad or hostile export is refused with a message and changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select

from blog.comments import cards
from blog.extensions import db
from blog.models import (
    Category,
    Comment,
    CommentStatus,
    Follower,
    ImportedItem,
    ModerationAction,
    OutgoingMail,
    Page,
    PageStatus,
    Post,
    PostStatus,
    Role,
    SlugRedirect,
    Tag,
    User,
)
from blog.models.base import utcnow
from blog.posts.editing import reading_stats
from blog.rendering import html_to_text, render_post, summary_of
from tests.conftest import PASSWORD

FIXTURE = Path(__file__).parent / "fixtures" / "wordpress" / "theme-unit-test.wordpress.xml"
TABLES = (Post, Page, Comment, User, Category, Tag, ImportedItem, SlugRedirect, ModerationAction)

pytestmark = pytest.mark.settings(PAGE_CACHE_ENABLED=False)


def import_wordpress(app: Flask, path: Path, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=["import-wordpress", str(path), *args])
    db.session.rollback()  # read what the command committed, not what this session remembers
    return result


def counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0 for model in TABLES}


def post(slug: str) -> Post:
    found = db.session.scalar(select(Post).where(Post.slug == slug))
    assert found is not None, f"no post {slug}"
    return found


def refused(result: Any, message: str) -> None:
    """Exit code 1, one line saying why, and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.output
    assert "Traceback" not in result.output


# ----------------------------------------------------------------------------- small exports, written here

WP_NS = "http://wordpress.org/export/1.2/"


def wxr(
    *items: str, extra: str = "", version: str = "1.2", head: str = "", site: str = "https://old.example.org"
) -> str:
    ns = f"http://wordpress.org/export/{version}/"
    return f"""<?xml version="1.0" encoding="UTF-8"?>{head}
<rss version="2.0" xmlns:excerpt="{ns}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{ns}">
<channel>
  <title>Old reviews</title>
  <link>{site}</link>
  <wp:wxr_version>{version}</wp:wxr_version>
  <wp:base_site_url>{site}</wp:base_site_url>
  <wp:base_blog_url>{site}</wp:base_blog_url>
  <wp:author>
    <wp:author_login><![CDATA[kon]]></wp:author_login>
    <wp:author_email><![CDATA[kon@example.org]]></wp:author_email>
    <wp:author_display_name><![CDATA[Satoshi Kon]]></wp:author_display_name>
  </wp:author>
  {extra}
  {"".join(items)}
</channel>
</rss>
"""


def item(
    post_id: int,
    title: str,
    content: str,
    *,
    name: str | None = None,
    status: str = "publish",
    date: str = "2020-05-01 10:00:00",
    gmt: str | None = None,
    post_type: str = "post",
    password: str = "",
    excerpt: str = "",
    terms: str = "",
    comments: str = "",
    comment_status: str = "open",
    creator: str = "kon",
    parent: int = 0,
    attachment_url: str = "",
    meta: str = "",
) -> str:
    slug = name if name is not None else re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return f"""
  <item>
    <title><![CDATA[{title}]]></title>
    <link>https://old.example.org/?p={post_id}</link>
    <dc:creator><![CDATA[{creator}]]></dc:creator>
    <guid isPermaLink="false">https://old.example.org/?p={post_id}</guid>
    <content:encoded><![CDATA[{content}]]></content:encoded>
    <excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
    <wp:post_id>{post_id}</wp:post_id>
    <wp:post_date><![CDATA[{date}]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[{gmt if gmt is not None else date}]]></wp:post_date_gmt>
    <wp:post_modified_gmt><![CDATA[{gmt if gmt is not None else date}]]></wp:post_modified_gmt>
    <wp:comment_status><![CDATA[{comment_status}]]></wp:comment_status>
    <wp:post_name><![CDATA[{slug}]]></wp:post_name>
    <wp:status><![CDATA[{status}]]></wp:status>
    <wp:post_parent>{parent}</wp:post_parent>
    <wp:post_type><![CDATA[{post_type}]]></wp:post_type>
    <wp:post_password><![CDATA[{password}]]></wp:post_password>
    <wp:is_sticky>0</wp:is_sticky>
    <wp:attachment_url><![CDATA[{attachment_url}]]></wp:attachment_url>
    {meta}{terms}{comments}
  </item>"""


def comment(
    comment_id: int,
    content: str,
    *,
    parent: int = 0,
    approved: str = "1",
    author: str = "Reader",
    email: str = "reader@example.org",
    url: str = "",
    kind: str = "",
    date: str = "2020-05-02 10:00:00",
) -> str:
    return f"""
    <wp:comment>
      <wp:comment_id>{comment_id}</wp:comment_id>
      <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[{email}]]></wp:comment_author_email>
      <wp:comment_author_url>{url}</wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[203.0.113.7]]></wp:comment_author_IP>
      <wp:comment_date><![CDATA[{date}]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[{content}]]></wp:comment_content>
      <wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
      <wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
      <wp:comment_parent>{parent}</wp:comment_parent>
      <wp:comment_user_id>0</wp:comment_user_id>
    </wp:comment>"""


def write(tmp_path: Path, text: str, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the Theme Unit Test export


def test_the_theme_unit_test_export_arrives_as_posts_readers_can_read(app: Flask, client: Any) -> None:
    result = import_wordpress(app, FIXTURE)

    assert result.exit_code == 0, result.output
    assert "Posts: 50 (2 draft, 47 published, 1 scheduled); 0 already imported; 1 skipped." in result.output
    assert "Comments: 22 (21 approved, 1 pending); 0 already imported; 10 skipped." in result.output
    assert "Categories: 65 created. Tags: 61 created." in result.output
    assert "Authors: 2 accounts created, 0 matched to existing accounts." in result.output
    assert "Pages: 20 (20 published); 0 already imported; 1 skipped." in result.output  # the export's 21 pages
    assert "38 attachments not copied" in result.output
    assert "“Edge Case: No Content”: it has no content" in result.output
    assert "password-protected posts, imported as drafts (Sargasso has no post passwords): “Template: Password" in (
        result.output
    )
    assert "sticky posts, imported as ordinary posts (Sargasso has no sticky posts): “Template: Sticky”" in (
        result.output
    )
    assert "4 comments skipped: pingbacks and trackbacks (import them with --pingbacks)" in result.output
    assert counts()["posts"] == 50

    page = client.get("/posts/post-format-image-caption/").get_data(as_text=True)
    assert "<h1" in page and "Post Format: Image (Caption)" in page
    figure = BeautifulSoup(page, "html.parser").select_one(".post-body figure")
    assert figure is not None
    assert figure.img["src"] == "https://wpthemetestdata.files.wordpress.com/2008/06/100_5478.jpg?w=604"
    assert figure.img["alt"] == "Bell on Wharf"
    assert figure.figcaption.get_text(strip=True) == "Bell on wharf in San Francisco"

    standard = client.get("/posts/post-format-standard/").get_data(as_text=True)
    assert "beaching their coracles [simple boat]." in standard  # not a shortcode we know: kept as typed

    titled = post("markup-title-with-markup")
    assert titled.title == "Markup: Title With Markup"  # WordPress titles are HTML; ours are text
    assert "(and “up” is <sup>super</sup>script)" in titled.body_html

    block = client.get("/posts/block-category-common/").get_data(as_text=True)
    assert "<!-- wp:" not in block and "wp:paragraph" not in block
    assert "<p>This paragraph is left aligned.</p>" in block

    home = client.get("/").get_data(as_text=True)
    assert "Block: Image" in home  # the newest post (November 2018) leads the home page


def test_the_theme_unit_tests_pages_arrive_as_pages_at_the_sites_top_level(app: Flask, client: Any) -> None:
    result = import_wordpress(app, FIXTURE)

    assert result.exit_code == 0, result.output
    assert "page “Επίπεδο 3”: it has no content, and a page needs a body" in result.output
    assert (
        "12 pages under another page on WordPress are at the site's top level, at their own address "
        "(pages have no parents here): “Page with comments”"
    ) in result.output
    assert "page “a Blog page”: /blog/ is taken by the site itself, so it is at /blog-2/" in result.output
    assert "page “Επίπεδο 2 -Second Greek level”: its address /επίπεδο-2/ is spelled /epipedo-2/ here" in result.output
    assert "imported pages are not in the site menu" in result.output
    assert "5 comments skipped: on a page (pages have no comments here)" in result.output
    pages = {page.slug: page for page in db.session.scalars(select(Page))}
    assert len(pages) == 20 and {page.status for page in pages.values()} == {PageStatus.PUBLISHED}
    assert {"about", "level-1", "level-2", "level-3", "level-3b", "blog-2", "greek", "epipedo-2"} <= set(pages)
    for page in pages.values():
        assert not page.unfiltered_html and not page.show_in_menu
        assert page.body_html == render_post(page.body_md), page.slug
    assert pages["about"].title == "About The Tests"
    assert pages["about"].created_at.year < 2020  # WordPress's dates, not the import's

    about = client.get("/about/")
    assert about.status_code == 200 and "About The Tests" in about.get_data(as_text=True)
    assert client.get("/level-3/").status_code == 200  # was /level-1/level-2/level-3/
    assert client.get("/blog-2/").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert "About The Tests" not in home and 'href="/about/"' not in home  # no list, and not in the menu
    assert db.session.scalar(select(func.count(Post.id)).where(Post.title == "About The Tests")) == 0


def test_page_statuses_addresses_and_clashes_map_as_a_wordpress_user_expects(
    app: Flask, client: Any, make_user: Any, tmp_path: Path
) -> None:
    from blog.pages.editing import PageInput, write_page

    write_page(make_user(Role.ADMIN), PageInput(title="About me", body_md="Mine.", slug="about", status="published"))
    db.session.commit()
    path = write(
        tmp_path,
        wxr(
            item(10, "About", "<p>Their about page.</p>", name="about", post_type="page"),
            item(11, "Team", "<p>Who we are.</p>", name="team", post_type="page", parent=10),
            item(12, "Search", "<p>Search tips.</p>", name="search", post_type="page"),
            item(13, "Secret", "<p>Private.</p>", post_type="page", status="private"),
            item(14, "Soon", "<p>Not yet.</p>", post_type="page", status="future", date="2031-01-01 10:00:00"),
            item(15, "Waiting", "<p>Pending.</p>", post_type="page", status="pending"),
            item(16, "Locked", "<p>Password.</p>", post_type="page", password="hunter2"),
            item(17, "Sketch", "<p>Draft.</p>", name="", post_type="page", status="draft"),
            item(18, "Binned", "<p>Gone.</p>", post_type="page", status="trash"),
            item(19, "Guestbook", "<p>Sign here.</p>", post_type="page", comments=comment(1, "Hello")),
        ),
    )
    result = import_wordpress(app, path)

    assert result.exit_code == 0, result.output
    assert "Pages: 9 (5 draft, 4 published); 0 already imported; 1 skipped." in result.output
    assert "page “About”: /about/ is taken by another page, so it is at /about-2/" in result.output
    assert "page “Search”: /search/ is taken by the site itself, so it is at /search-2/" in result.output
    assert "1 page under another page on WordPress is at the site's top level, at its own address" in result.output
    assert (
        "pages imported as drafts: “Secret” (private), “Soon” (scheduled), “Waiting” (waiting for review), "
        "“Locked” (password-protected)"
    ) in result.output
    assert "page “Binned”: in the WordPress trash" in result.output
    assert "1 comment skipped: on a page (pages have no comments here)" in result.output
    statuses = dict(db.session.execute(select(Page.slug, Page.status)).all())
    assert statuses == {
        "about": "published",  # ours, untouched
        "about-2": "published",
        "team": "published",
        "search-2": "published",
        "secret": "draft",
        "soon": "draft",
        "waiting": "draft",
        "locked": "draft",
        "sketch": "draft",  # no WordPress slug: made from the title
        "guestbook": "published",
    }
    assert "Mine." in client.get("/about/").get_data(as_text=True)
    assert "Their about page." in client.get("/about-2/").get_data(as_text=True)
    assert client.get("/secret/").status_code == 404


def test_importing_pages_again_adds_nothing_and_brings_back_a_deleted_one(app: Flask, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        wxr(
            item(10, "About", "<p>Hello.</p>", name="about", post_type="page"),
            item(11, "Colophon", "<p>Made with care.</p>", name="colophon", post_type="page"),
        ),
    )
    assert import_wordpress(app, path).exit_code == 0
    again = import_wordpress(app, path)
    assert "Pages: 0 (none); 2 already imported; 0 skipped." in again.output
    assert sorted(db.session.scalars(select(Page.slug))) == ["about", "colophon"]

    db.session.delete(db.session.scalar(select(Page).where(Page.slug == "colophon")))
    db.session.commit()
    third = import_wordpress(app, path)
    assert "Pages: 1 (1 published); 1 already imported; 0 skipped." in third.output
    assert sorted(db.session.scalars(select(Page.slug))) == ["about", "colophon"]
    assert db.session.scalar(select(func.count(ImportedItem.id)).where(ImportedItem.kind == "page")) == 2


def test_imported_posts_are_rendered_exactly_as_the_editor_renders_them(app: Flask) -> None:
    assert import_wordpress(app, FIXTURE).exit_code == 0

    for imported in db.session.scalars(select(Post)):
        assert not imported.unfiltered_html  # imported text never gets the editors' wider allowlist
        assert imported.body_html == render_post(imported.body_md), imported.slug
        assert imported.body_text == html_to_text(imported.body_html, spoilers=False)
        assert (imported.word_count, imported.reading_minutes) == reading_stats(html_to_text(imported.body_html))
        if not imported.excerpt.startswith("This is a user-defined post excerpt."):
            assert imported.excerpt == summary_of(imported.body_html)  # none typed: made from the text
    generated = post("template-excerpt-generated")
    assert generated.excerpt == summary_of(generated.body_html)
    defined = post("template-excerpt-defined")
    assert defined.excerpt.startswith("This is a user-defined post excerpt.")


def test_statuses_dates_authors_and_comment_settings_map_as_a_wordpress_user_expects(app: Flask) -> None:
    assert import_wordpress(app, FIXTURE).exit_code == 0

    scheduled = post("scheduled")
    assert scheduled.status == PostStatus.PUBLISHED
    assert scheduled.published_at == datetime(2030, 1, 1, 19, 0, 18, tzinfo=UTC)
    assert scheduled.announced_at is None  # announced when its time comes, as any scheduled post
    draft = db.session.scalar(select(Post).where(Post.title == "Draft"))
    assert draft is not None and draft.status == PostStatus.DRAFT and draft.slug == "draft"
    protected = post("template-password-protected")
    assert protected.status == PostStatus.DRAFT
    sticky = post("template-sticky")
    assert sticky.is_live and sticky.published_at == datetime(2012, 1, 7, 14, 7, 21, tzinfo=UTC)
    assert sticky.announced_at is not None  # announced on WordPress long ago: no email now
    assert post("edge-case-no-title").title == "(no title)"
    assert not post("template-comments-disabled").comments_open
    assert post("template-comments").comments_open

    accounts = {user.email: user for user in db.session.scalars(select(User))}
    assert set(accounts) == {"themeshaperwp+demos@gmail.com", "themereviewteam@gmail.com"}
    for account in accounts.values():
        assert account.role == Role.AUTHOR and account.password_hash is None
    assert accounts["themeshaperwp+demos@gmail.com"].name == "Theme Buster"
    assert post("keyboard-navigation").author.email == "themereviewteam@gmail.com"

    featured = post("template-featured-image-horizontal")
    assert featured.cover_image is not None and featured.cover_image.startswith("https://wpthemetestdata.files")
    assert featured.cover_alt


def test_nested_categories_and_tags_come_across_with_their_posts(app: Flask, client: Any) -> None:
    assert import_wordpress(app, FIXTURE).exit_code == 0

    grandchild = db.session.scalar(select(Category).where(Category.name == "Grandchild Category"))
    assert grandchild is not None and grandchild.parent is not None
    assert grandchild.parent.name == "Child Category 03"
    assert grandchild.parent.parent is not None and grandchild.parent.parent.name == "Parent Category"
    assert grandchild.description == "This is a description for the Grandchild Category."
    many = post("edge-case-many-categories")
    assert "Grandchild Category" in {c.name for c in many.categories}

    page = client.get(f"/category/{grandchild.slug}/").get_data(as_text=True)
    assert "Edge Case: Many Categories" in page
    tagged = post("edge-case-many-tags")
    assert len(tagged.tags) > 30
    assert "Edge Case: Many Tags" in client.get("/tag/8bit/").get_data(as_text=True)


def test_threaded_comments_show_nested_under_their_parents_with_counts_and_cards_right(app: Flask, client: Any) -> None:
    assert import_wordpress(app, FIXTURE).exit_code == 0

    article = post("template-comments")
    stored = list(db.session.scalars(select(Comment).where(Comment.post_id == article.id)))
    assert len(stored) == 20
    assert article.comment_count == 19  # the approved ones
    assert max(c.depth for c in stored) == app.config["COMMENTS_MAX_DEPTH"] - 1  # ten levels, capped as posting caps
    pending = [c for c in stored if c.status == CommentStatus.PENDING]
    assert [c.author_name for c in pending] == ["auser"]

    page = BeautifulSoup(client.get("/posts/template-comments/").get_data(as_text=True), "html.parser")
    depth_2 = next(li for li in page.select("li.comment") if "Comment Depth 02" in li.article.get_text())
    parent = depth_2.find_parent("li", class_="comment")
    assert parent is not None and "Comment Depth 01" in parent.article.get_text()
    assert "this is test comment" not in page.get_text()  # held for moderation: not shown to readers
    author_reply = next(li for li in page.select("li.comment") if "Author Comment." in li.article.get_text())
    assert "bypostauthor" in author_reply["class"]

    # The stored cards are what a fresh rebuild would write: nothing left to change.
    assert cards.refresh_post(article.id, only_changed=True) == cards.Written(0, 0)


def test_importing_the_same_export_twice_adds_nothing(app: Flask) -> None:
    assert import_wordpress(app, FIXTURE).exit_code == 0
    before = counts()

    again = import_wordpress(app, FIXTURE)

    assert again.exit_code == 0, again.output
    assert "Posts: 0 (none); 50 already imported; 1 skipped." in again.output
    assert "Comments: 0 (none); 22 already imported;" in again.output
    assert "Pages: 0 (none); 20 already imported; 1 skipped." in again.output
    assert "Categories: 0 created. Tags: 0 created." in again.output
    assert counts() == before
    assert post("template-comments").comment_count == 19


def test_a_dry_run_prints_the_report_and_writes_nothing(app: Flask) -> None:
    result = import_wordpress(app, FIXTURE, "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Dry run: would import from https://wpthemetestdata.wordpress.com (WXR 1.2):" in result.output
    assert "Posts: 50 (2 draft, 47 published, 1 scheduled)" in result.output
    assert "Dry run: nothing was written." in result.output
    assert set(counts().values()) == {0}


def test_pingbacks_and_trackbacks_come_in_marked_when_asked(app: Flask, client: Any) -> None:
    result = import_wordpress(app, FIXTURE, "--pingbacks")

    assert result.exit_code == 0, result.output
    assert "Comments: 26 (25 approved, 1 pending)" in result.output
    pings = post("template-pingbacks-an-trackbacks")
    assert pings.comment_count == 5
    page = client.get("/posts/template-pingbacks-an-trackbacks/").get_data(as_text=True)
    assert "<em>Pingback:</em> [...] Just a short one. [...]" in page
    assert "<em>Trackback:</em>" in page
    assert "Ping 1 « What’s a tellyworth?" in BeautifulSoup(page, "html.parser").get_text()


# ----------------------------------------------------------------------------- refused files


def test_a_truncated_export_is_refused_and_nothing_is_written(app: Flask, tmp_path: Path) -> None:
    data = FIXTURE.read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: len(data) // 2])

    result = import_wordpress(app, cut)

    refused(result, "is not well-formed XML (line")
    assert "Export it again from WordPress" in result.output
    assert set(counts().values()) == {0}


def test_an_xxe_attempt_is_refused_without_reading_the_file(app: Flask, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    head = f'\n<!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">]>'
    path = write(tmp_path, wxr(item(1, "Leak", "&leak;"), head=head))

    result = import_wordpress(app, path)

    refused(result, "was refused: it declares a DTD, entities or external references")
    assert "TOP-SECRET-VALUE" not in result.output
    assert set(counts().values()) == {0}


def test_a_billion_laughs_export_is_refused(app: Flask, tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    head = f'\n<!DOCTYPE rss [<!ENTITY l0 "lol">{laughs}]>'
    path = write(tmp_path, wxr(item(1, "Laughs", "&l9;"), head=head))

    result = import_wordpress(app, path)

    refused(result, "was refused")
    assert set(counts().values()) == {0}


def test_files_that_are_not_wordpress_exports_are_refused_with_what_to_do(app: Flask, tmp_path: Path) -> None:
    feed = write(tmp_path, '<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title></channel></rss>')
    refused(import_wordpress(app, feed), "is an RSS feed, not a WordPress export")
    other = write(tmp_path, "<html><body>Hello</body></html>", "page.xml")
    refused(import_wordpress(app, other), "is XML but not a WordPress export")
    future = write(tmp_path, wxr(item(1, "Later", "Text."), version="2.0"), "future.xml")
    refused(import_wordpress(app, future), "this importer reads versions 1.0, 1.1, 1.2")
    empty = write(tmp_path, "", "empty.xml")
    refused(import_wordpress(app, empty), "is not well-formed XML")
    assert set(counts().values()) == {0}


# ----------------------------------------------------------------------------- content, edge by edge


def test_classic_content_becomes_markdown_with_paragraphs_figures_and_links(
    app: Flask, client: Any, tmp_path: Path
) -> None:
    content = (
        "First paragraph of the review.\nA second line of it.\n\nAnother paragraph with <em>style</em>.\n\n"
        "<h2>Verdict</h2>\n"
        '[caption id="attachment_9" align="alignleft" width="300"]<a href="https://old.example.org/files/rose.jpg">'
        '<img src="https://old.example.org/files/rose.jpg" alt="The derelict ship" width="300" /></a> '
        "Heintz <strong>boards</strong> the ship.[/caption]\n\n"
        "[spoiler]Not a shortcode we know[/spoiler] and a price of [5] euros.\n\n"
        "[embed]https://www.youtube.com/watch?v=abc123[/embed]\n\n"
        "https://vimeo.com/12345\n\n"
        "[gallery]\n\n"
        "<!--more-->After the fold || and 5 * 3 _underscores_ &lt;notatag&gt; & ::: literal."
    )
    attachment = item(
        20,
        "Poster",
        "",
        post_type="attachment",
        status="inherit",
        parent=10,
        excerpt="The poster",
        attachment_url="https://old.example.org/files/poster.png",
        meta="<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>"
        "<wp:meta_value><![CDATA[Memories poster]]></wp:meta_value></wp:postmeta>",
    )
    path = write(
        tmp_path, wxr(item(10, "Magnetic Rose", content, excerpt="<p>A <b>haunting</b> short.</p>"), attachment)
    )

    assert import_wordpress(app, path).exit_code == 0

    imported = post("magnetic-rose")
    assert imported.excerpt == "A haunting short."
    md = imported.body_md
    assert md.startswith("First paragraph of the review.\\\nA second line of it.\n\nAnother paragraph with *style*.")
    assert "\n# Verdict\n" in md  # WordPress's <h2> is our first section heading (<h2> on the page)
    assert "![The derelict ship](https://old.example.org/files/rose.jpg)\nHeintz **boards** the ship." in md
    html = imported.body_html
    assert "<p>First paragraph of the review.<br>\nA second line of it.</p>" in html
    assert "<h2>Verdict</h2>" in html
    assert "<figcaption>Heintz <strong>boards</strong> the ship.</figcaption>" in html
    assert '<a href="https://www.youtube.com/watch?v=abc123">' in html
    assert '<a href="https://vimeo.com/12345">' in html
    assert 'alt="Memories poster"' in html and "<figcaption>The poster</figcaption>" in html
    text = html_to_text(html)
    assert "[spoiler]Not a shortcode we know[/spoiler] and a price of [5] euros." in text
    assert "After the fold || and 5 * 3 _underscores_ <notatag> & ::: literal." in text
    assert "spoiler" not in html.replace("[spoiler]", "").replace("[/spoiler]", "")  # not one of our spoilers
    page = client.get("/posts/magnetic-rose/").get_data(as_text=True)
    assert "Heintz <strong>boards</strong> the ship." in page


def test_block_editor_content_keeps_its_blocks_text_and_says_what_was_left_out(app: Flask, tmp_path: Path) -> None:
    content = (
        "<!-- wp:paragraph -->\n<p>Block text.</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:image {"id":5} -->\n<figure class="wp-block-image"><img src="https://old.example.org/a.jpg" alt="A"/>'
        "<figcaption>A caption</figcaption></figure>\n<!-- /wp:image -->\n\n"
        '<!-- wp:latest-posts {"postsToShow":3} /-->\n\n'
        "<!-- wp:paragraph -->\n<p>Two\nlines stay one paragraph.</p>\n<!-- /wp:paragraph -->"
    )
    path = write(tmp_path, wxr(item(10, "Blocks", content)))

    result = import_wordpress(app, path)

    assert result.exit_code == 0, result.output
    assert "“Blocks”: blocks WordPress makes on each view were left out (wp:latest-posts)" in result.output
    html = post("blocks").body_html
    assert "<p>Block text.</p>" in html
    assert '<figure><img src="https://old.example.org/a.jpg" alt="A"' in html and "<figcaption>A caption" in html
    assert "<br>" not in html  # the block editor's newlines are not wpautop's line breaks
    assert "wp:" not in post("blocks").body_md


def test_statuses_dates_and_slugs_of_edge_cases(app: Flask, client: Any, make_post: Any, tmp_path: Path) -> None:
    make_post("Perfect Blue", "Already here.")
    path = write(
        tmp_path,
        wxr(
            item(1, "Future review", "Soon.", status="future", date="2999-01-01 09:00:00"),
            item(2, "Private notes", "Mine.", status="private"),
            item(3, "Waiting", "For an editor.", status="pending"),
            item(4, "Unsaved", "Work in progress.", status="draft", name="", gmt="0000-00-00 00:00:00"),
            item(5, "Perfect Blue", "Imported one.", date="2019-02-03 04:05:06", gmt="0000-00-00 00:00:00"),
            item(6, "Binned", "Gone.", status="trash"),
            item(7, "メモリーズ", "Japanese slug.", name="%e3%83%a1%e3%83%a2%e3%83%aa%e3%83%bc%e3%82%ba"),
        ),
    )

    result = import_wordpress(app, path)

    assert result.exit_code == 0, result.output
    future = post("future-review")
    assert future.is_scheduled
    assert client.get("/posts/future-review/").status_code == 404  # not public before its time
    assert "Future review" not in client.get("/").get_data(as_text=True)
    assert post("private-notes").status == PostStatus.DRAFT
    assert "private posts, imported as drafts: “Private notes”" in result.output
    assert post("waiting").status == PostStatus.PENDING
    assert post("unsaved").status == PostStatus.DRAFT  # no post_name: the slug comes from the title
    second = post("perfect-blue-2")  # the site's own post keeps its address
    assert second.published_at == datetime(2019, 2, 3, 4, 5, 6, tzinfo=UTC)  # post_date when the GMT one is zero
    assert "“Binned”: in the WordPress trash" in result.output
    japanese = post("memorisu")
    assert db.session.get(SlugRedirect, "メモリーズ").post_id == japanese.id  # the WordPress slug still answers
    assert client.get("/posts/メモリーズ/").status_code == 301


@pytest.mark.settings(COMMENTS_MAX_DEPTH=3)
def test_comment_statuses_trash_and_deep_threads(app: Flask, client: Any, tmp_path: Path) -> None:
    comments = "".join(
        [
            comment(1, "Top level, approved."),
            comment(2, "Held for a moderator.", approved="0"),
            comment(3, "Buy pills", approved="spam"),
            comment(4, "Trashed parent.", approved="trash"),
            comment(5, "Reply to the trashed one.", parent=4),
            comment(6, "Level one.", parent=1),
            comment(7, "Level two.", parent=6),
            comment(8, "Level three.", parent=7),
            comment(9, "Level four.", parent=8),
            comment(10, "A reply listed before its parent.", parent=11, date="2020-05-01 11:00:00"),
            comment(11, "Its parent, written later.", date="2020-05-03 10:00:00"),
        ]
    )
    path = write(tmp_path, wxr(item(1, "Paprika", "Dreams.", comments=comments)))

    result = import_wordpress(app, path)

    assert result.exit_code == 0, result.output
    assert "1 comment skipped: in the WordPress trash" in result.output
    stored = {c.body_source: c for c in db.session.scalars(select(Comment))}
    assert stored["Held for a moderator."].status == CommentStatus.PENDING
    assert stored["Buy pills"].status == CommentStatus.SPAM
    assert stored["Reply to the trashed one."].parent_id is None  # its parent was not imported
    assert stored["Level four."].depth == 2  # COMMENTS_MAX_DEPTH=3: the deepest level is 2, as posting caps it
    assert stored["Level four."].thread_id == stored["Top level, approved."].id
    assert stored["A reply listed before its parent."].parent_id == stored["Its parent, written later."].id
    history = {a.comment_id: a.action for a in db.session.scalars(select(ModerationAction))}
    assert history == {stored["Held for a moderator."].id: "hold", stored["Buy pills"].id: "spam"}
    assert post("paprika").comment_count == 8
    page = client.get("/posts/paprika/").get_data(as_text=True)
    assert "Level four." in page and "Held for a moderator." not in page and "Buy pills" not in page


def test_hostile_posts_and_comments_are_rendered_harmless(app: Flask, client: Any, tmp_path: Path) -> None:
    body = (
        '<p>Fine film.</p><script>alert("post")</script><img src="x.png" onerror="alert(1)">'
        '<a href="javascript:alert(2)">trap</a> <iframe src="javascript:alert(3)"></iframe>'
        '<p onclick="alert(4)" style="color:red">clicky</p><svg onload="alert(5)"></svg>'
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>'
    )
    hostile = (
        'Nice review <script>alert("c")</script><img src=x onerror=alert(6)> '
        '<a href="javascript:alert(7)">click me</a> <a href=" JaVaScRiPt:alert(8)">second</a> '
        "[x](javascript:alert(9)) <b onmouseover=alert(10)>bold</b>"
    )
    path = write(
        tmp_path,
        wxr(
            item(
                1,
                "Perfect <script>alert(11)</script>Blue",
                body,
                name="perfect-blue",
                comments=comment(1, hostile, url="javascript:alert(12)"),
            ),
            version="1.1",
        ),
    )

    assert import_wordpress(app, path).exit_code == 0

    imported = post("perfect-blue")
    assert imported.title == "Perfect Blue"  # a title is text: tags and scripts in it are gone
    page = client.get(f"/posts/{imported.slug}/").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), element
            if name in {"href", "src", "action", "formaction"}:
                assert not str(value).strip().lower().startswith(("javascript:", "data:")), element
    assert not [s for s in soup.find_all("script") if "alert" in s.get_text()]
    assert not soup.select(".post-body iframe, .post-body svg, .comment-content iframe, .comment-content svg")
    stored = db.session.scalar(select(Comment))
    assert stored is not None and stored.author_url == ""
    text = soup.get_text()
    for words in ("Fine film.", "trap", "clicky", "data link", "click me", "second", "bold"):
        assert words in text  # the text stays; only what could run is gone


def test_existing_accounts_are_matched_and_never_changed(app: Flask, make_user: Any, tmp_path: Path) -> None:
    editor = make_user(Role.EDITOR, email="kon@example.org", name="Kon-san")
    contributor = make_user(Role.CONTRIBUTOR, email="mia@example.org", name="mia")
    extra = "<wp:author><wp:author_login>mia</wp:author_login><wp:author_email>old-mia@example.org</wp:author_email>"
    extra += "<wp:author_display_name>Mia</wp:author_display_name></wp:author>"
    path = write(
        tmp_path,
        wxr(
            item(1, "By Kon", "Text."),
            item(2, "By Mia", "Text.", creator="mia"),
            item(3, "By Ann", "Text.", creator="ann"),
            extra=extra,
        ),
    )

    result = import_wordpress(app, path)

    assert result.exit_code == 0, result.output
    assert post("by-kon").author_id == editor.id
    assert post("by-mia").author_id == contributor.id  # found by login when the emails differ
    assert post("by-mia").status == PostStatus.PENDING  # a contributor's post waits for an editor
    assert "published posts by a contributor's account, imported as waiting for review: “By Mia”" in result.output
    db.session.refresh(editor)
    assert (editor.name, editor.role, editor.check_password(PASSWORD)) == ("Kon-san", Role.EDITOR, True)
    ann = post("by-ann").author
    assert ann.role == Role.AUTHOR and ann.email is None and ann.password_hash is None
    assert "+ ann (role author, no password)" in result.output


def test_an_author_matching_a_readers_account_stops_the_import(app: Flask, make_user: Any, tmp_path: Path) -> None:
    reader = make_user(Role.READER, email="kon@example.org", name="Kon")
    path = write(tmp_path, wxr(item(1, "By Kon", "Text.", comments=comment(1, "Hi."))))

    result = import_wordpress(app, path)

    refused(result, "matches the account kon@example.org, a reader's, which cannot write posts")
    assert counts() == {**dict.fromkeys(counts(), 0), "users": 1}  # the reader, unchanged
    db.session.refresh(reader)
    assert reader.role == Role.READER


def test_live_posts_are_not_announced_again_to_followers(app: Flask, tmp_path: Path) -> None:
    db.session.add(Follower(email="fan@example.org", confirmed_at=utcnow()))
    db.session.commit()
    path = write(
        tmp_path,
        wxr(
            item(1, "Old review", "From 2020."), item(2, "Later", "Soon.", status="future", date="2999-01-01 00:00:00")
        ),
    )

    assert import_wordpress(app, path).exit_code == 0

    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
    assert post("old-review").announced_at is not None
    assert post("later").announced_at is None


def test_a_newer_export_adds_only_the_comments_written_since(app: Flask, client: Any, tmp_path: Path) -> None:
    first = comment(1, "First!")
    path = write(tmp_path, wxr(item(1, "Tokyo Godfathers", "Christmas.", comments=first)))
    assert import_wordpress(app, path).exit_code == 0
    post("tokyo-godfathers").title = "Tokyo Godfathers (2003)"  # edited here since: an import leaves it alone
    db.session.commit()
    newer = write(
        tmp_path,
        wxr(item(1, "Tokyo Godfathers", "Changed on WordPress.", comments=first + comment(2, "A reply.", parent=1))),
        "newer.xml",
    )

    result = import_wordpress(app, newer)

    assert result.exit_code == 0, result.output
    assert "Comments: 1 (1 approved); 1 already imported;" in result.output
    imported = post("tokyo-godfathers")
    assert imported.title == "Tokyo Godfathers (2003)" and imported.body_md == "Christmas."
    assert imported.comment_count == 2
    reply = db.session.scalar(select(Comment).where(Comment.body_source == "A reply."))
    assert reply is not None and reply.parent_id is not None and reply.depth == 1
    page = BeautifulSoup(client.get("/posts/tokyo-godfathers/").get_data(as_text=True), "html.parser")
    nested = next(li for li in page.select("li.comment") if "A reply." in li.article.get_text())
    assert "First!" in nested.find_parent("li", class_="comment").article.get_text()


def test_odd_categories_and_tags_do_not_stop_the_import(app: Flask, tmp_path: Path) -> None:
    extra = "".join(
        f"<wp:category><wp:category_nicename>{slug}</wp:category_nicename><wp:category_parent>{parent}"
        f"</wp:category_parent><wp:cat_name><![CDATA[{name}]]></wp:cat_name></wp:category>"
        for slug, parent, name in (("loop-a", "loop-b", "Loop A"), ("loop-b", "loop-a", "Loop B"))
    )
    long_tag = "アニメ" * 27
    terms = (
        '<category domain="category" nicename="loop-a"><![CDATA[Loop A]]></category>'
        f'<category domain="post_tag" nicename="long"><![CDATA[{long_tag}]]></category>'
        '<category domain="post_tag" nicename="tom-jerry"><![CDATA[Tom &amp; Jerry]]></category>'
        '<category domain="post_format" nicename="post-format-aside"><![CDATA[Aside]]></category>'
    )
    path = write(tmp_path, wxr(item(1, "Odd terms", "Text.", terms=terms), extra=extra))

    result = import_wordpress(app, path)

    assert result.exit_code == 0, result.output
    loop_a = db.session.scalar(select(Category).where(Category.name == "Loop A"))
    assert loop_a is not None and loop_a.parent is not None and loop_a.parent.name == "Loop B"
    assert loop_a.parent.parent is None  # the loop in the file stops where it would close
    tags = {tag.name: tag.slug for tag in post("odd-terms").tags}
    assert "Tom & Jerry" in tags
    long_name = next(name for name in tags if name.startswith("アニメ"))
    assert len(tags[long_name]) <= 100 and long_tag.startswith(long_name)
    assert {c.name for c in post("odd-terms").categories} == {"Loop A"}


def test_an_export_from_the_sites_new_address_is_recognised_by_its_guids(app: Flask, tmp_path: Path) -> None:
    items = item(1, "Millennium Actress", "Chiyoko.", comments=comment(1, "Lovely."))
    assert import_wordpress(app, write(tmp_path, wxr(items))).exit_code == 0
    before = counts()

    result = import_wordpress(app, write(tmp_path, wxr(items, site="https://new.example.org"), "moved.xml"))

    assert result.exit_code == 0, result.output
    assert "Posts: 0 (none); 1 already imported;" in result.output
    assert "Comments: 0 (none); 1 already imported;" in result.output
    assert counts() == before


@pytest.mark.settings(SITE_TIMEZONE="Europe/Paris")
def test_a_date_without_its_gmt_twin_is_read_on_the_sites_wall_clock(app: Flask, tmp_path: Path) -> None:
    """Drafts often export ``post_date_gmt`` as zeros: ``post_date`` is the blog's local time."""
    path = write(
        tmp_path,
        wxr(item(5, "Perfect Blue", "Imported one.", date="2019-02-03 04:05:06", gmt="0000-00-00 00:00:00")),
    )

    result = import_wordpress(app, path)

    assert result.exit_code == 0, result.output
    assert post("perfect-blue").published_at == datetime(2019, 2, 3, 3, 5, 6, tzinfo=UTC)  # Paris is UTC+1 in February
