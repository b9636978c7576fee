"""The net under every form: a value the database refuses is a 400 that says so, never a 500."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DataError

from blog.extensions import db
from blog.models import Tag


def test_a_value_the_database_refuses_is_a_400_and_nothing_of_the_request_is_kept(app: Flask):
    @app.post("/test-only/refused")
    def refused():  # type: ignore[no-untyped-def]
        db.session.add(Tag(name="Half-written", slug="half-written"))
        db.session.flush()
        # What psycopg raises for a NUL byte; SQLite stores NUL, so the refusal is raised here.
        refusal = ValueError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
        raise DataError("INSERT INTO tags ...", {}, refusal)

    response = app.test_client().post("/test-only/refused")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "cannot be stored" in page and "Nothing was changed." in page
    db.session.rollback()
    assert db.session.scalar(select(Tag).where(Tag.slug == "half-written")) is None
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # the session is usable afterwards
