"""The comment list is built in Python (blog.comments.markup), not by Jinja's autoescaping: what a
commenter controls (name, website, the name a capped reply answers) must still come out escaped."""

from __future__ import annotations

from blog.comments.markup import date_label


def test_names_and_websites_are_escaped_in_the_list(client, make_post, make_comment):
    post = make_post()
    hostile = '<img src=x onerror=alert(1)>"Mallory'
    parent = make_comment(post, "First!", name=hostile, author_url='https://example.org/"onmouseover="alert(1)')
    make_comment(post, "A reply", parent=parent, name="Bob")

    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)

    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&#34;Mallory" in page  # shown as text, in the name and the reply link
    assert 'href="https://example.org/&#34;onmouseover=&#34;alert(1)"' in page
    assert 'data-author="&lt;img src=x onerror=alert(1)&gt;&#34;Mallory"' in page


def test_capped_reply_names_whom_it_answers_escaped(app, client, make_post, make_comment):
    app.config["COMMENTS_MAX_DEPTH"] = 2
    post = make_post()
    root = make_comment(post, "Root")
    middle = make_comment(post, "Middle", parent=root, name="<b>Deep</b>")
    make_comment(post, "Capped", parent=middle, name="Carol")

    page = client.get(f"/posts/{post.slug}/").get_data(as_text=True)

    assert "in reply to &lt;b&gt;Deep&lt;/b&gt;" in page
    assert "<b>Deep</b>" not in page


def test_dates_read_like_wordpress_in_every_locale():
    from datetime import datetime

    assert date_label(datetime(2026, 11, 23, 0, 5)) == "November 23, 2026 at 12:05 am"
    assert date_label(datetime(2026, 1, 2, 13, 39)) == "January 2, 2026 at 1:39 pm"
