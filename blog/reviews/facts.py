"""The facts a part of a work takes from its whole, the same wherever the part is shown.

A part (Magnetic Rose, a segment of Memories; an episode of a series) often has no release date,
age rating, genres or themes of its own: it came out with the whole, carries its rating and
belongs to its genres. Its own page, the infobox of a post reviewing it and its JSON-LD all ask
``facts_of``, so they say the same thing, and the pages say where a value comes from: "Genres
(from Memories)". A value the part has itself always wins. Runtime, aliases, links and credits
are never taken from the whole: Memories' 115 minutes or its eleven credits are not the part's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from blog.models.works import ReleaseDate, Work, WorkTerm


@dataclass(frozen=True)
class WorkFacts:
    """A work's release dates, year, age rating, genres and themes, each with the work it comes
    from when that is the whole (``*_from``), None when the work has it itself."""

    release_dates: list[ReleaseDate] = field(default_factory=list)
    release_dates_from: Work | None = None
    year: int | None = None
    content_rating: str = ""
    content_rating_from: Work | None = None
    genres: list[WorkTerm] = field(default_factory=list)
    genres_from: Work | None = None
    themes: list[WorkTerm] = field(default_factory=list)
    themes_from: Work | None = None

    @property
    def inherited(self) -> bool:
        """Whether anything shown comes from the whole."""
        return any((self.release_dates_from, self.content_rating_from, self.genres_from, self.themes_from))


def facts_of(work: Work, parent: Work | None = None) -> WorkFacts:
    """``work``'s facts, the missing ones taken from ``parent`` (default: ``work.parent``).

    Loads nothing the caller did not: pass a parent with its release dates and terms loaded."""
    whole = parent if parent is not None else work.parent
    own_dates, own_genres, own_themes = list(work.release_dates), work.genres, work.themes
    dates_from = whole if not own_dates and whole is not None and whole.release_dates else None
    rating_from = whole if not work.content_rating and whole is not None and whole.content_rating else None
    genres_from = whole if not own_genres and whole is not None and whole.genres else None
    themes_from = whole if not own_themes and whole is not None and whole.themes else None
    return WorkFacts(
        release_dates=list(dates_from.release_dates) if dates_from else own_dates,
        release_dates_from=dates_from,
        year=work.year or (whole.year if whole is not None else None),
        content_rating=rating_from.content_rating if rating_from else work.content_rating,
        content_rating_from=rating_from,
        genres=genres_from.genres if genres_from else own_genres,
        genres_from=genres_from,
        themes=themes_from.themes if themes_from else own_themes,
        themes_from=themes_from,
    )
