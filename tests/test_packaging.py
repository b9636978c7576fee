"""A built wheel carries templates and static files, and the app finds them there."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_templates_static_and_migrations(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("sargasso-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "blog/templates/base.html" in names
    assert "blog/static/css/site.css" in names
    assert any(n.startswith("blog/migrations/versions/") and n.endswith(".py") for n in names)
    assert "wsgi.py" not in names


def test_installed_layout_uses_the_packaged_templates(tmp_path, monkeypatch):
    import blog

    fake_pkg = tmp_path / "blog"
    (fake_pkg / "templates").mkdir(parents=True)
    (fake_pkg / "static").mkdir()
    monkeypatch.setattr(blog, "PACKAGE_DIR", fake_pkg)
    assert blog._asset_dir("templates") == str(fake_pkg / "templates")
    assert blog._asset_dir("static") == str(fake_pkg / "static")
