"""Demo content: the seed review "Fond Memories Part 1: Magnetic Rose", two draft parts, and the
site's "About" and "How I score" pages in its menu.

The texts are fixture files next to this module (copied from the project's seed documents, or
written in their voice), so a built wheel carries them and nothing reads outside the package.
Posts are saved through ``save_post`` and pages through ``write_page``, like any a person writes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import or_, select

from blog.auth.permissions import can_post_unfiltered_html
from blog.extensions import db
from blog.models.accounts import Role, User
from blog.models.pages import Page, PageStatus
from blog.models.posts import Post, PostStatus, Series, SlugRedirect
from blog.pages.editing import PageInput, write_page
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


@dataclass(frozen=True)
class DemoPage:
    title: str
    slug: str
    file: str
    description: str
    menu_label: str
    menu_order: int

    @property
    def body(self) -> str:
        return (DEMO_DIR / self.file).read_text(encoding="utf-8")


DEMO_PAGES = [
    DemoPage(
        title="About",
        slug="about",
        file="about.md",
        description="Who writes these reviews, what you will find here, and how to say hi.",
        menu_label="About",
        menu_order=1,
    ),
    DemoPage(
        title="How I score",
        slug="how-i-score",
        file="how-i-score.md",
        description="What a score out of 10 means here, how half points work, and what goes into a score.",
        menu_label="How I score",
        menu_order=2,
    ),
]


@dataclass
class SeedResult:
    created: list[Post]
    existing: list[Post]
    pages_created: list[Page] = field(default_factory=list)

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
    result.pages_created = _seed_pages(author)
    db.session.commit()

    first = result.first_post
    if first is not None:
        _seed_reviews(first)
    return result


def _seed_pages(author: User) -> list[Page]:
    """The demo pages no page has the address of yet, published and in the menu."""
    taken = set(db.session.scalars(select(Page.slug).where(Page.slug.in_([demo.slug for demo in DEMO_PAGES]))))
    created = []
    for demo in DEMO_PAGES:
        if demo.slug in taken:
            continue
        data = PageInput(
            title=demo.title,
            body_md=demo.body,
            slug=demo.slug,
            description=demo.description,
            status=PageStatus.PUBLISHED,
            show_in_menu=True,
            menu_label=demo.menu_label,
            menu_order=demo.menu_order,
        )
        created.append(write_page(author, data, unfiltered=can_post_unfiltered_html(author)))
    return created


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
