"""Reader accounts from sign-in providers and email links: find, create, link, unlink, export, delete.

The rules, each with a test:
- An identity is found by (provider, provider's user id), never by email.
- A new identity joins an existing account by email only when the provider vouches that the
  address is verified, and never a staff account (staff link providers from their profile).
- No account is left without a way in: an identity can be unlinked only while another identity,
  a confirmed email address (email sign-in links) or a password remains.
- Deleting an account keeps its comments as "Deleted user" unless the reader asks to remove them,
  and ends every email the site sends to the person: comment subscriptions and "Email me new
  posts" for each of their addresses are deleted in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from blog.auth.providers import PROVIDERS, Profile
from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.base import utcnow
from blog.models.comments import Comment
from blog.models.discussion import Follower, Subscription
from blog.models.identities import EmailLoginToken, Identity
from blog.models.mail import MailStatus, OutgoingMail
from blog.models.works import Correction, ReaderRating, Work

DELETED_NAME = "Deleted user"


@dataclass
class SignIn:
    user: User
    identity: Identity
    created: bool = False  # a new account was made
    linked: bool = False  # the identity is new on an existing account


def provider_title(key: str, config: Any = None) -> str:
    provider = PROVIDERS.get(key)
    if provider is None:
        return key.capitalize()
    return provider.title(config or {})


def find_identity(provider: str, provider_user_id: str) -> Identity | None:
    return db.session.scalar(
        select(Identity).where(Identity.provider == provider, Identity.provider_user_id == provider_user_id)
    )


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _refresh(identity: Identity, profile: Profile) -> None:
    identity.email = profile.email
    identity.email_verified = profile.email_verified
    identity.display_name = profile.display_name
    identity.username = profile.username[:120]
    identity.avatar_url = profile.avatar_url
    identity.last_login_at = utcnow()


def _ensure_active(user: User) -> None:
    if not user.active:
        raise DomainError(
            "This account is disabled. Contact the site's owner if you think this is a mistake.", status=403
        )


def sign_in_with(profile: Profile, *, link_to: User | None = None, label: str = "") -> SignIn:
    """The account ``profile`` signs into, creating or linking as the rules allow. Not committed.

    ``link_to``: the signed-in user asked to add this identity to their account.
    """
    label = label or profile.provider.capitalize()
    identity = find_identity(profile.provider, profile.provider_user_id)

    if link_to is not None:
        if identity is not None and identity.user_id != link_to.id:
            raise DomainError(
                f"That {label} account is already linked to another account on this site. "
                "Sign in with it and delete that account first, or choose another one.",
                status=409,
            )
        linked = identity is None
        if identity is None:
            identity = Identity(provider=profile.provider, provider_user_id=profile.provider_user_id, user=link_to)
            db.session.add(identity)
        _refresh(identity, profile)
        _adopt_profile(link_to, profile)
        return SignIn(user=link_to, identity=identity, linked=linked)

    if identity is not None:
        _ensure_active(identity.user)
        _refresh(identity, profile)
        _adopt_profile(identity.user, profile)
        identity.user.last_login_at = utcnow()
        return SignIn(user=identity.user, identity=identity)

    email = profile.email
    if email and profile.email_verified:
        existing = user_by_email(email)
        if existing is not None:
            if existing.is_staff:
                raise DomainError(
                    f"A staff account uses this email address. Sign in with your password, then link "
                    f"{label} from your profile page.",
                    status=409,
                )
            _ensure_active(existing)
            identity = Identity(provider=profile.provider, provider_user_id=profile.provider_user_id, user=existing)
            db.session.add(identity)
            _refresh(identity, profile)
            existing.email_verified = True
            _adopt_profile(existing, profile)
            existing.last_login_at = utcnow()
            return SignIn(user=existing, identity=identity, linked=True)

    # A new reader. An unverified email is kept on the identity only: we don't know it is theirs.
    own_email = email if (email and profile.email_verified and user_by_email(email) is None) else None
    user = User(
        name=profile.display_name,
        email=own_email,
        email_verified=own_email is not None,
        role=Role.READER,
        avatar_url=profile.avatar_url,
        last_login_at=utcnow(),
    )
    identity = Identity(provider=profile.provider, provider_user_id=profile.provider_user_id, user=user)
    db.session.add_all([user, identity])
    _refresh(identity, profile)
    db.session.flush()
    return SignIn(user=user, identity=identity, created=True)


def _adopt_profile(user: User, profile: Profile) -> None:
    """The avatar follows the provider last used; a name the reader chose is never overwritten; an
    account without an email takes one the provider vouches for (if no other account has it)."""
    if profile.avatar_url:
        user.avatar_url = profile.avatar_url
    if not user.name:
        user.name = profile.display_name
    if not user.email and profile.email and profile.email_verified:
        owner = user_by_email(profile.email)
        if owner is None:
            user.email, user.email_verified = profile.email, True


#: A new email-link account's name when the address never commented: never the address's local
#: part ("john.smith"), which is half of the email and would show beside every comment.
NEW_READER_NAME = "Reader"


def public_name_for(email: str) -> str:
    """The name a new email-link account shows: the one its address last commented under as a
    guest (the reader chose it to be public), else ``NEW_READER_NAME`` until they choose one."""
    chosen = db.session.scalar(
        select(Comment.author_name)
        # Stored lower-cased (``posting.clean_author``): compared as is, the email index answers.
        .where(Comment.author_email == email.lower(), Comment.author_name != "")
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(1)
    )
    return (chosen or NEW_READER_NAME)[:120]


def sign_in_with_email(email: str) -> tuple[User, bool]:
    """The account a confirmed email sign-in link opens, made if needed. Not committed.

    The link proved the reader reads this mailbox, so the address becomes verified.
    """
    email = email.strip().lower()
    user = user_by_email(email)
    if user is not None:
        if user.is_staff:
            # Staff sign in with their password (and may link a provider); a mailbox alone is not enough.
            raise DomainError(
                "Staff accounts sign in with their password on the staff sign-in page. No password yet? "
                "Choose one with “Forgot your password?” there.",
                status=403,
            )
        _ensure_active(user)
        user.email_verified = True
        user.last_login_at = utcnow()
        return user, False
    user = User(
        name=public_name_for(email),
        email=email,
        email_verified=True,
        role=Role.READER,
        last_login_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user, True


# ----------------------------------------------------------------------------- the profile page


def identities_of(user: User) -> list[Identity]:
    return list(db.session.scalars(select(Identity).where(Identity.user_id == user.id).order_by(Identity.created_at)))


def ways_in(user: User, identities: list[Identity] | None = None) -> list[str]:
    """Every way this person can sign in: each linked provider, an email link, a password."""
    ways = [
        f"{i.provider}:{i.provider_user_id}" for i in (identities if identities is not None else identities_of(user))
    ]
    if user.email and user.email_verified and not user.is_staff:
        ways.append("email")
    if user.password_hash:
        ways.append("password")
    return ways


def unlink(user: User, identity_id: int, *, label: str = "") -> Identity:
    """Remove one linked provider, unless it is the last way into the account. Not committed."""
    identities = identities_of(user)
    identity = next((i for i in identities if i.id == identity_id), None)
    if identity is None:
        raise DomainError("That sign-in method is not linked to your account.", status=404)
    if len(ways_in(user, identities)) <= 1:
        raise DomainError(
            f"{label or identity.provider.capitalize()} is your only way to sign in. Link another provider or "
            "add a confirmed email address first, so you can still get into your account.",
            status=409,
        )
    db.session.delete(identity)
    return identity


def update_name(user: User, name: str) -> None:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Your name cannot be empty.", field="name")
    if len(name) > 120:
        raise DomainError("Your name can be at most 120 characters.", field="name")
    user.name = name


def export_data(user: User) -> dict[str, Any]:
    """Everything the site holds about ``user``, as plain JSON-ready data: profile, linked
    accounts, comments, scores, proposed corrections, subscriptions."""
    from blog.models.posts import Post

    rows = db.session.execute(
        select(Comment, Post.slug, Post.title)
        .join(Post, Post.id == Comment.post_id)
        .where(Comment.user_id == user.id)
        .order_by(Comment.created_at)
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "email_verified": user.email_verified,
            "avatar_url": user.avatar_url,
            "website": user.website,
            "role": user.role.value,
            "created_at": user.created_at.isoformat() if user.created_at else None,
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        },
        "linked_accounts": [
            {
                "provider": i.provider,
                "provider_user_id": i.provider_user_id,
                "name": i.display_name,
                "username": i.username,
                "email": i.email,
                "email_verified": i.email_verified,
                "avatar_url": i.avatar_url,
                "linked_at": i.created_at.isoformat(),
                "last_login_at": i.last_login_at.isoformat() if i.last_login_at else None,
            }
            for i in identities_of(user)
        ],
        "comments": [
            {
                "id": c.id,
                "post": {"slug": slug, "title": title},
                "parent_id": c.parent_id,
                "status": c.status.value,
                "deleted": c.deleted,
                "created_at": c.created_at.isoformat(),
                "edited_at": c.edited_at.isoformat() if c.edited_at else None,
                "author_name": c.author_name,
                "author_email": c.author_email,
                "author_url": c.author_url,
                "ip": c.author_ip,
                "user_agent": c.user_agent,
                "text": c.body_source,
            }
            for c, slug, title in rows
        ],
        "ratings": _ratings_of(user),
        "corrections": _corrections_of(user),
        "subscriptions": _subscriptions_of(user),
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def _ratings_of(user: User) -> list[dict[str, Any]]:
    """The reader's scores for works: their account's, and any given as a guest with its address."""
    owner = ReaderRating.user_id == user.id
    if user.email:
        owner = or_(owner, ReaderRating.email == user.email.strip().lower())
    rows = db.session.execute(
        select(ReaderRating, Work.slug, Work.title)
        .join(Work, Work.id == ReaderRating.work_id)
        .where(owner)
        .order_by(ReaderRating.created_at, ReaderRating.id)
    ).all()
    return [
        {
            "work": {"slug": slug, "title": title},
            "score": r.score,
            "scale": r.scale,
            "email": r.email,
            "post_id": r.post_id,
            "comment_id": r.comment_id,
            "created_at": _iso(r.created_at),
            "updated_at": _iso(r.updated_at),
        }
        for r, slug, title in rows
    ]


def _corrections_of(user: User) -> list[dict[str, Any]]:
    """The corrections the reader proposed to works: what they typed, why, and what became of it."""
    rows = db.session.execute(
        select(Correction, Work.slug, Work.title)
        .join(Work, Work.id == Correction.work_id)
        .where(Correction.proposer_id == user.id)
        .order_by(Correction.created_at, Correction.id)
    ).all()
    return [
        {
            "id": c.id,
            "work": {"slug": slug, "title": title},
            "status": c.status.value,
            "reason": c.reason,
            "proposed": c.proposed,
            "review_note": c.review_note,
            "created_at": _iso(c.created_at),
            "decided_at": _iso(c.decided_at),
        }
        for c, slug, title in rows
    ]


def _subscriptions_of(user: User) -> list[dict[str, Any]]:
    """Subscriptions kept by the discussion area, when it exists: any table with ``user_id`` or
    ``email`` in a model whose name says subscription/follower. Read generically on purpose."""
    found: list[dict[str, Any]] = []
    addresses = sorted(addresses_of(user))  # the ones deleting the account ends
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        name = cls.__name__.lower()
        if not any(word in name for word in ("subscription", "follower")):
            continue
        columns = mapper.columns
        conditions = []
        if "user_id" in columns:
            conditions.append(columns["user_id"] == user.id)
        if "email" in columns and addresses:
            conditions.append(func.lower(columns["email"]).in_(addresses))
        if not conditions:
            continue
        for row in db.session.scalars(select(cls).where(or_(*conditions))):
            item: dict[str, Any] = {"kind": cls.__name__}
            for column in columns:
                if column.key in {"token", "secret", "token_hash", "secret_hash"}:
                    continue
                value = getattr(row, column.key, None)
                item[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
                if hasattr(value, "value"):
                    item[column.key] = value.value
            found.append(item)
    return found


def delete_account(user: User, *, remove_comments: bool = False) -> None:
    """Delete a reader's account. Their comments stay as "Deleted user" (without email, IP or
    link) unless ``remove_comments``; removed comments that have replies keep their place in the
    thread as "This comment was deleted". Staff accounts are removed by an administrator. Not committed.
    """
    if user.is_staff:
        raise DomainError(
            "Staff accounts are removed by an administrator from the users page, so their posts can be "
            "handed over first.",
            status=403,
        )
    addresses = addresses_of(user)  # before the comments lose theirs
    affected_posts = set(db.session.scalars(select(Comment.post_id).where(Comment.user_id == user.id).distinct()))
    anonymous = {
        Comment.author_name: DELETED_NAME,
        Comment.author_email: "",
        Comment.author_url: "",
        Comment.author_ip: "",
        Comment.user_agent: "",
        Comment.avatar_hash: "",
    }
    mine = Comment.user_id == user.id
    if remove_comments:
        has_replies = select(Comment.parent_id).where(Comment.parent_id.is_not(None)).scalar_subquery()
        db.session.execute(
            update(Comment)
            .where(mine, Comment.id.in_(has_replies))
            .values({**anonymous, Comment.body_source: "", Comment.body_html: "", Comment.deleted: True})
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            delete(Comment).where(mine, Comment.id.not_in(has_replies)).execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(Comment)
        .where(mine)
        .values({**anonymous, Comment.user_id: None})
        .execution_options(synchronize_session=False)
    )
    if affected_posts and remove_comments:
        from blog.comments.moderation import recount

        recount(affected_posts)
    if addresses:
        # Subscriptions and followers are keyed by address only (no account id): every address
        # that is this person's ends them, confirmed or not.
        for model in (Subscription, Follower, EmailLoginToken):
            db.session.execute(
                delete(model)
                .where(func.lower(model.email).in_(sorted(addresses)))
                .execution_options(synchronize_session=False)
            )
        # Mail to them still waiting in the outbox (a reply notice, a digest) is not sent, and the
        # outbox keeps no record of mail it sent them. A message a worker holds right now goes.
        to_them = func.lower(OutgoingMail.to_address).in_(sorted(addresses))
        db.session.execute(
            delete(OutgoingMail)
            .where(to_them, OutgoingMail.status != MailStatus.SENDING)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(delete(Identity).where(Identity.user_id == user.id))
    db.session.delete(user)
    db.session.flush()


def addresses_of(user: User) -> set[str]:
    """Every email address that is this person's, lower-cased: the account's, those a linked
    provider vouches for, and those their own comments were sent with; never one that another
    account holds (an unverified claim must not end someone else's emails)."""
    found = {user.email.strip().lower()} if user.email else set()
    found.update(
        email.strip().lower()
        for email in db.session.scalars(
            select(Identity.email).where(
                Identity.user_id == user.id, Identity.email_verified.is_(True), Identity.email.is_not(None)
            )
        )
        if email
    )
    found.update(
        email.strip().lower()
        for email in db.session.scalars(
            select(Comment.author_email).where(Comment.user_id == user.id, Comment.author_email != "").distinct()
        )
    )
    found.discard("")
    if not found:
        return found
    taken = db.session.scalars(
        select(func.lower(User.email)).where(User.id != user.id, func.lower(User.email).in_(sorted(found)))
    )
    return found - set(taken)
