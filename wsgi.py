"""WSGI entry point: ``gunicorn wsgi:app``, ``flask run``, uWSGI and mod_wsgi all load ``app``."""

from blog import create_app

app = create_app()
application = app  # mod_wsgi looks for ``application``
