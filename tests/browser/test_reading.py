"""A reader opens the home page and a post in a real browser."""

from playwright.sync_api import expect


def test_reader_opens_home_and_post(page, live_server, make_post):
    post = make_post("Fond Memories Part 1: Magnetic Rose", "Memories is a three episode anthology.")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Fond Memories Part 1: Magnetic Rose").click()
    expect(page).to_have_url(live_server.url + f"/posts/{post.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fond Memories Part 1: Magnetic Rose")
