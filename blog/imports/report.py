"""What an import did, and what it left out and why: the report the command prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import click

UNTITLED = "(no title)"
#: Anything else WordPress exports as an item, named for the report.
_OTHER_TYPES = {
    "nav_menu_item": "menu items (Sargasso builds its own navigation)",
    "revision": "revisions",
    "wp_block": "reusable blocks",
    "wp_template": "block theme templates",
    "wp_template_part": "block theme template parts",
    "wp_global_styles": "theme styles",
    "wp_navigation": "navigation menus",
    "custom_css": "custom CSS",
    "customize_changeset": "customizer drafts",
    "oembed_cache": "oEmbed caches",
    "user_request": "privacy requests",
}


class ImportRefused(click.ClickException):
    """The import cannot go ahead; the message says why and what to do. Nothing was written."""


@dataclass
class PagesReport:
    """The pages' part of ``ImportReport``."""

    imported: Counter[str] = field(default_factory=Counter)  # by the status they got
    already: int = 0
    skipped: list[str] = field(default_factory=list)  # "“Title”: why"
    as_drafts: list[str] = field(default_factory=list)  # "“Title” (private)"
    moved: list[str] = field(default_factory=list)  # "“Title”: /old/ ... /new/"
    flattened: list[str] = field(default_factory=list)  # titles of child pages

    @property
    def total(self) -> int:
        return sum(self.imported.values())

    def summary(self) -> str:
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(self.imported.items())) or "none"
        return f"Pages: {self.total} ({statuses}); {self.already} already imported; {len(self.skipped)} skipped."

    def details(self) -> list[str]:
        lines = [f"page {entry}" for entry in self.skipped]
        if self.as_drafts:
            lines.append(f"pages imported as drafts: {_names(self.as_drafts)}")
        if self.flattened:
            lines.append(
                f"{count(len(self.flattened), 'page')} under another page on WordPress "
                f"{'is' if len(self.flattened) == 1 else 'are'} at the site's top level, at "
                f"{'its' if len(self.flattened) == 1 else 'their'} own address (pages have no parents here): "
                f"{_names([f'“{t}”' for t in self.flattened])}"
            )
        lines.extend(f"page {entry}" for entry in self.moved)
        if self.total:
            lines.append("imported pages are not in the site menu: choose which ones are in Admin → Pages")
        return lines


@dataclass
class ImportReport:
    """What an import did, and what it left out and why, for the operator."""

    source: str
    version: str
    dry_run: bool = False
    posts: Counter[str] = field(default_factory=Counter)  # by the status they got: published, scheduled...
    posts_already: int = 0
    comments: Counter[str] = field(default_factory=Counter)  # by status
    comments_already: int = 0
    comments_skipped: Counter[str] = field(default_factory=Counter)  # by reason
    categories_created: list[str] = field(default_factory=list)
    tags_created: list[str] = field(default_factory=list)
    authors_created: list[str] = field(default_factory=list)
    authors_matched: list[str] = field(default_factory=list)
    pages: PagesReport = field(default_factory=PagesReport)
    attachments: list[str] = field(default_factory=list)
    other_items: Counter[str] = field(default_factory=Counter)
    posts_skipped: list[str] = field(default_factory=list)  # "“Title”: why"
    password_protected: list[str] = field(default_factory=list)
    private: list[str] = field(default_factory=list)
    sticky: list[str] = field(default_factory=list)
    pending_review: list[str] = field(default_factory=list)  # published on WordPress, by a contributor here
    untitled: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def posts_imported(self) -> int:
        return sum(self.posts.values())

    @property
    def comments_imported(self) -> int:
        return sum(self.comments.values())

    def lines(self) -> list[str]:
        """The report as the command prints it."""
        out = [f"{'Dry run: would import' if self.dry_run else 'Imported'} from {self.source} (WXR {self.version}):"]
        statuses = ", ".join(f"{n} {status}" for status, n in sorted(self.posts.items())) or "none"
        out.append(
            f"  Posts: {self.posts_imported} ({statuses}); {self.posts_already} already imported; "
            f"{len(self.posts_skipped)} skipped."
        )
        by_status = ", ".join(f"{n} {status}" for status, n in sorted(self.comments.items())) or "none"
        skipped = sum(self.comments_skipped.values())
        out.append(
            f"  Comments: {self.comments_imported} ({by_status}); {self.comments_already} already imported; "
            f"{skipped} skipped."
        )
        out.append(f"  {self.pages.summary()}")
        out.append(f"  Categories: {len(self.categories_created)} created. Tags: {len(self.tags_created)} created.")
        out.append(
            f"  Authors: {len(self.authors_created)} accounts created, {len(self.authors_matched)} matched to "
            "existing accounts."
        )
        for name in self.authors_created:
            out.append(f"    + {name} (role author, no password)")
        for name in self.authors_matched:
            out.append(f"    = {name}")
        if self.authors_created:
            out.append("    New accounts have no password: give each one with `flask reset-password EMAIL --generate`.")
        details = self._details()
        if details:
            out.append("  Left out or changed:")
            out.extend(f"    - {line}" for line in details)
        return out

    def _details(self) -> list[str]:
        lines = []
        if self.attachments:
            lines.append(
                f"{count(len(self.attachments), 'attachment')} not copied (nothing is downloaded): posts keep "
                f"showing images from their WordPress addresses ({_list(self.attachments, 3)})"
            )
        for kind, n in sorted(self.other_items.items()):
            lines.append(f"{n} {_OTHER_TYPES.get(kind, kind + ' items')}: not imported")
        lines.extend(f"post {entry}" for entry in self.posts_skipped)
        if self.password_protected:
            lines.append(
                f"password-protected posts, imported as drafts (Sargasso has no post passwords): "
                f"{_list(self.password_protected)}"
            )
        if self.private:
            lines.append(f"private posts, imported as drafts: {_list(self.private)}")
        if self.pending_review:
            lines.append(
                f"published posts by a contributor's account, imported as waiting for review: "
                f"{_list(self.pending_review)}"
            )
        if self.sticky:
            lines.append(
                f"sticky posts, imported as ordinary posts (Sargasso has no sticky posts): {_list(self.sticky)}"
            )
        if self.untitled:
            lines.append(f"posts without a title, titled “{UNTITLED}”: {self.untitled}")
        lines.extend(self.pages.details())
        for reason, n in sorted(self.comments_skipped.items()):
            lines.append(f"{count(n, 'comment')} skipped: {reason}")
        lines.extend(self.notes)
        return lines


def count(n: int, one: str, many: str = "") -> str:
    """``1 page``, ``2 pages``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _names(names: list[str], limit: int = 5) -> str:
    """Names already quoted as they should show: the first few, then how many more."""
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _list(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"“{name}”" for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
