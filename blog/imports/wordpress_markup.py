"""WordPress content to our Markdown: what WordPress does to a post before showing it, then markdownify.

WordPress stores a post as it was typed: paragraphs as blank lines (``wpautop`` adds the ``<p>``
when it shows the post), Gutenberg block comments around block content (which WordPress leaves
alone), and shortcodes (``[caption]``, ``[gallery]``, ``[embed]``, ``[audio]``...) expanded on
display. We do the same steps, in that spirit, into HTML, then hand the HTML to ``markdownify``
with a few rules of ours: a caption becomes the line under its image (how our Markdown writes a
figure), headings move up a level (a post's ``#`` is its first section, as WordPress's ``<h2>``
was), players and embeds become links, and text is escaped so that nothing in it turns into
Markdown or HTML it was not. An unknown shortcode stays as visible text.

The Markdown goes through ``blog.rendering`` like anything typed in the editor: nothing here
sanitizes, and nothing here needs to.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, Tag
from markdownify import ATX, BACKSLASH, MarkdownConverter

from blog.rendering import safe_url

# ----------------------------------------------------------------------------- Gutenberg blocks

_BLOCK_COMMENT = re.compile(r"<!--\s+(/)?wp:([a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)(\s+\{.*?\})?\s+(/)?-->", re.S)


def has_blocks(content: str) -> bool:
    """Content written in the block editor: WordPress does not run ``wpautop`` on it."""
    return "<!-- wp:" in content


def strip_blocks(content: str, dynamic: list[str]) -> str:
    """``content`` without block comments. Self-closing blocks (latest posts, archives, search...)
    are made by WordPress on each view and hold no text of the post: their names go to ``dynamic``."""

    def replace(match: re.Match[str]) -> str:
        if match.group(4):
            dynamic.append(match.group(2))
        return ""

    return _BLOCK_COMMENT.sub(replace, content)


# ----------------------------------------------------------------------------- wpautop

_ALL_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|"
    r"blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|"
    r"nav|figure|figcaption|details|menu|summary)"
)
_PRE = re.compile(r"<pre\b.*?</pre>", re.S | re.I)
_TAG_WITH_NEWLINES = re.compile(r"<[^<>]*\n[^<>]*>")


def wpautop(text: str) -> str:
    """WordPress's ``wpautop``: blank-line separated text becomes paragraphs, single newlines ``<br />``.

    A port of the PHP function's main steps (WordPress 6.x, wp-includes/formatting.php): ``<pre>``
    is kept as is, block-level tags are never wrapped in ``<p>``."""
    if not text.strip():
        return ""
    saved: list[str] = []

    def keep(match: re.Match[str]) -> str:
        saved.append(match.group(0))
        return f"<pre wp-pre-tag-{len(saved) - 1}></pre>"

    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _PRE.sub(keep, text)
    # Newlines inside a tag (``<img\nsrc=...>``) are not line breaks.
    text = _TAG_WITH_NEWLINES.sub(lambda m: m.group(0).replace("\n", " "), text)
    text += "\n"
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text, flags=re.I)
    text = re.sub(rf"(<{_ALL_BLOCKS}[\s/>])", r"\n\n\1", text, flags=re.I)
    text = re.sub(rf"(</{_ALL_BLOCKS}>)", r"\1\n\n", text, flags=re.I)
    text = re.sub(r"(<hr\s*?/?>)", r"\1\n\n", text, flags=re.I)
    text = re.sub(r"\n\n+", "\n\n", text)
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    text = "".join("<p>" + p.strip("\n") + "</p>\n" for p in paragraphs)
    text = re.sub(r"<p>\s*</p>", "", text)
    text = re.sub(r"<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text, flags=re.I)
    text = re.sub(rf"<p>\s*(</?{_ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text, flags=re.I)
    text = re.sub(r"<p>(<li.+?)</p>", r"\1", text, flags=re.I)
    text = re.sub(r"<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.I)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(rf"<p>\s*(</?{_ALL_BLOCKS}[^>]*>)", r"\1", text, flags=re.I)
    text = re.sub(rf"(</?{_ALL_BLOCKS}[^>]*>)\s*</p>", r"\1", text, flags=re.I)
    text = re.sub(r"<br\s*/?>", "<br />", text, flags=re.I)
    text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = re.sub(rf"(</?{_ALL_BLOCKS}[^>]*>)\s*<br />", r"\1", text, flags=re.I)
    text = re.sub(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text, flags=re.I)
    text = re.sub(r"\n</p>$", "</p>", text)
    for index, block in enumerate(saved):
        text = text.replace(f"<pre wp-pre-tag-{index}></pre>", block)
    return text


# ----------------------------------------------------------------------------- shortcodes and embeds

_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)"""
    r"""|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"""
)


def shortcode_attributes(text: str) -> tuple[dict[str, str], list[str]]:
    """WordPress's ``shortcode_parse_atts``: named attributes (lower-cased names) and positional ones."""
    named: dict[str, str] = {}
    positional: list[str] = []
    for match in _ATTR.finditer(text.strip()):
        groups = match.groups()
        for name_index in (0, 2, 4):
            if groups[name_index] is not None:
                named[groups[name_index].lower()] = html.unescape(groups[name_index + 1])
                break
        else:
            value = next(g for g in groups[6:] if g is not None)
            positional.append(html.unescape(value))
    return named, positional


@dataclass
class Converted:
    """A post as Markdown, and what did not come across, for the report."""

    markdown: str = ""
    #: Self-closing blocks WordPress fills in on each view (``latest-posts``, ``archives``...).
    dynamic_blocks: list[str] = field(default_factory=list)
    #: ``[gallery]`` shortcodes none of whose images are in the export.
    missing_galleries: int = 0


@dataclass(frozen=True)
class GalleryImage:
    url: str
    alt: str = ""
    caption: str = ""


#: ``[gallery ids="1,2"]`` to its images: the post's attachments, in the file.
GalleryLookup = Callable[[dict[str, str]], Sequence[GalleryImage]]

_CAPTION = re.compile(r"\[(caption|wp_caption)\b([^\]]*)\](.*?)\[/\1\]", re.S | re.I)
_CAPTIONED_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)
_GALLERY = re.compile(r"\[gallery\b([^\]]*)\]", re.I)
_EMBED = re.compile(r"\[embed\b[^\]]*\](.*?)\[/embed\]", re.S | re.I)
_PLAYER = re.compile(r"\[(audio|video)\b([^\]]*)\](?:(.*?)\[/\1\])?", re.S | re.I)
_PLAYER_SOURCES = ("src", "mp3", "m4a", "ogg", "wav", "wma", "mp4", "m4v", "webm", "ogv", "flv", "wmv")
#: A line that is only a URL: WordPress embeds it (oEmbed); here it becomes a link.
_URL_LINE = re.compile(r"^([ \t]*)(https?://[^\s<>\"']+)([ \t]*)$", re.M)


def _link(url: str) -> str:
    escaped = html.escape(url, quote=True)
    return f'<p><a href="{escaped}">{escaped}</a></p>'


def _figure(image_html: str, caption_html: str) -> str:
    caption = f"<figcaption>{caption_html.strip()}</figcaption>" if caption_html.strip() else ""
    return f"\n\n<figure>{image_html}{caption}</figure>\n\n"


def expand_shortcodes(content: str, gallery: GalleryLookup, result: Converted) -> str:
    """The shortcodes WordPress ships with, as the HTML they stand for; others stay as typed."""

    def caption(match: re.Match[str]) -> str:
        named, _ = shortcode_attributes(match.group(2))
        inner = match.group(3)
        found = _CAPTIONED_IMAGE.match(inner)
        if found is None:
            return inner  # no image inside: keep what is there
        return _figure(found.group(1), named.get("caption") or found.group(2))

    def gallery_images(match: re.Match[str]) -> str:
        named, _ = shortcode_attributes(match.group(1))
        images = gallery(named)
        if not images:
            result.missing_galleries += 1
            return ""
        return "".join(
            _figure(f'<img src="{html.escape(i.url)}" alt="{html.escape(i.alt)}">', html.escape(i.caption))
            for i in images
        )

    def embed(match: re.Match[str]) -> str:
        url = html.unescape(match.group(1).strip())
        return _link(url) if url.startswith(("http://", "https://")) else match.group(0)

    def player(match: re.Match[str]) -> str:
        named, positional = shortcode_attributes(match.group(2))
        urls = [named[k] for k in _PLAYER_SOURCES if named.get(k)] + [
            p for p in positional if p.startswith(("http://", "https://"))
        ]
        return _link(urls[0]) if urls else match.group(0)

    content = _CAPTION.sub(caption, content)
    content = _GALLERY.sub(gallery_images, content)
    content = _EMBED.sub(embed, content)
    content = _PLAYER.sub(player, content)
    return _URL_LINE.sub(lambda m: m.group(1) + _link(html.unescape(m.group(2))) + m.group(3), content)


# ----------------------------------------------------------------------------- HTML to Markdown

_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?)$", re.I)
_LEADING_CONTAINER = re.compile(r"^(\s*):::", re.M)
_UNESCAPE = re.compile(r"\\(.)")


def is_image_url(url: str) -> bool:
    """An address whose file name says it is an image (a WordPress attachment may be a PDF or an MP3)."""
    return bool(_IMAGE_FILE.search(urlsplit(url).path))


def _opens_the_image(href: str, src: str, attachment_pages: frozenset[str]) -> bool:
    """A link around an image that only opens the image, a size of it, or its attachment page."""
    if not href:
        return True
    path = urlsplit(href).path
    return (
        href.split("?")[0] == src.split("?")[0]
        or bool(_IMAGE_FILE.search(path))
        or href.rstrip("/") in attachment_pages
        or "attachment_id=" in href
    )


def _only_images(figure: Tag) -> bool:
    """A figure that holds images and their captions only (one image, or a gallery's list of them)."""
    return not any(
        text.strip() and not isinstance(text, Comment) and text.find_parent("figcaption") is None
        for text in figure.find_all(string=True)
    )


class WordPressConverter(MarkdownConverter):  # type: ignore[misc]
    """markdownify, with our figures, headings, embeds and link rules (see the module docstring)."""

    def __init__(
        self, *, for_comment: bool = False, attachment_pages: frozenset[str] = frozenset(), **options: Any
    ) -> None:
        self.for_comment = for_comment
        self.attachment_pages = attachment_pages
        super().__init__(
            heading_style=ATX,
            bullets="-",
            newline_style=BACKSLASH,
            escape_misc=True,
            escape_asterisks=True,
            escape_underscores=True,
            # Posts keep <sup> and <sub> (our Markdown passes them); comments take no HTML at all.
            sup_symbol="" if for_comment else "<sup>",
            sub_symbol="" if for_comment else "<sub>",
            **options,
        )

    def escape(self, text: str, parent_tags: set[str]) -> str:
        text = super().escape(text, parent_tags)
        return _LEADING_CONTAINER.sub(r"\1\\:::", text) if text else text

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        href = str(el.get("href") or "")
        if href and not safe_url(href):
            return str(text)  # the text stays; a javascript: or data: address does not
        if href and not el.get("title") and _UNESCAPE.sub(r"\1", text.strip()) == href and " " not in href:
            return f"<{href}>"  # a bare address, however its text was escaped
        return str(super().convert_a(el, text, parent_tags))

    def convert_br(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        following = el.next_sibling
        while following is not None and isinstance(following, str) and not following.strip():
            following = following.next_sibling
        if following is None:
            return str(text)  # a break that ends its paragraph breaks nothing
        return str(super().convert_br(el, text, parent_tags))

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        src = str(el.get("src") or "")
        alt = " ".join(str(el.get("alt") or "").split())
        if not src or not safe_url(src):
            return alt
        if self.for_comment:  # comments show no images: a link to it
            return f"[{self.escape(alt or 'image', parent_tags)}]({src})"
        return str(super().convert_img(el, text, parent_tags))

    def convert_hN(self, n: int, el: Tag, text: str, parent_tags: set[str]) -> str:
        if self.for_comment:
            text = text.strip()
            return f"\n\n**{text}**\n\n" if text and "_inline" not in parent_tags else text
        # Our post title is the page's only <h1> and ``#`` is the first section heading (<h2>).
        return str(super().convert_hN(max(1, n - 1), el, text, parent_tags))

    def convert_dt(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        text = " ".join(text.split())
        return f"\n\n**{text}**\n" if text and "_inline" not in parent_tags else text

    def convert_dd(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        text = text.strip()
        return f"{text}\n\n" if "_inline" not in parent_tags else text

    def _one_figure(self, image: Tag, caption: Tag | None, parent_tags: set[str]) -> str:
        picture = self.convert_img(image, "", parent_tags)
        link = image.parent if image.parent is not None and image.parent.name == "a" else None
        href, src = str(link.get("href") or "") if link is not None else "", str(image.get("src") or "")
        if link is not None and not _opens_the_image(href, src, self.attachment_pages):
            picture = self.convert_a(link, picture, parent_tags)
        caption_md = ""
        if caption is not None:
            caption_md = " ".join(self.process_tag(caption, parent_tags=parent_tags | {"_inline"}).split())
        return f"\n\n{picture}\n{caption_md}\n\n" if caption_md else f"\n\n{picture}\n\n"

    def convert_figure(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """An image with its caption on the line under it: our figure. A gallery, each image so."""
        if self.for_comment or "_inline" in parent_tags:
            return str(text)
        images = el.find_all("img")
        if not images or not _only_images(el):
            return f"\n\n{text.strip()}\n\n"  # an embed, a table, a quote: as converted
        parts = []
        for image in images:
            holder = image.find_parent("figure")
            own_caption = holder.find("figcaption", recursive=False) if holder is not None else None
            if holder is el and len(images) > 1:
                own_caption = None  # a gallery's own caption comes after its images
            parts.append(self._one_figure(image, own_caption, parent_tags))
        gallery_caption = el.find("figcaption", recursive=False)
        if len(images) > 1 and gallery_caption is not None:
            parts.append("\n\n" + self.process_tag(gallery_caption, parent_tags=parent_tags).strip() + "\n\n")
        return "".join(parts)

    def _player_link(self, el: Tag, label: str) -> str:
        src = str(el.get("src") or el.get("data") or "")
        if not src:
            source = el.find("source", src=True)
            src = str(source.get("src") or "") if isinstance(source, Tag) else ""
        if not src.startswith(("http://", "https://", "//")):
            return ""
        title = " ".join(str(el.get("title") or "").split())
        return f"\n\n[{self.escape(title or label, set())}]({src})\n\n"

    def convert_iframe(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._player_link(el, "Embedded content")

    def convert_embed(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._player_link(el, "Embedded content")

    def convert_object(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._player_link(el, "Embedded content") or str(text)

    def convert_audio(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._player_link(el, "Audio")

    def convert_video(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self._player_link(el, "Video")


_BREAKS = re.compile(rf"</{_ALL_BLOCKS}>|<br\s*/?>", re.I)
_MANY_BLANKS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+$", re.M)


def _tidy(markdown: str) -> str:
    markdown = _TRAILING_SPACE.sub("", markdown)
    return _MANY_BLANKS.sub("\n\n", markdown).strip("\n")


def post_markdown(
    content: str, gallery: GalleryLookup = lambda _: (), attachment_pages: frozenset[str] = frozenset()
) -> Converted:
    """A post's ``content:encoded`` as Markdown for ``save_post``. ``attachment_pages`` are the
    addresses of WordPress's pages for single images: a link to one around an image is dropped,
    so the image with its caption is a figure."""
    result = Converted()
    if has_blocks(content):
        content = expand_shortcodes(strip_blocks(content, result.dynamic_blocks), gallery, result)
    else:
        content = wpautop(expand_shortcodes(content, gallery, result))
    result.markdown = _tidy(WordPressConverter(attachment_pages=attachment_pages).convert(content))
    return result


def comment_markdown(content: str) -> str:
    """A comment's text (HTML with WordPress's paragraphs) as the Markdown subset of comments."""
    return _tidy(WordPressConverter(for_comment=True).convert(wpautop(content)))


def plain_text(fragment: str) -> str:
    """A title or excerpt (HTML in WordPress) as the plain text we store: tags gone, entities read."""
    if "<" not in fragment and "&" not in fragment:
        return " ".join(fragment.split())
    spaced = _BREAKS.sub(" ", fragment)  # words in two paragraphs stay two words
    return " ".join(BeautifulSoup(spaced, "html.parser").get_text().split())
