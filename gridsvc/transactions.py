"""One transaction rule: the entry point owns the commit.

An entry point is what starts a unit of work: a view (a flask-smorest MethodView method), a CLI
command (``gridsvc/*/cli.py``, the demo loader) or a Celery task (``gridsvc/*/tasks.py``). It
decides when the work is durable and commits; services (every other module) only ``flush()``,
so they compose — the offline sync writes reports and track points in one transaction, and a
proposal's assignments land together with the proposal.

A service that must survive a unique-violation race (two admins assigning one grid at the same
moment) wraps the single insert in ``db.session.begin_nested()``: the savepoint absorbs the
IntegrityError, the caller's transaction stays usable, and the service answers 409 or the
winner's row. ``tests/test_transactions.py`` checks the rule on the source.

Views mark their transaction with :func:`atomic` (or ``idempotency.idempotent``, which builds on
it); a view that must commit before the end of the request (an upload committed before its
validation task is queued) commits itself and says why.
"""

from __future__ import annotations

from functools import wraps

from flask import make_response

from gridsvc.extensions import db

# Set on the wrapper (and, through functools.wraps, on every decorator above it) so a test can
# find the mutating views that forgot to commit: their writes would be rolled back silently.
MARKER = "commits_after_response"


def atomic(view):
    """Run a view in one transaction, committed after its response is built.

    The response is complete before the commit, so what the client reads is what was committed;
    a response of 400 or more commits nothing. On an exception nothing is committed either:
    Flask-SQLAlchemy rolls the session back when the request's app context ends.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            db.session.commit()
        return response

    setattr(wrapper, MARKER, True)
    return wrapper
