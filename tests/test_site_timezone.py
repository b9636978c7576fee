"""A site in another time zone (``SITE_TIMEZONE``): readers and staff see, and staff type, its wall
clock; the database, feeds and ``<time datetime>`` keep UTC.

The instants are chosen on a zone's edges: 2025-12-31T16:00Z is 2026-01-01 01:00 in Tokyo (a New
Year's post), Paris puts its clocks forward at 02:00 on 2026-03-29 and back at 03:00 on 2026-10-25.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from blog import create_app
from blog.comments import insights, markup, threads
from blog.config import ConfigError
from blog.extensions import db
from blog.models import Comment, Post, Role
from blog.models.discussion import Ban
from blog.models.works import Review, Work
from blog.posts import queries
from blog.timezone import LocalTimeError, local, local_month_bounds, sqlite_local, to_utc
from tests.conftest import build_config
from tests.reviews_support import seed_memories

ROOT = Path(__file__).resolve().parents[1]
NEW_YEAR_IN_TOKYO = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 2026-01-01 01:00 JST

tokyo = pytest.mark.settings(SITE_TIMEZONE="Asia/Tokyo")
paris = pytest.mark.settings(SITE_TIMEZONE="Europe/Paris")


def _titles(html: str) -> list[str]:
    return re.findall(r'class="post-card-title"><a href="[^"]+">([^<]+)</a>', html)


def _post_form(**fields: str) -> dict[str, str]:
    data = {"title": "Perfect Blue", "body_md": "Who is the real Mima?", "comment_status": "open", "action": "publish"}
    data.update(fields)
    return data


@contextlib.contextmanager
def restarted(app: Flask, tmp_path: Path, pg_schema: str | None, **settings: Any) -> Iterator[Flask]:
    """The same site on the same database, started again with other settings (as an operator
    changing ``instance/config.py`` and restarting the workers would)."""
    other = create_app(build_config(tmp_path, pg_schema, PAGE_CACHE_ENABLED=False, **settings))
    try:
        with other.app_context():
            yield other
            db.session.remove()
    finally:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def stored_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For each post page that asked for its stored thread cards: how many threads it took."""
    taken: list[int] = []
    original = threads.stored_page

    def spy(*args: Any, **kwargs: Any) -> threads.StoredPage | None:
        found = original(*args, **kwargs)
        taken.append(found.threads if found is not None else 0)
        return found

    monkeypatch.setattr(threads, "stored_page", spy)
    return taken


# ----------------------------------------------------------------------------- the setting


def test_the_default_is_utc_and_dates_read_as_they_always_did(app, client, make_post, make_comment):
    assert app.config["SITE_TIMEZONE"] == "UTC"
    post = make_post("Hogmanay", published_at=NEW_YEAR_IN_TOKYO)
    make_comment(post, "Late night.", created_at=datetime(2025, 12, 31, 16, 5, tzinfo=UTC))

    html = client.get(f"/posts/{post.slug}/").get_data(as_text=True)

    assert ">December 31, 2025</time>" in html
    assert 'itemprop="dateCreated">December 31, 2025 at 4:05 pm</time>' in html
    assert client.get("/2025/12/").status_code == 200 and client.get("/2026/1/").status_code == 404


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Europe", "europe/paris", "localtime", "../etc/passwd", 42])
def test_an_unknown_zone_stops_the_app_with_a_message_naming_the_setting(tmp_path, name):
    with pytest.raises(ConfigError, match=r"^SITE_TIMEZONE: .*Use an IANA time zone name such as Europe/Paris"):
        create_app(build_config(tmp_path, None, SITE_TIMEZONE=name))


def test_the_zone_is_read_from_the_environment_and_checked_there_too(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_TIMEZONE", "America/Los_Angeles")
    assert create_app(build_config(tmp_path, None)).config["SITE_TIMEZONE"] == "America/Los_Angeles"
    monkeypatch.setenv("BLOG_SITE_TIMEZONE", "Asia/Tokyo")  # the prefixed name wins, as for every setting
    assert create_app(build_config(tmp_path, None)).config["SITE_TIMEZONE"] == "Asia/Tokyo"
    monkeypatch.setenv("BLOG_SITE_TIMEZONE", "Asia/Atlantis")
    with pytest.raises(ConfigError, match="no time zone is called 'Asia/Atlantis'"):
        create_app(build_config(tmp_path, None))


def test_wsgi_says_in_one_line_which_zone_it_does_not_know(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "a-long-enough-secret-key-for-this-test",
        "SITE_TIMEZONE": "Europe/Pariss",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sargasso: SITE_TIMEZONE: no time zone is called 'Europe/Pariss'")


# ----------------------------------------------------------------------------- what readers see


@tokyo
def test_a_new_years_post_in_tokyo_is_dated_and_filed_in_january(client, make_post, make_user):
    author = make_user(Role.AUTHOR, name="Mina")
    post = make_post(
        "Toshikoshi",
        "Soba at midnight.",
        author=author,
        published_at=NEW_YEAR_IN_TOKYO,
        tags=["new year"],
        series_title="Seasons",
        series_part=1,
    )
    last_minute = datetime(2025, 12, 31, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo
    make_post("Last of the year", "Dinner.", author=author, published_at=last_minute)

    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    machine = 'datetime="2025-12-31T16:00:00+00:00"'  # <time datetime> stays UTC
    assert f'<time class="post-date" {machine} itemprop="datePublished">January 1, 2026</time>' in page
    for path in ("/", "/tag/new-year/", "/search?q=soba", f"/author/{author.id}/", "/series/seasons/"):
        assert f"{machine}>January 1, 2026</time>" in client.get(path).get_data(as_text=True), path
    assert f"latest <time {machine}>January 1, 2026</time>" in client.get("/series/").get_data(as_text=True)

    january = client.get("/2026/1/").get_data(as_text=True)
    assert _titles(january) == ["Toshikoshi"] and ">January 2026</h1>" in january
    assert _titles(client.get("/2025/12/").get_data(as_text=True)) == ["Last of the year"]
    assert _titles(client.get("/2026/").get_data(as_text=True)) == ["Toshikoshi"]
    assert _titles(client.get("/2025/").get_data(as_text=True)) == ["Last of the year"]

    archives = client.get("/archives/").get_data(as_text=True)
    assert '<a href="/2026/1/">January</a> <span class="count">(1)</span>' in archives
    assert '<a href="/2025/12/">December</a> <span class="count">(1)</span>' in archives
    assert [(m.year, m.month, m.count) for m in queries.archive_months()] == [(2026, 1, 1), (2025, 12, 1)]


@tokyo
def test_archive_counts_and_archive_pages_share_the_months_edges(client, make_post):
    end_of_january = datetime(2026, 1, 31, 15, 0, tzinfo=UTC)  # February 1, 00:00 in Tokyo
    make_post("Last minute of January", published_at=end_of_january - timedelta(minutes=1))
    make_post("First minute of February", published_at=end_of_january)
    make_post("Mid February", published_at=datetime(2026, 2, 14, 3, 0, tzinfo=UTC))

    counts = {(m.year, m.month): m.count for m in queries.archive_months()}
    assert counts == {(2026, 2): 2, (2026, 1): 1}
    for (year, month), count in counts.items():
        assert len(_titles(client.get(f"/{year}/{month}/").get_data(as_text=True))) == count


@tokyo
def test_feeds_and_structured_data_keep_utc(client, make_post):
    post = seed_memories(make_post, published_at=NEW_YEAR_IN_TOKYO)
    atom = client.get("/feed.atom").get_data(as_text=True)
    assert "<published>2025-12-31T16:00:00Z</published>" in atom
    assert f",2025-12-31:post-{post.id}</id>" in atom  # entry ids never move with the zone
    rss = client.get("/feed.rss").get_data(as_text=True)
    assert "Wed, 31 Dec 2025 16:00:00 +0000" in rss
    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert '"datePublished": "2025-12-31T16:00:00+00:00"' in page
    assert '<meta property="article:published_time" content="2025-12-31T16:00:00+00:00">' in page


@tokyo
def test_the_works_page_dates_its_reviews_in_the_site_zone(client, make_post):
    post = seed_memories(make_post, published_at=NEW_YEAR_IN_TOKYO)
    reviewed = select(Work).join(Review, Review.work_id == Work.id).where(Review.post_id == post.id)
    work = db.session.scalars(reviewed).one()
    html = client.get(f"/works/{work.slug}/").get_data(as_text=True)
    assert '<time datetime="2025-12-31T16:00:00+00:00">January 1, 2026</time>' in html


@tokyo
@pytest.mark.settings(COMMENTS_MODERATION="all-approved", PAGE_CACHE_ENABLED=False)
def test_a_comment_posted_on_a_tokyo_site_shows_tokyo_time(app, client, make_post, stored_threads):
    post = make_post()
    response = client.post(
        f"/posts/{post.slug}/comments", data={"body": "From Shibuya.", "name": "Kei", "email": "kei@example.org"}
    )
    assert response.status_code == 302
    comment = db.session.scalars(select(Comment)).one()
    in_tokyo = comment.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    label = f"{in_tokyo:%B} {in_tokyo.day}, {in_tokyo.year} at {in_tokyo.hour % 12 or 12}:{in_tokyo:%M} "
    label += "am" if in_tokyo.hour < 12 else "pm"

    html = app.test_client().get(f"/posts/{post.slug}/").get_data(as_text=True)  # another reader: stored cards

    assert stored_threads == [1]
    machine = comment.created_at.isoformat(timespec="seconds")
    assert f'datetime="{machine}" itemprop="dateCreated">{label}</time>' in html


@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_changing_the_zone_never_shows_cards_stored_in_the_old_one(
    app, client, make_post, make_comment, stored_threads, tmp_path, pg_schema
):
    post = make_post()
    make_comment(post, "Posted just after midnight UTC.", created_at=datetime(2026, 3, 3, 0, 14, tzinfo=UTC))
    path = f"/posts/{post.slug}/"
    assert "March 3, 2026 at 12:14 am" in client.get(path).get_data(as_text=True)
    assert stored_threads == [1]

    with restarted(app, tmp_path, pg_schema, SITE_TIMEZONE="Asia/Tokyo") as tokyo_site:
        # At once: the stored cards name another zone, so the page is put together afresh.
        html = tokyo_site.test_client().get(path).get_data(as_text=True)
        assert "March 3, 2026 at 9:14 am" in html and "12:14 am" not in html
        assert stored_threads == [1, 0]
        # `flask rerender` stores them in the new zone; pages read them again.
        result = tokyo_site.test_cli_runner().invoke(args=["rerender", "--no-posts"])
        assert result.exit_code == 0 and "Cards: 1 of comments and 1 of threads written, on 1 post." in result.output
        html = tokyo_site.test_client().get(path).get_data(as_text=True)
        assert "March 3, 2026 at 9:14 am" in html and stored_threads == [1, 0, 1]

    # Back in UTC, the Tokyo cards are not used either.
    db.session.expire_all()
    html = client.get(path).get_data(as_text=True)
    assert "March 3, 2026 at 12:14 am" in html and "9:14 am" not in html and stored_threads[-1] == 0


def test_no_two_zones_share_a_card_version():
    from blog.timezone import zone_name

    assert zone_name() == "UTC"  # outside an app
    versions: dict[int, str] = {}
    app = Flask("zones")
    for name in sorted(zoneinfo.available_timezones() | {"UTC"}):
        app.config["SITE_TIMEZONE"] = name
        with app.app_context():
            version = markup.card_version()
        assert 0 < version < 2**31 and version not in versions, (name, versions.get(version))
        versions[version] = name
    assert versions[markup.CARD_VERSION] == "UTC"  # sites that never set a zone keep their cards


# ----------------------------------------------------------------------------- the editor


@paris
def test_scheduling_nine_oclock_in_paris_in_winter_stores_eight_utc(app, client, login, make_user):
    login(client, make_user(Role.ADMIN))
    editor = client.get("/admin/posts/new").get_data(as_text=True)
    assert "Publish date (Europe/Paris)" in editor and "Times are in Europe/Paris" in editor
    assert 'data-editor-zone="Europe/Paris"' in editor

    response = client.post("/admin/posts/new", data=_post_form(published_at="2099-01-15T09:00"))

    assert response.status_code == 302
    post = db.session.scalars(select(Post)).one()
    assert post.published_at == datetime(2099, 1, 15, 8, 0, tzinfo=UTC) and post.is_scheduled
    edit = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Scheduled for 15 Jan 2099, 09:00 CET." in edit
    assert 'value="2099-01-15T09:00"' in edit and ">15 Jan 2099, 09:00 CET</time>" in edit
    preview = client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    banner = 'It appears to readers on <time datetime="2099-01-15T08:00:00+00:00">January 15, 2099 at 09:00 CET</time>.'
    assert banner in preview
    assert ">Thu 15 Jan 2099, 09:00 CET</time>" in client.get("/admin/upcoming").get_data(as_text=True)
    assert ">15 Jan 2099, 09:00</time>" in client.get("/admin/?status=scheduled").get_data(as_text=True)


@paris
def test_summer_time_in_paris_is_two_hours_ahead(client, login, make_user):
    login(client, make_user(Role.ADMIN))
    client.post("/admin/posts/new", data=_post_form(published_at="2099-07-15T09:00"))
    post = db.session.scalars(select(Post)).one()
    assert post.published_at == datetime(2099, 7, 15, 7, 0, tzinfo=UTC)
    assert ">15 Jul 2099, 09:00 CEST</time>" in client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)


@paris
def test_a_time_the_clocks_skip_is_refused_and_the_typed_value_kept(client, login, make_user):
    login(client, make_user(Role.ADMIN))
    response = client.post("/admin/posts/new", data=_post_form(published_at="2026-03-29T02:30"))

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "02:30 on March 29, 2026 does not exist in Europe/Paris" in html and "such as 03:30" in html
    assert 'value="2026-03-29T02:30"' in html and 'id="published_at-error"' in html
    assert db.session.scalars(select(Post)).first() is None


@paris
def test_a_time_the_clocks_repeat_is_the_first_of_the_two(client, login, make_user):
    login(client, make_user(Role.ADMIN))
    client.post("/admin/posts/new", data=_post_form(published_at="2026-10-25T02:30"))
    post = db.session.scalars(select(Post)).one()
    assert post.published_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not 02:30 CET
    edit = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="2026-10-25T02:30"' in edit and ">25 Oct 2026, 02:30 CEST</time>" in edit


@paris
def test_the_wall_clock_conversions_around_pariss_clock_changes(app):
    assert to_utc(datetime(2026, 1, 15, 9, 0)) == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    assert to_utc(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert to_utc(datetime(2026, 10, 25, 2, 30, fold=1)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    with pytest.raises(LocalTimeError, match="does not exist in Europe/Paris"):
        to_utc(datetime(2026, 3, 29, 2, 30))
    assert to_utc(datetime(2026, 3, 29, 2, 30), strict=False) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    # A month holding the change to summer time is 31 days less one hour long.
    start, end = local_month_bounds(2026, 3)  # type: ignore[misc]
    assert (start, end) == (datetime(2026, 2, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 31, 22, 0, tzinfo=UTC))
    assert local_month_bounds(2026, 13) is None


@tokyo
def test_the_calendars_ends_never_fail(app, client, make_post):
    assert local_month_bounds(1, 1)[0] == datetime.min.replace(tzinfo=UTC)  # type: ignore[index]
    with pytest.raises(LocalTimeError, match="too far in the past"):
        to_utc(datetime(1, 1, 1, 5, 0))  # the year 0 in UTC
    assert local(datetime.max.replace(tzinfo=UTC)).tzinfo is UTC  # past 9999 in Tokyo: shown in UTC
    assert sqlite_local("not a date", "Asia/Tokyo") is None and sqlite_local(None, "Asia/Tokyo") is None
    make_post("Far future", published_at=datetime(9999, 12, 31, 20, 0, tzinfo=UTC))
    for path in ("/0001/1/", "/1/", "/9998/12/", "/archives/"):
        assert client.get(path).status_code in (200, 404), path


@tokyo
def test_an_editor_date_off_the_calendar_is_a_form_error(client, login, make_user):
    login(client, make_user(Role.ADMIN))
    response = client.post("/admin/posts/new", data=_post_form(published_at="0001-01-01T05:00"))
    assert response.status_code == 400 and "too far in the past or the future" in response.get_data(as_text=True)


# ----------------------------------------------------------------------------- staff pages


@tokyo
@pytest.mark.settings(PAGE_CACHE_ENABLED=False)
def test_admin_lists_show_the_site_zone(app, client, login, make_user, make_post, make_comment):
    admin = make_user(Role.ADMIN, last_login_at=NEW_YEAR_IN_TOKYO)
    post = make_post("Toshikoshi", published_at=NEW_YEAR_IN_TOKYO, author=admin)
    make_comment(post, "Held.", status="pending", created_at=NEW_YEAR_IN_TOKYO)
    login(client, admin)

    assert ">01 Jan 2026, 01:00</time>" in client.get("/admin/").get_data(as_text=True)
    assert ">01 Jan 2026, 01:00 JST</time>" in client.get("/admin/comments").get_data(as_text=True)
    assert ">01 Jan 2026</time>" in client.get("/admin/users").get_data(as_text=True)
    edited = _post_form(title="Toshikoshi soba", base_version=str(post.version))
    assert client.post(f"/admin/posts/{post.id}/edit", data=edited).status_code == 302
    revisions = client.get(f"/admin/posts/{post.id}/revisions").get_data(as_text=True)
    assert re.search(r">\d\d \w{3} \d{4}, \d\d:\d\d:\d\d JST</time>", revisions)


@paris
def test_a_ban_until_a_date_ends_at_that_days_start_in_the_site_zone(client, login, make_user, make_post, make_comment):
    comment = make_comment(make_post(), "Spam, spam, spam.")
    login(client, make_user(Role.ADMIN))
    form = client.get(f"/comments/{comment.id}/ban").get_data(as_text=True)
    assert "Until (the start of that day, Europe/Paris time; leave it empty for a permanent ban)" in form

    response = client.post(f"/comments/{comment.id}/ban", data={"kind": "email", "until": "2099-06-01"})

    assert response.status_code == 302
    assert db.session.scalars(select(Ban)).one().until == datetime(2099, 5, 31, 22, 0, tzinfo=UTC)
    assert ">2099-06-01 00:00 CEST</time>" in client.get("/admin/bans").get_data(as_text=True)


@tokyo
def test_the_discussion_insights_count_days_and_months_of_the_site(app, make_post, make_comment):
    post = make_post()
    make_comment(post, "Late on the 1st in UTC.", created_at=datetime(2026, 1, 1, 16, 0, tzinfo=UTC))  # Jan 2, JST
    make_comment(post, "Early on the 1st in UTC.", created_at=datetime(2026, 1, 1, 1, 0, tzinfo=UTC))  # Jan 1, JST

    per_day = insights.comments_per_day(datetime(2026, 1, 10, tzinfo=UTC))

    assert {day.isoformat(): n for day, n in per_day.items()} == {"2026-01-01": 1, "2026-01-02": 1}
    assert insights.insights(datetime(2026, 1, 31, 16, 0, tzinfo=UTC)).month_label == "February 2026"
