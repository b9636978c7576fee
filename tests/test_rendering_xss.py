"""The adversarial corpus: what attackers type, and what the rendering seam must never emit.

Table-driven in Isso's manner. Vectors come from the OWASP XSS Filter Evasion Cheat Sheet, the
PortSwigger XSS cheat sheet and known Markdown/sanitizer bypasses (mXSS, scheme disguises), plus
our own spoiler syntax. Every vector goes through ``render_comment``, ``render_post`` and
``render_post(unfiltered=True)``; the output is parsed the way a browser parses it (html5lib)
and checked by ``assert_no_script_vector``. Where the reader should still see something, the case
says what text survives.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import html5lib
import pytest

from blog.rendering import html_to_text, render_comment, render_post

# What each renderer may emit, written down here independently of blog/rendering.py's policy.
COMMENT_TAGS = {
    "p", "br", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span",
    "details", "summary",
}  # fmt: skip
POST_TAGS = COMMENT_TAGS | {
    "h2", "h3", "h4", "h5", "h6", "hr", "b", "i", "u", "ins", "sup", "sub", "mark", "kbd", "abbr", "cite", "q",
    "small", "dl", "dt", "dd", "img", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption", "div",
}  # fmt: skip
UNFILTERED_TAGS = POST_TAGS | {"iframe", "video", "audio", "source", "picture", "aside", "section"}

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data", "cite", "longdesc",
    "dynsrc", "lowsrc", "codebase", "ping", "manifest", "icon", "usemap", "profile", "classid", "archive",
}  # fmt: skip
NEVER_ATTRIBUTES = {"style", "srcdoc", "http-equiv", "content", "formaction", "target", "xmlns", "is"}
SAFE_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _url_scheme(value: str) -> str | None:
    """The scheme a browser would read from an attribute value (entities are already decoded by the
    parser): leading/trailing controls and spaces go, tabs and newlines inside vanish. As a second,
    stricter reading, every whitespace, control and invisible character is removed too."""
    browser = re.sub(
        r"[\t\n\r]",
        "",
        value.strip(
            "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f"
            "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "
        ),
    )
    strict = "".join(
        ch for ch in unicodedata.normalize("NFKC", value) if not (ch.isspace() or unicodedata.category(ch)[0] == "C")
    )
    for probe in (browser, strict):
        match = _SCHEME.match(probe)
        if match and match.group(1).lower() not in SAFE_SCHEMES:
            return match.group(1).lower()
    return None


def _walk(html: str) -> list[Any]:
    fragment = html5lib.parseFragment(html, treebuilder="etree", namespaceHTMLElements=False)
    return [el for el in fragment.iter() if isinstance(el.tag, str)]


def assert_no_script_vector(
    html: str, allowed_tags: set[str], *, reader_links: bool = False, strict_spoilers: bool = True
) -> None:
    """Fail when ``html``, as a browser would parse it, could run script or leave the allowlist.

    ``reader_links``: every link must carry ``rel="nofollow ugc noopener"`` (comments).
    ``strict_spoilers``: spans and details carry exactly the spoiler markup (all but unfiltered posts).
    """
    for element in _walk(html):
        raw_tag = element.tag
        assert not raw_tag.startswith("{"), f"foreign element {raw_tag} (SVG/MathML) in {html!r}"
        tag = raw_tag.lower()
        if tag == "document_fragment":
            continue
        assert tag not in {"script", "style"}, f"<{tag}> in {html!r}"
        assert tag in allowed_tags, f"<{tag}> is outside the allowlist in {html!r}"
        for raw_name, value in element.attrib.items():
            name = raw_name.split("}")[-1].lower() if raw_name.startswith("{") else raw_name.lower()
            assert not name.startswith("on"), f"event handler {name}= in {html!r}"
            assert name not in NEVER_ATTRIBUTES, f"{name}= in {html!r}"
            if name in URL_ATTRIBUTES:
                scheme = _url_scheme(value)
                assert scheme is None, f"{name}={value!r} uses {scheme}: in {html!r}"
            if name in {"srcset", "imagesrcset"}:
                for candidate in value.split(","):
                    words = candidate.split()
                    assert not words or _url_scheme(words[0]) is None, f"srcset {value!r} in {html!r}"
        if strict_spoilers and tag == "span":
            assert element.attrib.get("class", "spoiler") == "spoiler", f"span class in {html!r}"
            assert element.attrib.get("tabindex", "0") == "0", f"span tabindex in {html!r}"
            assert set(element.attrib) <= {"class", "tabindex"}, f"span attributes in {html!r}"
        if strict_spoilers and tag == "details":
            assert set(element.attrib) <= {"class"}, f"details attributes in {html!r}"
            assert element.attrib.get("class", "spoiler") == "spoiler", f"details class in {html!r}"
        if reader_links and tag == "a":
            assert element.attrib.get("rel") == "nofollow ugc noopener", f"reader link without rel in {html!r}"
    lowered = re.sub(r'"[^"]*"', '""', html.lower())  # attribute values are always double-quoted
    # Belt and braces over the parser: no tag-shaped script or handler text outside escaped text.
    assert "<script" not in lowered, html
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", lowered), html


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    #: Text a reader still sees in the comment (raw HTML is shown as typed in comments).
    comment_text: str | None = None
    #: Text a reader still sees in the post.
    post_text: str | None = None


CORPUS: list[Case] = [
    # --- script tags (OWASP "basic XSS test", "non-alpha-non-digit", "extraneous open brackets")
    Case("script-tag", "<script>alert(1)</script>", comment_text="<script>alert(1)</script>"),
    Case("script-src", '<SCRIPT SRC="http://xss.rocks/xss.js"></SCRIPT>'),
    Case("script-slash-attr", '<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>'),
    Case("script-double-open", '<<SCRIPT>alert("XSS");//\\<</SCRIPT>'),
    Case("script-no-close", "<SCRIPT SRC=http://xss.rocks/xss.js?< B >"),
    Case("script-split-by-script", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    Case("script-unclosed", "<script>alert(1)", comment_text="<script>alert(1)"),
    Case("script-after-title", '</TITLE><SCRIPT>alert("XSS");</SCRIPT>'),
    Case("script-in-malformed-img", '<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\\>'),
    Case("script-in-template", "<template><script>alert(1)</script></template>"),
    Case("script-in-noscript-mxss", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    # --- event handlers
    Case("img-onerror", "<img src=x onerror=alert(1)>", comment_text="<img src=x onerror=alert(1)>"),
    Case("img-onerror-entities", '<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115;alert(1)">'),
    Case("a-onmouseover", '<a onmouseover="alert(document.cookie)">xxs link</a>', post_text="xxs link"),
    Case("img-hash-onmouseover", "<IMG SRC=# onmouseover=\"alert('xxs')\">"),
    Case("body-onload-junk", '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>'),
    Case("svg-onload", "<svg/onload=alert('XSS')>"),
    Case("details-ontoggle", "<details open ontoggle=alert(1)><summary>s</summary>x</details>", post_text="x"),
    Case("audio-onerror", "<audio src=x onerror=alert(1)>"),
    Case("video-source-onerror", "<video><source onerror=alert(1)></video>"),
    Case("body-onpageshow", "<body onpageshow=alert(1)>"),
    Case("marquee-onstart", "<marquee onstart=alert(1)>m</marquee>", post_text="m"),
    Case("custom-tag-onfocus", "<xss id=x tabindex=1 onfocus=alert(1) autofocus>x</xss>"),
    Case("attr-break-double", '<a href="http://x.com/" onclick="alert(1)">x</a>', post_text="x"),
    Case("attr-break-single", "<a href='http://x.com/\"onmouseover=\"alert(1)'>x</a>"),
    Case("img-eval-src", "<img src=x:alert(alt) onerror=eval(src) alt=0>"),
    Case("img-unclosed-onerror", "<img src=x onerror=alert(1)//"),
    Case("input-autofocus", "<input autofocus onfocus=alert(1)>"),
    # --- javascript:, data:, vbscript: in raw HTML, disguised every way the cheat sheets list
    Case("img-js", "<IMG SRC=\"javascript:alert('XSS');\">"),
    Case("img-js-mixed-case", "<IMG SRC=JaVaScRiPt:alert('XSS')>"),
    Case("img-js-backticks", "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>"),
    Case("img-js-decimal", "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>"),
    Case("img-js-hex", "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61;alert(1)>"),
    Case("img-js-tab", "<IMG SRC=\"jav\tascript:alert('XSS');\">"),
    Case("img-js-encoded-tab", "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">"),
    Case("img-js-encoded-newline", "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">"),
    Case("img-js-leading-junk", "<IMG SRC=\" &#14;  javascript:alert('XSS');\">"),
    Case(
        "a-js", '<a href="javascript:alert(1)">x</a>', comment_text='<a href="javascript:alert(1)">x</a>', post_text="x"
    ),
    Case("a-js-hex-entity", '<a href="&#x6A;avascript:alert(1)">x</a>', post_text="x"),
    Case("a-js-decimal-entity", '<a href="&#106;avascript:alert(1)">x</a>', post_text="x"),
    Case("a-js-named-tab", '<a href="java&Tab;script:alert(1)">x</a>', post_text="x"),
    Case("a-js-named-newline", '<a href="java&NewLine;script:alert(1)">x</a>', post_text="x"),
    Case("a-js-colon-entity", '<a href="jAvAsCrIpT&colon;alert(1)">x</a>', post_text="x"),
    Case("a-js-leading-space", '<a href=" javascript:alert(1)">x</a>', post_text="x"),
    Case("a-data-html", '<a href="data:text/html,<script>alert(1)</script>">x</a>'),
    Case("a-data-base64", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    Case("a-vbscript", '<a href="vbscript:msgbox(1)">x</a>', post_text="x"),
    Case("a-target-blank", '<a href="https://example.com/" target="_blank">tab</a>', post_text="tab"),
    Case("input-image-js", '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">'),
    Case("body-background-js", "<BODY BACKGROUND=\"javascript:alert('XSS')\">"),
    Case("table-background-js", '<TABLE BACKGROUND="javascript:alert(\'XSS\')"><tr><TD BACKGROUND="javascript:x">c'),
    Case("img-srcset-js", '<img src="https://example.com/a.png" srcset="javascript:alert(1) 1x">'),
    Case("source-srcset-js", '<picture><source srcset="javascript:alert(1)"><img src="/a.png"></picture>'),
    Case("video-poster-js", '<video poster="javascript:alert(1)" src="javascript:alert(2)"></video>'),
    Case("object-data-js", '<object data="javascript:alert(1)"></object>'),
    Case("object-scriptlet", '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>'),
    Case("embed-data-svg", '<EMBED SRC="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+" type="image/svg+xml">'),
    Case("isindex", "<isindex action=javascript:alert(1) type=image>"),
    # --- SVG and MathML
    Case("svg-script", "<svg><script>alert(1)</script></svg>"),
    Case("svg-xlink", '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>'),
    Case("svg-animate-href", "<svg><a><animate attributeName=href values=javascript:alert(1) /><text>x</text></a>"),
    Case("svg-style-mxss", "<svg><style><img src=x onerror=alert(1)></style></svg>"),
    Case("svg-foreignobject", "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>"),
    Case("math-href", '<math href="javascript:alert(1)">CLICKME</math>'),
    Case("math-mglyph-mxss", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
    Case("math-maction", '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>'),
    # --- CSS
    Case("style-tag-list-image", "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS"),
    Case("div-style-bg", "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">d</DIV>", post_text="d"),
    Case("div-style-expression", "<DIV STYLE=\"width: expression(alert('XSS'));\">d</DIV>", post_text="d"),
    Case("img-style-comment-expression", "<IMG STYLE=\"xss:expr/*XSS*/ession(alert('XSS'))\">"),
    Case("a-style-overlay", '<a href="/x" style="position:fixed;inset:0">overlay</a>', post_text="overlay"),
    Case("link-stylesheet-js", '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">'),
    # --- frames, meta, base, forms
    Case("iframe-js", "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>"),
    Case("iframe-srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'),
    Case(
        "iframe-srcdoc-entities", '<iframe src="https://example.com/" srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;">'
    ),
    Case("frameset", "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>"),
    Case("meta-refresh-js", '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">'),
    Case("meta-refresh-data", '<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD4K">'),
    Case("base-href", "<BASE HREF=\"javascript:alert('XSS');//\">"),
    Case("form-action", '<form action="javascript:alert(1)"><button>go</button></form>', post_text="go"),
    Case("button-formaction", '<button formaction="javascript:alert(1)">go</button>', post_text="go"),
    # --- comments and CDATA
    Case("conditional-comment", "<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->"),
    Case("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
    Case("comment-then-script", "<!-- --><script>alert(1)</script> -->"),
    Case("comment-breakout", "<!-- --!><img src=x onerror=alert(1)> -->"),
    Case("comment-in-attribute", '<a title="<!--" href="/x">--><img src=x onerror=alert(1)>'),
    # --- Markdown links and images
    Case("md-link-js", "[x](javascript:alert(1))", comment_text="[x](javascript:alert(1))"),
    Case("md-link-js-upper", "[x](JAVASCRIPT:alert(1))"),
    Case("md-link-js-angle", "[x](<javascript:alert(1)>)"),
    Case("md-link-js-title", '[x](javascript:alert(1) "title")'),
    Case("md-link-js-decimal", "[x](&#106;avascript:alert(1))"),
    Case("md-link-js-hex", "[x](&#x6A;avascript:alert(1))"),
    Case("md-link-js-colon-entity", "[x](javascript&#58;alert(1))"),
    Case("md-link-js-named-tab", "[x](java&Tab;script:alert(1))"),
    Case("md-link-js-percent", "[x](jav%61script:alert(1))"),
    Case("md-link-js-newline", "[x](java\nscript:alert(1))"),
    Case("md-link-js-spaces", "[x]( javascript:alert(1) )"),
    Case("md-link-js-comment", "[x](javascript://%0aalert(1))"),
    Case("md-link-js-zero-width", "[x](java\u200bscript:alert(1))"),
    Case("md-link-js-fullwidth", "[x](\uff4aavascript:alert(1))"),
    Case("md-link-data", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    Case("md-link-vbscript", "[x](vbscript:msgbox(1))"),
    Case("md-link-file", "[x](file:///etc/passwd)"),
    Case("md-link-quote-break", '[x](http://x.com"onclick="alert(1))'),
    Case("md-link-title-break", "[x](http://x.com 'a\" onclick=\"alert(1)')"),
    Case("md-link-html-label", "[<img src=x onerror=alert(1)>](http://example.com/)"),
    Case("md-reference-js", "[x][r]\n\n[r]: javascript:alert(1)"),
    Case("md-reference-js-angle", "[r]\n\n[r]: <javascript:alert(1)>"),
    Case("md-reference-shortcut-data", "[r]\n\n[r]: data:text/html,<script>alert(1)</script>"),
    Case("md-image-quote-break", '![x](x" onerror="alert(1))'),
    Case("md-image-js", "![x](javascript:alert(1))"),
    Case("md-image-alt-break", '![x"onerror="alert(1)](https://example.com/a.png)'),
    Case("md-image-data-svg", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    Case("md-image-caption-script", "![x](https://example.com/a.png)\n<script>alert(1)</script>"),
    Case("md-autolink-js", "<javascript:alert(1)>", comment_text="<javascript:alert(1)>"),
    Case("md-autolink-js-upper", "<JAVASCRIPT:alert(1)>"),
    Case("md-autolink-data", "<data:text/html,alert(1)>"),
    Case("md-autolink-vbscript", "<vbscript:msgbox(1)>"),
    Case("md-autolink-quote", '<http://x.com/"onmouseover="alert(1)>'),
    Case("md-escaped-html", "\\<script>alert(1)\\</script>"),
    Case("md-typed-entities", "&#60;script&#62;alert(1)&#60;/script&#62;", comment_text="<script>alert(1)</script>"),
    Case("md-code-span", "`<script>alert(1)</script>`", comment_text="<script>alert(1)</script>"),
    Case("md-fence-breakout", "```\n</code></pre><script>alert(1)</script>\n```"),
    Case("md-fence-info-injection", '```"><script>alert(1)</script>\nx\n```'),
    Case("md-fence-info-attr", "```js onerror=alert(1)\nx\n```"),
    Case("md-html-block-mixed", "<div>\n\n*md* <img src=x onerror=alert(1)>\n\n</div>"),
    Case("linkify-script-tail", "http://example.com/<script>alert(1)</script>"),
    Case("linkify-quote-break", 'www.example.com/"onmouseover="alert(1)'),
    Case("linkify-data-domain", "data:example.com/x and data:text.com,<b>hi</b>", comment_text="data:example.com/x"),
    Case("linkify-other-schemes", "ftp://example.com irc:example.com feed:example.com/rss"),
    Case("linkify-js-text", "javascript:alert(1)", comment_text="javascript:alert(1)"),
    Case("linkify-html-in-query", "http://example.com/?a=1&b=<img/src/onerror=alert(1)>"),
    # --- spoiler syntax abuse
    Case("spoiler-script", "||<script>alert(1)</script>||", comment_text="<script>alert(1)</script>"),
    Case("spoiler-img", "||<img src=x onerror=alert(1)>||"),
    Case("spoiler-md-link-js", "||[x](javascript:alert(1))||"),
    Case("spoiler-block-title-img", ":::spoiler <img src=x onerror=alert(1)>\nx\n:::", comment_text="x"),
    Case("spoiler-block-title-break", ':::spoiler "><script>alert(1)</script>\nx\n:::'),
    Case("spoiler-block-title-summary", ":::spoiler </summary><script>alert(1)</script><summary>\nx\n:::"),
    Case("spoiler-block-body-script", ":::spoiler\n<script>alert(1)</script>\n:::"),
    Case("spoiler-nested", "::::spoiler a\n:::spoiler b\n||c||\n:::\n::::", comment_text="c"),
    Case("spoiler-mismatched", ":::spoiler a\n:::spoiler b\nx\n:::", comment_text="x"),
    Case("spoiler-unclosed-inline", "||a **b|| c**", comment_text="a"),
    Case("spoiler-overlap", "||a||b||c||", comment_text="b"),
    Case("spoiler-raw-span-handler", '<span class="spoiler" tabindex="0" onclick="alert(1)">x</span>', post_text="x"),
    Case("spoiler-raw-span-style", '<span class="spoiler evil" tabindex="-1" style="color:red">x</span>'),
    Case("spoiler-raw-details", '<details class="spoiler" ontoggle="alert(1)" open><summary>s</summary>x</details>'),
    Case("spoiler-in-link-label", "[||x||](javascript:alert(1))"),
]

Renderer = Callable[[str], str]
RENDERERS: list[tuple[str, Renderer, set[str]]] = [
    ("comment", render_comment, COMMENT_TAGS),
    ("post", render_post, POST_TAGS),
    ("unfiltered", lambda source: render_post(source, unfiltered=True), UNFILTERED_TAGS),
]


def _visible_text(html: str) -> str:
    return html_to_text(html)


def test_corpus_ids_are_unique() -> None:
    ids = [case.id for case in CORPUS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
@pytest.mark.parametrize(("kind", "render", "allowed"), RENDERERS, ids=[r[0] for r in RENDERERS])
def test_attack_renders_without_a_script_vector(case: Case, kind: str, render: Renderer, allowed: set[str]) -> None:
    html = render(case.source)
    assert_no_script_vector(html, allowed, reader_links=kind == "comment", strict_spoilers=kind != "unfiltered")
    if kind == "comment" and case.comment_text is not None:
        assert case.comment_text in _visible_text(html)
    if kind != "comment" and case.post_text is not None:
        assert case.post_text in _visible_text(html)


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
def test_comment_never_turns_typed_html_into_elements(case: Case) -> None:
    """Comments have no raw HTML: whatever tags an attacker types, only Markdown's own markup appears."""
    tags = {el.tag for el in _walk(render_comment(case.source))} - {"DOCUMENT_FRAGMENT"}
    assert tags <= COMMENT_TAGS


def test_rendering_again_is_stable_for_every_attack() -> None:
    """Sanitized output sanitized again changes nothing a browser would run (no mutation XSS via re-parse)."""
    for case in CORPUS:
        once = render_post(case.source, unfiltered=True)
        assert_no_script_vector(render_post(once, unfiltered=True), UNFILTERED_TAGS, strict_spoilers=False)


# The checker itself must catch what it claims to: each of these must fail it.
BAD_OUTPUTS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#x6A;avascript:alert(1)">x</a>',
    '<a href="java&Tab;script:alert(1)">x</a>',
    '<a href=" data:text/html,x">x</a>',
    '<p style="color:red">x</p>',
    "<svg><circle></circle></svg>",
    '<iframe srcdoc="x"></iframe>',
    '<img src="/a.png" srcset="javascript:alert(1) 1x">',
    "<object></object>",
]


@pytest.mark.parametrize("html", BAD_OUTPUTS)
def test_the_checker_catches_known_vectors(html: str) -> None:
    with pytest.raises(AssertionError):
        assert_no_script_vector(html, UNFILTERED_TAGS - {"iframe"} | {"img"})


def test_comment_links_must_carry_rel_for_the_checker() -> None:
    with pytest.raises(AssertionError):
        assert_no_script_vector('<a href="https://example.com/">x</a>', COMMENT_TAGS, reader_links=True)
