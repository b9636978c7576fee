"""A work's history lists what each version changed, and only that: genres and themes typed in
any order or case are the same genres and themes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from blog.errors import DomainError
from blog.extensions import db
from blog.models import Role, WorkRevision
from blog.reviews.corrections import approve_correction, propose_correction
from blog.reviews.editing import save_work, snapshot_of, snapshot_to_input
from tests.reviews_support import add_work, work


def _rows(html: str) -> list[str]:
    """The fields a version's diff table lists."""
    return re.findall(r'<th scope="row">([^<]+)</th>', html)


def _headers(html: str) -> list[str]:
    return re.findall(r'<th scope="col">([^<]+)</th>', html)


@pytest.fixture
def perfect_blue(make_user):
    """Created by staff with genres and themes typed out of alphabetical order."""
    return add_work(
        make_user(Role.EDITOR),
        "Perfect Blue",
        year=1997,
        genres=["Thriller", "Anime", "Psychological"],
        themes=["Identity", "Fame"],
        runtime_minutes=80,
    )


def _approve_runtime(make_user, minutes: int) -> None:
    blue = work("perfect-blue")
    correction = propose_correction(
        make_user(Role.READER), blue, snapshot_to_input(dict(snapshot_of(blue), runtime_minutes=minutes))
    )
    approve_correction(make_user(Role.EDITOR), correction)
    db.session.commit()


def test_a_version_that_changed_the_runtime_lists_only_the_runtime(client, make_user, perfect_blue):
    _approve_runtime(make_user, 81)
    page = client.get("/works/perfect-blue/history/2/").get_data(as_text=True)
    assert _rows(page) == ["Runtime (minutes)"]
    assert "<del>80</del>" in page and "<ins>81</ins>" in page
    # An old version against the next one: not a correction's "Now / Proposed".
    assert _headers(page) == ["Field", "Version 1", "Version 2"]
    assert "Changes from version 1" in page


def test_the_first_version_compares_with_nothing_before_it(client, perfect_blue):
    page = client.get("/works/perfect-blue/history/1/").get_data(as_text=True)
    assert _headers(page) == ["Field", "Before", "Version 1"]
    assert "What version 1 holds" in page and "version 0" not in page
    assert "<ins>Anime</ins><br><ins>Psychological</ins><br><ins>Thriller</ins>" in page  # stored sorted


def test_versions_stored_in_typed_order_before_the_fix_show_no_change_to_their_terms(client, make_user, perfect_blue):
    first = db.session.scalar(select(WorkRevision).where(WorkRevision.number == 1))
    first.snapshot = dict(first.snapshot, genres=["Thriller", "anime", "Psychological"], themes=["Identity", "Fame"])
    db.session.commit()
    _approve_runtime(make_user, 81)
    assert _rows(client.get("/works/perfect-blue/history/2/").get_data(as_text=True)) == ["Runtime (minutes)"]


def test_terms_in_another_order_or_case_are_no_change(make_user, perfect_blue):
    editor = make_user(Role.EDITOR)
    blue = work("perfect-blue")
    reordered = dict(snapshot_of(blue), genres=["psychological", "Thriller", "ANIME"], themes=["fame", "Identity"])
    with pytest.raises(DomainError, match="Nothing was changed"):
        propose_correction(make_user(Role.READER), blue, snapshot_to_input(reordered))
    save_work(editor, snapshot_to_input(reordered), blue)
    db.session.commit()
    assert work("perfect-blue").version == 1  # no new version for a change nobody made
