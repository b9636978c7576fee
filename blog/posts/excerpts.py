"""A post's excerpt: the one its writer typed, or the one the site makes from its text.

The site's own (``blog.rendering.summary_of``: the start of the paragraphs, spoilers hidden) is
stored in ``Post.excerpt`` like a typed one, so lists and feeds read one column. Everything that
shows the excerpt to the writer (the editor, revisions) shows only a typed one: saving the
automatic excerpt back as if typed would freeze it while the text moved on.
"""

from __future__ import annotations

from blog.models.posts import Post
from blog.rendering import excerpt_of, html_to_text, summary_of


def is_automatic_excerpt(excerpt: str, body_html: str, body_text: str) -> bool:
    """``excerpt`` is the one the site made for this text: today's, or an older version's (the
    start of all the text, spoilers and headings included)."""
    return excerpt in {summary_of(body_html), excerpt_of(body_text), excerpt_of(html_to_text(body_html))}


def typed_excerpt(post: Post) -> str:
    """The excerpt as its writer typed it; empty while it is the automatic one."""
    excerpt = post.excerpt or ""
    if is_automatic_excerpt(excerpt, post.body_html or "", post.body_text or ""):
        return ""
    return excerpt
