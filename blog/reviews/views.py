"""Routes of the reviews area: work, person and browse pages, ratings, corrections, and the admin pages.

Views parse the request, call one function of ``editing`` / ``corrections`` / ``ratings`` /
``queries``, and render or redirect. A ``DomainError`` becomes a form error with everything
typed kept, and the transaction is rolled back so nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from blog.admin import nav
from blog.auth.login import safe_next
from blog.auth.permissions import can_edit_post, can_moderate, reader_required, require
from blog.errors import DomainError
from blog.extensions import db
from blog.models.posts import Post
from blog.models.works import Correction, CorrectionStatus, Person, Work, WorkKind, WorkRevision, derived_sort_name
from blog.posts.queries import page_number
from blog.reviews import corrections as correcting
from blog.reviews import decisions, editing, queries, ratings
from blog.reviews import people as people_lookup
from blog.reviews.forms import (
    COMMON_ROLES,
    AdminWorkForm,
    CorrectionForm,
    DecisionForm,
    PersonForm,
    QuickWorkForm,
    RatingForm,
    ReviewForm,
    work_select_choices,
)
from blog.reviews.infobox import rating_control
from blog.reviews.jsonld import work_jsonld, work_meta

bp = Blueprint("reviews", __name__)

#: Each admin page of the area marks its menu link as the current page, forms and confirmations too.
_WORK_PAGES = ("reviews.admin_work", "reviews.admin_work_new", "reviews.admin_work_delete")
_PERSON_PAGES = ("reviews.admin_person", "reviews.admin_person_new", "reviews.admin_person_delete")
_REVIEW_PAGES = ("reviews.admin_review", "reviews.admin_review_remove")
nav.add_link(nav.NavLink("reviews.admin_works", "Works", editing.can_manage_works, 50, _WORK_PAGES))
nav.add_link(nav.NavLink("reviews.admin_people", "People", editing.can_manage_works, 51, _PERSON_PAGES))
nav.add_link(nav.NavLink("reviews.admin_reviews", "Reviews", editing.can_manage_works, 52, _REVIEW_PAGES))
nav.add_link(
    nav.NavLink(
        "reviews.admin_corrections",
        "Corrections",
        can_moderate,
        53,
        ("reviews.admin_correction",),
        queries.pending_corrections,
        queries.awaiting_approval,
    )
)


def _local(target: str | None, fallback: str) -> str:
    """Only same-site paths are followed (no open redirects): ``safe_next``, as sign-in does."""
    return safe_next(target) or fallback


def _with_work(target: str, work_id: int) -> str:
    """``target`` (a same-site path) with ``work=<id>`` in its query, replacing any there: the
    page it names (the post editor, a post's review page) then has that work chosen."""
    parts = urlsplit(target)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "work"]
    return urlunsplit(("", "", parts.path, urlencode([*query, ("work", str(work_id))]), parts.fragment))


def _form_error(form: Any, error: DomainError) -> None:
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*list(target.errors), error.message]
    else:
        form.form_errors.append(error.message)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 7 else None


def _work_or_404(slug: str) -> Work:
    work = db.session.scalar(db.select(Work).where(Work.slug == slug))
    if work is None:
        abort(404)
    return work


@bp.app_template_filter("score_text")
def score_text(value: float | None) -> str:
    """``9.0`` → ``9``; for scores in templates (the post cards use it too)."""
    return editing.format_score(value)


@bp.app_template_filter("original_lang")
def original_lang(work: Any) -> Markup:
    """`` lang="ja"`` for an element holding the work's original name, or nothing when unknown."""
    return Markup(' lang="%s"') % work.original_language if work.original_language else Markup("")


# --------------------------------------------------------------------------- reading


@bp.get("/works/")
def works() -> str:
    raw_score = request.args.get("score", "").strip().replace(",", ".")
    try:
        min_score = float(raw_score) if raw_score else None
    except ValueError:
        min_score = None
    kind = request.args.get("kind", "")
    filters = queries.BrowseFilters(
        kind=kind if kind in {k.value for k in WorkKind} else "",
        genre=request.args.get("genre", "")[:100],
        theme=request.args.get("theme", "")[:100],
        year=_int_arg("year"),
        min_score=min_score,
        sort=request.args.get("sort", "title") if request.args.get("sort") in {"title", "year", "score"} else "title",
        page=page_number(request.args.get("page")) or abort(404),
    )
    data = queries.browse_works(filters, per_page=int(current_app.config["WORKS_PER_PAGE"])) or abort(404)
    return render_template("reviews/works.html", data=data)


@bp.get("/works/<slug>/")
def work_detail(slug: str) -> str:
    data = queries.work_page(slug)
    if data is None:
        abort(404)
    jsonld = work_jsonld(data.work, readers=data.readers, scale=data.scale, parts=data.parts)
    return render_template(
        "reviews/work.html",
        data=data,
        work=data.work,
        work_ld=jsonld,
        meta=work_meta(data.work, data.facts.year),
        can_edit_directly=editing.can_manage_works(current_user),
        rating=rating_control(data.work.id),
    )


@bp.get("/people/")
def people() -> str:
    return render_template("reviews/people.html", letters=queries.people_by_letter())


@bp.get("/people/<slug>/")
def person_detail(slug: str) -> str:
    data = queries.person_page(slug)
    if data is None:
        abort(404)
    return render_template("reviews/person.html", data=data, person=data.person)


@bp.get("/works/<slug>/history/")
def work_history(slug: str) -> str:
    work = _work_or_404(slug)
    revisions = queries.work_history(work.id)
    return render_template(
        "reviews/history.html",
        work=work,
        revisions=revisions,
        can_restore=can_moderate(current_user),
        restore_form=DecisionForm(),
    )


@bp.get("/works/<slug>/history/<int:number>/")
def work_revision(slug: str, number: int) -> str:
    work = _work_or_404(slug)
    revision = db.session.scalar(
        db.select(WorkRevision).where(WorkRevision.work_id == work.id, WorkRevision.number == number)
    )
    if revision is None:
        abort(404)
    previous = db.session.scalar(
        db.select(WorkRevision).where(WorkRevision.work_id == work.id, WorkRevision.number == number - 1)
    )
    changes = correcting.diff_snapshots(previous.snapshot if previous else {}, revision.snapshot)
    return render_template(
        "reviews/revision.html",
        work=work,
        revision=revision,
        previous=previous,
        changes=changes,
        can_restore=can_moderate(current_user) and number != work.version,
        restore_form=DecisionForm(),
    )


# --------------------------------------------------------------------------- readers: ratings and corrections


@bp.post("/works/<slug>/rate")
@reader_required("Sign in to give your own score.")
def rate(slug: str) -> Response:
    work = _work_or_404(slug)
    form = RatingForm()
    back = _local(form.next.data, url_for("reviews.work_detail", slug=work.slug))
    if request.form.get("remove"):
        if ratings.remove_rating(work, current_user):
            db.session.commit()
            flash("Your score was removed.", "success")
        return redirect(back, 303)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(back, 303)
    try:
        if form.score.parsed is None:
            raise DomainError("Choose a score.", field="score")
        ratings.rate_work(work, current_user, form.score.parsed)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(back, 303)
    db.session.commit()
    flash(f"Thanks! Your score for {work.title} is saved.", "success")
    return redirect(back, 303)


@bp.route("/works/<slug>/correct", methods=["GET", "POST"])
@reader_required("Sign in to suggest a correction.")
def propose(slug: str) -> Response | str | tuple[str, int]:
    work = _work_or_404(slug)
    form = CorrectionForm()
    if request.method == "GET":
        form.fill(editing.snapshot_to_input(editing.snapshot_of(work)))
    elif form.validate_on_submit():
        try:
            correction = correcting.propose_correction(current_user, work, form.to_input(), form.reason.data or "")
        except DomainError as error:
            _form_error(form, error)
            return render_template("reviews/correct.html", work=work, form=form, roles=COMMON_ROLES), error.status
        db.session.commit()
        flash(
            f"Thanks! Your correction #{correction.id} is waiting for approval by staff; nothing changes on the page"
            " until they approve it.",
            "success",
        )
        return redirect(url_for("reviews.work_detail", slug=work.slug), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("reviews/correct.html", work=work, form=form, roles=COMMON_ROLES), status


# --------------------------------------------------------------------------- admin: works


@bp.get("/admin/works/")
@require(editing.can_manage_works)
def admin_works() -> str:
    search = request.args.get("q", "")[:100]
    pending = queries.pending_corrections() if can_moderate(current_user) else 0
    return render_template(
        "reviews/admin/works.html", works=queries.admin_works(search), search=search, pending=pending
    )


def _admin_work_form(work: Work | None) -> AdminWorkForm:
    form = AdminWorkForm()
    form.parent_id.choices = [SelectChoice(0, "— none —")] + [
        SelectChoice(wid, label) for wid, label in queries.work_choices() if not work or wid != work.id
    ]
    return form


def _save_admin_work(form: AdminWorkForm, work: Work | None, added: list[Person]) -> Work:
    """Save the form; people its credits named for the first time are created and put in ``added``."""
    parent = db.session.get(Work, form.parent_id.data) if form.parent_id.data else None
    return editing.save_work(
        current_user,
        form.to_input(),
        work,
        parent=parent,
        position=form.position.parsed,
        slug=form.slug.data or "",
        summary=form.summary.data or "",
        added=added,
    )


def _flash_added(added: list[Person]) -> None:
    """Name the people a save created, so a typo ("Yoko Kano") is caught while it is fresh."""
    if added:
        names = ", ".join(p.name for p in added)
        flash(f"Added to the people list: {names}. Check the spelling on the People page.", "success")


@bp.route("/admin/works/new", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_work_new() -> Response | str | tuple[str, int]:
    """A new work. With ``next`` (a path on this site: the post editor, a post's review page) the
    save goes back there, same tab, with the new work chosen (``?work=<id>``)."""
    form = _admin_work_form(None)
    back_to = safe_next(request.values.get("next")) or ""
    if request.method == "GET" and _int_arg("parent"):
        form.parent_id.data = _int_arg("parent")
    if form.validate_on_submit():
        added: list[Person] = []
        try:
            work = _save_admin_work(form, None, added)
        except DomainError as error:
            _form_error(form, error)
            return render_template(
                "reviews/admin/work_form.html", form=form, work=None, roles=COMMON_ROLES, back_to=back_to
            ), 400
        db.session.commit()
        flash(f"{work.title} was added" + (" and chosen." if back_to else "."), "success")
        _flash_added(added)
        if back_to:
            return redirect(_with_work(back_to, work.id), 303)
        return redirect(url_for("reviews.admin_work", work_id=work.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "reviews/admin/work_form.html", form=form, work=None, roles=COMMON_ROLES, back_to=back_to
    ), status


@bp.post("/admin/works/quick-add")
def admin_work_quick_add() -> tuple[dict[str, Any], int]:
    """The post editor's "Add a work" dialog (JSON, CSRF in the X-CSRFToken header): a work from
    its name, kind and whole, answered with the option to add to the editor's select. The
    editor's text never leaves the page; dates, credits and the rest come later on its page."""
    if not current_user.is_authenticated:
        return {"error": "You are signed out; sign in again in another tab, then add the work."}, 401
    if not editing.can_manage_works(current_user):
        return {"error": "You cannot add works."}, 403
    form = QuickWorkForm()
    form.parent_id.choices = work_select_choices("— none —")
    if not form.validate_on_submit():
        name, errors = next(iter(form.errors.items()))
        return {"error": str(errors[0]), "field": name}, 400
    parent = db.session.get(Work, form.parent_id.data) if form.parent_id.data else None
    try:
        work = editing.save_work(
            current_user,
            editing.WorkInput(
                title=form.title.data or "",
                original_title=form.original_title.data or "",
                kind=form.kind.data or WorkKind.FILM.value,
            ),
            parent=parent,
            summary="Created from the post editor",
        )
    except DomainError as error:
        db.session.rollback()
        return {"error": error.message, "field": error.field or ""}, error.status
    db.session.commit()
    label = dict(queries.work_choices()).get(work.id, work.title)
    return {
        "id": work.id,
        "title": work.title,
        "label": label,
        "edit_url": url_for("reviews.admin_work", work_id=work.id),
    }, 201


@bp.route("/admin/works/<int:work_id>/", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_work(work_id: int) -> Response | str | tuple[str, int]:
    work = db.session.get(Work, work_id) or abort(404)
    form = _admin_work_form(work)
    if request.method == "GET":
        form.fill(editing.snapshot_to_input(editing.snapshot_of(work)))
        form.slug.data = work.slug
        form.parent_id.data = work.parent_id or 0
        form.position.data = str(work.position)
    elif form.validate_on_submit():
        added: list[Person] = []
        try:
            _save_admin_work(form, work, added)
        except DomainError as error:
            _form_error(form, error)
            return render_template("reviews/admin/work_form.html", form=form, work=work, roles=COMMON_ROLES), 400
        db.session.commit()
        flash(f"{work.title} was saved.", "success")
        _flash_added(added)
        return redirect(url_for("reviews.admin_work", work_id=work.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("reviews/admin/work_form.html", form=form, work=work, roles=COMMON_ROLES), status


def _delete(name: str, remove: Callable[[], None], refused_to: str, done_to: str) -> Response:
    """A delete button of the admin: refused (still in use) back to its page, else gone with a note."""
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        remove()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(refused_to, 303)
    db.session.commit()
    flash(f"{name} was deleted.", "success")
    return redirect(done_to, 303)


def _confirm_delete(**context: Any) -> str:
    """The page a delete button leads to: what goes, and the button that deletes (as the post
    editor's "Delete this post"), or why it cannot be deleted yet."""
    return render_template("reviews/admin/confirm_delete.html", form=DecisionForm(), **context)


@bp.route("/admin/works/<int:work_id>/delete", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_work_delete(work_id: int) -> Response | str:
    work = db.session.get(Work, work_id) or abort(404)
    if request.method == "GET":
        return _confirm_delete(
            heading="Delete a work",
            name=work.title,
            goes="Its information, credits, reader scores and history go with it.",
            kept_because=editing.work_kept_because(work),
            action=url_for("reviews.admin_work_delete", work_id=work.id),
            back=url_for("reviews.admin_work", work_id=work.id),
        )
    return _delete(
        work.title,
        lambda: editing.delete_work(current_user, work),
        url_for("reviews.admin_work", work_id=work_id),
        url_for("reviews.admin_works"),
    )


@bp.post("/works/<slug>/history/<int:number>/restore")
@require(can_moderate)
def restore(slug: str, number: int) -> Response:
    work = _work_or_404(slug)
    if not DecisionForm().validate_on_submit():
        abort(400)
    revision = db.session.scalar(
        db.select(WorkRevision).where(WorkRevision.work_id == work.id, WorkRevision.number == number)
    ) or abort(404)
    try:
        new = editing.restore_revision(current_user, work, revision)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("reviews.work_history", slug=work.slug), 303)
    db.session.commit()
    flash(f"Version {number} was restored as version {new.number}.", "success")
    return redirect(url_for("reviews.work_history", slug=work.slug), 303)


# --------------------------------------------------------------------------- admin: people


@bp.get("/admin/people/")
@require(editing.can_manage_works)
def admin_people() -> str:
    return render_template("reviews/admin/people.html", people=queries.people_index())


def _person_form_page(person: Person | None) -> Response | str | tuple[str, int]:
    form = PersonForm(obj=person) if request.method == "GET" else PersonForm()
    if request.method == "GET":
        form.sort_name.data = editing.typed_sort_name(person)
    if form.validate_on_submit():
        data = editing.PersonInput(
            name=form.name.data or "",
            original_name=form.original_name.data or "",
            note=form.note.data or "",
            slug=form.slug.data or "",
            sort_name=form.sort_name.data or "",
        )
        try:
            saved = editing.save_person(current_user, data, person)
        except DomainError as error:
            _form_error(form, error)
            return _person_form(form, person), error.status
        db.session.commit()
        flash(f"{saved.name} was saved.", "success")
        return redirect(url_for("reviews.admin_people"), 303)
    status = 400 if request.method == "POST" else 200
    return _person_form(form, person), status


def _person_form(form: PersonForm, person: Person | None) -> str:
    """The person form; "Sorted as", left empty, shows the sort name the saved name derives."""
    derived = derived_sort_name(person.name) if person else ""
    return render_template("reviews/admin/person_form.html", form=form, person=person, derived_sort_name=derived)


@bp.route("/admin/people/new", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_person_new() -> Response | str | tuple[str, int]:
    return _person_form_page(None)


@bp.route("/admin/people/<int:person_id>/", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_person(person_id: int) -> Response | str | tuple[str, int]:
    person = db.session.get(Person, person_id) or abort(404)
    return _person_form_page(person)


@bp.route("/admin/people/<int:person_id>/delete", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_person_delete(person_id: int) -> Response | str:
    person = db.session.get(Person, person_id) or abort(404)
    if request.method == "GET":
        return _confirm_delete(
            heading="Delete a person",
            name=person.name,
            goes="Their page and note go with them.",
            kept_because=editing.person_kept_because(person),
            action=url_for("reviews.admin_person_delete", person_id=person.id),
            back=url_for("reviews.admin_person", person_id=person.id),
        )
    return _delete(
        person.name,
        lambda: editing.delete_person(current_user, person),
        url_for("reviews.admin_person", person_id=person_id),
        url_for("reviews.admin_people"),
    )


# --------------------------------------------------------------------------- admin: a post's review


@bp.get("/admin/reviews/")
@require(editing.can_manage_works)
def admin_reviews() -> str:
    return render_template("reviews/admin/reviews.html", rows=queries.admin_reviews())


@bp.route("/admin/reviews/<int:post_id>/", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_review(post_id: int) -> Response | str | tuple[str, int]:
    post = db.session.get(Post, post_id) or abort(404)
    if not can_edit_post(current_user, post):
        abort(403)
    existing = queries.scores_for_posts([post.id]).get(post.id)
    form = ReviewForm()
    form.work_id.choices = work_select_choices("— choose a work —")
    scale = editing.score_scale()
    if request.method == "GET" and existing is not None:
        form.work_id.data = existing.work_id
        form.score.data = editing.format_score(existing.score)
        form.verdict.data = existing.verdict
    if request.method == "GET" and _int_arg("work") in {choice.value for choice in form.work_id.choices}:
        form.work_id.data = _int_arg("work")  # back from "Add a work": the work just added
    if request.method == "POST" and request.form.get("remove"):
        if not DecisionForm().validate_on_submit():
            abort(400)
        editing.remove_review(current_user, post)
        db.session.commit()
        flash(f"“{post.title}” no longer reviews a work.", "success")
        return redirect(url_for("reviews.admin_reviews"), 303)
    if form.validate_on_submit():
        work = db.session.get(Work, form.work_id.data)
        try:
            if work is None:
                raise DomainError("Choose the work this post reviews.", field="work_id")
            editing.set_review(
                current_user, post, work, score=form.score.parsed, verdict=form.verdict.data or "", scale=scale
            )
        except DomainError as error:
            _form_error(form, error)
            return render_template(
                "reviews/admin/review_form.html", form=form, post=post, existing=existing, scale=scale
            ), error.status
        db.session.commit()
        flash(f"“{post.title}” now reviews {work.title}.", "success")
        return redirect(url_for("reviews.admin_review", post_id=post.id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "reviews/admin/review_form.html", form=form, post=post, existing=existing, scale=scale
    ), status


@bp.route("/admin/reviews/<int:post_id>/remove", methods=["GET", "POST"])
@require(editing.can_manage_works)
def admin_review_remove(post_id: int) -> Response | str:
    """Make a post review nothing, asked first: its score and verdict go with it."""
    post = db.session.get(Post, post_id) or abort(404)
    if not can_edit_post(current_user, post):
        abort(403)
    existing = queries.scores_for_posts([post.id]).get(post.id)
    if existing is None:
        flash(f"“{post.title}” reviews no work.", "success")
        return redirect(url_for("reviews.admin_review", post_id=post.id), 303)
    if request.method == "GET":
        return _confirm_delete(
            heading="Stop reviewing a work",
            name=post.title,
            question=f"Make “{post.title}” review nothing?",
            goes=f"Its score and verdict for {existing.work_title} go; the post and the work stay.",
            kept_because="",
            action=url_for("reviews.admin_review_remove", post_id=post.id),
            back=url_for("reviews.admin_review", post_id=post.id),
            button="Remove the review details",
        )
    if not DecisionForm().validate_on_submit():
        abort(400)
    editing.remove_review(current_user, post)
    db.session.commit()
    flash(f"“{post.title}” no longer reviews a work.", "success")
    return redirect(url_for("reviews.admin_reviews"), 303)


# --------------------------------------------------------------------------- admin: the corrections queue


@bp.get("/admin/works/corrections/")
@require(can_moderate)
def admin_corrections() -> str:
    shown = request.args.get("status", "pending")
    status = CorrectionStatus(shown) if shown in {s.value for s in CorrectionStatus} else CorrectionStatus.PENDING
    corrections = queries.correction_queue(status)
    return render_template(
        "reviews/admin/corrections.html",
        corrections=corrections,
        status=status,
        outcomes={c.id: decisions.outcome(c) for c in corrections},
    )


def _ticked_fields() -> list[str] | None:
    """The changes staff ticked on the review screen, or None from a form without the boxes
    (approving then takes every change, as before fields could be picked)."""
    if not request.form.get("pick"):
        return None
    return [name[:40] for name in request.form.getlist("fields")[:50]]


@bp.route("/admin/works/corrections/<int:correction_id>/", methods=["GET", "POST"])
@require(can_moderate)
def admin_correction(correction_id: int) -> Response | str | tuple[str, int]:
    correction = db.session.get(Correction, correction_id) or abort(404)
    form = DecisionForm()
    ticked = _ticked_fields() if request.method == "POST" else None
    status = 200
    if form.validate_on_submit():
        action = request.form.get("action")
        try:
            if action == "approve":
                correcting.approve_correction(current_user, correction, form.note.data or "", fields=ticked)
            elif action == "reject":
                correcting.reject_correction(current_user, correction, form.note.data or "")
            else:
                raise DomainError("Choose approve or reject.")
        except DomainError as error:
            _form_error(form, error)
            status = error.status
            correction = db.session.get(Correction, correction_id) or abort(404)
        else:
            db.session.commit()
            flash(_decided_message(correction), "success")
            return redirect(url_for("reviews.admin_corrections"), 303)
    elif request.method == "POST":
        status = 400
    pending = correction.status == CorrectionStatus.PENDING
    if pending:
        changes = correcting.correction_diff(correction, editing.snapshot_of(correction.work))
    else:
        changes = correcting.proposal_diff(correction)
    proposed_credits = decisions.proposal(correction).get("credits") or []
    return render_template(
        "reviews/admin/correction.html",
        correction=correction,
        changes=changes,
        form=form,
        ticked=set(ticked if ticked is not None else [change.name for change in changes]),
        outcome=decisions.outcome(correction),
        taken=decisions.labels(decisions.taken_fields(correction)),
        not_taken=decisions.labels(decisions.not_taken_fields(correction)),
        stale=correction.base_version != correction.work.version,
        new_people=people_lookup.new_people(proposed_credits) if pending else [],
    ), status


def _decided_message(correction: Correction) -> str:
    """The flash after a decision: "Correction #4 was partly accepted: taken …; not taken …"."""
    outcome = decisions.outcome(correction)
    if outcome != decisions.PARTLY:
        return f"Correction #{correction.id} was {outcome}."
    return (
        f"Correction #{correction.id} was partly accepted: taken "
        f"{decisions.in_a_sentence(decisions.taken_fields(correction))}; not taken "
        f"{decisions.in_a_sentence(decisions.not_taken_fields(correction))}."
    )
