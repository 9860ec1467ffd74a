"""WSGI entry point: ``gridsvc.wsgi:app``, served by Granian (gridsvc/serving.py)."""

from gridsvc import create_app

app = create_app()
