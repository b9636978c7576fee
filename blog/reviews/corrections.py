"""Readers propose corrections to a work; staff see them as a diff and approve or reject them.

Only the fields the reader changed (compared with what they saw, ``Correction.base``) are applied
on approval, so an edit that landed in between is not silently undone; staff may take only some
of them, field by field (``decisions`` keeps which). Every approval becomes a ``WorkRevision``
crediting the reader, which is what "Top Editors" counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from blog.auth.permissions import can_moderate
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import User
from blog.models.base import utcnow
from blog.models.works import Correction, CorrectionStatus, Work, WorkKind
from blog.rendering import clean_text
from blog.reviews import decisions, notify
from blog.reviews.credits import credit_text
from blog.reviews.editing import (
    FIELDS,
    WorkInput,
    apply_snapshot,
    field_value,
    fields_changed,
    input_to_snapshot,
    record_revision,
    snapshot_of,
)
from blog.reviews.people import add_new_people


@dataclass(frozen=True)
class FieldChange:
    """One field of a diff: its label, and the old and new values as lines of text."""

    name: str
    label: str
    old: list[str]
    new: list[str]

    @property
    def removed(self) -> list[str]:
        return [line for line in self.old if line not in self.new]

    @property
    def added(self) -> list[str]:
        return [line for line in self.new if line not in self.old]


def _lines(name: str, value: Any) -> list[str]:
    """A field's value as the lines a person reads in a diff."""
    if value in (None, "", []):
        return []
    if name == "kind":
        return [WorkKind(value).label]
    if name == "release_dates":
        return [f"{r['date']} {r['region']}".strip() for r in value]
    if name == "links":
        return [f"{x['label']} | {x['url']}" for x in value]
    if name == "credits":
        return [credit_text(c) for c in value]
    if name in {"aliases", "genres", "themes"}:
        return [str(v) for v in value]
    if name == "synopsis":
        return [p for p in str(value).split("\n") if p.strip()]
    return [str(value)]


def diff_snapshots(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Field by field, what differs between two snapshots (old → new), in form order."""
    return [
        FieldChange(
            name, FIELDS.get(name, name), _lines(name, field_value(old, name)), _lines(name, field_value(new, name))
        )
        for name in fields_changed(old, new)
    ]


def changed_fields(correction: Correction) -> list[str]:
    """The fields the reader changed from what they saw: the only ones approval applies."""
    return decisions.proposed_fields(correction)


def correction_diff(correction: Correction, current: dict[str, Any]) -> list[FieldChange]:
    """What approving would change now: the work's current value → the proposed one, per field."""
    proposed = decisions.proposal(correction)
    return [
        FieldChange(
            name,
            FIELDS.get(name, name),
            _lines(name, field_value(current, name)),
            _lines(name, field_value(proposed, name)),
        )
        for name in changed_fields(correction)
    ]


def proposal_diff(correction: Correction) -> list[FieldChange]:
    """What the reader asked for: the work as they saw it → their proposal, per field they changed
    (a decided correction's page shows this; "now" is, by then, partly their own change)."""
    proposed = decisions.proposal(correction)
    return [
        FieldChange(
            name,
            FIELDS.get(name, name),
            _lines(name, field_value(correction.base, name)),
            _lines(name, field_value(proposed, name)),
        )
        for name in changed_fields(correction)
    ]


def propose_correction(user: User, work: Work, data: WorkInput, reason: str = "") -> Correction:
    """A signed-in reader's proposed change; it waits for staff. Raises DomainError when it cannot."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise DomainError("Sign in to propose a correction.", status=403)
    limit = int(current_app.config["WORK_CORRECTIONS_MAX_PENDING"])
    pending = db.session.scalar(
        select(func.count())
        .select_from(Correction)
        .where(Correction.proposer_id == user.id, Correction.status == CorrectionStatus.PENDING)
    )
    if pending >= limit:
        raise DomainError(
            f"You have {pending} corrections waiting for approval; please wait until staff have looked at them.",
            status=429,
        )
    proposed = input_to_snapshot(data)
    base = snapshot_of(work)
    if not fields_changed(base, proposed):
        raise DomainError("Nothing was changed; edit the fields you want to correct, then submit.")
    correction = Correction(
        work_id=work.id,
        proposer_id=user.id,
        base_version=work.version,
        base=base,
        proposed=proposed,
        reason=" ".join(clean_text(reason).split())[:1000],
    )
    db.session.add(correction)
    db.session.flush()
    notify.correction_proposed(correction)
    return correction


def _decide(moderator: User, correction: Correction) -> None:
    if not can_moderate(moderator):
        raise DomainError("Only editors and admins approve or reject corrections.", status=403)
    if correction.status != CorrectionStatus.PENDING:
        raise DomainError(f"This correction was already {correction.status.value}.", status=409)


def _chosen(correction: Correction, fields: Iterable[str] | None) -> list[str]:
    """The fields to apply, in form order: all the reader changed, or the ones staff ticked."""
    proposed = changed_fields(correction)
    if fields is None:
        return proposed
    wanted = set(fields)
    if wanted - set(proposed):
        raise DomainError("Only the fields this correction changes can be approved; reload the page.")
    chosen = [name for name in proposed if name in wanted]
    if not chosen:
        raise DomainError("Tick at least one change to approve, or reject the whole correction.", field="fields")
    return chosen


def approve_correction(
    moderator: User, correction: Correction, note: str = "", fields: Iterable[str] | None = None
) -> Correction:
    """Apply the fields the reader changed (or only ``fields`` of them, the changes staff ticked)
    and keep the result as a new revision credited to the reader.

    A field left out keeps the work's current value, and its credits stay as they are, so the
    new people those credits name are added only when the credits are taken."""
    _decide(moderator, correction)
    chosen = _chosen(correction, fields)
    declined = [name for name in changed_fields(correction) if name not in chosen]
    proposed = decisions.proposal(correction)
    work = correction.work
    current = snapshot_of(work)
    merged = dict(current)
    for name in chosen:
        merged[name] = field_value(proposed, name)
    merged, _added = add_new_people(merged)  # the new people the reader named join the people list now
    if not fields_changed(current, merged):
        what = "this" if not declined else "what you ticked"
        raise DomainError(f"The work already says {what}; reject the correction as a duplicate instead.", status=409)
    apply_snapshot(work, merged)
    db.session.flush()
    correction.status = CorrectionStatus.APPROVED
    correction.proposed = {**correction.proposed, decisions.APPLIED_KEY: chosen}
    correction.reviewer_id = moderator.id
    correction.review_note = " ".join(clean_text(note).split())[:1000]
    correction.decided_at = utcnow()
    summary = f"Correction #{correction.id}: {decisions.in_a_sentence(chosen)}"
    if declined:
        summary += f" (not taken: {decisions.in_a_sentence(declined)})"
    record_revision(
        work,
        merged,
        author=correction.proposer,
        approved_by=moderator,
        summary=summary,
        correction_id=correction.id,
    )
    db.session.flush()
    notify.correction_decided(correction)
    return correction


def reject_correction(moderator: User, correction: Correction, note: str = "") -> Correction:
    """Turn the correction down (the work stays as it is); the reader hears why from ``note``."""
    _decide(moderator, correction)
    correction.status = CorrectionStatus.REJECTED
    correction.reviewer_id = moderator.id
    correction.review_note = " ".join(clean_text(note).split())[:1000]
    correction.decided_at = utcnow()
    db.session.flush()
    notify.correction_decided(correction)
    return correction


#: What a reader reads for each outcome of their correction (``decisions.outcome``).
STATUS_TEXT: dict[str, str] = {
    CorrectionStatus.PENDING.value: "Waiting for staff",
    CorrectionStatus.APPROVED.value: "Approved",
    decisions.PARTLY: "Partly accepted",
    CorrectionStatus.REJECTED.value: "Rejected",
}


@dataclass(frozen=True)
class YourCorrection:
    """One of a reader's corrections as their own page lists it: what, where, and what staff said."""

    id: int
    work_title: str
    work_slug: str
    fields: list[str]
    status: CorrectionStatus
    created_at: datetime
    decided_at: datetime | None
    note: str
    #: Labels of the changes staff took, and of those they did not, once part was taken.
    taken: list[str] = field(default_factory=list)
    not_taken: list[str] = field(default_factory=list)

    @property
    def partly(self) -> bool:
        return self.status == CorrectionStatus.APPROVED and bool(self.not_taken)

    @property
    def outcome(self) -> str:
        """``pending``, ``approved``, ``partly accepted`` or ``rejected`` (a CSS class, a word)."""
        return decisions.PARTLY if self.partly else self.status.value

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.outcome]


def corrections_of(user_id: int, limit: int = 50) -> list[YourCorrection]:
    """A reader's own corrections, newest first, with their status and the staff's note to them.

    One query; readers have no other place to learn what became of a correction (``review_note``
    is written for them). For ``templates/reviews/_your_corrections.html``."""
    rows = db.session.scalars(
        select(Correction)
        .where(Correction.proposer_id == user_id)
        .options(joinedload(Correction.work).load_only(Work.title, Work.slug))
        .order_by(Correction.created_at.desc(), Correction.id.desc())
        .limit(limit)
    )
    return [
        YourCorrection(
            id=c.id,
            work_title=c.work.title,
            work_slug=c.work.slug,
            fields=decisions.labels(changed_fields(c)),
            status=c.status,
            created_at=c.created_at,
            decided_at=c.decided_at,
            note=c.review_note,
            taken=decisions.labels(decisions.taken_fields(c)) if decisions.partly_taken(c) else [],
            not_taken=decisions.labels(decisions.not_taken_fields(c)) if decisions.partly_taken(c) else [],
        )
        for c in rows
    ]
