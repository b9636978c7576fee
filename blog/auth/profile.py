"""The reader's own account page: name, linked sign-in methods, data download, account deletion."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField

from blog.auth import readers
from blog.auth.permissions import reader_required
from blog.auth.providers import PROVIDERS, configured_providers, get_provider
from blog.auth.social import begin_flow, provider_or_404, social_bp, title_of
from blog.errors import DomainError
from blog.extensions import db


class NameForm(FlaskForm):
    name = StringField("Display name")


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField("Yes, delete my account")
    remove_comments = BooleanField("Also remove my comments (otherwise they stay, shown as from “Deleted user”)")


class ActionForm(FlaskForm):
    """CSRF only: link, unlink."""


#: Readers who are not signed in go to the sign-in choices and come back here.
signed_in: Callable[[Callable[..., Any]], Callable[..., Any]] = reader_required()


def _render(name_form: NameForm | None = None, delete_form: DeleteAccountForm | None = None, status: int = 200) -> Any:
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    identities = readers.identities_of(user)
    config = current_app.config
    linked_keys = {i.provider for i in identities}
    ways = readers.ways_in(user, identities)
    rows = [
        {
            "identity": i,
            "label": PROVIDERS[i.provider].title(config) if i.provider in PROVIDERS else i.provider.capitalize(),
            "can_unlink": len(ways) > 1,
        }
        for i in identities
    ]
    name_form = name_form or NameForm(formdata=None, name=user.name)
    from blog.reviews.corrections import corrections_of  # the reviews area imports auth: not at the top

    return (
        render_template(
            "auth/profile.html",
            corrections=corrections_of(user.id),
            user=user,
            identities=rows,
            linkable=[(p.key, p.title(config)) for p in configured_providers(config) if p.key not in linked_keys],
            email_way="email" in ways,
            name_form=name_form,
            delete_form=delete_form or DeleteAccountForm(formdata=None),
            action_form=ActionForm(),
            is_staff=user.is_staff,
        ),
        status,
    )


@social_bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile() -> Any:
    form = NameForm()
    if request.method == "GET":
        return _render()
    if not form.validate_on_submit():
        return _render(form, status=400)
    try:
        readers.update_name(current_user, form.name.data or "")
    except DomainError as error:
        db.session.rollback()
        form.name.errors = [error.message]
        return _render(form, status=400)
    db.session.commit()
    flash("Your name is saved.", "success")
    return redirect(url_for("social.profile"))


@social_bp.post("/profile/link/<provider>")
@signed_in
def link(provider: str) -> Any:
    chosen = provider_or_404(provider)
    if not ActionForm().validate_on_submit():
        flash("Your session expired; try again.", "error")
        return redirect(url_for("social.profile"))
    return begin_flow(chosen, url_for("social.profile"), link_user_id=current_user.id)


@social_bp.post("/profile/unlink/<int:identity_id>")
@signed_in
def unlink(identity_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        flash("Your session expired; try again.", "error")
        return redirect(url_for("social.profile"))
    try:
        identity = readers.unlink(current_user, identity_id)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("social.profile"))
    db.session.commit()
    chosen = get_provider(identity.provider)
    label = title_of(chosen) if chosen is not None else identity.provider.capitalize()
    flash(f"{label} is no longer linked to your account.", "success")
    return redirect(url_for("social.profile"))


@social_bp.get("/profile/export.json")
@signed_in
def export() -> Response:
    """Download everything the site holds about me (GET: it changes nothing)."""
    data = readers.export_data(current_user)
    body = json.dumps(data, indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{current_user.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@social_bp.post("/profile/delete")
@signed_in
def delete() -> Any:
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _render(delete_form=form, status=400)
    if not form.confirm.data:
        form.confirm.errors = ["Tick the box to confirm that you want to delete your account."]
        return _render(delete_form=form, status=400)
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    try:
        readers.delete_account(user, remove_comments=bool(form.remove_comments.data))
    except DomainError as error:
        db.session.rollback()
        form.confirm.errors = [error.message]
        return _render(delete_form=form, status=error.status)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Your account is deleted." + (" Your comments are removed." if form.remove_comments.data else ""), "success")
    return redirect(url_for("posts.home"))
