"""Category catalog endpoints: everyone reads it, global admins edit it (docs/ROLES.md)."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from gridsvc.accounts import current_scope, roles_required
from gridsvc.http import Blueprint, etag, require_if_match
from gridsvc.idempotency import idempotent
from gridsvc.incidents import categories
from gridsvc.incidents.schemas import CategoryCreate, CategoryListArgs, CategoryOut, CategoryUpdate
from gridsvc.transactions import atomic

blp = Blueprint("categories", __name__, description="Incident categories (event classification)")


def category_etag(category) -> str:
    return etag("category", category.code, category.version)


@blp.route("/categories")
class Categories(MethodView):
    @roles_required()
    @blp.arguments(CategoryListArgs, location="query")
    @blp.response(200, CategoryOut(many=True))
    def get(self, args):
        """The catalog in display order (phones cache it: send If-None-Match, get 304)."""
        include_inactive = args["include_inactive"] and current_scope().role == "admin"
        items = categories.list_categories(include_inactive)
        tag = categories.catalog_etag(items)
        if request.if_none_match.contains_weak(tag.removeprefix("W/").strip('"')):
            return Response(status=304, headers={"ETag": tag})
        return items, 200, {"ETag": tag}

    @roles_required("admin")
    @idempotent
    @blp.arguments(CategoryCreate)
    @blp.response(201, CategoryOut)
    def post(self, data):
        """Add a category (global admins)."""
        category = categories.create_category(current_scope(), data)
        return category, 201, {"ETag": category_etag(category)}


@blp.route("/categories/<string:code>")
class CategoryItem(MethodView):
    @roles_required()
    @blp.response(200, CategoryOut)
    def get(self, code):
        """One category."""
        category = categories.get_category(code)
        return category, 200, {"ETag": category_etag(category)}

    @roles_required("admin")
    @atomic
    @blp.arguments(CategoryUpdate)
    @blp.response(200, CategoryOut)
    def patch(self, data, code):
        """Change names, deadlines, photo rule, duplicate radius/window or deactivate; If-Match."""
        category = categories.get_category(code)
        require_if_match(category_etag(category))
        category = categories.update_category(current_scope(), category, data)
        return category, 200, {"ETag": category_etag(category)}
