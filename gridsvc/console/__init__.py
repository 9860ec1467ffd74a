"""The web console (控制台): Chinese HTML pages at ``/console/`` for the people who work at a desk.

The face: ``install_console(app)``, called by the app factory. The room sits above maps in the
import order and mostly serves static shells whose scripts call the public ``/api/v1`` API with
the session cookies; the page table (``pages.PAGES``) says which roles may open which page.
"""

from flask import Flask

from gridsvc.console.pages import PAGES, Page, landing_page, pages_for
from gridsvc.console.views import blp


def install_console(app: Flask) -> None:
    """Register the console's blueprint (pages and their static files)."""
    app.register_blueprint(blp)


__all__ = ["PAGES", "Page", "install_console", "landing_page", "pages_for"]
