"""HTTP conventions shared by every room: the Blueprint every room's endpoints hang on (with the
argument parser that checks what clients send), ETag / If-Match for updates, body limits."""

from __future__ import annotations

from functools import wraps
from typing import Any

import flask_smorest
from flask import Request, current_app, request
from marshmallow import Schema
from webargs import core
from webargs.flaskparser import FlaskParser

from gridsvc import openapi
from gridsvc.errors import PreconditionFailed, PreconditionRequired, TooLarge
from gridsvc.inputs import check_fields, check_times

_SCHEMAS: dict[type, Schema] = {}


class Parser(FlaskParser):
    """webargs' Flask parser, reading bodies the way the rest of the app does.

    JSON goes through Flask's ``request.get_json`` and so :func:`gridsvc.jsonio.loads_request`
    (depth, text and number checks; parsed once, shared with the idempotency fingerprint) instead
    of webargs' own ``json.loads``, which recursed to death on deep bodies. Form fields are
    checked for unstorable text here, where the view's body limit already applies; query strings
    and path values were checked before the view ran (gridsvc.inputs.install_input_checks).
    """

    def _raw_load_json(self, req: Request) -> Any:
        if not req.is_json or not req.get_data(cache=True):
            return core.missing
        return req.get_json(silent=True)

    def _get_schema(self, argmap: Any, req: Request) -> Schema:
        # webargs builds a new instance of a schema class for every request (~0.4 ms for the
        # locate arguments). A marshmallow 4 schema keeps no state between loads, so one instance
        # per class serves every request and thread.
        if isinstance(argmap, type) and issubclass(argmap, Schema):
            schema = _SCHEMAS.get(argmap)
            if schema is None:
                schema = _SCHEMAS.setdefault(argmap, argmap())
            return schema
        return super()._get_schema(argmap, req)

    def parse(self, *args, **kwargs) -> Any:
        data = super().parse(*args, **kwargs)
        check_times(data)
        return data

    def load_form(self, req: Request, schema: Schema) -> Any:
        check_fields(req.form.items(multi=True), "form")
        return super().load_form(req, schema)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint with :class:`Parser`: every room builds its endpoints on this.

    Its operations are documented completely by :mod:`gridsvc.openapi` (problem+json errors,
    conditional and idempotency headers, operation ids, the room as tag), read from the views.
    """

    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_contract_doc)

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method == "parameters":
                continue
            doc["view"] = getattr(obj, method) if isinstance(obj, type) else obj
            doc["operationId"] = openapi.operation_id(self.name, endpoint, method)
            if doc["tags"] is None:
                doc["tags"] = [openapi.room_of(self.import_name)]

    @staticmethod
    def _prepare_contract_doc(doc, doc_info, *, spec, method, **kwargs):
        doc["operationId"] = doc_info["operationId"]
        return openapi.complete_operation(doc, doc_info["view"], method, spec)


def etag(kind: str, ident: object, version: int) -> str:
    """A strong ETag from a row's optimistic-lock version."""
    return f'"{kind}-{ident}-v{version}"'


def require_if_match(current: str) -> None:
    """Refuse an update that does not prove it saw the current version (lost-update guard)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(
            "This update needs an If-Match header with the ETag from your last read.",
            code="request.if_match_required",
        )
    candidates = {value.strip() for value in header.split(",")}
    if "*" in candidates or current in candidates:
        return
    raise PreconditionFailed(
        "The resource changed since you read it; read it again and retry.",
        code="request.etag_mismatch",
        current_etag=current,
    )


def body_limit(config_key: str, *, extra: int = 0):
    """Refuse a request body larger than ``app.config[config_key]`` (+ ``extra``) with 413.

    The global MAX_CONTENT_LENGTH is sized for boundary uploads; endpoints phones call take far
    less, and saying so early keeps a runaway client from tying up a worker.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            limit = current_app.config[config_key] + extra
            if request.content_length is not None and request.content_length > limit:
                raise TooLarge(
                    f"The request body exceeds the limit of {limit} bytes for this endpoint.",
                    code="request.too_large",
                    limit_bytes=limit,
                )
            request.max_content_length = limit  # also bounds chunked bodies of unknown length
            return view(*args, **kwargs)

        return wrapper

    return decorator


def documents(status: int, schema: Any, *, content_type: str = "application/json"):
    """Document the body a view builds itself (a GeoJSON page, PostGIS text), without dumping it.

    ``@blp.response(status)`` without a schema leaves the answer untyped in the spec, so
    generated clients could not parse it; this adds the schema to the documentation only.
    """
    content = {content_type: {"schema": schema}}
    return Blueprint.doc(responses={str(status): {"content": content}})
