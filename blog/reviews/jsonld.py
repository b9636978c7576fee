"""schema.org data for search engines: a post's ``Review`` and a work's own description.

Templates emit these with ``{{ data|tojson }}`` inside a nonce'd ``application/ld+json`` script;
``tojson`` escapes ``<``, ``>`` and ``&`` so text from the database cannot close the script.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from blog.models.posts import Post
from blog.models.works import Credit, Work, WorkKind
from blog.posts.seo import PageMeta, absolute, absolute_url, clip
from blog.reviews.credits import is_cast
from blog.reviews.facts import facts_of
from blog.reviews.ratings import ReaderStats

SCHEMA_TYPES: dict[WorkKind, str] = {
    WorkKind.FILM: "Movie",
    WorkKind.SHORT: "Movie",
    WorkKind.SEGMENT: "Movie",
    WorkKind.SERIES: "TVSeries",
    WorkKind.SEASON: "TVSeason",
    WorkKind.EPISODE: "TVEpisode",
    WorkKind.BOOK: "Book",
    WorkKind.COMIC: "Book",
    WorkKind.GAME: "VideoGame",
    WorkKind.ALBUM: "MusicAlbum",
}


def schema_type(kind: WorkKind | str) -> str:
    """The schema.org type for a kind of work, ``CreativeWork`` when nothing fits better."""
    return SCHEMA_TYPES.get(WorkKind(kind), "CreativeWork")


def iso_duration(minutes: int | None) -> str | None:
    """115 → ``PT115M`` (ISO 8601, as schema.org's ``duration`` wants)."""
    return f"PT{int(minutes)}M" if minutes else None


def _role_is(credit: Credit, *names: str) -> bool:
    role = credit.role.strip().lower()
    return any(role == name or role.startswith(name + " ") or role.startswith(name + "/") for name in names)


def _person(credit: Credit) -> dict[str, Any]:
    return {
        "@type": "Person",
        "name": credit.person.name,
        "url": url_for("reviews.person_detail", slug=credit.person.slug, _external=True),
    }


def _people(credits: list[Credit], *roles: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    for credit in credits:
        if _role_is(credit, *roles):
            person = _person(credit)
            if person not in seen:
                seen.append(person)
    return seen


def _actors(credits: list[Credit]) -> list[dict[str, Any]]:
    """The cast as schema.org's ``actor``: a ``PerformanceRole`` carrying the ``characterName``
    when the character is known (schema.org's role pattern), the plain ``Person`` otherwise."""
    seen: list[dict[str, Any]] = []
    for credit in credits:
        if not is_cast(credit):
            continue
        actor = _person(credit)
        if credit.character:
            actor = {"@type": "PerformanceRole", "actor": actor, "characterName": credit.character}
        if actor not in seen:
            seen.append(actor)
    return seen


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def work_meta(work: Work, year: int | None) -> PageMeta:
    """A work page's head tags: canonical address, Open Graph with its poster, so a shared link to
    it previews like a review's does."""
    title = f"{work.title} ({year})" if year else work.title
    return PageMeta(
        title=title,
        description=clip(work.synopsis or f"{work.kind.label}: {title}."),
        canonical=absolute_url("reviews.work_detail", slug=work.slug),
        image=absolute(work.poster_url) if work.poster_url else "",
        image_alt=f"Poster of {work.title}" if work.poster_url else "",
    )


def work_jsonld(
    work: Work,
    *,
    readers: ReaderStats | None = None,
    scale: int = 10,
    parts: list[Work] | None = None,
    nested: bool = False,
) -> dict[str, Any]:
    """The work's own description: name, dates, duration, people, genres, parts and its parent."""
    kind = WorkKind(work.kind)
    type_ = schema_type(kind)
    credits = list(work.credits)
    facts = facts_of(work)  # a part's dates, rating and genres are its whole's, as its pages say
    dates = sorted(r.released_on for r in facts.release_dates)
    data: dict[str, Any] = {
        "@type": type_,
        "name": work.title,
        "url": url_for("reviews.work_detail", slug=work.slug, _external=True),
        "alternateName": [n for n in [work.original_title, *(a.name for a in work.aliases)] if n],
        "inLanguage": work.original_language or None,
        "dateCreated": dates[0].isoformat() if dates else (str(facts.year) if facts.year else None),
        "datePublished": dates[0].isoformat() if dates else None,
        "image": absolute(work.poster_url) if work.poster_url else None,  # a library poster is /media/…
        "description": work.synopsis.split("\n")[0] if work.synopsis else None,
        "genre": [t.name for t in facts.genres],
        "keywords": ", ".join(t.name for t in facts.themes) or None,
        "contentRating": facts.content_rating or None,
        "sameAs": [link.url for link in work.links],
    }
    if type_ in {"Movie", "TVSeries", "TVSeason", "TVEpisode", "VideoGame"}:
        data["duration"] = iso_duration(work.runtime_minutes) if type_ != "VideoGame" else None
        data["director"] = _people(credits, "director")
        data["actor"] = _actors(credits)
        data["musicBy"] = _people(credits, "music", "composer")
        data["author"] = _people(credits, "writer", "screenplay", "original creator", "author")
    elif type_ == "Book":
        data["author"] = _people(credits, "author", "writer", "original creator")
        data["illustrator"] = _people(credits, "illustrator", "artist")
    else:
        data["creator"] = _people(credits, "director", "writer", "author", "original creator", "developer")
    if not nested:
        if work.parent is not None:
            data["isPartOf"] = {
                "@type": schema_type(work.parent.kind),
                "name": work.parent.title,
                "url": url_for("reviews.work_detail", slug=work.parent.slug, _external=True),
            }
        if parts:
            data["hasPart"] = [
                {
                    "@type": schema_type(p.kind),
                    "name": p.title,
                    "url": url_for("reviews.work_detail", slug=p.slug, _external=True),
                }
                for p in parts
            ]
        if readers is not None and readers.count and readers.average is not None:
            data["aggregateRating"] = {
                "@type": "AggregateRating",
                "ratingValue": readers.average,
                "ratingCount": readers.count,
                "bestRating": scale,
                "worstRating": 0,
            }
        data = {"@context": "https://schema.org", **data}
    return _clean(data)


def review_jsonld(
    post: Post, work: Work, *, score: float | None, scale: int, verdict: str, site_name: str
) -> dict[str, Any]:
    """The post as a schema.org ``Review`` of ``work`` with the author's ``reviewRating``."""
    item = work_jsonld(work, nested=True)
    if work.parent is not None:
        item["isPartOf"] = {"@type": schema_type(work.parent.kind), "name": work.parent.title}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Review",
        "name": post.title,
        "headline": post.title,
        "url": url_for("posts.post_detail", slug=post.slug, _external=True),
        "datePublished": post.published_at.isoformat() if post.published_at else None,
        "dateModified": post.updated_at.isoformat() if post.updated_at else None,
        "author": {"@type": "Person", "name": post.author.name},
        "publisher": {"@type": "Organization", "name": site_name},
        "description": verdict or post.excerpt or None,
        "itemReviewed": item,
    }
    if score is not None:
        data["reviewRating"] = {"@type": "Rating", "ratingValue": score, "bestRating": scale, "worstRating": 0}
    return _clean(data)
