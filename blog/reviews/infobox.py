"""The review infobox a post page shows when the post reviews a work.

``review_context(post)`` is merged into the post page's context; everything the infobox shows
(the work's general information, credits, the author's score, readers' average, the reader's own
rating form and the ``Review`` JSON-LD) comes from here in a constant number of queries. A part's
facts come from ``facts.facts_of``, as on the part's own page, labelled when they are the whole's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import select

from blog.extensions import db
from blog.models.posts import Post
from blog.models.works import Review, Work
from blog.reviews.editing import format_score, on_scale, score_scale
from blog.reviews.facts import facts_of
from blog.reviews.forms import RatingForm
from blog.reviews.jsonld import review_jsonld
from blog.reviews.posters import poster_of
from blog.reviews.queries import INFOBOX_POSTER_WIDTH, _work_options
from blog.reviews.ratings import rating_of, reader_stats, reviewed_work_id


@dataclass(frozen=True)
class RatingControl:
    """The reader's own score box for one work: the form for a signed-in reader (prefilled with
    their score), or None for a visitor, who is offered the readers' sign-in instead."""

    form: RatingForm | None
    my_score: str


def rating_control(work_id: int) -> RatingControl:
    """The same rating box wherever a work is shown (the post's infobox, the work's own page),
    posting to ``reviews.rate`` and coming back to this page. One query when signed in, none else."""
    if not current_user.is_authenticated:
        return RatingControl(None, "")
    mine = rating_of(work_id, current_user)
    my_score = format_score(mine) if mine is not None else ""
    return RatingControl(RatingForm(formdata=None, score=my_score, next=request.path), my_score)


def review_context(post: Post) -> dict[str, Any]:
    """Template context for ``templates/reviews/post_infobox.html``; empty when the post reviews nothing."""
    if reviewed_work_id(post.id) is None:
        return {}  # most posts review nothing: one prepared statement, shared with the comments' scores
    row = db.session.execute(select(Review, Work.parent_id).join(Work).where(Review.post_id == post.id)).first()
    if row is None:
        return {}
    review, parent_id = row
    ids = [review.work_id] + ([parent_id] if parent_id else [])
    works = {w.id: w for w in db.session.scalars(select(Work).where(Work.id.in_(ids)).options(*_work_options()))}
    work = works[review.work_id]
    parent = works.get(parent_id) if parent_id else None
    scale = score_scale()
    score = on_scale(review.score, review.scale, scale)
    readers = reader_stats([work.id])[work.id]
    rating = rating_control(work.id)
    credits = list(work.credits)
    credits_from = None
    if not credits and parent is not None and parent.credits:
        credits, credits_from = list(parent.credits), parent
    return {
        "review": {
            "work": work,
            "parent": parent,
            "score": score,
            "score_text": format_score(score),
            "scale": scale,
            "verdict": review.verdict,
            "facts": facts_of(work, parent),
            "poster": poster_of(work.poster_url, INFOBOX_POSTER_WIDTH),
            "runtime_minutes": work.runtime_minutes,
            "aliases": [a.name for a in work.aliases],
            "credits": credits,
            "credits_from": credits_from,
            "readers": readers,
            "readers_average_text": format_score(readers.average),
            "rating": rating,
            "jsonld": review_jsonld(
                post,
                work,
                score=score,
                scale=scale,
                verdict=review.verdict,
                site_name=current_app.config["SITE_NAME"],
            ),
        }
    }
