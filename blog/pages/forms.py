"""The page form. It checks shapes (lengths, numbers, choices); the rules about pages (addresses,
who may save) are ``blog.pages.editing``'s."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from blog.models.pages import Page, PageStatus
from blog.pages.editing import MENU_ORDER_MAX, PageInput, input_from
from blog.pages.slugs import SLUG_MAX


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class PageForm(FlaskForm):
    """Field names match ``PageInput`` (and ``title``/``body_md`` are what static/js/editor.js looks for)."""

    title = StringField("Title", validators=[Length(max=300)], filters=[_strip])
    body_md = TextAreaField("Body")
    status = RadioField(
        "Status",
        choices=[
            SelectChoice(PageStatus.DRAFT.value, "Draft: only staff can see it"),
            SelectChoice(PageStatus.PUBLISHED.value, "Published"),
        ],
        default=PageStatus.DRAFT.value,
    )
    slug = StringField(
        "Address",
        validators=[Length(max=SLUG_MAX)],
        filters=[_strip],
        description=(
            "The page is at /address/ on this site. Leave empty to make it from the title. Once the page"
            " is published, its old address keeps leading to it when you change this."
        ),
    )
    description = TextAreaField(
        "Description",
        validators=[Length(max=500)],
        description="For search engines and link previews. Leave empty to use the first lines.",
    )
    show_in_menu = BooleanField("Show in the site menu", description="Published pages only.")
    menu_label = StringField(
        "Menu label",
        validators=[Length(max=60)],
        filters=[_strip],
        description="A short name for the menu, e.g. About. Leave empty to use the title.",
    )
    menu_order = IntegerField(
        "Menu position",
        validators=[
            Optional(),
            NumberRange(min=0, max=MENU_ORDER_MAX, message=f"Use a whole number from 0 to {MENU_ORDER_MAX}."),
        ],
        default=0,
        description="Lower numbers come first.",
    )
    #: The version the form was opened at: saving over a newer one is refused (``PageConflict``).
    base_version = HiddenField()

    @classmethod
    def for_page(cls, page: Page | None) -> PageForm:
        """The form as a GET shows it: ``page``'s values, or a new page's defaults."""
        if page is None:
            return cls()
        data = vars(input_from(page)) | {"status": page.status.value, "base_version": str(page.version)}
        return cls(data=data)

    def page_input(self) -> PageInput:
        return PageInput(
            title=self.title.data or "",
            body_md=self.body_md.data or "",
            slug=self.slug.data or "",
            description=self.description.data or "",
            status=PageStatus(self.status.data),
            show_in_menu=bool(self.show_in_menu.data),
            menu_label=self.menu_label.data or "",
            menu_order=self.menu_order.data or 0,
        )

    def version(self) -> int | None:
        raw = (self.base_version.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 10 else None


class DeletePageForm(FlaskForm):
    """Only a CSRF token: deleting is a POST from a button that asks first."""


class RestorePageRevisionForm(FlaskForm):
    """The restore button: the CSRF token, and the page's version the comparison was shown at (a
    page saved since is not overwritten: ``PageConflict``)."""

    base_version = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,9}$")])

    def version(self) -> int:
        return int(self.base_version.data)
