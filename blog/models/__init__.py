"""What the data is: one module per aggregate. Importing this package registers every table."""

from blog.models.accounts import LoginFailure, Role, User
from blog.models.comments import Comment, CommentStatus, ModerationAction
from blog.models.drafts import CommentDraft
from blog.models.identities import EmailLoginToken, Identity
from blog.models.mail import MailStatus, OutgoingMail
from blog.models.media import MediaFile
from blog.models.posts import Category, CommentStatusChoice, Post, PostStatus, Series, SlugRedirect, Tag
from blog.models.site_state import CacheGeneration
from blog.models.works import (
    Correction,
    CorrectionStatus,
    Credit,
    ExternalLink,
    Person,
    ReaderRating,
    ReleaseDate,
    Review,
    TermKind,
    Work,
    WorkAlias,
    WorkKind,
    WorkRevision,
    WorkTerm,
    WorkTermLink,
)

__all__ = [
    "CacheGeneration",
    "Category",
    "Comment",
    "CommentDraft",
    "CommentStatus",
    "CommentStatusChoice",
    "Correction",
    "CorrectionStatus",
    "Credit",
    "EmailLoginToken",
    "ExternalLink",
    "Identity",
    "LoginFailure",
    "MailStatus",
    "MediaFile",
    "ModerationAction",
    "OutgoingMail",
    "Person",
    "Post",
    "PostStatus",
    "ReaderRating",
    "ReleaseDate",
    "Review",
    "Role",
    "Series",
    "SlugRedirect",
    "Tag",
    "TermKind",
    "User",
    "Work",
    "WorkAlias",
    "WorkKind",
    "WorkRevision",
    "WorkTerm",
    "WorkTermLink",
]
