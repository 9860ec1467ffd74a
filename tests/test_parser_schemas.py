"""The argument parser builds one instance per schema class and reuses it (gridsvc.http.Parser).

Reusing is only right if a load leaves nothing behind: two requests in a row, and two threads at
once, each get their own answer.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from marshmallow import Schema, fields

from gridsvc.http import Blueprint


class PointArgs(Schema):
    lon = fields.Float(required=True)
    lat = fields.Float(required=True)


def test_one_instance_per_schema_class_serves_every_request(app):
    parser = Blueprint.ARGUMENTS_PARSER
    with app.test_request_context("/?lon=1&lat=2"):
        first = parser._get_schema(PointArgs, None)
        assert parser.parse(PointArgs, location="query") == {"lon": 1.0, "lat": 2.0}
    with app.test_request_context("/?lon=3&lat=4"):
        assert parser._get_schema(PointArgs, None) is first
        assert parser.parse(PointArgs, location="query") == {"lon": 3.0, "lat": 4.0}
    with app.test_request_context("/?lon=x"):
        errors = _errors(parser, PointArgs)
        assert set(errors["query"]) == {"lon", "lat"}


def test_concurrent_loads_do_not_mix(app):
    parser = Blueprint.ARGUMENTS_PARSER

    def load(n: int) -> dict:
        with app.test_request_context(f"/?lon={n}&lat={-n}"):
            return parser.parse(PointArgs, location="query")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(load, range(400)))
    assert results == [{"lon": float(n), "lat": float(-n)} for n in range(400)]


def _errors(parser, schema) -> dict:
    from werkzeug.exceptions import UnprocessableEntity

    try:
        parser.parse(schema, location="query")
    except UnprocessableEntity as error:
        return error.data["messages"]
    raise AssertionError("the bad query was accepted")
