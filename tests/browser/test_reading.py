"""A reader opens the home page and a post in a real browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import click_first_line

PASSWORD = "correct horse battery staple"


def test_reader_opens_home_and_post(page, live_server, make_post):
    post = make_post("Fond Memories Part 1: Magnetic Rose", "Memories is a three episode anthology.")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Fond Memories Part 1: Magnetic Rose").click()
    expect(page).to_have_url(live_server.url + f"/posts/{post.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fond Memories Part 1: Magnetic Rose")


def test_pages_load_without_script_errors_or_policy_violations(page, live_server, review_site):
    """The strict Content Security Policy blocks inline styles and scripts; the theme uses none,
    every file it asks our server for exists, and no script throws."""
    problems: list[str] = []

    def on_console(message):  # type: ignore[no-untyped-def]
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def on_response(response):  # type: ignore[no-untyped-def]
        if response.url.startswith(live_server.url) and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    for path in ("/", f"/posts/{review_site.post.slug}/", "/archives/", "/search?q=rose", "/login"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        page.evaluate("() => document.fonts.ready")
    assert problems == []


def test_keyboard_reader_skips_to_the_content(page, live_server, review_site):
    page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + f"/posts/{review_site.post.slug}/#main")


def test_reader_reveals_a_spoiler_by_click_and_by_keyboard(page, live_server, review_site):
    page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
    spoiler = page.locator(".post-body span.spoiler").first
    hidden = spoiler.evaluate("(el) => getComputedStyle(el).color === getComputedStyle(el).backgroundColor")
    assert hidden, "an unrevealed spoiler should be unreadable"
    click_first_line(spoiler)
    expect(spoiler).to_have_class("spoiler revealed")
    page.mouse.move(0, 0)
    page.get_by_role("heading", level=1).click()  # focus and hover elsewhere: it stays open
    revealed = spoiler.evaluate("(el) => getComputedStyle(el).color !== getComputedStyle(el).backgroundColor")
    assert revealed
    spoiler.focus()
    page.keyboard.press("Enter")
    expect(spoiler).not_to_have_class("spoiler revealed")


def test_a_spoiler_gives_nothing_away_to_a_pointer_a_tab_or_a_screen_reader(page, live_server, review_site):
    """Hover and focus revealed an inline spoiler, and the accessibility tree read its text out."""
    page.goto(live_server.url + f"/posts/{review_site.post.slug}/")
    spoiler = page.locator(".post-body span.spoiler").first
    text = spoiler.locator(".spoiler-text").inner_text()

    def unreadable() -> bool:
        return bool(spoiler.evaluate("(el) => getComputedStyle(el).color === getComputedStyle(el).backgroundColor"))

    click_first_line(spoiler, hover_only=True)
    assert unreadable(), "hovering showed the spoiler"
    spoiler.focus()
    assert unreadable(), "focusing showed the spoiler"
    # Screen readers hear what it is, not what it hides.
    body = page.locator(".post-body")
    assert "Spoiler, hidden" in body.aria_snapshot() and text not in body.aria_snapshot()
    page.keyboard.press("Enter")
    expect(spoiler).to_have_class("spoiler revealed")
    spoiler.evaluate(  # once its colours have faded in
        "el => new Promise(done => { const check = () => getComputedStyle(el).color !== "
        "getComputedStyle(el).backgroundColor ? done() : requestAnimationFrame(check); check(); })"
    )
    assert text in body.aria_snapshot()


def test_staff_member_sees_admin_link_and_signs_out_from_the_header(page, live_server, make_user):
    make_user("author", email="writer@example.org", name="Writer")
    page.goto(live_server.url + "/login")
    page.get_by_label("Email").fill("writer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Admin")).to_be_visible()
    nav.get_by_role("button", name="Sign out").click()
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)


def test_phone_reader_finds_the_navigation_and_search(browser, live_server, review_site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        nav = page.get_by_role("navigation", name="Main")
        for name in ("Home", "Archives", "Series"):
            expect(nav.get_by_role("link", name=name)).to_be_in_viewport()
        search = page.get_by_role("searchbox", name="Search the reviews")
        search.fill("rose")
        search.press("Enter")
        expect(page).to_have_url(live_server.url + "/search?q=rose")
        expect(page.get_by_role("link", name=review_site.post.title)).to_be_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_a_byline_wrapped_on_a_phone_has_no_separator_at_either_end_of_a_line(
    browser, live_server, make_user, make_post, make_comment
):
    author = make_user("author", name="Bebop Shock Reviewer")
    post = make_post("Fond Memories Part 2: Stink Bomb", author=author)
    make_comment(post, "Funniest of the three.", name="Ann")
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/posts/{post.slug}/")
        byline = page.locator("p.post-meta").first
        expect(byline).to_contain_text("1 comment")
        left = byline.locator(".post-author").bounding_box()["x"]  # where every line's text starts
        first_line = byline.locator(".post-author").bounding_box()["y"]
        lines: dict[int, list[dict]] = {}
        for sep in byline.locator(".meta-sep").all():
            box = sep.bounding_box()
            lines.setdefault(round(box["y"]), []).append(box)
        wrapped = [boxes for y, boxes in lines.items() if y > first_line + 5]
        assert wrapped, "the byline wraps at 360 px (else this test shows nothing)"
        # The separator a wrapped line starts with lies left of where the text starts, in the strip
        # the byline's clip-path cuts off.
        for boxes in wrapped:
            first = min(boxes, key=lambda b: b["x"])
            assert first["x"] + first["width"] <= left + 0.5, (left, first)
        assert page.evaluate("el => getComputedStyle(el).clipPath", byline.element_handle()).startswith("inset(")
        # No separator ends a line: each sits on the line of the item it leads.
        for item in byline.locator(".meta-item").all():
            sep, text = item.locator(".meta-sep").bounding_box(), item.bounding_box()
            assert abs(sep["y"] - text["y"]) < 5 and text["height"] < 40  # one line each
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_every_archive_page_keeps_the_site_header_as_home_has_it(page, live_server, review_site):
    """The page's body class names its kind of archive (``archive-<kind>``): the yearly archive's
    was once ``archive-year``, a class the archives page styles as a two-column grid, and the
    whole page, header and all, went into a 5rem column."""
    page.goto(live_server.url + "/")
    home = page.locator(".site-header").bounding_box()
    year = review_site.post.published_at.year
    for path in (f"/{year}/", f"/{year}/{review_site.post.published_at.month}/", "/archives/"):
        page.goto(live_server.url + path)
        assert page.locator(".site-header").bounding_box() == home, path
