"""Demo content: the seed review "Fond Memories Part 1: Magnetic Rose" and two draft parts.

The texts are fixture files next to this module (copied from the project's seed documents), so
a built wheel carries them and nothing reads outside the package. Everything is saved through
``save_post`` like any post a person writes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select

from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.posts import Post, PostStatus, Series, SlugRedirect
from blog.posts.editing import PostInput, make_slug, save_post

DEMO_DIR = Path(__file__).resolve().parent
SERIES_TITLE = "Fond Memories"


@dataclass(frozen=True)
class DemoPost:
    title: str
    file: str
    part: int
    status: PostStatus
    excerpt: str = ""
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=lambda: ["Anime"])

    @property
    def body(self) -> str:
        return (DEMO_DIR / self.file).read_text(encoding="utf-8")


DEMO_POSTS = [
    DemoPost(
        title="Fond Memories Part 1: Magnetic Rose",
        file="magnetic-rose.md",
        part=1,
        status=PostStatus.PUBLISHED,
        excerpt=(
            "Revisiting Memories, the 1995 Katsuhiro Otomo anthology, starting with the short that "
            "cuts the deepest: Magnetic Rose, written by Satoshi Kon and scored by Yoko Kanno."
        ),
        tags=["anime", "Katsuhiro Otomo", "Satoshi Kon", "Memories"],
    ),
    DemoPost(
        title="Fond Memories Part 2: Stink Bomb",
        file="stink-bomb.md",
        part=2,
        status=PostStatus.DRAFT,
        tags=["anime", "Katsuhiro Otomo", "Memories"],
    ),
    DemoPost(
        title="Fond Memories Part 3: Cannon Fodder",
        file="cannon-fodder.md",
        part=3,
        status=PostStatus.DRAFT,
        tags=["anime", "Katsuhiro Otomo", "Memories"],
    ),
]


@dataclass
class SeedResult:
    created: list[Post]
    existing: list[Post]

    @property
    def first_post(self) -> Post | None:
        """Part 1 (the published review), whether it was just made or already there."""
        return next((p for p in [*self.created, *self.existing] if p.series_part == 1), None)


def demo_author() -> User | None:
    """The demo posts are the admin's: the first admin account made."""
    return db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id).limit(1))


def _existing(demo: DemoPost) -> Post | None:
    """The post for ``demo`` if an earlier run made it, even if someone has since renamed it."""
    slug = make_slug(demo.title)
    series_slug = make_slug(SERIES_TITLE)
    return db.session.scalar(
        select(Post)
        .outerjoin(Series, Post.series_id == Series.id)
        .where(
            or_(
                (Series.slug == series_slug) & (Post.series_part == demo.part),
                Post.slug == slug,
                Post.id.in_(select(SlugRedirect.post_id).where(SlugRedirect.old_slug == slug)),
            )
        )
        .order_by(Post.id)
        .limit(1)
    )


def seed_demo(author: User) -> SeedResult:
    """Create the demo posts that are missing; running it again changes nothing. Commits."""
    result = SeedResult(created=[], existing=[])
    for demo in DEMO_POSTS:
        post = _existing(demo)
        if post is not None:
            result.existing.append(post)
            continue
        data = PostInput(
            title=demo.title,
            body_md=demo.body,
            excerpt=demo.excerpt,
            tags=list(demo.tags),
            categories=list(demo.categories),
            series_title=SERIES_TITLE,
            series_part=demo.part,
            status=demo.status,
        )
        result.created.append(save_post(author, data))
    db.session.commit()

    first = result.first_post
    if first is not None:
        _seed_reviews(first)
    return result


def _seed_reviews(post: Post) -> None:
    """HOOK for the reviews area: ``blog.reviews.demo.seed_reviews(post)`` attaches the work
    (Memories, its credits...) to the seed review. Called on every run, so it must be
    idempotent itself. Skipped while that module does not exist."""
    try:
        module = importlib.import_module("blog.reviews.demo")
    except ModuleNotFoundError as error:
        if error.name != "blog.reviews.demo":
            raise
        return
    module.seed_reviews(post)
    db.session.commit()
