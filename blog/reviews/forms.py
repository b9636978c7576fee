"""Forms of the reviews area. Lists are typed one item a line, so every form works without JavaScript.

A work's release dates are ``1995-12-23 | Japan``, its credits ``Satoshi Kon | Writer | a note``
(``person | Voice Actor | as Heintz Beckner`` for a character: see ``reviews.credits``), its
links ``Label | https://...``; each line that cannot be read gets an error naming the line.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blog.models.works import WorkKind
from blog.reviews.credits import format_credit_line, parse_credit_line
from blog.reviews.editing import CreditInput, ReviewInput, WorkInput, score_scale
from blog.reviews.queries import work_choices

KIND_CHOICES = [SelectChoice(k.value, k.label) for k in WorkKind]

#: Roles offered in the credits hint and the datalist; any other role may be typed.
COMMON_ROLES = [
    "Director", "Writer", "Original Creator", "Music", "Character Artist/Designer", "Key Animator",
    "Art Director", "Animation Director", "Producer", "Cast", "Voice Actor", "Author", "Illustrator",
    "Translator", "Developer", "Publisher",
]  # fmt: skip


def _lines(text: str | None) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), 1) if line.strip()]


def _cells(line: str, count: int) -> list[str]:
    parts = [p.strip() for p in line.split("|", count - 1)]
    return parts + [""] * (count - len(parts))


def parse_release_dates(text: str | None) -> list[tuple[str, date]]:
    """``1995-12-23 | Japan`` (or ``1995-12-23 Japan``) per line → ``[("Japan", date(1995, 12, 23))]``."""
    result = []
    for n, line in _lines(text):
        if "|" in line:
            raw_date, region = _cells(line, 2)
        else:
            raw_date, _, region = line.partition(" ")
        try:
            when = date.fromisoformat(raw_date.strip())
        except ValueError:
            raise ValueError(
                f"Line {n}: “{raw_date}” is not a date. Write it as year-month-day, like 1995-12-23 | Japan."
            ) from None
        result.append((region.strip(), when))
    return result


def parse_credits(text: str | None) -> list[CreditInput]:
    """``Person | Role | note`` or ``Person | Role | as Character | note`` per line."""
    result = []
    for n, line in _lines(text):
        try:
            parsed = parse_credit_line(line)
        except ValueError as error:
            raise ValueError(f"Line {n}: {error}") from None
        result.append(CreditInput(parsed.person, parsed.role, parsed.note, parsed.character))
    return result


#: The credits field's help, shared by the admin form and reader corrections.
CREDITS_HELP = (
    "One a line, in order: person | role | note. For someone who plays or voices a character, put the"
    " character after “as”: person | Voice Actor | as Heintz Beckner (a note may follow: … | as Heintz"
    " Beckner | a note). Name people as on the people list (their name or slug)"
)


def parse_links(text: str | None) -> list[tuple[str, str]]:
    """``Label | https://...`` (or just the address) per line."""
    result = []
    for n, line in _lines(text):
        if "|" in line:
            label, url = _cells(line, 2)
        else:
            label, url = "", line
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"Line {n}: “{url}” is not a web address; it should start with https://.")
        result.append((label, url))
    return result


def parse_runtime(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise ValueError(f"“{raw}” is not a runtime: write the number of minutes, like 115.")
    return int(raw)


def parse_score(raw: str | None) -> float | None:
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"“{raw}” is not a score; write a number, like 8.5.") from None
    if not math.isfinite(value):
        raise ValueError(f"“{raw}” is not a score; write a number, like 8.5.")
    return value


def split_commas(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _parsed(parser: Any) -> Any:
    """A WTForms inline validator that parses the field and keeps the result on ``field.parsed``."""

    def validator(form: FlaskForm, field: Field) -> None:
        try:
            field.parsed = parser(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    return validator


class WorkForm(FlaskForm):
    title = StringField("Name", validators=[DataRequired("Give the work a name."), Length(max=300)])
    original_title = StringField(
        "Original name", validators=[Optional(), Length(max=300)], description="In its own script, like メモリーズ."
    )
    original_language = StringField(
        "Language of the original name",
        validators=[Optional(), Length(max=35)],
        description="A language tag, like ja (Japanese), ko or zh-Hant: screen readers then read the name "
        "in its language, and browsers draw it with the right glyphs.",
    )
    kind = SelectField("Kind", choices=KIND_CHOICES, default=WorkKind.FILM.value)
    aliases = TextAreaField("Aliases", description="Other names it goes by, one a line.")
    release_dates = TextAreaField(
        "Release dates",
        validators=[_parsed(parse_release_dates)],
        description="One a line: date | region, like 1995-12-23 | Japan.",
    )
    runtime_minutes = StringField(
        "Runtime (minutes)", validators=[_parsed(parse_runtime)], description="A whole number, like 115."
    )
    content_rating = StringField(
        "Age rating", validators=[Optional(), Length(max=40)], description="Like R, PG-13 or R15+."
    )
    genres = StringField("Genres", description="Separated by commas: Science fiction, Comedy.")
    themes = StringField("Themes", description="Separated by commas: Memory, War.")
    synopsis = TextAreaField("Synopsis", validators=[Length(max=20_000)])
    poster_url = StringField(
        "Poster image",
        validators=[Optional(), Length(max=500)],
        description=(
            "An image from the media library (its Address, /media/…) or a web address (https://…). The library"
            " is better: an image from another site tells that site who reads the page, and may disappear."
        ),
    )
    links = TextAreaField(
        "External links", validators=[_parsed(parse_links)], description="One a line: label | https://…"
    )
    credits = TextAreaField(
        "Credits",
        validators=[_parsed(parse_credits)],
        description=CREDITS_HELP + "; someone who is not on it yet is added as a new person.",
    )

    def to_input(self) -> WorkInput:
        """The parsed values; call after ``validate_on_submit`` succeeded."""
        return WorkInput(
            title=self.title.data or "",
            original_title=self.original_title.data or "",
            original_language=self.original_language.data or "",
            kind=self.kind.data or WorkKind.FILM.value,
            aliases=[line for _, line in _lines(self.aliases.data)],
            release_dates=self.release_dates.parsed,
            runtime_minutes=self.runtime_minutes.parsed,
            content_rating=self.content_rating.data or "",
            genres=split_commas(self.genres.data),
            themes=split_commas(self.themes.data),
            synopsis=self.synopsis.data or "",
            poster_url=self.poster_url.data or "",
            links=self.links.parsed,
            credits=self.credits.parsed,
        )

    def fill(self, data: WorkInput) -> None:
        """Prefill from a stored version (``snapshot_to_input``), the way a person would type it."""
        self.title.data = data.title
        self.original_title.data = data.original_title
        self.original_language.data = data.original_language
        self.kind.data = WorkKind(data.kind).value
        self.aliases.data = "\n".join(data.aliases)
        self.release_dates.data = "\n".join(
            f"{d.isoformat()} | {region}".rstrip(" |") for region, d in data.release_dates
        )
        self.runtime_minutes.data = str(data.runtime_minutes) if data.runtime_minutes else ""
        self.content_rating.data = data.content_rating
        self.genres.data = ", ".join(data.genres)
        self.themes.data = ", ".join(data.themes)
        self.synopsis.data = data.synopsis
        self.poster_url.data = data.poster_url
        self.links.data = "\n".join(f"{label} | {url}" for label, url in data.links)
        self.credits.data = "\n".join(format_credit_line(c.person, c.role, c.character, c.note) for c in data.credits)


class AdminWorkForm(WorkForm):
    slug = StringField(
        "Slug", validators=[Optional(), Length(max=180)], description="Leave empty to make one from the name."
    )
    parent_id = SelectField(
        "Part of", coerce=int, default=0, description="The work this one is a segment or episode of."
    )
    position = StringField("Order among the parts", default="0")
    summary = StringField("What changed", validators=[Optional(), Length(max=300)])

    def validate_position(self, field: Field) -> None:
        raw = (field.data or "0").strip()
        if not raw.isdigit():
            raise ValidationError("The order is a whole number, like 1 for the first part.")
        field.parsed = int(raw)


class QuickWorkForm(FlaskForm):
    """The post editor's "Add a work" dialog: enough to choose the work now, the rest later."""

    title = StringField("Name", validators=[DataRequired("Give the work a name."), Length(max=300)])
    original_title = StringField("Original name", validators=[Optional(), Length(max=300)])
    kind = SelectField("Kind", choices=KIND_CHOICES, default=WorkKind.FILM.value)
    parent_id = SelectField("Part of", coerce=int, default=0)


class CorrectionForm(WorkForm):
    credits = TextAreaField(
        "Credits",
        validators=[_parsed(parse_credits)],
        description=CREDITS_HELP + "; someone who is not on it yet is added as a new person once staff approve.",
    )
    reason = TextAreaField(
        "What did you correct, and where is it from?",
        validators=[Optional(), Length(max=1000)],
        description="A source helps staff approve it sooner (the DVD sleeve, the end credits…).",
    )


class PersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Give the person a name."), Length(max=200)])
    original_name = StringField("Name in its own script", validators=[Optional(), Length(max=200)])
    sort_name = StringField(
        "Sorted as",
        validators=[Optional(), Length(max=200, message="Keep the sorted-as name under 200 characters.")],
        description="Family name first, e.g. Kon, Satoshi. Leave empty to use the last word of the name.",
    )
    slug = StringField("Slug", validators=[Optional(), Length(max=180)], description="Leave empty to make one.")
    note = TextAreaField("Note", validators=[Optional(), Length(max=1000)], description="A line or two about them.")


class ReviewForm(FlaskForm):
    work_id = SelectField("Reviewed work", coerce=int, default=0)
    score = StringField("Score", validators=[_parsed(parse_score)])
    verdict = StringField(
        "Verdict", validators=[Optional(), Length(max=300)], description="One line: the review in a sentence."
    )

    def validate_work_id(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Choose the work this post reviews.")


class PostReviewForm(ReviewForm):
    """The review details inside the post editor, for a new post: all optional (nothing typed, no
    review), saved with the post's first save. The post form around it carries the CSRF token."""

    #: The site's score scale, for the hint (``post_review_form`` sets it).
    scale: int = 10
    #: The kinds of work, for the editor's "Add a work" dialog (``post_review_form`` sets it).
    kinds: tuple[SelectChoice, ...] = ()

    class Meta:
        csrf = False

    def validate_work_id(self, field: Field) -> None:
        if not field.data and not self.is_empty():
            raise ValidationError("Choose the work this post reviews.")

    def is_empty(self) -> bool:
        return not (self.work_id.data or (self.score.data or "").strip() or (self.verdict.data or "").strip())

    def review_input(self) -> ReviewInput | None:
        """What was typed (call after ``validate``), or None when the post reviews nothing."""
        if self.is_empty():
            return None
        return ReviewInput(
            work_id=self.work_id.data or 0, score=getattr(self.score, "parsed", None), verdict=self.verdict.data or ""
        )


def post_review_form() -> PostReviewForm:
    """A ``PostReviewForm`` (fields ``review-work_id``, ``review-score``, ``review-verdict``) with
    every work to choose from and the site's score scale on ``form.scale`` for the hint.

    Opened with ``?work=<id>`` (back from "Add a work" in the same tab), that work is chosen;
    ``form.kinds`` offers the kinds to the editor's "Add a work" dialog."""
    form = PostReviewForm(prefix="review")
    form.work_id.choices = work_select_choices("— not a review —")
    form.scale = score_scale()
    form.kinds = tuple(KIND_CHOICES)
    chosen = request.args.get("work", "") if request.method == "GET" else ""
    if chosen.isdigit() and len(chosen) < 10 and int(chosen) in {choice.value for choice in form.work_id.choices}:
        form.work_id.data = int(chosen)
    return form


def work_select_choices(none_label: str) -> list[SelectChoice]:
    """Every work for a "which work does this post review?" select, after a "none" choice (0)."""
    return [SelectChoice(0, none_label)] + [SelectChoice(wid, label) for wid, label in work_choices()]


class RatingForm(FlaskForm):
    score = StringField("Your score", validators=[_parsed(parse_score)])
    next = HiddenField()


class DecisionForm(FlaskForm):
    note = TextAreaField("Note to the reader", validators=[Optional(), Length(max=1000)])
