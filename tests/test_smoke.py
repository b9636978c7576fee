"""The app starts and serves its first pages."""

from blog.models import PostStatus


def test_home_lists_a_published_post(client, make_post):
    make_post("Fond Memories Part 1: Magnetic Rose", "Memories is a *three episode* anthology.")
    response = client.get("/")
    assert response.status_code == 200
    assert "Fond Memories Part 1: Magnetic Rose" in response.get_data(as_text=True)


def test_draft_is_not_public(client, make_post):
    post = make_post("Secret draft", status=PostStatus.DRAFT)
    assert client.get(f"/posts/{post.slug}/").status_code == 404
    assert "Secret draft" not in client.get("/").get_data(as_text=True)
