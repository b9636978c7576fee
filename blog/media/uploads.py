"""Accepting an image: real checks with Pillow, metadata stripped by re-encoding, resized variants.

Nothing is trusted from the browser: not the file name, not the content type. The stored copy is
a fresh encoding of the pixels, so EXIF (GPS position, camera serial numbers) never reaches readers.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from blog.errors import DomainError
from blog.extensions import db
from blog.media.storage import get_storage
from blog.models.accounts import User
from blog.models.media import MediaFile
from blog.models.posts import Post
from blog.models.works import Work

#: Pillow format name → (file extension, content type).
ALLOWED_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_pixels: int
    variant_widths: tuple[int, ...]

    @classmethod
    def from_config(cls) -> UploadLimits:
        cfg = current_app.config
        widths = tuple(sorted(int(w) for w in str(cfg["MEDIA_VARIANT_WIDTHS"]).split(",") if w.strip()))
        return cls(int(cfg["MEDIA_MAX_BYTES"]), int(cfg["MEDIA_MAX_PIXELS"]), widths)


def human_size(n: int) -> str:
    """A file's size as people read it: "612 bytes", "4.5 KB", "120 KB", "3.2 MB" (a small file
    said "0 KB")."""
    if n < 1024:
        return f"{n} byte" if n == 1 else f"{n} bytes"
    unit, scale = ("MB", 1024 * 1024) if n >= 1024 * 1024 else ("KB", 1024)
    value = n / scale
    return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"


def _open_checked(data: bytes, limits: UploadLimits) -> Image.Image:
    """Open ``data`` as an image of an allowed format, fully decoded, within the pixel limit."""
    if not data:
        raise DomainError("The file is empty.", field="file")
    if len(data) > limits.max_bytes:
        size, limit = human_size(len(data)), human_size(limits.max_bytes)
        raise DomainError(f"The file is {size}; the limit is {limit}.", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise DomainError("Only JPEG, PNG, WebP and GIF images can be uploaded.", field="file")
            if probe.width * probe.height > limits.max_pixels:
                raise DomainError(
                    f"The image is {probe.width}×{probe.height} pixels; the limit is "
                    f"{limits.max_pixels // 1_000_000} megapixels.",
                    field="file",
                )
            probe.verify()  # structure check (truncated chunks, bad CRCs)
            image = Image.open(io.BytesIO(data))
            image.load()  # a truncated file fails here, not later in a reader's browser
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DomainError("That file is not an image we can read (JPEG, PNG, WebP or GIF).", field="file") from None
    except (OSError, SyntaxError, ValueError):
        raise DomainError("The image is damaged or incomplete; try exporting it again.", field="file") from None
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    """A fresh encoding of the pixels only: no EXIF, no XMP, no ICC comments, no text chunks."""
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "PNG":
        image.save(out, "PNG", optimize=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85)
    else:  # GIF: keep the first frame's palette image; animations are flattened to their first frame
        image.save(out, "GIF")
    return out.getvalue()


def _clean_pixels(image: Image.Image) -> Image.Image:
    """The pixels alone: rotation applied from EXIF, then every metadata block dropped."""
    rotated = ImageOps.exif_transpose(image) or image
    clean = rotated.copy()
    clean.info = {k: v for k, v in rotated.info.items() if k in {"transparency", "duration", "loop"}}
    return clean


def store_upload(data: bytes, filename: str, user: User | None) -> MediaFile:
    """Check, clean, resize and store an upload; the same picture uploaded twice is stored once."""
    limits = UploadLimits.from_config()
    image = _open_checked(data, limits)
    fmt = str(image.format)
    ext, content_type = ALLOWED_FORMATS[fmt]
    clean = _clean_pixels(image)
    encoded = _encode(clean, fmt)
    digest = hashlib.sha256(encoded).hexdigest()

    existing = db.session.scalar(select(MediaFile).where(MediaFile.sha256 == digest))
    if existing is not None:
        return existing

    media = MediaFile(
        key=f"{digest[:32]}.{ext}",
        sha256=digest,
        original_name=_safe_name(filename),
        content_type=content_type,
        width=clean.width,
        height=clean.height,
        size_bytes=len(encoded),
        uploaded_by_id=user.id if user else None,
        variant_widths=[],
    )
    storage = get_storage()
    storage.save(media.key, encoded)
    for width in limits.variant_widths:
        if width < clean.width:
            height = round(clean.height * width / clean.width)
            resized = clean.resize((width, height), Image.Resampling.LANCZOS)
            storage.save(media.variant_key(width), _encode(resized, fmt))
            media.variant_widths.append(width)
    db.session.add(media)
    db.session.flush()
    return media


_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def _safe_name(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("", name)[:200]


MEDIA_REF = re.compile(r"/media/([0-9a-f]{32}\.(?:jpg|png|webp|gif))")


@dataclass(frozen=True)
class MediaUse:
    """Somewhere a media file shows: a post (its body or cover) or a work (its poster)."""

    title: str
    endpoint: str
    slug: str


def media_usage(media_files: list[MediaFile]) -> dict[int, list[MediaUse]]:
    """For each media file, the posts whose Markdown or cover and the works whose poster use it
    (one query over posts and one over works that use any media)."""
    by_key = {m.key: m.id for m in media_files}
    usage: dict[int, list[MediaUse]] = {m.id: [] for m in media_files}
    posts = db.session.execute(
        select(Post.title, Post.slug, Post.body_md, Post.cover_image).where(
            Post.body_md.contains("/media/") | Post.cover_image.contains("/media/")
        )
    )
    for title, slug, body_md, cover_image in posts:
        for key in set(MEDIA_REF.findall(body_md or "")) | set(MEDIA_REF.findall(cover_image or "")):
            if key in by_key:
                usage[by_key[key]].append(MediaUse(title, "posts.post_detail", slug))
    works = db.session.execute(
        select(Work.title, Work.slug, Work.poster_url).where(Work.poster_url.contains("/media/"))
    )
    for title, slug, poster_url in works:
        for key in set(MEDIA_REF.findall(poster_url or "")):
            if key in by_key:
                usage[by_key[key]].append(MediaUse(title, "reviews.work_detail", slug))
    return usage


def delete_media(media: MediaFile) -> None:
    """Delete a file and its variants; refused (with the list) while a post or a work uses it."""
    users = media_usage([media])[media.id]
    if users:
        titles = ", ".join(f"“{u.title}”" for u in users)
        raise DomainError(f"This image is still used by {titles}. Remove it from there first.", status=409)
    storage = get_storage()
    for key in media.all_keys:
        storage.delete(key)
    db.session.delete(media)


def library_key(url: str) -> str | None:
    """The media library key an address names (``/media/<key>``, relative or on this site), if it
    is one of our uploads; else None."""
    match = MEDIA_REF.fullmatch(urlsplit(url).path) if url else None
    if match is None:
        return None
    key = match.group(1)
    return key if db.session.scalar(select(MediaFile.id).where(MediaFile.key == key)) is not None else None


def srcset_for(media: MediaFile, url_for_key: object) -> str:
    """``srcset`` text for a media file: each variant with its width, then the original."""
    make = url_for_key  # a callable key -> URL; kept loose so templates and renderers can share it
    parts = [f"{make(media.variant_key(w))} {w}w" for w in media.variant_widths]  # type: ignore[operator]
    parts.append(f"{make(media.key)} {media.width}w")  # type: ignore[operator]
    return ", ".join(parts)


def srcsets_in(*texts: str) -> dict[str, str]:
    """``{"/media/<key>": srcset}`` for the uploads that ``texts`` show, in one query.

    ``save_post`` and the editor's preview pass this to ``render_post`` so readers' browsers pick
    the 640 or 1280 px copy instead of the full-size original; ``save_post`` also passes the cover's
    address and keeps the cover's entry in ``Post.cover_srcset``.
    """
    keys = {key for text in texts for key in MEDIA_REF.findall(text or "")}
    if not keys:
        return {}
    files = db.session.scalars(select(MediaFile).where(MediaFile.key.in_(keys)))
    return {
        f"/media/{media.key}": srcset_for(media, lambda key: f"/media/{key}") for media in files if media.variant_widths
    }


def thumbnail_key(media: MediaFile) -> str:
    """The smallest stored copy: what a grid of thumbnails should load, not the full-size original."""
    return media.variant_key(media.variant_widths[0]) if media.variant_widths else media.key
