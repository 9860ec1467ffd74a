"""Request/response shapes for accounts (no session access here)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from gridsvc.accounts.models import ROLES
from gridsvc.accounts.passwords import MIN_LENGTH

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.\-]{3,64}$", error="3-64 letters, digits, _ . -")
COUNTY = validate.Regexp(r"^\d{6}$", error="a 6-digit county code")
TOWNSHIP = validate.Regexp(r"^\d{9}$", error="a 9-digit township code")


class LoginIn(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 256))


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    role = fields.String()
    county_code = fields.String(allow_none=True)
    township_code = fields.String(allow_none=True)
    team_id = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    scope = fields.Method("_scope")
    created_at = fields.DateTime()

    def _scope(self, user) -> dict:
        level = "township" if user.township_code else "county" if user.county_code else "global"
        return {"level": level, "county": user.county_code, "township": user.township_code}


class TokensOut(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(UserOut)


class SessionOut(Schema):
    """A browser login: the tokens travel in cookies, so the body only says who logged in."""

    expires_in = fields.Integer()
    user = fields.Nested(UserOut)


class RefreshOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class LogoutIn(Schema):
    refresh_token = fields.String(load_default=None, validate=validate.Length(max=4096))


class _UserFields(Schema):
    display_name = fields.String(allow_none=True, validate=validate.Length(max=128))
    role = fields.String(validate=validate.OneOf(ROLES))
    county_code = fields.String(allow_none=True, validate=COUNTY)
    township_code = fields.String(allow_none=True, validate=TOWNSHIP)
    team_id = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    password = fields.String(load_only=True, validate=validate.Length(MIN_LENGTH, 256))

    @validates_schema
    def _township_in_county(self, data: dict, **_kwargs) -> None:
        county, township = data.get("county_code"), data.get("township_code")
        if county and township and not township.startswith(county):
            raise ValidationError("must lie inside county_code", "township_code")


class UserCreate(_UserFields):
    username = fields.String(required=True, validate=USERNAME)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(MIN_LENGTH, 256)
    )


class UserUpdate(_UserFields):
    active = fields.Boolean()


class UserListArgs(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    township = fields.String(validate=TOWNSHIP)
    q = fields.String(validate=validate.Length(1, 64))
    active = fields.Boolean()
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(validate=validate.Range(1, 500))


class UserPage(Schema):
    items = fields.List(fields.Nested(UserOut))
    next_cursor = fields.String(allow_none=True)


class ApiTokenIn(Schema):
    client_id = fields.UUID(
        required=True, metadata={"description": "made up by the client; a retry sends it again"}
    )
    name = fields.String(required=True, validate=validate.Length(1, 64))
    expires_at = fields.AwareDateTime(load_default=None)


class ApiTokenOut(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "the secret's first characters"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    token = fields.String(
        metadata={"description": "the secret: in the creating response only, shown once"}
    )
