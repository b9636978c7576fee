"""What the data is: one module per aggregate. Importing this package registers every table."""

from blog.models.accounts import LoginFailure, Role, User
from blog.models.comments import Comment, CommentStatus, ModerationAction
from blog.models.discussion import (
    Ban,
    BanKind,
    CommentReport,
    CommentVote,
    Follower,
    Subscription,
    SubscriptionKind,
)
from blog.models.drafts import CommentDraft
from blog.models.identities import EmailLoginToken, Identity
from blog.models.imports import ImportedItem
from blog.models.mail import MailStatus, OutgoingMail
from blog.models.media import MediaFile
from blog.models.pages import Page, PageRedirect, PageRevision, PageStatus
from blog.models.posts import Category, CommentStatusChoice, Post, PostStatus, Series, SlugRedirect, Tag
from blog.models.site_state import CacheGeneration
from blog.models.webhooks import WebhookDelivery
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
    "Ban",
    "BanKind",
    "CacheGeneration",
    "Category",
    "Comment",
    "CommentDraft",
    "CommentReport",
    "CommentStatus",
    "CommentStatusChoice",
    "CommentVote",
    "Correction",
    "CorrectionStatus",
    "Credit",
    "EmailLoginToken",
    "ExternalLink",
    "Follower",
    "Identity",
    "ImportedItem",
    "LoginFailure",
    "MailStatus",
    "MediaFile",
    "ModerationAction",
    "OutgoingMail",
    "Page",
    "PageRedirect",
    "PageRevision",
    "PageStatus",
    "Person",
    "Post",
    "PostStatus",
    "ReaderRating",
    "ReleaseDate",
    "Review",
    "Role",
    "Series",
    "SlugRedirect",
    "Subscription",
    "SubscriptionKind",
    "Tag",
    "TermKind",
    "User",
    "WebhookDelivery",
    "Work",
    "WorkAlias",
    "WorkKind",
    "WorkRevision",
    "WorkTerm",
    "WorkTermLink",
]
