"""User text to safe HTML: the only place that turns Markdown into markup, and the only bleach seam.

Everything here runs at write time (a post or comment is saved); templates mark safe only what
these functions returned. Every call to bleach stays in this module so that changing sanitizer is
a change to one file.

Public, stable API:
    render_post(source, *, unfiltered=False, image_srcsets=None) -> str
    render_comment(source) -> str
    html_to_text(html, *, spoilers=True) -> str
    hide_spoilers(html) -> str
    summary_of(html) -> str
"""

from __future__ import annotations

import html as html_lib
import re
import threading
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any
from urllib.parse import unquote

import bleach
from bleach.linkifier import LinkifyFilter, build_url_re
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.container import container_plugin

SAFE_PROTOCOLS = frozenset({"http", "https", "mailto"})

# --------------------------------------------------------------------------- Markdown extensions


def _spoiler_inline(state: StateInline, silent: bool) -> bool:
    """``||hidden text||``: an inline spoiler, hidden until the reader focuses or taps it."""
    src, pos = state.src, state.pos
    if not src.startswith("||", pos):
        return False
    end = src.find("||", pos + 2)
    if end == -1 or end == pos + 2:
        return False
    if "\n" in src[pos + 2 : end]:
        return False
    if not silent:
        state.push("spoiler_open", "span", 1)
        old_max = state.posMax
        state.pos, state.posMax = pos + 2, end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("spoiler_close", "span", -1)
    state.pos = end + 2
    return True


def _render_spoiler_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return '<span class="spoiler" tabindex="0">'


def _render_spoiler_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</span>"


def _render_spoiler_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    if token.nesting == 1:
        title = token.info.strip()[len("spoiler") :].strip() or "Spoiler"
        return f'<details class="spoiler"><summary>{html_lib.escape(title)}</summary>\n'
    return "</details>\n"


def _figure_rule(state: Any) -> None:
    """An image alone at the start of a paragraph becomes a <figure>; a line typed under it, its caption."""
    tokens: list[Token] = state.tokens
    i = 0
    while i < len(tokens) - 2:
        p_open, inline, p_close = tokens[i], tokens[i + 1], tokens[i + 2]
        children = inline.children or []
        if (
            p_open.type == "paragraph_open"
            and inline.type == "inline"
            and p_close.type == "paragraph_close"
            and children
            and children[0].type == "image"
            and (len(children) == 1 or children[1].type in {"softbreak", "hardbreak"})
        ):
            image_inline = Token("inline", "", 0, children=[children[0]], content="")
            caption_children = children[2:]
            new = [Token("figure_open", "figure", 1), image_inline]
            if caption_children:
                new += [
                    Token("figcaption_open", "figcaption", 1),
                    Token("inline", "", 0, children=caption_children, content=""),
                    Token("figcaption_close", "figcaption", -1),
                ]
            new.append(Token("figure_close", "figure", -1))
            tokens[i : i + 3] = new
            i += len(new)
        else:
            i += 1


def _render_image(self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    token = tokens[idx]
    token.attrSet("loading", "lazy")
    token.attrSet("decoding", "async")
    srcset = (env.get("image_srcsets") or {}).get(str(token.attrGet("src") or ""))
    if srcset:
        token.attrSet("srcset", srcset)
        token.attrSet("sizes", IMAGE_SIZES)
    return self.image(tokens, idx, options, env)


#: How wide a post's image is drawn: the text column (42rem) on wide screens, the screen on phones.
IMAGE_SIZES = "(min-width: 46rem) 42rem, 100vw"


def _table_align(state: Any) -> None:
    """Column alignment as the ``align`` attribute: style attributes are stripped (and a strict CSP is coming)."""
    for token in state.tokens:
        if token.type in {"th_open", "td_open"}:
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("align", style.removeprefix("text-align:"))


def _heading_shift(state: Any) -> None:
    """The page title is the only <h1>; a post's ``#`` headings start at <h2>."""
    for token in state.tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = "h" + str(min(int(token.tag[1]) + 1, 6))


# Anything a browser would ignore inside a URL's scheme: whitespace, controls, invisible formatters.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def safe_url(url: str) -> bool:
    """True when ``url`` is relative or uses http, https or mailto, however it is disguised.

    Entities (``&#106;``), percent-escapes (``%6A``), and tabs, newlines or invisible characters
    typed inside the scheme (``java\tscript:``) are undone before the scheme is read, so a
    disguised ``javascript:`` or ``data:`` never becomes a link.
    """
    probe = url
    for _ in range(3):  # entities and escapes nested a few levels deep
        decoded = unquote(html_lib.unescape(probe))
        if decoded == probe:
            break
        probe = decoded
    probe = _URL_JUNK.sub("", unicodedata.normalize("NFKC", probe)).lower()
    match = _SCHEME.match(probe)
    if match is None:
        # No scheme before the first "/", "?" or "#": a relative URL, unless a colon hides in it.
        head = re.split(r"[/?#]", probe, maxsplit=1)[0]
        return ":" not in head
    return match.group(1) in SAFE_PROTOCOLS


def _validate_link(url: str) -> bool:
    return safe_url(url)


def _use_spoilers(md: MarkdownIt) -> None:
    md.inline.add_terminator_char("|")
    md.inline.ruler.before("emphasis", "spoiler", _spoiler_inline)
    md.add_render_rule("spoiler_open", _render_spoiler_open)
    md.add_render_rule("spoiler_close", _render_spoiler_close)
    md.use(container_plugin, "spoiler", render=_render_spoiler_block)


def _make_post_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "typographer": True})
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    _use_spoilers(md)
    md.core.ruler.push("table_align", _table_align)
    md.core.ruler.push("heading_shift", _heading_shift)
    md.core.ruler.push("figure", _figure_rule)
    md.add_render_rule("image", _render_image)
    return md


def _make_comment_markdown() -> MarkdownIt:
    # ``breaks``: a newline a reader types is a line break, as in WordPress and Isso comments.
    md = MarkdownIt("commonmark", {"html": False, "typographer": False, "breaks": True})
    # The subset readers get: no headings, rules, images or raw HTML.
    md.disable(["heading", "lheading", "hr", "image", "html_block", "html_inline"])
    md.enable("strikethrough")
    md.validateLink = _validate_link  # type: ignore[method-assign]
    _use_spoilers(md)
    return md


_POST_MD = _make_post_markdown()
_COMMENT_MD = _make_comment_markdown()

# --------------------------------------------------------------------------- the bleach policies


def _spoiler_span(tag: str, name: str, value: str) -> bool:
    return (name == "class" and value == "spoiler") or (name == "tabindex" and value == "0")


def _spoiler_details(tag: str, name: str, value: str) -> bool:
    return name == "class" and value == "spoiler"


_CODE_CLASS = re.compile(r"^language-[\w+#-]{1,30}$")


def _code_attrs(tag: str, name: str, value: str) -> bool:
    return name == "class" and bool(_CODE_CLASS.match(value))


COMMENT_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "s",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "span",
        "details",
        "summary",
    }
)
COMMENT_ATTRIBUTES: dict[str, Any] = {
    "a": ["href", "title", "rel"],
    "ol": ["start"],
    "span": _spoiler_span,
    "details": _spoiler_details,
    "code": _code_attrs,
}

POST_TAGS = COMMENT_TAGS | {
    "h2", "h3", "h4", "h5", "h6", "hr", "b", "i", "u", "ins", "sup", "sub", "mark", "kbd", "abbr",
    "cite", "q", "small", "dl", "dt", "dd", "img", "figure", "figcaption", "table", "thead",
    "tbody", "tfoot", "tr", "th", "td", "caption", "div",
}  # fmt: skip


def _srcset_ok(value: str) -> bool:
    """bleach checks ``src`` but not ``srcset``: every candidate URL must pass ``safe_url``."""
    candidates = [part.split()[0] for part in value.split(",") if part.strip()]
    return bool(candidates) and all(safe_url(url) for url in candidates)


def _allow(names: set[str]) -> Callable[[str, str, str], bool]:
    """An attribute filter for a tag with a ``srcset``: the listed names, ``srcset`` only when safe."""

    def check(tag: str, name: str, value: str) -> bool:
        if name == "srcset":
            return _srcset_ok(value)
        return name in names

    return check


POST_ATTRIBUTES: dict[str, Any] = {
    **COMMENT_ATTRIBUTES,
    "a": ["href", "title", "id", "name"],
    "img": _allow({"src", "alt", "title", "width", "height", "loading", "decoding", "srcset", "sizes"}),
    "th": ["align", "colspan", "rowspan", "scope"],
    "td": ["align", "colspan", "rowspan"],
    "abbr": ["title"],
    "h2": ["id"], "h3": ["id"], "h4": ["id"],
}  # fmt: skip

#: Editors and admins may embed players; still never a script, style or event handler.
UNFILTERED_TAGS = POST_TAGS | {"iframe", "video", "audio", "source", "picture", "aside", "section"}
UNFILTERED_ATTRIBUTES: dict[str, Any] = {
    **POST_ATTRIBUTES,
    "*": ["class", "id", "lang", "dir"],
    "iframe": ["src", "width", "height", "title", "allow", "allowfullscreen", "loading"],
    "video": ["src", "controls", "width", "height", "poster", "preload", "muted", "loop"],
    "audio": ["src", "controls", "preload"],
    "source": _allow({"src", "type", "srcset", "media", "sizes"}),
}


def _ugc_rel(attrs: dict[tuple[str | None, str], str], new: bool = False) -> dict[tuple[str | None, str], str] | None:
    """Reader links never pass ranking and never get a handle on our window (mailto links too)."""
    attrs[(None, "rel")] = "nofollow ugc noopener"
    return attrs


#: Linkify runs after the sanitizer, so it must know the allowlist itself: bleach's default pattern
#: also links ``ftp:``, ``irc:`` and even ``data:example.com/...``.
_LINKIFY_URL = build_url_re(protocols=SAFE_PROTOCOLS)


def _cleaner(
    tags: frozenset[str], attributes: dict[str, Any], callbacks: list[Callable[..., Any]] | None
) -> bleach.Cleaner:
    filters = []
    if callbacks is not None:
        filters.append(
            partial(
                LinkifyFilter, callbacks=callbacks, url_re=_LINKIFY_URL, skip_tags={"pre", "code"}, parse_email=False
            )
        )
    return bleach.Cleaner(
        tags=tags, attributes=attributes, protocols=SAFE_PROTOCOLS, strip=True, strip_comments=True, filters=filters
    )


class _Cleaners(threading.local):
    """One set of cleaners per thread: a bleach ``Cleaner`` keeps its html5lib parser's state
    between calls and is not thread-safe (bleach's documentation says so; under gunicorn's
    threaded workers two comments rendered at once broke the parser's stack)."""

    def __init__(self) -> None:
        self.comment = _cleaner(COMMENT_TAGS, COMMENT_ATTRIBUTES, [_ugc_rel])
        self.post = _cleaner(POST_TAGS, POST_ATTRIBUTES, [])
        self.unfiltered = _cleaner(UNFILTERED_TAGS, UNFILTERED_ATTRIBUTES, [])


_CLEANERS = _Cleaners()

# Characters that have no business in stored text: NUL and the other C0 controls but tab/newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(source: str) -> str:
    """Normalise newlines and drop control characters and lone surrogates."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    source = _CONTROL.sub("", source)
    return source.encode("utf-8", "replace").decode("utf-8")


def _ending_in_newline(text: str) -> str:
    """Markdown source ending in a newline, which changes nothing in the HTML: without it
    mdit-py-plugins' container rule (``:::spoiler``) reads past the end of a text whose last line
    is an empty quote line (``"> :::spoiler\n> "`` raised IndexError, found by
    ``tests/test_rendering_properties.py``)."""
    return text if text.endswith("\n") else text + "\n"


# --------------------------------------------------------------------------- public API


def render_post(source: str, *, unfiltered: bool = False, image_srcsets: Mapping[str, str] | None = None) -> str:
    """Render a post's Markdown to sanitized HTML (with figures, spoilers and tables).

    ``unfiltered`` is the editors' and admins' capability: a wider allowlist for embeds.
    ``image_srcsets`` maps an image's ``src`` (e.g. ``/media/<hash>.png``) to the ``srcset`` of its
    resized variants; those images also get ``sizes``.
    """
    html = _POST_MD.render(_ending_in_newline(clean_text(source)), {"image_srcsets": dict(image_srcsets or {})})
    cleaner = _CLEANERS.unfiltered if unfiltered else _CLEANERS.post
    return cleaner.clean(html).strip()


def render_comment(source: str) -> str:
    """Render a reader's comment: a small Markdown subset, no raw HTML, links made ``nofollow ugc``."""
    text = clean_text(source)
    return _plain_prose(text) or _comment_markdown(text)


def _comment_markdown(text: str) -> str:
    """The whole way: Markdown, then the sanitizer and linkifier (``text`` is ``clean_text``'s)."""
    html = _COMMENT_MD.render(_ending_in_newline(text))
    return _CLEANERS.comment.clean(html).strip()


#: A line of prose in which neither Markdown nor the linkifier finds anything: it starts with a
#: letter, a quote or a parenthesis (no list marker, quote, code indent or heading), holds no
#: markup character (``* _ ` ~ | [ ] < > & # \ /``), no dot before a letter or digit (so no
#: domain name or address), and ends in no space.
_PROSE_LINE = re.compile(r"""[A-Za-z"'(](?:[A-Za-z0-9 ,;:'"?!()-]|\.(?![A-Za-z0-9]))*(?<! )""")
_PARAGRAPHS = re.compile(r"\n{2,}")


def _plain_prose(text: str) -> str | None:
    """The HTML of a comment that is plain prose, as Markdown and the sanitizer would make it
    (``tests/test_rendering_properties.py`` holds them to the same bytes), or None for anything
    else. Most comments are; markdown-it and html5lib cost ~0.2 ms each time, a tenth of posting."""
    text = text.strip("\n")
    if not text:
        return None
    paragraphs = []
    for paragraph in _PARAGRAPHS.split(text):
        lines = paragraph.split("\n")
        if not all(_PROSE_LINE.fullmatch(line) for line in lines):
            return None
        paragraphs.append("<p>" + "<br>\n".join(lines).replace('"', "&quot;") + "</p>")
    return "\n".join(paragraphs)


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre|figcaption|tr|div|details)>|<br\s*/?>", re.I)
_SPACES = re.compile(r"[ \t]+")


_SPOILER_OPEN = re.compile(r'<(span|details)\b[^>]*\bclass="spoiler"[^>]*>', re.I)
_SPOILER_TAGS = {name: re.compile(rf"<(/?){name}\b[^>]*>", re.I) for name in ("span", "details")}
#: What a hidden spoiler leaves in plain text: the reader learns there is one, not what it says.
SPOILER_MARK = "[spoiler]"


def hide_spoilers(html: str, inline: str = SPOILER_MARK, block: str = f"<p>{SPOILER_MARK}</p>") -> str:
    """``html`` with each spoiler (``||inline||`` and ``:::spoiler`` blocks, as rendered here or
    written as raw HTML by an editor) replaced by ``inline`` or ``block``.

    For what is read outside the page's CSS, which is what keeps a spoiler hidden: excerpts, meta
    descriptions, search snippets, feeds and emails. The markup is ours (sanitized), so matching
    tags are found by counting the same tag's opens and closes; an unclosed spoiler runs to the end.
    """
    out: list[str] = []
    pos = 0
    while (found := _SPOILER_OPEN.search(html, pos)) is not None:
        tag = found.group(1).lower()
        depth, end = 1, len(html)
        for token in _SPOILER_TAGS[tag].finditer(html, found.end()):
            depth += -1 if token.group(1) else 1
            if depth == 0:
                end = token.end()
                break
        out += [html[pos : found.start()], inline if tag == "span" else block]
        pos = end
    out.append(html[pos:])
    return "".join(out)


def html_to_text(html: str, *, spoilers: bool = True) -> str:
    """Plain text of sanitized HTML, for search, excerpts, word counts and emails; with
    ``spoilers=False`` each spoiler is left out, as "[spoiler]"."""
    if not spoilers:
        html = hide_spoilers(html)
    text = _BLOCK_END.sub("\n", html)
    text = html_lib.unescape(_TAG.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.S | re.I)


def summary_of(html: str, limit: int = 280) -> str:
    """A post's automatic excerpt: the start of its paragraphs, without spoilers.

    Headings, list items, captions and tables are left out (run together they read as "identity.
    Verdict Watch it Tense Dreamlike"); a text with no paragraph at all falls back to all of it."""
    visible = hide_spoilers(html, block="")
    paragraphs = [html_to_text(match.group(1)) for match in _PARAGRAPH.finditer(visible)]
    text = " ".join(p for p in paragraphs if p) or html_to_text(visible)
    return excerpt_of(text, limit)


def excerpt_of(text: str, limit: int = 280) -> str:
    """The first ``limit`` characters of plain text, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.-—") + "…"
