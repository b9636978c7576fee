"""Forms of the admin area: the minimal post form and the user role form.

The post form only parses and checks shapes (lengths, dates, URLs); the rules about posts
(who may publish, slugs, sizes) are ``blog.posts.editing.save_post``'s.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from blog.models.accounts import Role
from blog.models.posts import CommentStatusChoice
from blog.timezone import zone_name

#: The buttons of the post form: ``name="action"`` and one of these values.
ACTION_DRAFT = "draft"
ACTION_REVIEW = "review"
ACTION_PUBLISH = "publish"
#: A scheduled post's "Publish now": out at once, whatever the date field says.
ACTION_PUBLISH_NOW = "publish_now"
ACTIONS = (ACTION_DRAFT, ACTION_REVIEW, ACTION_PUBLISH, ACTION_PUBLISH_NOW)
#: The buttons that send a post towards readers: only these ask for the cover's description.
GOING_OUT = (ACTION_REVIEW, ACTION_PUBLISH, ACTION_PUBLISH_NOW)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class PostForm(FlaskForm):
    """Every field of a post the minimal editor offers. Field names match ``PostInput``."""

    title = StringField("Title", validators=[Length(max=300)], filters=[_strip])
    slug = StringField(
        "Slug",
        validators=[Length(max=180)],
        filters=[_strip],
        description="The post's address. Leave empty to make it from the title.",
    )
    body_md = TextAreaField("Body", description="Markdown: **bold**, *italic*, # headings, [links](https://…).")
    excerpt = TextAreaField(
        "Excerpt",
        validators=[Length(max=1000)],
        description="Shown on the home page and in feeds. Leave empty to use the first lines.",
    )
    tags = StringField("Tags", validators=[Length(max=1000)], description="Separated by commas.")
    categories = StringField("Categories", validators=[Length(max=1000)], description="Separated by commas.")
    series_title = StringField(
        "Series name", validators=[Length(max=200)], filters=[_strip], description="e.g. Fond Memories"
    )
    series_part = IntegerField(
        "Part",
        validators=[Optional(), NumberRange(min=1, max=10_000, message="A part is a whole number from 1.")],
    )
    cover_image = StringField(
        "Cover image URL",
        validators=[Length(max=500)],
        filters=[_strip],
        description="An https:// address or a path on this site.",
    )
    cover_alt = StringField(
        "Cover image description",
        validators=[Length(max=300)],
        filters=[_strip],
        description="What the image shows, for people who cannot see it.",
    )
    comment_status = RadioField(
        "Comments",
        choices=[
            SelectChoice(CommentStatusChoice.OPEN.value, "Open"),
            SelectChoice(CommentStatusChoice.CLOSED.value, "Closed"),
        ],
        default=CommentStatusChoice.OPEN.value,
    )
    published_at = DateTimeLocalField(
        "Publish date",  # + the site's zone, per form (``__init__``)
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The date field names the site's zone: it shows and takes that zone's wall-clock time."""
        super().__init__(*args, **kwargs)
        zone = zone_name()
        self.published_at.label.text = f"Publish date ({zone})"
        self.published_at.description = (
            f"Times are in {zone}, the site's time zone. Empty means now. A date in the future schedules the post."
        )

    def validate_cover_image(self, field: StringField) -> None:
        value = field.data or ""
        local = value.startswith("/") and not value.startswith("//") and "\\" not in value
        if value and not (value.startswith(("https://", "http://")) or local):
            raise ValidationError("Use an address starting with https:// or a path on this site starting with /.")

    def validate_for(self, action: str) -> bool:
        """``validate_on_submit`` for the button pressed: a draft always saves, as in WordPress;
        a post going out (published, scheduled or sent for review) needs its cover described."""
        extra = {"cover_alt": [_cover_described]} if action in GOING_OUT else {}
        return self.validate_on_submit(extra_validators=extra)

    def validate_series_part(self, field: IntegerField) -> None:
        if field.data is not None and not (self.series_title.data or "").strip():
            raise ValidationError("Name the series this post is a part of.")


def _cover_described(form: PostForm, field: StringField) -> None:
    if form.cover_image.data and not field.data:
        raise ValidationError("Describe the cover image for people who cannot see it.")


class DeleteForm(FlaskForm):
    """Only a CSRF token: deleting is a POST from a confirmation page."""


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])
