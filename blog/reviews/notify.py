"""Emails about reader corrections, queued in the outbox with the change that causes them.

* editors and admins (who may decide) hear of each new correction, with a link to its review page;
* the reader who proposed it hears when it is approved (whole or in part: which changes were taken
  and which were not) or rejected, with the staff's note to them.

They reuse the comments area's pieces (``moderator_emails``, ``site_url_for``) and the outbox's
``mail_row``/``queue_mails``: written in the caller's transaction, so a correction that is rolled
back sends nothing, and sent by the mail worker after the commit.
"""

from __future__ import annotations

from flask import current_app

from blog.comments.notify import moderator_emails, site_url_for
from blog.mail.outbox import mail_row, queue_mails
from blog.models.accounts import User
from blog.models.works import Correction, CorrectionStatus
from blog.reviews import decisions

#: The profile page where readers see their corrections (``blog.auth.profile``), when the site has it.
PROFILE_ENDPOINT = "social.profile"


def _site() -> str:
    return str(current_app.config["SITE_NAME"])


def field_labels(correction: Correction) -> str:
    """The fields a correction changes, as a sentence reads them: "runtime (minutes), age rating"."""
    return decisions.in_a_sentence(decisions.proposed_fields(correction))


def _reachable(user: User | None) -> str:
    """The address to tell a reader at, or "": a reader's address only once confirmed (staff
    addresses are set by an admin), so a correction never mails an address nobody proved is theirs."""
    if user is None or not user.is_active or not user.email:
        return ""
    return user.email if (user.email_verified or user.is_staff) else ""


def correction_proposed(correction: Correction) -> None:
    """Tell editors and admins a correction waits, with the link to approve or reject it.

    The proposer is left out when they are staff themselves: they know."""
    proposer = correction.proposer
    own = (proposer.email or "").lower() if proposer is not None else ""
    emails = [email for email in moderator_emails() if email.lower() != own]
    if not emails:
        return
    work = correction.work
    who = proposer.name if proposer is not None else "A reader"
    reason = f"\nTheir reason: \u201c{correction.reason}\u201d\n" if correction.reason else ""
    subject = f"[{_site()}] Please review a correction to \u201c{work.title}\u201d"
    text = (
        f"{who} proposed correction #{correction.id} to \u201c{work.title}\u201d ({field_labels(correction)}).\n"
        f"{reason}\n"
        f"Approve or reject it: {site_url_for('reviews.admin_correction', correction_id=correction.id)}\n"
        f"Every correction waiting: {site_url_for('reviews.admin_corrections')}\n"
    )
    queue_mails([mail_row(email, subject, text) for email in emails])


def correction_decided(correction: Correction) -> None:
    """Tell the proposer what became of their correction, with the staff's "Note to the reader".

    Nothing when staff decided their own correction, or when the reader has no confirmed address."""
    proposer = correction.proposer
    email = _reachable(proposer)
    if proposer is None or not email or correction.reviewer_id == proposer.id:
        return
    work = correction.work
    verdict = decisions.outcome(correction)
    if verdict == decisions.PARTLY:
        outcome = (
            f"Taken: {decisions.in_a_sentence(decisions.taken_fields(correction))}. "
            f"Not taken: {decisions.in_a_sentence(decisions.not_taken_fields(correction))}.\n"
            "Thank you: the work's page now shows the changes taken, and you are credited in its history."
        )
    elif correction.status == CorrectionStatus.APPROVED:
        outcome = "Thank you: the work's page now shows your changes, and you are credited in its history."
    else:
        outcome = "The work stays as it was."
    note = f"\nNote from the staff: \u201c{correction.review_note}\u201d\n" if correction.review_note else ""
    mine = (
        f"All your corrections: {site_url_for(PROFILE_ENDPOINT)}\n"
        if PROFILE_ENDPOINT in current_app.view_functions
        else ""
    )
    text = (
        f"Hello {proposer.name},\n\n"
        f"Your correction #{correction.id} to \u201c{work.title}\u201d ({field_labels(correction)}) was {verdict}. "
        f"{outcome}\n{note}\n"
        f"See the work: {site_url_for('reviews.work_detail', slug=work.slug)}\n{mine}"
    )
    subject = f"[{_site()}] Your correction to \u201c{work.title}\u201d was {verdict}"
    queue_mails([mail_row(email, subject, text)])
