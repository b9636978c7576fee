"""What staff took from a reader's correction: all the fields it changes, some of them, or none.

Staff tick the changes they accept (``corrections.approve_correction(..., fields=...)``). The
names of the fields taken are kept in the correction's ``proposed`` JSON under ``APPLIED_KEY``,
beside the reader's own values, so no column (and no migration) is needed; every reader of
``proposed`` goes through ``proposal`` and never sees it. ``status`` stays ``approved`` when only
part is taken: the queue, the counts and their index are unchanged, and ``outcome`` says
"partly accepted" to people. A correction approved before fields could be picked has no list:
everything it changed was taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from blog.models.works import Correction, CorrectionStatus
from blog.reviews.editing import FIELDS, fields_changed

#: Key of ``Correction.proposed`` holding the fields staff took (a list of field names).
APPLIED_KEY = "_applied"

#: What a correction's outcome is called, for staff and for the reader.
PARTLY = "partly accepted"


def proposal(correction: Correction) -> dict[str, Any]:
    """The reader's proposed snapshot, without the bookkeeping staff's decision added to it."""
    return {name: value for name, value in (correction.proposed or {}).items() if not name.startswith("_")}


def proposed_fields(correction: Correction) -> list[str]:
    """The fields the reader changed from what they saw, in form order: all a correction may apply."""
    return fields_changed(correction.base or {}, proposal(correction))


def taken_fields(correction: Correction) -> list[str]:
    """The fields staff applied: none until approved, every proposed one for older approvals."""
    if correction.status != CorrectionStatus.APPROVED:
        return []
    proposed = proposed_fields(correction)
    applied = (correction.proposed or {}).get(APPLIED_KEY)
    if not isinstance(applied, list):
        return proposed
    return [name for name in proposed if name in applied]


def not_taken_fields(correction: Correction) -> list[str]:
    """The fields staff turned down: all of a rejected correction, the unticked ones of an approved one."""
    if correction.status == CorrectionStatus.PENDING:
        return []
    taken = set(taken_fields(correction))
    return [name for name in proposed_fields(correction) if name not in taken]


def partly_taken(correction: Correction) -> bool:
    return correction.status == CorrectionStatus.APPROVED and bool(not_taken_fields(correction))


def outcome(correction: Correction) -> str:
    """``pending``, ``approved``, ``partly accepted`` or ``rejected``: what became of it, in words."""
    return PARTLY if partly_taken(correction) else correction.status.value


def labels(names: Iterable[str]) -> list[str]:
    """Field names as the forms label them (``runtime_minutes`` → "Runtime (minutes)")."""
    return [FIELDS.get(name, name) for name in names]


def in_a_sentence(names: Iterable[str]) -> str:
    """Field names as a sentence reads them: "runtime (minutes), age rating"."""
    return ", ".join(labels(names)).lower()
