"""Staff take a reader's correction field by field: a checkbox per changed field, ticked to begin
with; the work, its history, the reader's email and their "Your corrections" say what was taken."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from blog.extensions import db
from blog.models import Correction, CorrectionStatus, OutgoingMail, Person, Role, WorkRevision
from blog.reviews.corrections import approve_correction, corrections_of, propose_correction
from blog.reviews.editing import save_work, snapshot_of, snapshot_to_input
from tests.conftest import login_as
from tests.reviews_support import seed_memories, work

CAST_LINE = "Mamoru Yamaguchi | Voice Actor | as Heintz Beckner"


def _propose(reader, slug="memories", **changes):
    found = work(slug)
    correction = propose_correction(reader, found, snapshot_to_input(dict(snapshot_of(found), **changes)))
    db.session.commit()
    return correction


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _checkbox(html: str, field: str) -> str:
    match = re.search(rf'<input type="checkbox" name="fields" value="{field}"[^>]*>', html)
    assert match, field
    return match.group(0)


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person)) or 0


def test_each_changed_field_has_its_own_box_ticked_to_begin_with(client, make_user, make_post):
    seed_memories(make_post)
    correction = _propose(make_user(Role.READER), runtime_minutes=113, content_rating="R15+")
    login_as(client, make_user(Role.EDITOR))
    page = client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True)
    assert "checked" in _checkbox(page, "runtime_minutes") and "checked" in _checkbox(page, "content_rating")
    assert 'value="title"' not in page  # only what the reader changed is offered
    assert '<label for="take-runtime_minutes"><span class="visually-hidden">Take </span>Runtime (minutes)' in page
    assert "Approve the ticked changes" in page and "Reject it all" in page


def test_staff_take_one_change_and_leave_the_other(app, client, make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER, name="Obsidian609", email="obsidian@example.org", email_verified=True)
    correction = _propose(reader, runtime_minutes=113, content_rating="R15+")
    login_as(client, make_user(Role.EDITOR, name="Mandatory Network"))

    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "fields": ["runtime_minutes"], "action": "approve", "note": "The rating is R."},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "was partly accepted: taken runtime (minutes); not taken age rating." in response.get_data(as_text=True)
    memories = work("memories")
    assert (memories.runtime_minutes, memories.content_rating) == (113, "R")
    db.session.refresh(correction)
    assert correction.status == CorrectionStatus.APPROVED and correction.review_note == "The rating is R."

    # The history says exactly what came in, and the version's diff holds only that.
    revision = db.session.scalar(select(WorkRevision).where(WorkRevision.correction_id == correction.id))
    assert revision.summary == f"Correction #{correction.id}: runtime (minutes) (not taken: age rating)"
    history = client.get("/works/memories/history/").get_data(as_text=True)
    assert "runtime (minutes) (not taken: age rating)" in history and "Obsidian609" in history
    version = client.get(f"/works/memories/history/{revision.number}/").get_data(as_text=True)
    assert '<th scope="row">Runtime (minutes)</th>' in version and "Age rating</th>" not in version

    # The decided correction says the same to staff, in the queue and on its page.
    queue = client.get("/admin/works/corrections/?status=approved").get_data(as_text=True)
    assert "partly accepted</span> Mandatory Network: The rating is R." in queue
    decided = _text(client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True))
    assert "Partly accepted by Mandatory Network" in decided
    assert "Taken Runtime (minutes) Not taken Age rating" in decided
    assert 'name="fields"' not in decided

    # The reader's email says which parts were taken and which were not.
    [mail] = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to_address == "obsidian@example.org"))
    assert mail.subject == "[Sargasso] Your correction to \u201cMemories\u201d was partly accepted"
    assert "(runtime (minutes), age rating) was partly accepted." in mail.body_text
    assert "Taken: runtime (minutes). Not taken: age rating." in mail.body_text
    assert "Note from the staff: \u201cThe rating is R.\u201d" in mail.body_text

    # And so do their corrections on their profile.
    [mine] = corrections_of(reader.id)
    assert (mine.status_text, mine.taken, mine.not_taken) == ("Partly accepted", ["Runtime (minutes)"], ["Age rating"])
    profile = _text(login_as(app.test_client(), reader).get("/profile").get_data(as_text=True))
    assert "Partly accepted" in profile
    assert "Taken: Runtime (minutes). Not taken: Age rating." in profile
    assert "Staff may take all of a correction, some of its changes, or none" in profile


def test_approving_with_every_box_ticked_is_a_plain_approval(client, make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER)
    correction = _propose(reader, runtime_minutes=113, content_rating="R15+")
    login_as(client, make_user(Role.EDITOR))
    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "fields": ["runtime_minutes", "content_rating"], "action": "approve"},
        follow_redirects=True,
    )
    assert f"Correction #{correction.id} was approved." in response.get_data(as_text=True)
    assert (work("memories").runtime_minutes, work("memories").content_rating) == (113, "R15+")
    [mine] = corrections_of(reader.id)
    assert (mine.status_text, mine.taken, mine.not_taken) == ("Approved", [], [])


def test_no_box_ticked_is_refused_and_keeps_the_note_and_the_ticks(client, make_user, make_post):
    seed_memories(make_post)
    correction = _propose(make_user(Role.READER), runtime_minutes=113, content_rating="R15+")
    login_as(client, make_user(Role.EDITOR))
    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "action": "approve", "note": "Half right"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tick at least one change to approve, or reject the whole correction." in page
    assert "Half right</textarea>" in page
    assert "checked" not in _checkbox(page, "runtime_minutes")  # as the editor left them
    db.session.refresh(correction)
    assert correction.status == CorrectionStatus.PENDING and work("memories").runtime_minutes == 115


def test_a_field_the_correction_does_not_change_is_refused(client, make_user, make_post):
    seed_memories(make_post)
    correction = _propose(make_user(Role.READER), runtime_minutes=113)
    login_as(client, make_user(Role.EDITOR))
    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "fields": ["runtime_minutes", "title", "x" * 5000], "action": "approve"},
    )
    assert response.status_code == 400
    assert "Only the fields this correction changes can be approved" in response.get_data(as_text=True)
    db.session.refresh(correction)
    assert correction.status == CorrectionStatus.PENDING


def test_leaving_the_credits_out_adds_none_of_the_new_people_they_name(client, make_user, make_post):
    seed_memories(make_post)
    rose = work("magnetic-rose")
    credits = [*snapshot_of(rose)["credits"]]
    proposed = snapshot_to_input(dict(snapshot_of(rose), runtime_minutes=44))
    from blog.reviews.editing import CreditInput

    proposed.credits = [
        *[CreditInput(c["person"], c["role"], c["note"], c["character"]) for c in credits],
        CreditInput("Mamoru Yamaguchi", "Voice Actor", "", "Heintz Beckner"),
    ]
    correction = propose_correction(make_user(Role.READER), rose, proposed)
    db.session.commit()
    people = _people()
    login_as(client, make_user(Role.EDITOR))
    page = client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True)
    assert "Taking the Credits adds this person" in page and "Left unticked, nobody is added." in page

    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "fields": ["runtime_minutes"], "action": "approve"},
    )
    assert response.status_code == 303
    rose = work("magnetic-rose")
    assert rose.runtime_minutes == 44 and len(rose.credits) == len(credits)
    assert _people() == people  # nobody joins the people list for credits not taken
    assert '<dt class="character">Heintz Beckner</dt>' not in client.get("/works/magnetic-rose/").get_data(as_text=True)


def test_taking_only_the_credits_adds_the_new_voice_actor_with_the_character(client, make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER)
    rose = work("magnetic-rose")
    proposed = snapshot_to_input(dict(snapshot_of(rose), content_rating="PG-13"))
    from blog.reviews.editing import CreditInput

    proposed.credits.append(CreditInput("Mamoru Yamaguchi", "Voice Actor", "", "Heintz Beckner"))
    correction = propose_correction(reader, rose, proposed)
    db.session.commit()
    people = _people()
    login_as(client, make_user(Role.EDITOR))
    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "fields": ["credits"], "action": "approve"},
    )
    assert response.status_code == 303
    assert _people() == people + 1
    rose = work("magnetic-rose")
    assert rose.content_rating == ""
    assert [(c.person.name, c.character) for c in rose.credits if c.character] == [
        ("Mamoru Yamaguchi", "Heintz Beckner")
    ]
    page = client.get("/works/magnetic-rose/").get_data(as_text=True)
    assert '<dt class="character">Heintz Beckner</dt>' in page


def test_a_stale_correction_taken_in_part_keeps_the_edit_made_since(client, make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    correction = _propose(make_user(Role.READER), runtime_minutes=113, title="Memoirs")
    # Staff edit the synopsis after the reader proposed: the correction is now stale.
    memories = work("memories")
    save_work(editor, snapshot_to_input(dict(snapshot_of(memories), synopsis="Three stories.")), memories)
    db.session.commit()
    login_as(client, editor)
    page = client.get(f"/admin/works/corrections/{correction.id}/").get_data(as_text=True)
    assert "The work was edited after this was proposed (version 1 → 2)" in page
    assert "Only the fields ticked below change" in page

    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "fields": ["runtime_minutes"], "action": "approve"},
    )
    assert response.status_code == 303
    memories = work("memories")
    assert (memories.title, memories.runtime_minutes, memories.synopsis) == ("Memories", 113, "Three stories.")


def test_taking_only_what_the_work_already_says_is_refused_as_a_duplicate(make_user, make_post):
    seed_memories(make_post)
    editor = make_user(Role.EDITOR)
    correction = _propose(make_user(Role.READER), runtime_minutes=113, content_rating="R15+")
    other = _propose(make_user(Role.READER), runtime_minutes=113)
    approve_correction(editor, other)
    db.session.commit()
    from blog.errors import DomainError

    try:
        approve_correction(editor, correction, fields=["runtime_minutes"])
    except DomainError as error:
        assert error.status == 409 and "already says what you ticked" in error.message
    else:
        raise AssertionError("approving a duplicate was accepted")
    db.session.rollback()
    approve_correction(editor, correction, fields=["content_rating"])
    db.session.commit()
    assert work("memories").content_rating == "R15+"


def test_rejecting_still_turns_down_every_change(client, make_user, make_post):
    seed_memories(make_post)
    reader = make_user(Role.READER)
    correction = _propose(reader, runtime_minutes=113, content_rating="R15+")
    login_as(client, make_user(Role.EDITOR))
    response = client.post(
        f"/admin/works/corrections/{correction.id}/",
        data={"pick": "1", "fields": ["runtime_minutes"], "action": "reject", "note": "Source?"},
    )
    assert response.status_code == 303
    assert work("memories").runtime_minutes == 115
    [mine] = corrections_of(reader.id)
    assert (mine.status_text, mine.note, mine.taken) == ("Rejected", "Source?", [])
    assert db.session.scalar(select(Correction.status)) == CorrectionStatus.REJECTED
