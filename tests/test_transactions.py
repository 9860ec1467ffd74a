"""The transaction rule, checked on the source: the entry point owns the commit.

Entry points (views, CLI commands, Celery tasks, the demo loader) commit or roll back; services
only flush, use ``with db.session.begin_nested():`` savepoints where a race must become a 409, and
take no ``commit=`` flag (see gridsvc/transactions.py). The tests of behaviour cannot see a
service that commits — inside the test harness a commit is only a savepoint — so the rule is
read off the syntax tree instead.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath

import pytest

import gridsvc
from gridsvc.transactions import MARKER

PACKAGE = Path(gridsvc.__file__).resolve().parent
ENDING_CALLS = ("commit", "rollback")

# Modules outside the entry-point naming that may end a transaction, each with its reason.
EXCEPTIONS = {
    "transactions.py": "the helper itself: atomic commits a view's transaction after its response",
    "app.py": "the /readyz view resets the session a failed database probe left aborted",
}

# Writing methods (POST, PUT, PATCH, DELETE) without @atomic / @idempotent, each with its reason.
VIEWS_WITHOUT_ATOMIC = {
    "accounts.Refresh.post": "mints an access token from the refresh token; writes nothing",
    "boundaries.Locate.post": "a read whose 10,000 points do not fit in a query string",
    "boundaries.UploadInspect.post": "reads a file's columns for the console; stores nothing",
    "boundaries.Uploads.post": "commits the upload itself, before it queues the validation task",
    "boundaries.MergeEdits.post": "commits the edit's upload itself, before it queues its validation",
}


def is_entry_point(module: PurePosixPath) -> bool:
    """Views (``api.py``, ``*_api.py``), CLI commands, Celery tasks and the demo loader (a CLI)."""
    name = module.name
    return (
        name in ("api.py", "cli.py", "tasks.py")
        or name.endswith("_api.py")
        or module.parts[0] == "demo"
    )


def transaction_findings(source: str) -> list[tuple[int, str]]:
    """(line, what) for every way ``source`` ends a transaction or asks to be told to.

    Any ``.commit()`` / ``.rollback()`` call counts, whatever it is called on (the session, a
    connection, a savepoint object): a savepoint belongs in a ``with`` block, which needs neither.
    """
    findings = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ENDING_CALLS:
                findings.append((node.lineno, f"{func.attr}()"))
            if any(k.arg == "commit" for k in node.keywords):
                findings.append((node.lineno, "commit= argument"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            if any(a.arg == "commit" for a in arguments):
                findings.append((node.lineno, "commit= parameter"))
    return sorted(findings)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield PurePosixPath(path.relative_to(PACKAGE).as_posix()), path


def test_the_checker_finds_what_a_service_must_not_do():
    source = """
def save(thing):
    db.session.add(thing)
    db.session.commit()

def undo():
    db.session.rollback()

def create(data, *, commit=True):
    return data

def caller():
    create({}, commit=False)

def race(thing):
    with db.session.begin_nested():
        db.session.add(thing)
        db.session.flush()
"""
    assert transaction_findings(source) == [
        (4, "commit()"),
        (7, "rollback()"),
        (9, "commit= parameter"),
        (13, "commit= argument"),
    ]


def test_services_never_commit_or_roll_back():
    offenders = []
    for module, path in _modules():
        if is_entry_point(module) or str(module) in EXCEPTIONS:
            continue
        offenders += [
            f"gridsvc/{module}:{line}: {what}"
            for line, what in transaction_findings(path.read_text(encoding="utf-8"))
        ]
    assert offenders == [], (
        "Services flush; the view (@atomic), CLI command or Celery task commits. A race that "
        "must become a 409 goes in `with db.session.begin_nested():`.\n" + "\n".join(offenders)
    )


@pytest.mark.parametrize("module", sorted(EXCEPTIONS))
def test_each_exception_is_still_needed(module):
    source = (PACKAGE / module).read_text(encoding="utf-8")
    assert transaction_findings(source), f"gridsvc/{module} no longer ends a transaction"


def test_entry_points_are_recognised_by_their_names():
    assert is_entry_point(PurePosixPath("routing/cases/api.py"))
    assert is_entry_point(PurePosixPath("incidents/photo_api.py"))
    assert is_entry_point(PurePosixPath("boundaries/tasks.py"))
    assert is_entry_point(PurePosixPath("demo/workers.py"))
    assert not is_entry_point(PurePosixPath("workers/assignments.py"))
    assert not is_entry_point(PurePosixPath("routing/notices/webhooks.py"))


def _writing_views(app):
    for rule in app.url_map.iter_rules():
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            function = (
                getattr(view_class, method.lower(), None) or app.view_functions[rule.endpoint]
            )
            yield f"{rule.endpoint}.{method.lower()}", function


def test_every_writing_view_commits(app):
    """A writing view without @atomic would lose its work to the end-of-request rollback."""
    views = dict(_writing_views(app))
    missing = sorted(
        name
        for name, function in views.items()
        if not getattr(function, MARKER, False) and name not in VIEWS_WITHOUT_ATOMIC
    )
    assert missing == [], "decorate these with @atomic (gridsvc/transactions.py): " + str(missing)
    assert set(VIEWS_WITHOUT_ATOMIC) <= set(views), "an exception names a view that is gone"
    marked = sorted(n for n in VIEWS_WITHOUT_ATOMIC if getattr(views[n], MARKER, False))
    assert marked == [], f"these are @atomic now; drop them from VIEWS_WITHOUT_ATOMIC: {marked}"
