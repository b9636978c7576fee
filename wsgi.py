"""WSGI entry point: ``gunicorn wsgi:app``, ``flask run``, uWSGI and mod_wsgi all load ``app``."""

from blog import create_app
from blog.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # one line an operator can act on, not a traceback
    raise SystemExit(f"sargasso: {error}") from None

application = app  # mod_wsgi looks for ``application``
