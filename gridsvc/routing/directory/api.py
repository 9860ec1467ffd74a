"""Endpoints for who handles what: teams and members, the responsibility list, zones."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_jwt_extended import current_user
from flask_smorest.fields import Upload
from marshmallow import Schema

from gridsvc.accounts import current_scope, policy, roles_required
from gridsvc.geo.crs import features_to_datum
from gridsvc.geojson import OutDatumArgs
from gridsvc.http import Blueprint, documents, etag, require_if_match
from gridsvc.routing.directory import responsibility, responsibility_csv, teams, zones
from gridsvc.routing.directory.schemas import (
    EntryIn,
    EntryListArgs,
    EntryOut,
    EntryPage,
    EntryPageArgs,
    EntryUpdate,
    ImportForm,
    ImportOut,
    MemberIn,
    MemberOut,
    TeamIn,
    TeamListArgs,
    TeamOut,
    TeamPage,
    TeamUpdate,
    ZoneCollection,
    ZoneFeature,
    ZoneIn,
    ZoneListArgs,
    ZoneUpdate,
)
from gridsvc.transactions import atomic

blp = Blueprint(
    "directory", __name__, description="Teams, the responsibility list (属地管理事项清单), zones"
)
ZONE_EDITORS = policy.ZONE_EDITORS  # the first gate; the policy decides the rest


class CsvFile(Schema):
    file = Upload(required=True)


def _team_response(team, status: int = 200):
    return teams.team_out([team])[0], status, {"ETag": etag("team", team.id, team.version)}


@blp.route("/teams")
class Teams(MethodView):
    @roles_required()
    @blp.arguments(TeamListArgs, location="query")
    @blp.response(200, TeamPage)
    def get(self, args):
        """Township enforcement teams and county departments of the caller's county."""
        items, next_cursor = teams.list_teams(current_scope(), args)
        return {"items": teams.team_out(items), "next_cursor": next_cursor}

    @roles_required("admin")
    @atomic
    @blp.arguments(TeamIn)
    @blp.response(201, TeamOut)
    def post(self, data):
        """Create a township team (serving one or more townships) or a county department."""
        return _team_response(teams.create_team(current_scope(), data), 201)


@blp.route("/teams/<int:team_id>")
class TeamItem(MethodView):
    @roles_required()
    @blp.response(200, TeamOut)
    def get(self, team_id):
        """One team (404 outside the caller's county)."""
        return _team_response(teams.get_team(current_scope(), team_id))

    @roles_required("admin")
    @atomic
    @blp.arguments(TeamUpdate)
    @blp.response(200, TeamOut)
    def patch(self, data, team_id):
        """Rename, change the townships served or a stationed agency's department, deactivate;
        needs If-Match."""
        scope = current_scope()
        team = teams.get_team(scope, team_id)
        require_if_match(etag("team", team.id, team.version))
        return _team_response(teams.update_team(scope, team, data))


@blp.route("/teams/<int:team_id>/members")
class TeamMembers(MethodView):
    @roles_required()
    @blp.response(200, MemberOut(many=True))
    def get(self, team_id):
        """The team's members (leads, officers or department handlers)."""
        return teams.members(teams.get_team(current_scope(), team_id))

    @roles_required("admin")
    @atomic
    @blp.arguments(MemberIn)
    @blp.response(200, MemberOut)
    def post(self, data, team_id):
        """Put a user into the team (idempotent; a user is in one team at a time)."""
        scope = current_scope()
        return teams.add_member(scope, teams.get_team(scope, team_id), data["user_id"])


@blp.route("/teams/<int:team_id>/members/<int:user_id>")
class TeamMember(MethodView):
    @roles_required("admin")
    @atomic
    @blp.response(204)
    def delete(self, team_id, user_id):
        """Take a user out of the team."""
        scope = current_scope()
        teams.remove_member(scope, teams.get_team(scope, team_id), user_id)


def _entry_response(entry, status: int = 200):
    body = responsibility.entries_out([entry])[0]
    return body, status, {"ETag": etag("entry", entry.id, entry.version)}


@blp.route("/responsibility-list")
class Entries(MethodView):
    @roles_required()
    @blp.arguments(EntryPageArgs, location="query")
    @blp.response(200, EntryPage)
    def get(self, args):
        """The list in force (one entry per category) on a day, or every version; cursor pages."""
        entries, next_cursor = responsibility.page_entries(current_scope(), args)
        return {"items": responsibility.entries_out(entries), "next_cursor": next_cursor}

    @roles_required("admin")
    @atomic
    @blp.arguments(EntryIn)
    @blp.response(201, EntryOut)
    def post(self, data):
        """Add an entry, or a new version of one (a later effective_from)."""
        entry = responsibility.create_entry(current_scope(), data, user_id=current_user.id)
        return _entry_response(entry, 201)


@blp.route("/responsibility-list/<int:entry_id>")
class EntryItem(MethodView):
    @roles_required()
    @blp.response(200, EntryOut)
    def get(self, entry_id):
        """One entry."""
        return _entry_response(responsibility.get_entry(current_scope(), entry_id))

    @roles_required("admin")
    @atomic
    @blp.arguments(EntryUpdate)
    @blp.response(200, EntryOut)
    def patch(self, data, entry_id):
        """Edit an entry not yet in force (409 for history); needs If-Match."""
        scope = current_scope()
        entry = responsibility.get_entry(scope, entry_id)
        require_if_match(etag("entry", entry.id, entry.version))
        return _entry_response(responsibility.update_entry(scope, entry, data))

    @roles_required("admin")
    @atomic
    @blp.response(204)
    def delete(self, entry_id):
        """Withdraw an entry not yet in force (409 for history)."""
        scope = current_scope()
        responsibility.delete_entry(scope, responsibility.get_entry(scope, entry_id))


@blp.route("/responsibility-list/export")
class EntriesExport(MethodView):
    @roles_required()
    @blp.arguments(EntryListArgs, location="query")
    @blp.response(200, content_type="text/csv")
    @documents(200, {"type": "string"}, content_type="text/csv")
    def get(self, args):
        """The list as CSV (UTF-8 with BOM, opens in Excel)."""
        body = responsibility_csv.export_csv(responsibility.list_entries(current_scope(), args))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="responsibility-list.csv"'},
        )


@blp.route("/responsibility-list/import")
class EntriesImport(MethodView):
    @roles_required("admin")
    @atomic
    @blp.arguments(ImportForm, location="form")
    @blp.arguments(CsvFile, location="files")
    @blp.response(200, ImportOut)
    def post(self, form, files):
        """Import a CSV: every row checked first, all written or none (dry_run to preview)."""
        raw = files["file"].stream.read(responsibility_csv.MAX_BYTES + 1)
        return responsibility_csv.import_csv(
            current_scope(),
            raw,
            county=form.get("county_code"),
            dry_run=form["dry_run"],
            user_id=current_user.id,
        )


def _zone_response(zone, status: int = 200, crs: str | None = None):
    feature = features_to_datum(zones.zone_feature(zone), crs)
    return feature, status, {"ETag": etag("zone", zone.id, zone.version)}


@blp.route("/zones")
class Zones(MethodView):
    @roles_required()
    @blp.arguments(ZoneListArgs, location="query")
    @blp.response(200)
    @documents(200, ZoneCollection)
    def get(self, args):
        """Routing zones as a GeoJSON FeatureCollection, in priority order."""
        features = [zones.zone_feature(z) for z in zones.list_zones(current_scope(), args)]
        return features_to_datum(
            {"type": "FeatureCollection", "features": features}, args.get("crs")
        )

    @roles_required(*ZONE_EDITORS)
    @atomic
    @blp.arguments(ZoneIn)
    @blp.response(201)
    @documents(201, ZoneFeature)
    def post(self, data):
        """Create a zone from a polygon, or from a road line buffered by buffer_m (路长制)."""
        return _zone_response(zones.create_zone(current_scope(), data, current_user.id), 201)


@blp.route("/zones/<int:zone_id>")
class ZoneItem(MethodView):
    @roles_required()
    @blp.arguments(OutDatumArgs, location="query")
    @blp.response(200)
    @documents(200, ZoneFeature)
    def get(self, args, zone_id):
        """One zone as a GeoJSON Feature."""
        return _zone_response(zones.get_zone(current_scope(), zone_id), crs=args.get("crs"))

    @roles_required(*ZONE_EDITORS)
    @atomic
    @blp.arguments(ZoneUpdate)
    @blp.response(200)
    @documents(200, ZoneFeature)
    def patch(self, data, zone_id):
        """Change team, categories, priority or deactivate; needs If-Match."""
        scope = current_scope()
        zone = zones.get_zone(scope, zone_id)
        require_if_match(etag("zone", zone.id, zone.version))
        return _zone_response(zones.update_zone(scope, zone, data))
