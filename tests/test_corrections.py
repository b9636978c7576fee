"""Readers propose corrections; editors and admins see the diff and approve or reject; history restores."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from blog.errors import DomainError
from blog.extensions import db
from blog.models import Correction, CorrectionStatus, Role, WorkRevision
from blog.reviews.corrections import approve_correction, propose_correction, reject_correction
from blog.reviews.editing import snapshot_of, snapshot_to_input
from tests.conftest import login_as
from tests.reviews_support import seed_memories, work
from tests.test_works_admin import GOOD


def _form_for(slug: str, **changes: str) -> dict[str, str]:
    """What the correction form holds for a work, as the page prefills it, with ``changes`` typed in."""
    data = snapshot_to_input(snapshot_of(work(slug)))
    form = {
        "title": data.title,
        "original_title": data.original_title,
        "original_language": data.original_language,
        "kind": str(data.kind),
        "aliases": "\n".join(data.aliases),
        "release_dates": "\n".join(f"{d.isoformat()} | {r}" for r, d in data.release_dates),
        "runtime_minutes": str(data.runtime_minutes or ""),
        "content_rating": data.content_rating,
        "genres": ", ".join(data.genres),
        "themes": ", ".join(data.themes),
        "synopsis": data.synopsis,
        "poster_url": data.poster_url,
        "links": "\n".join(f"{label} | {url}" for label, url in data.links),
        "credits": "\n".join(f"{c.person} | {c.role} | {c.note}" for c in data.credits),
        "reason": "",
    }
    form.update(changes)
    return form


def test_reader_proposes_a_correction_and_an_editor_approves_it(app, make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER, name="Obsidian609")
    editor = make_user(Role.EDITOR, name="Mandatory Network")
    reader_client, editor_client = app.test_client(), app.test_client()
    login_as(reader_client, reader)
    login_as(editor_client, editor)

    page = reader_client.get("/works/memories/correct").get_data(as_text=True)
    assert "The content below is entirely editable." in page
    assert "they may take some of your changes and not others" in page
    assert "field by field" not in page and "several hours" not in page
    assert '<button type="submit" class="button">Send for review</button>' in page and "Save Changes" not in page
    assert "1995-12-23 | Japan" in page and "Satoshi Kon | Writer | Famous Anime Director" in page

    typed = _form_for("memories", runtime_minutes="113", content_rating="R15+", reason="The Japanese Blu-ray says 113")
    response = reader_client.post("/works/memories/correct", data=typed, follow_redirects=True)
    assert "is waiting for approval" in response.get_data(as_text=True)
    assert work("memories").runtime_minutes == 115  # nothing changes before staff decide
    assert "1 correction is waiting for approval." in reader_client.get("/works/memories/").get_data(as_text=True)

    queue = editor_client.get("/admin/works/corrections/").get_data(as_text=True)
    correction = db.session.scalar(select(Correction))
    assert f"#{correction.id}" in queue and "Obsidian609" in queue
    review_page = editor_client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True)
    assert "The Japanese Blu-ray says 113" in review_page
    assert '<span class="visually-hidden">Take </span>Runtime (minutes)</label></th>' in review_page
    assert "<del>115</del>" in review_page and "<ins>113</ins>" in review_page
    assert "<del>R</del>" in review_page and "<ins>R15+</ins>" in review_page
    assert '<th scope="row">Credits</th>' not in review_page  # only what changed is shown

    response = editor_client.post(
        f"/admin/works/corrections/{correction.id}/", data={"action": "approve", "note": "Thanks, checked."}
    )
    assert response.status_code == 303
    memories = work("memories")
    assert (memories.runtime_minutes, memories.content_rating) == (113, "R15+")
    assert len(memories.credits) == 11  # untouched fields stay as they were
    revision = db.session.scalar(select(WorkRevision).order_by(WorkRevision.number.desc()))
    assert (revision.author_id, revision.approved_by_id, revision.correction_id) == (
        reader.id,
        editor.id,
        correction.id,
    )
    db.session.refresh(correction)
    assert correction.status == CorrectionStatus.APPROVED and correction.review_note == "Thanks, checked."

    work_page = reader_client.get("/works/memories/").get_data(as_text=True)
    assert "Obsidian609 <small>(1 edit)</small>" in work_page  # Top Editors
    history = reader_client.get("/works/memories/history/").get_data(as_text=True)
    assert "Obsidian609" in history and "approved by Mandatory Network" in history


def test_an_editor_rejects_a_correction_with_a_note(client, make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER)
    correction = propose_correction(
        reader, work("memories"), snapshot_to_input(dict(snapshot_of(work("memories")), title="Memoirs"))
    )
    db.session.commit()
    login_as(client, make_user(Role.ADMIN))
    response = client.post(
        f"/admin/works/corrections/{correction.id}/", data={"action": "reject", "note": "The title is Memories."}
    )
    assert response.status_code == 303
    assert work("memories").title == "Memories"
    db.session.refresh(correction)
    assert correction.status == CorrectionStatus.REJECTED and correction.review_note == "The title is Memories."
    assert "The title is Memories." in client.get("/admin/works/corrections/?status=rejected").get_data(as_text=True)


def test_readers_and_authors_cannot_decide_corrections(client, make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER)
    proposed = dict(snapshot_of(work("memories")), runtime_minutes=1)
    correction = propose_correction(reader, work("memories"), snapshot_to_input(proposed))
    db.session.commit()
    for role in (Role.READER, Role.AUTHOR, Role.CONTRIBUTOR):
        login_as(client, make_user(role))
        assert client.get(f"/admin/works/corrections/{correction.id}/").status_code == 403
        response = client.post(f"/admin/works/corrections/{correction.id}/", data={"action": "approve"})
        assert response.status_code == 403
        with pytest.raises(DomainError):
            approve_correction(make_user(role), correction)
    assert work("memories").runtime_minutes == 115
    db.session.refresh(correction)
    assert correction.status == CorrectionStatus.PENDING


def test_anonymous_visitors_must_sign_in_to_propose(client, make_post):
    seed_memories(make_post)
    assert client.get("/works/memories/correct").status_code == 302
    assert client.post("/works/memories/correct", data=_form_for("memories", title="X")).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Correction)) == 0


def test_a_correction_that_changes_nothing_is_refused(client, make_user, make_post):
    seed_memories(make_post)
    login_as(client, make_user(Role.READER))
    response = client.post("/works/memories/correct", data=_form_for("memories"))
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)


def test_bad_input_in_a_correction_keeps_what_was_typed(client, make_user, make_post):
    seed_memories(make_post)
    login_as(client, make_user(Role.READER))
    typed = _form_for("memories", release_dates="23/12/1995 | Japan", reason="Fixing the date")
    response = client.post("/works/memories/correct", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "“23/12/1995” is not a date" in page and "23/12/1995 | Japan" in page and "Fixing the date" in page
    credits = _form_for("memories", credits="Someone New | Director\nSomeone Else")
    page = client.post("/works/memories/correct", data=credits).get_data(as_text=True)
    assert "Line 2: write the person, then the role" in page and "Someone New | Director" in page
    assert db.session.scalar(select(func.count()).select_from(Correction)) == 0


def test_approval_keeps_edits_made_after_the_proposal(make_user, make_post):
    seed_memories(make_post)
    reader, editor = make_user(Role.READER), make_user(Role.EDITOR)
    memories = work("memories")
    correction = propose_correction(
        reader, memories, snapshot_to_input(dict(snapshot_of(memories), runtime_minutes=113))
    )
    db.session.commit()
    # Meanwhile another correction, changing something else, is approved.
    other = propose_correction(
        make_user(Role.READER), memories, snapshot_to_input(dict(snapshot_of(memories), content_rating="PG-13"))
    )
    approve_correction(editor, other)
    db.session.commit()
    approve_correction(editor, correction)
    db.session.commit()
    memories = work("memories")
    assert (memories.runtime_minutes, memories.content_rating) == (113, "PG-13")
    with pytest.raises(DomainError):
        reject_correction(editor, correction)  # already decided


def test_an_editor_restores_an_old_version(client, make_user, make_post):
    seed_memories(make_post)
    reader, editor = make_user(Role.READER), make_user(Role.EDITOR)
    memories = work("memories")
    vandalism = propose_correction(
        reader, memories, snapshot_to_input(dict(snapshot_of(memories), synopsis="lol", credits=[]))
    )
    approve_correction(editor, vandalism)
    db.session.commit()
    assert work("memories").credits == [] and work("memories").version == 2

    login_as(client, editor)
    history = client.get("/works/memories/history/").get_data(as_text=True)
    assert "Restore version 1" in history
    diff = client.get("/works/memories/history/2/").get_data(as_text=True)
    assert "<del>Satoshi Kon — Writer — Famous Anime Director" in diff
    response = client.post("/works/memories/history/1/restore")
    assert response.status_code == 303
    memories = work("memories")
    assert memories.version == 3 and len(memories.credits) == 11 and "Corona" in memories.synopsis
    summaries = [
        r.summary
        for r in db.session.scalars(
            select(WorkRevision).where(WorkRevision.work_id == memories.id).order_by(WorkRevision.number)
        )
    ]
    assert summaries[-1] == "Restored version 1"

    login_as(client, reader)
    assert client.post("/works/memories/history/2/restore").status_code == 403


@pytest.mark.settings(WORK_CORRECTIONS_MAX_PENDING=2)
def test_a_reader_cannot_flood_the_queue(make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER)
    memories = work("memories")
    for n in (1, 2):
        propose_correction(reader, memories, snapshot_to_input(dict(snapshot_of(memories), runtime_minutes=100 + n)))
    with pytest.raises(DomainError) as error:
        propose_correction(reader, memories, snapshot_to_input(dict(snapshot_of(memories), runtime_minutes=99)))
    assert error.value.status == 429


def test_staff_edits_also_go_through_the_admin_form_directly(client, make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    login_as(client, editor)
    memories = work("memories")
    data = dict(GOOD, **{k: v for k, v in _form_for("memories").items() if k != "reason"})
    data.update(runtime_minutes="116", slug="memories", parent_id="0", position="0")
    assert client.post(f"/admin/works/{memories.id}/", data=data).status_code == 303
    assert work("memories").runtime_minutes == 116 and work("memories").version == 2


def test_a_version_stored_before_the_language_field_shows_no_change_to_it(app, make_post):
    """Revisions and corrections made before works had an original language compare as ''."""
    from blog.reviews.corrections import diff_snapshots

    seed_memories(make_post)
    now = snapshot_of(work("memories"))
    older = {name: value for name, value in now.items() if name != "original_language"}
    assert now["original_language"] == "ja"
    assert [change.label for change in diff_snapshots(older, now)] == ["Language of the original name"]
    now["original_language"] = ""
    assert diff_snapshots(older, now) == []
