"""WSGI entry point for gunicorn: ``gunicorn gridsvc.wsgi:app``."""

from gridsvc import create_app

app = create_app()
