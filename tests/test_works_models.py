"""Works, parts, people and credits as the area functions store them; the demo seed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from blog.errors import DomainError
from blog.extensions import db
from blog.models import Credit, Person, Review, Role, Work, WorkKind, WorkRevision
from blog.reviews.demo import MEMORIES_CREDITS, seed_reviews
from blog.reviews.editing import CreditInput, WorkInput, save_work, snapshot_of
from tests.reviews_support import SEED_TITLE, add_person, add_work, seed_memories, work


def test_demo_creates_memories_with_segments_and_every_seed_credit(make_post):
    post = seed_memories(make_post)

    memories = work("memories")
    assert memories.title == "Memories"
    assert memories.original_title == "メモリーズ"
    assert memories.kind == WorkKind.FILM
    assert memories.year == 1995
    assert memories.runtime_minutes == 115
    assert memories.content_rating == "R"
    assert [a.name for a in memories.aliases] == ["Katsuhiro Otomo Presents: Memories"]
    assert [(r.region, r.released_on) for r in memories.release_dates] == [
        ("Japan", date(1995, 12, 23)),
        ("US", date(2004, 2, 24)),
    ]
    assert "salvage space ship Corona" in memories.synopsis
    assert [p.title for p in memories.parts] == ["Magnetic Rose", "Stink Bomb", "Cannon Fodder"]
    assert [(c.person.name, c.role, c.note) for c in memories.credits] == MEMORIES_CREDITS
    kon = next(c for c in memories.credits if c.person.name == "Satoshi Kon")
    assert kon.role == "Writer" and kon.note.startswith("Famous Anime Director")

    review = db.session.scalar(select(Review).where(Review.post_id == post.id))
    assert review.work.title == "Magnetic Rose"
    assert review.work.parent_id == memories.id
    assert review.score == 9 and review.scale == 10
    assert review.verdict


def test_demo_seed_is_idempotent(make_post):
    post = seed_memories(make_post)
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Work, Person, Credit, Review)]
    seed_reviews(post)
    db.session.commit()
    seed_reviews(db.session.get(type(post), post.id))
    db.session.commit()
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Work, Person, Credit, Review)] == counts
    assert counts == [4, 11, 11 + 3 + 2 + 2, 1]
    assert post.title == SEED_TITLE


def test_titles_in_any_script_get_readable_unique_slugs(make_user):
    editor = make_user(Role.EDITOR)
    first = add_work(editor, "メモリーズ")
    second = add_work(editor, "メモリーズ")
    assert first.slug == "memorisu"
    assert second.slug == "memorisu-2"


def test_a_credit_for_an_unknown_person_adds_them_when_staff_save(make_user):
    editor = make_user(Role.EDITOR)
    kon = add_person(editor, "Satoshi Kon")
    data = WorkInput(
        title="Paprika", credits=[CreditInput("Satoshi Kon", "Director"), CreditInput("Susumu Hirasawa", "Music")]
    )
    added: list[Person] = []
    paprika = save_work(editor, data, added=added)
    db.session.commit()
    assert [p.name for p in added] == ["Susumu Hirasawa"] and added[0].slug == "susumu-hirasawa"
    assert [(c.person_id, c.role) for c in paprika.credits] == [(kon.id, "Director"), (added[0].id, "Music")]
    assert db.session.scalar(select(func.count()).select_from(Person)) == 2


def test_a_bad_credit_writes_nothing(make_user):
    editor = make_user(Role.EDITOR)
    data = WorkInput(title="Paprika", credits=[CreditInput("Susumu Hirasawa", "")])
    with pytest.raises(DomainError) as error:
        save_work(editor, data)
    assert "Susumu Hirasawa" in error.value.message and error.value.field == "credits"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Work)) == 0
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_credits_keep_their_order_and_people_can_be_named_by_slug(make_user):
    editor = make_user(Role.EDITOR)
    add_person(editor, "Kon Satoshi", slug="kon")
    add_person(editor, "Yoko Kanno")
    made = add_work(editor, "Millennium Actress", credits=[("yoko kanno", "Music"), ("kon", "Director")])
    assert [(c.person.name, c.role, c.position) for c in made.credits] == [
        ("Yoko Kanno", "Music", 1),
        ("Kon Satoshi", "Director", 2),
    ]


def test_every_edit_is_a_numbered_revision(make_user):
    editor = make_user(Role.EDITOR)
    made = add_work(editor, "Perfect Blue", year=1997)
    data = WorkInput(title="Perfect Blue", runtime_minutes=81, release_dates=[("Japan", date(1997, 7, 25))])
    save_work(editor, data, made)
    db.session.commit()
    revisions = db.session.scalars(select(WorkRevision).order_by(WorkRevision.number)).all()
    assert [r.number for r in revisions] == [1, 2]
    assert revisions[-1].snapshot == snapshot_of(made)
    assert made.version == 2 and made.runtime_minutes == 81


def test_a_work_cannot_be_a_part_of_its_own_part(make_user):
    editor = make_user(Role.EDITOR)
    whole = add_work(editor, "Memories")
    part = add_work(editor, "Magnetic Rose", kind=WorkKind.SEGMENT, parent=whole)
    with pytest.raises(DomainError):
        save_work(editor, WorkInput(title="Memories"), whole, parent=part)


def test_readers_cannot_add_works_directly(make_user):
    reader = make_user(Role.READER)
    with pytest.raises(DomainError) as error:
        save_work(reader, WorkInput(title="Akira"))
    assert error.value.status == 403
