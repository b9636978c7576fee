"""Hypothesis: whatever text arrives, rendering never raises and never emits a script vector.

Three alphabets: any Unicode text (control characters and lone surrogates included), a
Markdown-and-HTML-ish alphabet that mixes the characters the syntax cares about with words attackers
use, and sequences of whole known-dangerous fragments glued together at random.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.rendering import clean_text, html_to_text, render_comment, render_post
from tests.test_rendering_xss import COMMENT_TAGS, POST_TAGS, UNFILTERED_TAGS, assert_no_script_vector

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = [
    "javascript", "JaVaScRiPt", "script", "onerror", "onload", "alert(1)", "data", "vbscript", "http", "https",
    "mailto", "img", "svg", "math", "iframe", "srcdoc", "style", "href", "src", "spoiler", "a", "x", "&#106;",
    "&#x6A;", "&Tab;", "&colon;", "%0a", "www.", ".com", "summary", "details", "span", "class", "tabindex",
]  # fmt: skip
SYMBOLS = [*"<>[]()!|:*_`&#;\n\t \"'=/\\-.~>{}@", "\x00", "\u200b", "\ud800", "\r\n"]

markdownish = st.lists(st.sampled_from(WORDS + SYMBOLS), max_size=60).map("".join)

FRAGMENTS = [
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "[x](", "javascript:alert(1)", ")", "![", "](",
    "||", ":::spoiler ", "\n:::\n", "::::spoiler\n", "<a href=\"", "\">", "</a>", "<svg/onload=alert(1)>",
    "<math>", "<style>", "<!--", "-->", "<![CDATA[", "]]>", "```", "\n\n", "> ", "- ", "1. ", "<", "&#", "&#x6A;",
    "java\tscript:", "<javascript:alert(1)>", "[r]: ", "\n[r]\n", "\"", "'", "`", "<details open ontoggle=alert(1)>",
    "<iframe srcdoc=", "<base href=", "<meta http-equiv=refresh content=0;url=", "https://example.com/",
    "data:", "example.com", "ftp://",
]  # fmt: skip
glued = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map("".join)

any_text = st.text(max_size=400)


def _check_all(source: str) -> None:
    comment = render_comment(source)
    assert_no_script_vector(comment, COMMENT_TAGS, reader_links=True)
    assert_no_script_vector(render_post(source), POST_TAGS)
    assert_no_script_vector(render_post(source, unfiltered=True), UNFILTERED_TAGS, strict_spoilers=False)
    assert isinstance(html_to_text(comment), str)


@PROPERTY_SETTINGS
@given(any_text)
def test_any_text_renders_safely(source: str) -> None:
    _check_all(source)


@PROPERTY_SETTINGS
@given(markdownish)
def test_markdown_and_html_soup_renders_safely(source: str) -> None:
    _check_all(source)


@PROPERTY_SETTINGS
@given(glued)
def test_glued_attack_fragments_render_safely(source: str) -> None:
    _check_all(source)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_rendered_output_is_valid_text_to_store(source: str) -> None:
    """What is stored has no NUL, no lone surrogate and encodes as UTF-8 (PostgreSQL refuses the rest)."""
    for html in (render_comment(source), render_post(source), clean_text(source)):
        assert "\x00" not in html
        html.encode("utf-8")
