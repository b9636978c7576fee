"""Configuration: the app refuses to run unsafely and reads the documented environment names."""

import subprocess
import sys
from pathlib import Path

import pytest

from blog import create_app
from blog.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("BLOG_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": ""})


def test_a_known_placeholder_secret_is_refused_too(tmp_path):
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "SECRET_KEY": "change-me"})


def test_wsgi_prints_one_line_saying_how_to_set_the_key(tmp_path):
    # An instance folder of its own: the checkout's instance/config.py, which `make run` writes
    # with a lasting key, would otherwise be read and the key be set.
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [lines[0]] and lines[0].startswith("sargasso: SECRET_KEY is not set")
    assert "export SECRET_KEY=" in lines[0]


def test_database_url_from_the_environment_uses_psycopg3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/blog")
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/blog"


def test_prefixed_environment_variables_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("BLOG_POSTS_PER_PAGE", "3")
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["POSTS_PER_PAGE"] == 3


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    from sqlalchemy import text

    from blog.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_instance_path_from_the_environment_holds_the_config_file_and_the_default_database(tmp_path, monkeypatch):
    instance = tmp_path / "site-data"
    instance.mkdir()
    (instance / "config.py").write_text('SITE_NAME = "From the instance folder"\n')
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BLOG_SQLALCHEMY_DATABASE_URI", raising=False)
    monkeypatch.delenv("SITE_NAME", raising=False)
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32})
    assert app.instance_path == str(instance)
    assert app.config["SITE_NAME"] == "From the instance folder"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'sargasso.db'}"
