"""Routes for media: serving files to readers, and the staff's upload endpoint and library."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from blog.auth.permissions import staff_required
from blog.errors import DomainError
from blog.extensions import db
from blog.media.library import recent_uploads
from blog.media.storage import get_storage
from blog.media.uploads import (
    MEDIA_REF,
    delete_media,
    human_size,
    media_usage,
    srcset_for,
    store_upload,
    thumbnail_key,
)
from blog.models.media import MediaFile
from blog.web import wants_json

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<key>")
def serve(key: str) -> ResponseReturnValue:
    """Content-hash names never change content, so browsers and proxies may keep them for a year."""
    stem = key.rsplit("-", 1)[0] + "." + key.rsplit(".", 1)[-1] if "-" in key else key
    if not MEDIA_REF.fullmatch("/media/" + stem):
        abort(404)
    path = get_storage().local_path(key)
    if path is None:
        abort(404)
    response = send_file(path, max_age=ONE_YEAR, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response


def media_url(key: str) -> str:
    return url_for("media.serve", key=key)


def _as_json(media: MediaFile) -> dict[str, object]:
    """One upload as the editor's scripts use it. ``alt`` always has words (the file's name when
    nobody described the picture) for Markdown; ``alt_text`` is only what a person wrote."""
    alt = media.alt_text or media.original_name.rsplit(".", 1)[0]
    return {
        "id": media.id,
        "url": media_url(media.key),
        "thumb": media_url(thumbnail_key(media)),
        "srcset": srcset_for(media, media_url),
        "width": media.width,
        "height": media.height,
        "alt": alt,
        "alt_text": media.alt_text,
        "name": media.original_name or media.key,
        "markdown": f"![{alt}]({media_url(media.key)})",
    }


@bp.post("/admin/media/upload")
@staff_required
def upload() -> ResponseReturnValue:
    """The editor's background upload (XHR with the CSRF token in a header) or a plain form post."""
    file = request.files.get("file")
    answer_json = wants_json()
    try:
        if file is None or not file.filename:
            raise DomainError("Choose an image to upload.", field="file")
        media = store_upload(file.read(), file.filename, current_user)
        alt = (request.form.get("alt") or "").strip()[:300]
        if alt and not media.alt_text:
            media.alt_text = alt
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        if answer_json:
            return jsonify({"error": error.message}), 400 if error.status < 500 else error.status
        flash(error.message, "error")
        return redirect(url_for("media.library"))
    if answer_json:
        return jsonify(_as_json(media)), 201
    flash(f"Uploaded {media.original_name or media.key}.", "success")
    return redirect(url_for("media.library"))


@bp.get("/admin/media/")
@staff_required
def library() -> ResponseReturnValue:
    files = db.session.scalars(select(MediaFile).order_by(MediaFile.created_at.desc(), MediaFile.id.desc())).all()
    usage = media_usage(list(files))
    return render_template("admin/media.html", files=files, usage=usage, media_url=media_url, human_size=human_size)


@bp.get("/admin/media/library.json")
@staff_required
def library_page() -> ResponseReturnValue:
    """A page of uploads, newest first, for the editor's "Choose from library" (JSON)."""
    page = request.args.get("page", 1, type=int) or 1
    found = recent_uploads(page, int(current_app.config["MEDIA_LIBRARY_PAGE_SIZE"]))
    return jsonify(
        {
            "items": [_as_json(media) for media in found.items],
            "page": found.page,
            "next": url_for("media.library_page", page=found.page + 1) if found.has_more else None,
        }
    )


@bp.post("/admin/media/<int:media_id>/alt")
@staff_required
def update_alt(media_id: int) -> ResponseReturnValue:
    media = db.session.get(MediaFile, media_id) or abort(404)
    media.alt_text = (request.form.get("alt_text") or "").strip()[:300]
    db.session.commit()
    flash("Alt text saved.", "success")
    return redirect(url_for("media.library") + f"#media-{media.id}")


@bp.post("/admin/media/<int:media_id>/delete")
@staff_required
def delete(media_id: int) -> ResponseReturnValue:
    media = db.session.get(MediaFile, media_id) or abort(404)
    try:
        delete_media(media)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("media.library") + f"#media-{media_id}"), 303
    flash("Image deleted.", "success")
    return redirect(url_for("media.library")), 303
