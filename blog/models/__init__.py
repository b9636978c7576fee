"""What the data is: one module per aggregate. Importing this package registers every table."""

from blog.models.accounts import Role, User
from blog.models.comments import Comment, CommentStatus, ModerationAction
from blog.models.posts import Category, CommentStatusChoice, Post, PostStatus, Series, SlugRedirect, Tag

__all__ = [
    "Category",
    "Comment",
    "CommentStatus",
    "CommentStatusChoice",
    "ModerationAction",
    "Post",
    "PostStatus",
    "Role",
    "Series",
    "SlugRedirect",
    "Tag",
    "User",
]
