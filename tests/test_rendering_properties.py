"""Hypothesis: whatever text arrives, rendering never raises and never emits a script vector.

Three alphabets: any Unicode text (control characters and lone surrogates included), a
Markdown-and-HTML-ish alphabet that mixes the characters the syntax cares about with words attackers
use, and sequences of whole known-dangerous fragments glued together at random.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blog.rendering import _comment_markdown, _plain_prose, clean_text, html_to_text, render_comment, render_post
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


# --------------------------------------------------------------------------- plain prose, the short way
#: Plain prose skips Markdown and the sanitizer (``rendering._plain_prose``); it must come out
#: byte for byte as the whole way makes it. The alphabet is prose plus every near miss: list
#: markers, code indents, domains, addresses, markup characters, spaces at line ends.
PROSE = [
    "The", "film", "is", "good", "I", "liked", "it", "Episode", "12", "x", " ", " ", " ", "  ", ",", ".", ". ",
    ":", "; ", "'", '"', "?", "!", "(", ")", "-", "--", "\n", "\n\n", "\n\n\n", "e.g.", "film.com", "www.",
    "1. ", "2) ", "- ", "+ ", "* ", "> ", "    ", "\t", "http://", "https://a.io", "mailto:", "@", "a@b.org",
    "*", "_", "~~", "||", "`", "&", "&amp;", "<", ">", "#", "\\", "/", "[", "]", "é", "\u00a0", ":::", "=",
    " \n", "\n ", "3.5", "10/10", "...", "A.", "\r\n", "\x00",
]  # fmt: skip
#: Mostly what the short way takes, so that most examples test it, not the fallback.
PLAIN = [" film", " it", " 12", " ", ",", ".", ". ", ":", "; ", "'", '"', "?", "!", "(", ")", "-", "\nA",
         "\n\nThe", "\n", "3.5", "A.", " x", "y"]  # fmt: skip
prose = st.one_of(
    st.lists(st.sampled_from(PROSE), max_size=40).map("".join),
    st.lists(st.sampled_from(PLAIN), max_size=40).map(lambda parts: "The" + "".join(parts)),
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prose)
def test_plain_prose_renders_as_markdown_and_the_sanitizer_would(source: str) -> None:
    text = clean_text(source)
    assert render_comment(source) == _comment_markdown(text)


def test_ordinary_comments_take_the_short_way_and_look_the_same() -> None:
    comments = [
        "Great review, thanks!",
        'The "Magnetic Rose" segment is the best of the three. I\'ve watched it (twice) this week.',
        "Agreed.\nThe score does half the work.\n\nThe ending, though: too much explaining.",
        "Comment 7-12: the station scenes are the best part of the film.\n",
    ]
    for source in comments:
        assert _plain_prose(clean_text(source)) is not None, source
        assert render_comment(source) == _comment_markdown(clean_text(source))
    assert render_comment(comments[2]) == (
        "<p>Agreed.<br>\nThe score does half the work.</p>\n<p>The ending, though: too much explaining.</p>"
    )
    for markdown in ("Watch *this*", "1. First", "See film.com", "    code", "Trailing  \nbreak", "> quoted"):
        assert _plain_prose(clean_text(markdown)) is None, markdown
