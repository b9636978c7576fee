"""What readers and writers see when their Markdown becomes HTML (the safety corpus is test_rendering_xss)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blog.rendering import clean_text, excerpt_of, html_to_text, render_comment, render_post, safe_url

BLOG = Path(__file__).resolve().parent.parent / "blog"
REL = 'rel="nofollow ugc noopener"'


# ----------------------------------------------------------------------------- comments


def test_comment_paragraphs_emphasis_and_line_breaks() -> None:
    html = render_comment("First *thought*, **strong** one.\nSame paragraph, new line.\n\n~~Second~~ paragraph.")
    assert "<p>First <em>thought</em>, <strong>strong</strong> one.<br>" in html
    assert "<s>Second</s> paragraph.</p>" in html
    assert html.count("<p>") == 2


def test_comment_inline_code_and_code_blocks_are_escaped_not_run() -> None:
    html = render_comment("Use `<b>` here:\n\n```python\nif a < b: print('<i>')\n```\n\n    indented <code>")
    assert "<code>&lt;b&gt;</code>" in html
    assert "<pre><code class=\"language-python\">if a &lt; b: print('&lt;i&gt;')" in html
    assert "<pre><code>indented &lt;code&gt;" in html


def test_comment_blockquotes_and_lists() -> None:
    html = render_comment("> quoted\n\n- one\n- two\n\n3. three\n4. four")
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">' in html


def test_comment_links_and_bare_urls_are_nofollow_ugc() -> None:
    html = render_comment(
        "See [the review](https://example.com/r), https://example.org/a?b=1 and www.example.net, "
        "<https://auto.example/> or <mailto:me@example.com>."
    )
    assert f'<a href="https://example.com/r" {REL}>the review</a>' in html
    assert f'<a href="https://example.org/a?b=1" {REL}>https://example.org/a?b=1</a>' in html
    assert f'<a href="http://www.example.net" {REL}>www.example.net</a>' in html
    assert f'<a href="https://auto.example/" {REL}>' in html
    assert f'<a href="mailto:me@example.com" {REL}>' in html
    assert html.count("<a ") == 5 == html.count(REL)


def test_comment_bare_url_with_another_scheme_is_not_linked_with_it() -> None:
    html = render_comment("ftp://example.com/file and data:example.com/x")
    assert 'href="ftp:' not in html
    assert 'href="data:' not in html


def test_comment_url_inside_code_is_not_linked() -> None:
    html = render_comment("`https://example.com/`\n\n```\nhttps://example.org/\n```")
    assert "<a " not in html


def test_comment_has_no_headings_images_rules_or_raw_html() -> None:
    html = render_comment("# Not a heading\n\n---\n\n![pic](https://example.com/a.png)\n\n<b>bold?</b>")
    assert "<h" not in html
    assert "<hr" not in html
    assert "<img" not in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html
    assert "# Not a heading" in html_to_text(html)


def test_comment_link_with_a_forbidden_scheme_stays_text() -> None:
    for source in ["[x](javascript:alert(1))", "[x](data:text/html,hi)", "[x](ftp:files)"]:
        html = render_comment(source)
        assert "<a " not in html
        assert html_to_text(html) == source


def test_comment_inline_spoiler_hides_text_until_focused() -> None:
    html = render_comment("The killer is ||the **butler**||, obviously.")
    assert '<span class="spoiler" tabindex="0">the <strong>butler</strong></span>, obviously.' in html


def test_comment_block_spoiler_is_a_details_element() -> None:
    html = render_comment(":::spoiler Ending\nShe *wakes up*.\n:::\n\n:::spoiler\nUntitled.\n:::")
    assert '<details class="spoiler"><summary>Ending</summary>\n<p>She <em>wakes up</em>.</p>\n</details>' in html
    assert '<details class="spoiler"><summary>Spoiler</summary>\n<p>Untitled.</p>\n</details>' in html


def test_nested_spoiler_blocks_in_a_comment() -> None:
    html = render_comment("::::spoiler Outer\nA\n:::spoiler Inner\nB ||C||\n:::\n::::")
    assert html.count('<details class="spoiler">') == 2
    assert html.index("<summary>Outer</summary>") < html.index("<summary>Inner</summary>")
    assert '<span class="spoiler" tabindex="0">C</span>' in html


def test_a_spoiler_opened_on_the_last_line_of_a_quote_renders() -> None:
    """The container plugin read past the end of such a text (an IndexError, a 500 on posting)."""
    expected = '<blockquote>\n<details class="spoiler"><summary>Spoiler</summary>\n</details>\n</blockquote>'
    for source in ("> :::spoiler\n> ", "> ::::spoiler\n>"):
        assert render_comment(source) == expected
        assert render_post(source) == expected
    assert render_comment("> :::spoiler Ending\n> She stays.") == render_comment("> :::spoiler Ending\n> She stays.\n")


def test_lone_pipes_and_empty_spoilers_stay_text() -> None:
    assert render_comment("a || b") == "<p>a || b</p>"
    assert render_comment("||||") == "<p>||||</p>"
    assert render_comment("|| x\ny ||") == "<p>|| x<br>\ny ||</p>"


def test_comment_rendering_is_deterministic() -> None:
    source = "Hi *there* https://example.com ||s||"
    assert render_comment(source) == render_comment(source)


def test_comment_with_nul_and_lone_surrogates_renders_clean_text() -> None:
    html = render_comment("a\x00b\ud800c\r\nd")
    assert html == "<p>ab?c<br>\nd</p>"


# ----------------------------------------------------------------------------- posts


def test_post_headings_start_at_h2() -> None:
    html = render_post("# Part one\n\n## Detail\n\n###### Deepest")
    assert "<h2>Part one</h2>" in html
    assert "<h3>Detail</h3>" in html
    assert "<h6>Deepest</h6>" in html
    assert "<h1" not in html


def test_post_image_with_a_caption_line_becomes_a_figure() -> None:
    html = render_post("![Mari Ozawa](https://example.com/mari.jpg)\nMari Ozawa in *Perfect Blue*\n\nNext.")
    assert html.startswith(
        '<figure><img src="https://example.com/mari.jpg" alt="Mari Ozawa" loading="lazy" decoding="async">'
        "<figcaption>Mari Ozawa in <em>Perfect Blue</em></figcaption></figure>"
    )
    assert "<p>Next.</p>" in html


def test_post_image_alone_is_a_figure_without_caption() -> None:
    html = render_post("![Poster](/media/poster.jpg)")
    assert html == '<figure><img src="/media/poster.jpg" alt="Poster" loading="lazy" decoding="async"></figure>'


def test_post_image_inside_text_stays_inline() -> None:
    html = render_post("Look: ![icon](/i.png) here")
    assert "<figure" not in html
    assert '<p>Look: <img src="/i.png" alt="icon" loading="lazy" decoding="async"> here</p>' in html


def test_post_tables_keep_column_alignment_without_style() -> None:
    html = render_post("| Title | Score |\n|:--|--:|\n| Memories | 9 |")
    assert '<th align="left">Title</th>' in html
    assert '<td align="right">9</td>' in html
    assert "style" not in html


def test_post_spoiler_in_a_table_cell_with_escaped_pipes() -> None:
    html = render_post("| a | b |\n|---|---|\n| \\|\\|twist\\|\\| | x |")
    assert '<td><span class="spoiler" tabindex="0">twist</span></td>' in html


def test_post_spoilers_inline_and_block() -> None:
    html = render_post("It ends ||badly||.\n\n:::spoiler The twist\n# Big\n:::")
    assert '<span class="spoiler" tabindex="0">badly</span>' in html
    assert '<details class="spoiler"><summary>The twist</summary>\n<h2>Big</h2>\n</details>' in html


def test_post_typography_and_plain_links() -> None:
    html = render_post('"Magnetic Rose" -- 1995... see https://example.com')
    assert "\u201cMagnetic Rose\u201d \u2013 1995\u2026" in html
    assert '<a href="https://example.com">https://example.com</a>' in html


def test_post_raw_html_keeps_the_allowlist_and_drops_the_rest() -> None:
    html = render_post('<mark>hi</mark> <kbd>Ctrl</kbd> <span class="x" style="color:red">s</span><font>f</font>')
    assert "<mark>hi</mark> <kbd>Ctrl</kbd> <span>s</span>f" in html


def test_post_spoiler_markup_typed_as_html_keeps_only_the_spoiler_attributes() -> None:
    html = render_post('<details class="spoiler" open><summary id="s">T</summary>x</details>')
    assert html == '<details class="spoiler"><summary>T</summary>x</details>'


def test_post_embeds_only_for_unfiltered_html() -> None:
    source = '<iframe src="https://www.youtube-nocookie.com/embed/x" width="560" allowfullscreen></iframe>'
    assert "<iframe" not in render_post(source)
    kept = render_post(source, unfiltered=True)
    assert '<iframe src="https://www.youtube-nocookie.com/embed/x" width="560" allowfullscreen=""></iframe>' in kept


def test_post_img_srcset_kept_when_every_candidate_is_safe() -> None:
    ok = render_post('<img src="/a.png" srcset="/a.png 1x, https://cdn.example/a2.png 2x" alt="a">')
    assert 'srcset="/a.png 1x, https://cdn.example/a2.png 2x"' in ok
    bad = render_post('<img src="/a.png" srcset="/a.png 1x, javascript:alert(1) 2x" alt="a">')
    assert "srcset" not in bad


def test_post_code_block_language_class_is_kept_but_nothing_else() -> None:
    html = render_post('```rust\nfn main() {}\n```\n\n<code class="evil">x</code>')
    assert '<code class="language-rust">' in html
    assert "<code>x</code>" in html


# ----------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/", True),
        ("HTTP://EXAMPLE.COM", True),
        ("mailto:a@example.com", True),
        ("/relative/path?q=a:b", True),
        ("#fragment", True),
        ("//cdn.example/x", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java%09script:alert(1)", False),
        ("&#106;avascript:alert(1)", False),
        ("jav%2561script:alert(1)", False),
        ("java\u200bscript:alert(1)", False),
        ("\uff4aavascript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
        ("foo:bar", False),
    ],
)
def test_safe_url_sees_through_disguises(url: str, ok: bool) -> None:
    assert safe_url(url) is ok


def test_html_to_text_keeps_blocks_on_their_own_lines() -> None:
    html = render_post("# Title\n\nA *b* &amp; c.\n\n- one\n- two")
    assert html_to_text(html) == "Title\nA b & c.\none\ntwo"


def test_excerpt_cuts_at_a_word() -> None:
    assert excerpt_of("short text") == "short text"
    text = "word " * 100
    cut = excerpt_of(text, limit=22)
    assert cut == "word word word word…"


def test_clean_text_normalises_newlines_and_drops_controls() -> None:
    assert clean_text("a\r\nb\rc\x00d\x07e\tf\ud83dg") == "a\nb\ncd" + "e\tf?g"


def test_bleach_is_imported_only_by_the_rendering_module() -> None:
    """One sanitizer seam: any other module importing bleach would be a second, unreviewed policy."""
    pattern = re.compile(r"^\s*(import\s+bleach|from\s+bleach[\s.])", re.MULTILINE)
    offenders = [
        str(path.relative_to(BLOG.parent))
        for path in BLOG.rglob("*.py")
        if path.name != "rendering.py" or path.parent != BLOG
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert pattern.search((BLOG / "rendering.py").read_text(encoding="utf-8"))
