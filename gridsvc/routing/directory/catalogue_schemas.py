"""Request and response shapes of the catalogue of powers and duties and its delegations."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from gridsvc.routing.directory.models import DELEGATION_FORMS, ITEM_KINDS
from gridsvc.routing.directory.schemas import CATEGORY, COUNTY, TOWNSHIP, PageArgs

ROW_ID = validate.Range(min=1, max=2**31 - 1)
ITEM_CODE = validate.Length(1, 64)


class ItemListArgs(PageArgs):
    county = fields.String(validate=COUNTY)
    category = fields.String(validate=CATEGORY)
    kind = fields.String(validate=validate.OneOf(ITEM_KINDS))


class ItemIn(Schema):
    county_code = fields.String(validate=COUNTY, metadata={"description": "global admins only"})
    code = fields.String(required=True, validate=ITEM_CODE, metadata={"description": "事项编码"})
    name = fields.String(required=True, validate=validate.Length(1, 512))
    legal_basis = fields.String(allow_none=True, validate=validate.Length(max=4000))
    domain = fields.String(allow_none=True, validate=validate.Length(max=64))
    kind = fields.String(required=True, validate=validate.OneOf(ITEM_KINDS))
    department_id = fields.Integer(allow_none=True, validate=ROW_ID)
    category_codes = fields.List(fields.String(validate=CATEGORY), validate=validate.Length(max=50))


class ItemUpdate(Schema):
    name = fields.String(validate=validate.Length(1, 512))
    legal_basis = fields.String(allow_none=True, validate=validate.Length(max=4000))
    domain = fields.String(allow_none=True, validate=validate.Length(max=64))
    kind = fields.String(validate=validate.OneOf(ITEM_KINDS))
    department_id = fields.Integer(allow_none=True, validate=ROW_ID)
    category_codes = fields.List(fields.String(validate=CATEGORY), validate=validate.Length(max=50))


class ItemOut(Schema):
    id = fields.Integer()
    county_code = fields.String()
    code = fields.String()
    name = fields.String()
    legal_basis = fields.String(allow_none=True)
    domain = fields.String(allow_none=True)
    kind = fields.String()
    department_id = fields.Integer(allow_none=True)
    department_name = fields.String(allow_none=True)
    category_codes = fields.List(fields.String())
    created_at = fields.DateTime()


class ItemPage(Schema):
    items = fields.List(fields.Nested(ItemOut))
    next_cursor = fields.String(allow_none=True)


class DelegationIn(Schema):
    townships = fields.List(
        fields.String(validate=TOWNSHIP),
        allow_none=True,
        validate=validate.Length(1, 100),
        metadata={"description": "the townships that hold the item; omitted or null: all of them"},
    )
    form = fields.String(required=True, validate=validate.OneOf(DELEGATION_FORMS))
    effective_from = fields.Date(required=True)
    batch = fields.String(allow_none=True, validate=validate.Length(max=128))


class DelegationOut(Schema):
    id = fields.Integer()
    item_id = fields.Integer()
    township_code = fields.String(allow_none=True)
    form = fields.String()
    effective_from = fields.Date()
    batch = fields.String(allow_none=True)
    in_force = fields.Boolean()
    created_at = fields.DateTime()


class CatalogueImportForm(Schema):
    county_code = fields.String(validate=COUNTY, metadata={"description": "global admins only"})
    dry_run = fields.Boolean(load_default=False)
    effective_from = fields.Date(
        metadata={"description": "when the rows' delegations start (default: the 生效日期 column)"}
    )
    batch = fields.String(validate=validate.Length(max=128), metadata={"description": "批次"})
    department_code = fields.String(
        validate=validate.Length(max=32),
        metadata={"description": "the holding department for rows without 主管部门"},
    )


class CatalogueExportArgs(Schema):
    county = fields.String(validate=COUNTY)
    format = fields.String(validate=validate.OneOf(("xlsx", "csv")), load_default="xlsx")


class CatalogueImportOut(Schema):
    """What an import wrote (or, with dry_run, would write); a refused file is a 422 problem."""

    dry_run = fields.Boolean()
    rows = fields.Integer(metadata={"description": "data rows read"})
    errors = fields.Integer(metadata={"description": "always 0: a file with errors writes nothing"})
    items_created = fields.Integer()
    items_updated = fields.Integer()
    items_unchanged = fields.Integer()
    delegations_created = fields.Integer()
    delegations_unchanged = fields.Integer()
