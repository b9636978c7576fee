"""``flask comments ...``: maintenance of the comments area (other comment commands join this group)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from blog.comments import moderation


@click.group("comments")
def comments_cli() -> None:
    """Comments: empty the trash, recount posts' comment totals."""


@comments_cli.command("purge-trash")
@with_appcontext
def purge_trash_command() -> None:
    """Delete comments that have been in the trash longer than COMMENTS_TRASH_DAYS."""
    removed = moderation.purge_trash()
    click.echo(f"Deleted {removed} comment{'s' if removed != 1 else ''} from the trash.")


@comments_cli.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Email each daily-digest subscriber the comments since their last digest (run daily from cron)."""
    from blog.comments.digest import send_digests

    sent = send_digests()
    click.echo(f"Queued {sent} digest{'s' if sent != 1 else ''}.")


@comments_cli.command("recount")
@with_appcontext
def recount_command() -> None:
    """Recompute every post's approved-comment count from the comments themselves."""
    from blog.extensions import db

    moderation.recount()
    db.session.commit()
    click.echo("Comment counts recomputed.")
