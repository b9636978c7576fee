"""The revisions pages: list (who, when, what changed), a diff against the current text, restore."""

from datetime import timedelta

from blog.extensions import db
from blog.models import Role
from blog.models.posts import PostRevision
from blog.posts.editing import post_input_from, save_post
from blog.posts.revisions import revisions_of


def _edit(user, post, body):
    data = post_input_from(post)
    data.body_md = body
    save_post(user, data, post, base_version=post.version)
    db.session.commit()


def _spread(post):
    """Give the revisions distinct times, as edits minutes apart would."""
    for n, revision in enumerate(reversed(revisions_of(post))):
        revision.created_at = revision.created_at - timedelta(minutes=10 * (5 - n))
    db.session.commit()


def test_the_editor_links_to_revisions_and_the_list_says_who_when_and_what(client, login, make_user, make_post):
    eda = make_user(Role.EDITOR, name="Eda")
    post = make_post("Stink Bomb", "A comedy.\nAbout a researcher.", author=make_user(Role.AUTHOR, name="Ann"))
    _edit(eda, post, "A comedy.\nAbout a very smelly researcher.\nWith a chase.")
    login(client, eda)
    editor = client.get(f"/admin/posts/{post.id}/edit").get_data(as_text=True)
    assert f'href="/admin/posts/{post.id}/revisions"' in editor and "Revisions (2)" in editor
    page = client.get(f"/admin/posts/{post.id}/revisions").get_data(as_text=True)
    assert "Revisions of “Stink Bomb”" in page
    assert page.index("Eda") < page.index("Ann")  # newest first
    assert "body (+2 −1 lines)" in page and "first published version" in page


def test_comparing_a_revision_shows_removed_and_added_lines(client, login, make_user, make_post):
    author = make_user(Role.AUTHOR)
    post = make_post("Memories", "Stink Bomb is fun.\nCannon Fodder is grim.", author=author)
    first = revisions_of(post)[0]
    _edit(author, post, "Stink Bomb is a comedy.\nCannon Fodder is grim.")
    login(client, author)
    html = client.get(f"/admin/posts/{post.id}/revisions/{first.id}").get_data(as_text=True)
    assert '<tr class="diff-remove">' in html and "Stink Bomb is <del>fun</del>." in html
    assert '<tr class="diff-add">' in html and "Stink Bomb is <ins>a comedy</ins>." in html
    assert "Restore this revision" in html


def test_restoring_a_revision_makes_it_current_and_keeps_the_replaced_text(client, login, make_user, make_post):
    author = make_user(Role.AUTHOR)
    post = make_post("Memories", "The first take.", author=author)
    first = revisions_of(post)[0]
    _edit(author, post, "The second take.")
    _spread(post)
    login(client, author)
    reply = client.post(f"/admin/posts/{post.id}/revisions/{first.id}/restore", data={"base_version": post.version})
    assert reply.status_code == 303 and reply.headers["Location"] == f"/admin/posts/{post.id}/edit"
    assert "Restored the version of" in client.get(reply.headers["Location"]).get_data(as_text=True)
    db.session.refresh(post)
    assert post.body_md == "The first take." and "The first take." in post.body_html
    assert "The first take." in client.get(f"/posts/{post.slug}/").get_data(as_text=True)
    bodies = [r.body_md for r in revisions_of(post)]
    assert bodies == ["The first take.", "The second take.", "The first take."]


def test_restoring_from_a_stale_page_is_refused(client, login, make_user, make_post):
    author = make_user(Role.AUTHOR)
    post = make_post("Memories", "one", author=author)
    first = revisions_of(post)[0]
    stale = post.version
    _edit(author, post, "two")
    login(client, author)
    reply = client.post(
        f"/admin/posts/{post.id}/revisions/{first.id}/restore", data={"base_version": stale}, follow_redirects=True
    )
    assert "changed since you opened this page" in reply.get_data(as_text=True)
    db.session.refresh(post)
    assert post.body_md == "two"


def test_other_authors_cannot_see_or_restore_revisions(client, login, make_user, make_post):
    post = make_post("Mine", "text", author=make_user(Role.AUTHOR))
    revision = revisions_of(post)[0]
    login(client, make_user(Role.AUTHOR))
    assert client.get(f"/admin/posts/{post.id}/revisions").status_code == 403
    assert client.get(f"/admin/posts/{post.id}/revisions/{revision.id}").status_code == 403
    assert client.post(f"/admin/posts/{post.id}/revisions/{revision.id}/restore").status_code == 403


def test_a_revision_of_another_post_is_not_found(client, login, make_user, make_post):
    admin = make_user(Role.ADMIN)
    mine, other = make_post("Mine", "a", author=admin), make_post("Other", "b", author=admin)
    foreign = db.session.query(PostRevision).filter_by(post_id=other.id).one()
    login(client, admin)
    assert client.get(f"/admin/posts/{mine.id}/revisions/{foreign.id}").status_code == 404
    assert client.post(f"/admin/posts/{mine.id}/revisions/{foreign.id}/restore").status_code == 404


def test_the_revisions_list_takes_the_same_queries_for_many_revisions(
    client, login, make_user, make_post, count_queries
):
    admin = make_user(Role.ADMIN)
    post = make_post("Many", "v0", author=admin)
    login(client, admin)
    db.session.expire_all()
    with count_queries() as few:
        client.get(f"/admin/posts/{post.id}/revisions")
    for n in range(6):
        _edit(make_user(Role.EDITOR), post, f"v{n + 1}")
    db.session.expire_all()
    with count_queries() as many:
        page = client.get(f"/admin/posts/{post.id}/revisions").get_data(as_text=True)
    assert page.count("Compare with current") == 6  # the seventh is the current text: nothing to compare
    assert many.count == few.count
