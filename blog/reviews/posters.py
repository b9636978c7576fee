"""A work's poster as pages draw it: with its size known, so the page does not jump as it loads.

A poster from the media library has its width and height (and its resized copies) in
``MediaFile``: the ``<img>`` gets ``width``/``height`` in that ratio and a ``srcset``, as post
covers do. A poster from another site has no known size: its box is kept at a poster's 2:3 by
the stylesheet (``.poster-unsized``). One query, by the library's unique key, and only for a
library poster.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from blog.extensions import db
from blog.media.uploads import MEDIA_REF, srcset_for
from blog.models.media import MediaFile


@dataclass(frozen=True)
class Poster:
    """What an ``<img>`` of a poster needs: its address, the copies to choose from, and its box
    at ``width`` CSS pixels (``height`` None when the image's ratio is unknown)."""

    src: str
    srcset: str
    width: int
    height: int | None


def poster_of(url: str, width: int) -> Poster | None:
    """The poster at ``url`` drawn ``width`` pixels wide, or None when the work has none."""
    if not url:
        return None
    match = MEDIA_REF.fullmatch(urlsplit(url).path)
    media = db.session.scalar(select(MediaFile).where(MediaFile.key == match.group(1))) if match else None
    if media is None or not media.width or not media.height:
        return Poster(url, "", width, None)
    srcset = srcset_for(media, lambda key: f"/media/{key}") if media.variant_widths else ""
    return Poster(url, srcset, width, round(width * media.height / media.width))
