"""Corrections are announced and answered: staff are emailed a link to each new correction, the
reader hears what became of it (with the staff's note), the admin menu counts what waits, and the
reader's own corrections are listed for them."""

from __future__ import annotations

import re

from flask import render_template_string
from sqlalchemy import delete, select

from blog.extensions import db
from blog.models import Correction, OutgoingMail, Role
from blog.reviews.corrections import approve_correction, corrections_of, propose_correction, reject_correction
from blog.reviews.editing import snapshot_of, snapshot_to_input
from tests.conftest import login_as
from tests.reviews_support import seed_memories, work
from tests.test_corrections import _form_for


def _mails() -> list[OutgoingMail]:
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def _propose(reader, **changes):
    memories = work("memories")
    correction = propose_correction(reader, memories, snapshot_to_input(dict(snapshot_of(memories), **changes)))
    db.session.commit()
    return correction


def _reader(make_user, **fields):
    return make_user(Role.READER, email_verified=True, **fields)


def test_staff_who_may_decide_get_an_email_with_a_link_to_the_correction(app, make_user, make_post):
    admin = make_user(Role.ADMIN, email="admin@example.org")
    seed_memories(make_post, author=admin)
    editor = make_user(Role.EDITOR, email="editor@example.org", name="Mandatory Network")
    make_user(Role.AUTHOR, email="author@example.org")  # writes, but does not decide corrections
    make_user(Role.EDITOR, email="gone@example.org", active=False)
    reader = _reader(make_user, name="Obsidian609", email="obsidian@example.org")
    reader_client = login_as(app.test_client(), reader)

    typed = _form_for("memories", runtime_minutes="113", content_rating="R15+", reason="The Japanese Blu-ray says 113")
    assert reader_client.post("/works/memories/correct", data=typed).status_code == 303

    correction = db.session.scalar(select(Correction))
    mails = _mails()
    assert sorted(m.to_address for m in mails) == ["admin@example.org", "editor@example.org"]
    mail = mails[0]
    assert mail.subject == "[Sargasso] Please review a correction to \u201cMemories\u201d"
    assert f"Obsidian609 proposed correction #{correction.id} to \u201cMemories\u201d" in mail.body_text
    assert "(runtime (minutes), age rating)" in mail.body_text
    assert "Their reason: \u201cThe Japanese Blu-ray says 113\u201d" in mail.body_text
    link = f"http://localhost/admin/works/corrections/{correction.id}/"
    assert f"Approve or reject it: {link}" in mail.body_text

    # The link opens the correction's review page for the staff who got it.
    page = login_as(app.test_client(), editor).get(link.removeprefix("http://localhost")).get_data(as_text=True)
    assert "The Japanese Blu-ray says 113" in page and "<ins>113</ins>" in page


def test_nothing_is_emailed_for_a_correction_that_is_refused_or_rolled_back(client, make_user, make_post):
    seed_memories(make_post)
    reader = _reader(make_user)
    login_as(client, reader)
    assert client.post("/works/memories/correct", data=_form_for("memories")).status_code == 400  # changed nothing
    _propose(reader, runtime_minutes=113)
    assert _mails()  # queued with the correction...
    db.session.execute(delete(OutgoingMail))
    db.session.commit()
    propose_correction(
        reader, work("memories"), snapshot_to_input(dict(snapshot_of(work("memories")), runtime_minutes=99))
    )
    db.session.rollback()  # ...and in its transaction: a correction rolled back sends nothing
    assert _mails() == []


def test_staff_proposing_a_correction_are_not_emailed_about_their_own(make_user, make_post):
    seed_memories(make_post, author=make_user(Role.ADMIN, email="admin@example.org"))
    editor = make_user(Role.EDITOR, email="editor@example.org")
    _propose(editor, runtime_minutes=113)
    assert [m.to_address for m in _mails()] == ["admin@example.org"]


def test_the_reader_hears_that_staff_approved_their_correction_with_the_note(client, make_user, make_post):
    seed_memories(make_post)
    reader = _reader(make_user, name="Obsidian609", email="obsidian@example.org")
    correction = _propose(reader, runtime_minutes=113)
    login_as(client, make_user(Role.EDITOR))
    response = client.post(
        f"/admin/works/corrections/{correction.id}/", data={"action": "approve", "note": "Thanks, checked."}
    )
    assert response.status_code == 303
    [mail] = [m for m in _mails() if m.to_address == "obsidian@example.org"]
    assert mail.subject == "[Sargasso] Your correction to \u201cMemories\u201d was approved"
    assert "Hello Obsidian609," in mail.body_text
    assert (
        f"Your correction #{correction.id} to \u201cMemories\u201d (runtime (minutes)) was approved." in mail.body_text
    )
    assert "Note from the staff: \u201cThanks, checked.\u201d" in mail.body_text
    assert "See the work: http://localhost/works/memories/" in mail.body_text
    assert "All your corrections: http://localhost/profile" in mail.body_text


def test_the_reader_hears_that_staff_rejected_their_correction_and_why(client, make_user, make_post):
    seed_memories(make_post)
    reader = _reader(make_user, email="obsidian@example.org")
    correction = _propose(reader, title="Memoirs")
    login_as(client, make_user(Role.ADMIN))
    client.post(
        f"/admin/works/corrections/{correction.id}/", data={"action": "reject", "note": "The title is Memories."}
    )
    [mail] = [m for m in _mails() if m.to_address == "obsidian@example.org"]
    assert mail.subject == "[Sargasso] Your correction to \u201cMemories\u201d was rejected"
    assert "(name) was rejected. The work stays as it was." in mail.body_text
    assert "Note from the staff: \u201cThe title is Memories.\u201d" in mail.body_text


def test_no_decision_email_to_an_unconfirmed_address_nor_to_staff_deciding_their_own(make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    unconfirmed = make_user(Role.READER, email="maybe@example.org", email_verified=False)
    approve_correction(editor, _propose(unconfirmed, runtime_minutes=113))
    own = _propose(editor, content_rating="PG-13")
    reject_correction(editor, own, "Changed my mind")
    db.session.commit()
    decisions = [m.to_address for m in _mails() if m.subject.startswith("[Sargasso] Your correction")]
    assert decisions == []


BADGE = re.compile(r'class="admin-count"[^>]*>.*?(\d+) corrections? awaiting approval', re.S)


def _corrections_link(html: str) -> str:
    match = re.search(r'<a href="/admin/works/corrections/"[^>]*>.*?</a>', html, re.S)
    assert match, "no Corrections link in the admin menu"
    return match.group(0)


def test_the_admin_menu_counts_corrections_waiting_beside_corrections(client, make_user, make_post, count_queries):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    login_as(client, editor)
    assert "admin-count" not in _corrections_link(client.get("/admin/").get_data(as_text=True))

    first = _propose(_reader(make_user), runtime_minutes=113)
    _propose(_reader(make_user), content_rating="PG-13")
    link = _corrections_link(client.get("/admin/").get_data(as_text=True))
    assert BADGE.search(link).group(1) == "2"
    assert '<span class="visually-hidden">2 corrections awaiting approval</span>' in link

    approve_correction(editor, first)
    db.session.commit()
    for _ in range(3):
        _propose(_reader(make_user), synopsis="Something else")
    with count_queries() as q:
        link = _corrections_link(client.get("/admin/").get_data(as_text=True))
    assert BADGE.search(link).group(1) == "4"
    counts = [s for s in q.statements if re.search(r"count\(.*FROM work_corrections", s, re.I | re.S)]
    assert len(counts) == 1  # one COUNT, however many wait


def test_an_author_sees_no_corrections_link_and_costs_no_count(client, make_user, make_post, count_queries):
    seed_memories(make_post)
    _propose(_reader(make_user), runtime_minutes=113)
    login_as(client, make_user(Role.AUTHOR))
    with count_queries() as q:
        html = client.get("/admin/").get_data(as_text=True)
    assert "/admin/works/corrections/" not in html and "awaiting approval" not in html
    assert not [s for s in q.statements if "work_corrections" in s]


PARTIAL = '{% from "reviews/_your_corrections.html" import your_corrections %}{{ your_corrections(items) }}'


def test_a_reader_sees_their_own_corrections_with_status_and_the_staffs_note(app, make_user, make_post, count_queries):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    reader, other = _reader(make_user), _reader(make_user)
    approved = _propose(reader, runtime_minutes=113)
    rejected = _propose(reader, title="Memoirs")
    waiting = _propose(reader, content_rating="PG-13")
    _propose(other, synopsis="Not theirs")
    approve_correction(editor, approved, "Thanks, checked.")
    reject_correction(editor, rejected, "The title is Memories.")
    db.session.commit()

    reader_id = reader.id
    with count_queries() as q:
        items = corrections_of(reader_id)
    assert q.count == 1, q.statements
    assert [(c.id, c.status_text, c.note) for c in items] == [
        (waiting.id, "Waiting for staff", ""),
        (rejected.id, "Rejected", "The title is Memories."),
        (approved.id, "Approved", "Thanks, checked."),
    ]
    assert items[0].fields == ["Age rating"] and items[0].work_slug == "memories"

    with app.test_request_context("/profile"):
        html = render_template_string(PARTIAL, items=items)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Your corrections" in text
    assert f"Memories #{approved.id} : Runtime (minutes) Approved" in text
    assert "Note from the staff: \u201cThanks, checked.\u201d" in text
    assert "Note from the staff: \u201cThe title is Memories.\u201d" in text
    assert "Waiting for staff" in text and "Not theirs" not in text
    assert 'href="/works/memories/"' in html

    with app.test_request_context("/profile"):
        empty = render_template_string(PARTIAL, items=corrections_of(editor.id))
    assert "You have not proposed any correction yet." in empty


def test_the_readers_profile_page_lists_their_corrections_and_the_staffs_note(client, make_user, make_post):
    seed_memories(make_post)
    reader = _reader(make_user)
    rejected = _propose(reader, title="Memoirs")
    reject_correction(make_user(Role.EDITOR), rejected, "The title is Memories.")
    db.session.commit()
    login_as(client, reader)
    text = " ".join(re.sub(r"<[^>]+>", " ", client.get("/profile").get_data(as_text=True)).split())
    assert "Your corrections" in text and f"#{rejected.id}" in text
    assert "Rejected" in text and "Note from the staff: \u201cThe title is Memories.\u201d" in text
