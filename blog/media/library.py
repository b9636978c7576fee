"""The media library read a page at a time, newest first: what the editor's cover picker lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from blog.extensions import db
from blog.models.media import MediaFile

#: Far past any real library; keeps OFFSET inside a 64-bit integer whatever the query string says.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class MediaPage:
    items: list[MediaFile]
    page: int
    has_more: bool


def recent_uploads(page: int, per_page: int) -> MediaPage:
    """Page ``page`` (from 1) of the uploads, newest first, in one query.

    One row more than a page is asked for, so the answer says whether another page follows
    without a COUNT. Nothing is loaded per item (the uploader is not needed to show a thumbnail).
    """
    page = min(max(1, page), MAX_PAGE)
    rows = list(
        db.session.scalars(
            select(MediaFile)
            .order_by(MediaFile.created_at.desc(), MediaFile.id.desc())
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        )
    )
    return MediaPage(items=rows[:per_page], page=page, has_more=len(rows) > per_page)
