"""The comment forms. Fields only carry what was typed; the rules live in ``posting`` and ``spam``
(so they hold for every caller), and their ``DomainError``s land on these fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional


class CommentForm(FlaskForm):
    body = TextAreaField("Comment")
    name = StringField("Name")
    email = StringField("Email")
    url = StringField("Website")
    remember = BooleanField("Save my name, email, and website in this browser for the next time I comment.")
    notify_replies = BooleanField("Notify me of replies to my comment by email.")
    notify_post = BooleanField("Notify me of all new comments on this post by email.")
    notify_digest = BooleanField("Send these as one daily digest instead of an email each.")
    #: The reader's own score for the reviewed work (signed-in readers, when the post is a review).
    score = StringField("Your score")
    parent_id = HiddenField(validators=[Optional()])
    #: Signed "form shown at" stamp for the minimum-time rule.
    shown = HiddenField()
    #: The honeypot: hidden from people by CSS and from assistive tech by aria-hidden.
    extra_info = StringField("Leave this field empty")

    def parent(self) -> int | None:
        """The comment being answered; -1 (matches nothing, so a 404) when the field was tampered with."""
        return self.parse_parent((self.parent_id.data or "").strip())

    @staticmethod
    def parse_parent(raw: str) -> int | None:
        if not raw:
            return None
        return int(raw) if raw.isdigit() and len(raw) < 12 else -1


class EditCommentForm(FlaskForm):
    body = TextAreaField("Comment")


class ModerationEditForm(FlaskForm):
    body = TextAreaField("Comment")
    name = StringField("Name")
    email = StringField("Email")
    url = StringField("Website")
    note = StringField("Note for the history (optional)")


class ModeratorReplyForm(FlaskForm):
    body = TextAreaField("Reply")
