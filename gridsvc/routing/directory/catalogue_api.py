"""Endpoints of the catalogue of powers and duties (权责事项) and its delegations to townships."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_jwt_extended import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema

from gridsvc.accounts import current_scope, roles_required
from gridsvc.errors import Invalid
from gridsvc.http import Blueprint, documents, etag, require_if_match
from gridsvc.routing.directory import catalogue, catalogue_files
from gridsvc.routing.directory.catalogue_schemas import (
    CatalogueExportArgs,
    CatalogueImportForm,
    CatalogueImportOut,
    DelegationIn,
    DelegationOut,
    ItemIn,
    ItemListArgs,
    ItemOut,
    ItemPage,
    ItemUpdate,
)
from gridsvc.routing.directory.sheets import MAX_BYTES
from gridsvc.transactions import atomic

blp = Blueprint(
    "catalogue", __name__, description="The catalogue of powers and duties (权责事项), delegations"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TableFile(Schema):
    file = Upload(required=True)


def _item_response(item, status: int = 200):
    return catalogue.items_out([item])[0], status, {"ETag": etag("item", item.id, item.version)}


@blp.route("/power-items")
class Items(MethodView):
    @roles_required()
    @blp.arguments(ItemListArgs, location="query")
    @blp.response(200, ItemPage)
    def get(self, args):
        """The county's catalogue items, by id; filter by the category they cover or their kind."""
        items, next_cursor = catalogue.list_items(current_scope(), args)
        return {"items": catalogue.items_out(items), "next_cursor": next_cursor}

    @roles_required("admin")
    @atomic
    @blp.arguments(ItemIn)
    @blp.response(201, ItemOut)
    def post(self, data):
        """Add an item (county admins)."""
        return _item_response(
            catalogue.create_item(current_scope(), data, user_id=current_user.id), 201
        )


@blp.route("/power-items/<int:item_id>")
class ItemView(MethodView):
    @roles_required()
    @blp.response(200, ItemOut)
    def get(self, item_id):
        """One item (404 outside the caller's county)."""
        return _item_response(catalogue.get_item(current_scope(), item_id))

    @roles_required("admin")
    @atomic
    @blp.arguments(ItemUpdate)
    @blp.response(200, ItemOut)
    def patch(self, data, item_id):
        """Rename, change the basis, holder or categories; needs If-Match."""
        scope = current_scope()
        item = catalogue.get_item(scope, item_id)
        require_if_match(etag("item", item.id, item.version))
        return _item_response(catalogue.update_item(scope, item, data))


@blp.route("/power-items/<int:item_id>/delegations")
class ItemDelegations(MethodView):
    @roles_required()
    @blp.response(200, DelegationOut(many=True))
    def get(self, item_id):
        """Every delegation row of the item, oldest first, with the ones in force today marked."""
        item = catalogue.get_item(current_scope(), item_id)
        return catalogue.delegations_out(catalogue.delegations(item))

    @roles_required("admin")
    @atomic
    @blp.arguments(DelegationIn)
    @blp.response(201, DelegationOut(many=True))
    def post(self, data, item_id):
        """Delegate the item from a date on: to the townships named, or to all (townships
        omitted); ``withdrawn`` takes it back. The same row again changes nothing."""
        scope = current_scope()
        rows = catalogue.delegate(
            scope,
            catalogue.get_item(scope, item_id),
            townships=data.get("townships"),
            form=data["form"],
            effective_from=data["effective_from"],
            batch=data.get("batch"),
            user_id=current_user.id,
        )
        return catalogue.delegations_out(rows)


@blp.route("/power-items/export")
class ItemsExport(MethodView):
    @roles_required()
    @blp.arguments(CatalogueExportArgs, location="query")
    @blp.response(200, content_type=XLSX)
    @documents(200, {"type": "string", "format": "binary"}, content_type=XLSX)
    @documents(200, {"type": "string"}, content_type="text/csv")
    def get(self, args):
        """The catalogue with its delegations in force, as XLSX (default) or CSV, Chinese headers."""
        scope = current_scope()
        county = scope.county_code or args.get("county")
        if not county:
            raise Invalid(
                "Name the county (county=).",
                code="routing.county_required",
                errors={"county": ["required for a global user"]},
            )
        fmt = args["format"]
        body = catalogue_files.export_file(county, fmt)
        return Response(
            body,
            mimetype="text/csv" if fmt == "csv" else XLSX,
            headers={"Content-Disposition": f'attachment; filename="power-items.{fmt}"'},
        )


@blp.route("/power-items/import")
class ItemsImport(MethodView):
    @roles_required("admin")
    @atomic
    @blp.arguments(CatalogueImportForm, location="form")
    @blp.arguments(TableFile, location="files")
    @blp.response(200, CatalogueImportOut)
    def post(self, form, files):
        """Import an XLSX or CSV list: every row checked first, all written or none; errors
        name the row and the column (dry_run to preview)."""
        raw = files["file"].stream.read(MAX_BYTES + 1)
        return catalogue_files.import_file(
            current_scope(),
            raw,
            county=form.get("county_code"),
            dry_run=form["dry_run"],
            effective_from=form.get("effective_from"),
            batch=form.get("batch"),
            department_code=form.get("department_code"),
            user_id=current_user.id,
        )
