"""Putting the catalogue to work on what leaves the service, and saying which language it is."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, has_request_context, request

from gridsvc.i18n.catalogue import translate_detail, zh_title
from gridsvc.i18n.fields import translate_field_message
from gridsvc.i18n.negotiation import ANSWERED_KEY, SUPPORTED, request_language


def _answered_in() -> str:
    """The request's language, noted so that the answer carries Content-Language and Vary."""
    language = request_language()
    if has_request_context():
        request.environ[ANSWERED_KEY] = language
    return language


def localize_problem(body: dict[str, Any]) -> dict[str, Any]:
    """A problem's ``title``, ``detail`` and ``errors`` in the request's language (in place).

    ``code``, ``type`` and every other member stay as they are: programs switch on those.
    """
    if _answered_in() != "zh":
        return body
    code, status = body["code"], body["status"]
    body["title"] = zh_title(code, status)
    body["detail"] = translate_detail(code, body.get("detail"), status)
    if body.get("errors"):
        body["errors"] = localize_messages(body["errors"])
    return body


def localize_messages(messages: Any) -> Any:
    """Field-level messages (marshmallow's nesting of dicts and lists) in the request's language."""
    if request_language() != "zh":
        return messages
    if isinstance(messages, dict):
        return {key: localize_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [localize_messages(value) for value in messages]
    if isinstance(messages, str):
        return translate_field_message(messages)
    return messages


def localize_findings(items: list[dict] | None) -> list[dict] | None:
    """Validation findings or notes (``code`` + English ``detail``) in the request's language.

    Reports are stored in English (they are written by Celery tasks, which serve no one); each
    read translates them for its reader. Returns new dicts; the stored ones are left alone.
    """
    if items is None or _answered_in() != "zh":
        return items
    return [
        {**item, "detail": translate_detail(item["code"], item.get("detail"), 422)}
        if isinstance(item, dict) and "code" in item
        else item
        for item in items
    ]


def install_language_headers(app: Flask) -> None:
    """``Content-Language`` and ``Vary: Accept-Language`` on every answer that was translated
    or could have been (problems, validation reports): caches must not serve one reader's
    language to another."""
    default = app.config.setdefault("DEFAULT_LANGUAGE", "en")
    if default not in SUPPORTED:
        raise ValueError(f"DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED)}, not {default!r}")

    @app.after_request
    def _language_headers(response: Response) -> Response:
        language = request.environ.get(ANSWERED_KEY)
        if language:
            response.headers["Content-Language"] = "zh-CN" if language == "zh" else language
            response.vary.add("Accept-Language")
        return response


def localize_report(data: dict) -> dict:
    """A dumped upload or merge (``report.findings``, ``error``) in the request's language.

    Schemas call it from ``post_dump``; the stored rows are not touched.
    """
    report = data.get("report")
    if isinstance(report, dict) and isinstance(report.get("findings"), list):
        data["report"] = {**report, "findings": localize_findings(report["findings"])}
    error = data.get("error")
    if isinstance(error, dict) and "code" in error:
        localized = localize_findings([error])[0]
        if localized is not error:
            localized["title"] = zh_title(error["code"], error.get("status", 422))
        data["error"] = localized
    return data
