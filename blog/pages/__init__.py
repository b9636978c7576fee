"""Static pages: "About", "How I score", "Review policy" at ``/<slug>/``, and the site menu.

``views`` holds the routes (the public page and the admin's list and editor), ``editing`` the
rules for saving, ``revisions`` a published page's earlier versions, ``slugs`` which addresses a
page may take, ``queries`` what each page reads, ``menu`` the header's list of pages kept in each
worker, ``seo`` the head meta.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Before the blueprint: its URL rule needs the ``page_slug`` converter."""
    from blog.pages import menu, slugs
    from blog.pages.views import bp

    slugs.register_converter(app)
    app.register_blueprint(bp)
    menu.init_app(app)
