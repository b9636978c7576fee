"""Revisions of published posts, restore, autosave, two-tab conflicts and sending a post back."""

import pytest

from blog.errors import DomainError
from blog.extensions import db
from blog.models import PostStatus, Role
from blog.models.posts import PostAutosave
from blog.posts.editing import post_input_from, restore_revision, save_post, send_back
from blog.posts.revisions import EditConflict, diff_lines, pending_autosave, revisions_of, save_autosave


def _edit(user, post, **changes):
    data = post_input_from(post)
    for key, value in changes.items():
        setattr(data, key, value)
    saved = save_post(user, data, post, base_version=changes.pop("base_version", post.version))
    db.session.commit()
    return saved


def test_every_save_of_a_published_post_keeps_a_revision_with_who_and_what(make_post, make_user):
    editor = make_user(Role.EDITOR, name="Eda")
    post = make_post("Magnetic Rose", "Line one\nLine two")
    _edit(editor, post, body_md="Line one\nLine two, revised\nLine three")
    revisions = revisions_of(post)
    assert len(revisions) == 2
    assert revisions[0].author.name == "Eda"
    assert revisions[0].summary == "body (+2 −1 lines)"
    assert revisions[1].summary == "first published version"


def test_drafts_keep_no_revisions_and_unchanged_saves_add_none(make_post, make_user):
    author = make_user(Role.AUTHOR)
    draft = make_post("Draft", "x", author=author, status=PostStatus.DRAFT)
    _edit(author, draft, body_md="y")
    assert revisions_of(draft) == []
    live = make_post("Live", "same", author=author)
    _edit(author, live, tags=["anime"])
    assert len(revisions_of(live)) == 1


def test_a_revision_diffs_against_the_current_text_and_can_be_restored(make_post, make_user):
    admin = make_user(Role.ADMIN)
    post = make_post("Memories", "Stink Bomb is fun.\nCannon Fodder is grim.", author=admin)
    first = revisions_of(post)[0]
    _edit(admin, post, body_md="Stink Bomb is a comedy.\nCannon Fodder is grim.")
    diff = diff_lines(first.body_md, post.body_md)
    assert [(d.op, d.text) for d in diff if d.op != "same"] == [
        ("remove", "Stink Bomb is fun."),
        ("add", "Stink Bomb is a comedy."),
    ]
    # Within the changed line, the words that changed are marked.
    assert [d.parts for d in diff if d.op != "same"] == [
        (("same", "Stink Bomb is "), ("changed", "fun"), ("same", ".")),
        (("same", "Stink Bomb is "), ("changed", "a comedy"), ("same", ".")),
    ]
    restore_revision(admin, post, first)
    db.session.commit()
    assert post.body_md == "Stink Bomb is fun.\nCannon Fodder is grim."
    assert "fun" in post.body_html
    assert revisions_of(post)[0].note.startswith("Restored the revision of")


def test_the_second_tab_sees_a_conflict_instead_of_overwriting(make_post, make_user):
    author = make_user(Role.AUTHOR)
    post = make_post("Two tabs", "original", author=author)
    opened_at = post.version
    _edit(author, post, body_md="saved from tab one", base_version=opened_at)
    data = post_input_from(post)
    data.body_md = "typed in tab two"
    with pytest.raises(EditConflict) as conflict:
        save_post(author, data, post, base_version=opened_at)
    db.session.rollback()
    assert conflict.value.post.body_md == "saved from tab one"
    db.session.refresh(post)
    assert post.body_md == "saved from tab one"
    # Choosing "keep mine" means saving again against the version now current.
    save_post(author, data, post, base_version=post.version)
    db.session.commit()
    assert post.body_md == "typed in tab two"


def test_autosave_keeps_text_without_changing_the_published_page(client, make_post, make_user):
    author = make_user(Role.AUTHOR)
    post = make_post("Autosaved", "public text", author=author)
    save_autosave(author, post, title="Autosaved", body_md="private work in progress", base_version=post.version)
    db.session.commit()
    assert "public text" in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    assert pending_autosave(author, post).body_md == "private work in progress"
    _edit(author, post, body_md="published edit")
    assert db.session.get(PostAutosave, (post.id, author.id)) is None


def test_autosave_from_a_stale_tab_is_a_conflict(make_post, make_user):
    author = make_user(Role.AUTHOR)
    post = make_post("Stale", "v1", author=author)
    stale = post.version
    _edit(author, post, body_md="v2")
    with pytest.raises(EditConflict):
        save_autosave(author, post, title="Stale", body_md="old tab", base_version=stale)


def test_another_author_cannot_autosave_into_my_post(make_post, make_user):
    mine = make_post("Mine", "x", author=make_user(Role.AUTHOR))
    with pytest.raises(DomainError):
        save_autosave(make_user(Role.AUTHOR), mine, title="t", body_md="b", base_version=mine.version)


def test_an_editor_sends_a_submitted_post_back_with_a_note(make_post, make_user):
    contributor = make_user(Role.CONTRIBUTOR)
    post = make_post("Submitted", "please review", author=contributor, status=PostStatus.PENDING)
    with pytest.raises(DomainError, match="Say what needs changing"):
        send_back(make_user(Role.EDITOR), post, "  ")
    with pytest.raises(DomainError):
        send_back(make_user(Role.AUTHOR), post, "no")
    send_back(make_user(Role.EDITOR), post, "Add a source for the Kanno quote.")
    db.session.commit()
    assert post.status == PostStatus.DRAFT
    assert post.review_note == "Add a source for the Kanno quote."


def test_a_rewritten_line_is_shown_whole_and_the_compare_page_marks_changed_words(client, make_post, make_user, login):
    admin = make_user(Role.ADMIN)
    post = make_post("Memories", "Magnetic Rose blew me away and still does.\nThe end.", author=admin)
    first = revisions_of(post)[0]
    _edit(
        admin,
        post,
        body_md="Magnetic Rose blew me away and, thirty years later, still does.\nSomething else entirely now.",
    )
    diff = diff_lines(first.body_md, post.body_md)
    rewritten = [d for d in diff if d.text in ("The end.", "Something else entirely now.")]
    assert [d.parts for d in rewritten] == [(("changed", "The end."),), (("changed", "Something else entirely now."),)]

    login(client, admin)
    page = client.get(f"/admin/posts/{post.id}/revisions/{first.id}").get_data(as_text=True)
    assert "<ins>, thirty years later,</ins>" in page
    listing = client.get(f"/admin/posts/{post.id}/revisions").get_data(as_text=True)
    assert listing.count("Compare with current") == 1  # not on the revision that is the current text
    assert "Same as now" in listing
