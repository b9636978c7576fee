"""Bringing a blog from another engine into Sargasso: ``flask import-wordpress`` (``wordpress``).

``wxr`` reads WordPress's export file safely, ``wordpress_markup`` turns its HTML into our
Markdown, ``wordpress_authors`` and ``wordpress_comments`` store its people and comments, and
``report`` says what came across and what did not. Everything is stored through the paths the
editor and the comment form use.
"""
