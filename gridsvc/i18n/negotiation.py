"""Which language a request is answered in."""

from __future__ import annotations

from flask import current_app, has_request_context, request

#: The languages the catalogue holds; English is the source text itself.
SUPPORTED = ("en", "zh")
LANGUAGE_KEY = "gridsvc.language"
#: Set when an answer's texts were chosen by language (problems, reports): it then says so.
ANSWERED_KEY = "gridsvc.content_language"


def request_language() -> str:
    """``Accept-Language``'s most preferred supported language, else ``DEFAULT_LANGUAGE``.

    Matching is on the primary subtag only (``zh-Hans-CN`` and ``zh-TW`` both read Chinese: the
    one Chinese we hold is Simplified). werkzeug's ``best_match`` is not used: it did not fall
    back from a three-part tag such as ``zh-Hans-CN`` to ``zh``. Outside a request (Celery tasks,
    the CLI) the answer is always English, so what is stored stays in the source language and is
    translated when read.
    """
    if not has_request_context():
        return "en"
    # Kept on the request, not on g: an app context (and so g) can outlive one request.
    cached = request.environ.get(LANGUAGE_KEY)
    if cached:
        return cached
    default = current_app.config.get("DEFAULT_LANGUAGE", "en")
    chosen = default
    # accept_languages iterates best first (by quality, then order of appearance).
    for tag, quality in request.accept_languages:
        if quality <= 0:
            continue
        primary = tag.replace("_", "-").split("-", 1)[0].lower()
        if primary == "*":
            break  # "anything": the deployment's own choice
        if primary in SUPPORTED:
            chosen = primary
            break
    request.environ[LANGUAGE_KEY] = chosen
    return chosen
