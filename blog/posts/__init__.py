"""Reading: home, post page, archives, series, search, feeds and sitemap."""

from blog.posts import search as _search  # noqa: F401  (registers the full-text index DDL hooks)
