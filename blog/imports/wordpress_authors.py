"""The authors of a WordPress export as accounts here: found by email, then by login, else created."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from blog.auth.accounts import valid_email
from blog.errors import DomainError
from blog.extensions import db
from blog.imports.report import ImportRefused, ImportReport
from blog.imports.wxr import Author, Export
from blog.models.accounts import STAFF_ROLES, Role, User

#: Characters a WordPress login cannot hold: a ``dc:creator`` with some (``>themereviewteam``, seen in
#: WordPress's own test data) is matched to the file's author without them.
_LOGIN_JUNK = re.compile(r"[^\w .@-]")


class AuthorAccounts:
    """WordPress logins to accounts: matched by email, then by login (a staff account named as it);
    else a new author account without a password. A matched account is never changed."""

    def __init__(self, export: Export, report: ImportReport) -> None:
        self.known = {author.login: author for author in export.authors}
        self.report = report
        self.accounts: dict[str, User] = {}

    def account(self, login: str) -> User:
        """The account that writes the posts of WordPress's ``login`` (a ``dc:creator``)."""
        if not login and len(self.known) == 1:
            login = next(iter(self.known))  # the file's only author
        login = login or "unknown"
        if login in self.accounts:
            return self.accounts[login]
        author = self.known.get(login) or self.known.get(_LOGIN_JUNK.sub("", login).strip())
        author = author or Author(login=login, email="", display_name=login)
        if author.login in self.accounts:
            self.accounts[login] = self.accounts[author.login]
            return self.accounts[login]
        user = self._match(author)
        label = f"{author.name} <{author.email}>" if author.email else author.name
        if user is None:
            user = self._create(author)
            self.report.authors_created.append(f"{user.name} <{user.email}>" if user.email else user.name)
        else:
            if user.role not in STAFF_ROLES:
                raise ImportRefused(
                    f"The WordPress author {label} matches the account {user.email or user.name}, a reader's, which "
                    "cannot write posts. Make that account staff (Admin → Users) or change its email, then import "
                    "again. Nothing was imported."
                )
            self.report.authors_matched.append(f"{label} → {user.name} ({user.role.value})")
        self.accounts[login] = self.accounts[author.login] = user
        return user

    @staticmethod
    def _email(author: Author) -> str:
        if not author.email:
            return ""
        try:
            return valid_email(author.email)
        except DomainError:
            return ""

    def _match(self, author: Author) -> User | None:
        email = self._email(author)
        if email:
            found = db.session.scalar(select(User).where(User.email == email))
            if found is not None:
                return found
        if not author.login:
            return None
        # No logins here: a staff account named as the WordPress login, if exactly one is.
        candidates = db.session.scalars(
            select(User).where(func.lower(User.name) == author.login.lower(), User.role.in_(STAFF_ROLES)).limit(2)
        ).all()
        return candidates[0] if len(candidates) == 1 else None

    def _create(self, author: Author) -> User:
        email = self._email(author)
        if author.email and not email:
            self.report.notes.append(f"the author {author.name}'s email {author.email!r} is not an address: none kept")
        user = User(email=email or None, name=author.name[:120] or "WordPress author", role=Role.AUTHOR)
        db.session.add(user)
        db.session.flush()
        return user
