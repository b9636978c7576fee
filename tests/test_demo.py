"""`make run`'s set-up: the demo review, the admin with a printed password, and a lasting secret key."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from flask import Config
from flask_migrate import stamp
from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Page, Post, PostStatus, Role, User
from tests.conftest import empty_database_app

PART_1 = "Fond Memories Part 1: Magnetic Rose"


def _printed_password(output: str) -> str:
    match = re.search(r"Password: (\S+)", output)
    assert match, output
    return match.group(1)


def _posts() -> list[Post]:
    db.session.expire_all()
    return list(db.session.scalars(select(Post).order_by(Post.series_part)).unique())


# ----------------------------------------------------------------------------- seed-demo


def test_seed_demo_needs_an_admin_to_be_the_author(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "flask setup-demo" in result.output
    assert _posts() == []


def test_seed_demo_loads_the_review_and_two_draft_parts(app, make_user):
    admin = make_user(Role.ADMIN, name="Bebopshock")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert f"Created “{PART_1}” (published)." in result.output

    first, second, third = _posts()
    assert first.title == PART_1 and first.is_live and first.author_id == admin.id
    assert first.series.title == "Fond Memories" and first.series_part == 1
    assert {t.name for t in first.tags} == {"anime", "Katsuhiro Otomo", "Satoshi Kon", "Memories"}
    assert [c.name for c in first.categories] == ["Anime"]
    html = first.body_html
    assert "<h2>Magnetic Rose</h2>" in html
    assert "<em>Miguel (left) Heintz (right)</em>" in html
    assert "<em>Heintz views a hologram of opera singer Eva Friedel aboard the ship.</em>" in html
    assert re.search(
        r'<a href="https://www\.youtube\.com/results\?search_query=Koji\+Morimoto\+interview"[^>]*>'
        r"An extended interview with Morimoto can be seen here</a>",
        html,
    )
    assert "Leave a Reply" not in html and "You are commenting using" not in html
    assert "Yoko Kanno’s haunting, operatic soundtrack" in html

    assert (second.title, second.series_part) == ("Fond Memories Part 2: Stink Bomb", 2)
    assert (third.title, third.series_part) == ("Fond Memories Part 3: Cannon Fodder", 3)
    assert second.status == third.status == PostStatus.DRAFT
    assert "Nobuo" in second.body_md and "tracking shot" in third.body_md


def test_seed_demo_twice_changes_nothing(app, make_user):
    make_user(Role.ADMIN)
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    first = _posts()
    # Someone renamed part 1 since: it is still recognised as the demo post.
    first[0].title, first[0].slug = "Magnetic Rose, revisited", "magnetic-rose-revisited"
    db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "already there" in result.output
    assert len(_posts()) == 3


def test_seed_post_is_readable_on_the_site(app, client, make_user):
    make_user(Role.ADMIN, name="Bebopshock")
    app.test_cli_runner().invoke(args=["seed-demo"])
    page = client.get("/posts/fond-memories-part-1-magnetic-rose/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert PART_1 in html and "Satoshi Kon" in html
    assert client.get("/posts/fond-memories-part-2-stink-bomb/").status_code == 404  # still a draft


def test_seed_demo_adds_the_about_and_how_i_score_pages_to_the_site_menu(app, client, make_user):
    make_user(Role.ADMIN, name="Bebopshock")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert "Created the page “About” at /about/ (in the site menu)." in result.output
    assert "Created the page “How I score” at /how-i-score/ (in the site menu)." in result.output
    home = client.get("/").get_data(as_text=True)
    nav = home[home.index('<ul class="nav-links">') : home.index("</ul>", home.index('<ul class="nav-links">'))]
    assert nav.index('href="/about/"') < nav.index('href="/how-i-score/"')
    about = client.get("/about/").get_data(as_text=True)
    assert "used DVD store" in about and "lorem" not in about.lower()
    score = client.get("/how-i-score/").get_data(as_text=True)
    assert "<table>" in score and "A favourite for life." in score
    # Run again (someone rewrote the About page since): nothing is added or overwritten.
    page = db.session.scalar(select(Page).where(Page.slug == "about"))
    page.title = "About me"
    db.session.commit()
    again = runner.invoke(args=["seed-demo"])
    assert "already there" in again.output
    assert db.session.scalar(select(func.count(Page.id))) == 2
    assert db.session.scalar(select(Page.title).where(Page.slug == "about")) == "About me"


# ----------------------------------------------------------------------------- setup-demo


def test_setup_demo_creates_the_admin_once_and_prints_the_password_once(app, client):
    stamp()  # the app fixture built the tables already; setup-demo's upgrade then has nothing to do
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup-demo", "--url", "http://127.0.0.1:5000"])
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:5000/login" in first.output
    assert "admin@example.org" in first.output and "shown only once" in first.output
    password = _printed_password(first.output)
    assert len(password) >= 16

    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert admin.role == Role.ADMIN
    posts = _posts()
    assert posts[0].title == PART_1 and len(posts) == 3
    assert all(p.author_id == admin.id for p in posts)

    login = client.post("/login", data={"email": "admin@example.org", "password": password})
    assert login.status_code == 302 and login.headers["Location"] == "/admin/"
    assert PART_1 in client.get("/admin/").get_data(as_text=True)

    again = runner.invoke(args=["setup-demo"])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output and "reset-password admin@example.org" in again.output
    assert "Password:" not in again.output
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert len(_posts()) == 3


@pytest.mark.settings(SECRET_KEY="")
def test_setup_demo_writes_a_lasting_secret_key(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")
    stamp()
    result = app.test_cli_runner().invoke(args=["setup-demo"])
    assert result.exit_code == 0, result.output
    config_file = Path(app.instance_path) / "config.py"
    assert "Wrote a new SECRET_KEY" in result.output
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    saved = Config(app.instance_path)
    assert saved.from_pyfile("config.py")
    assert len(saved["SECRET_KEY"]) == 64 and saved["SECRET_KEY"] == app.config["SECRET_KEY"]
    # A configured key is left alone on the next run.
    before = config_file.read_text()
    again = app.test_cli_runner().invoke(args=["setup-demo"])
    assert "SECRET_KEY" not in again.output
    assert config_file.read_text() == before


def test_setup_demo_builds_a_fresh_database_with_the_migrations(tmp_path):
    """What `make run` does on a new machine: an empty database, then setup-demo."""
    with empty_database_app(tmp_path) as app, app.app_context():
        result = app.test_cli_runner().invoke(args=["setup-demo"])
        assert result.exit_code == 0, result.output
        password = _printed_password(result.output)
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        assert admin is not None and admin.check_password(password)
        part_1 = db.session.scalar(select(Post).where(Post.title == PART_1))
        assert part_1 is not None and part_1.is_live
        assert "Demo page: “About” at /about/." in result.output
        assert {page.slug for page in db.session.scalars(select(Page))} == {"about", "how-i-score"}
