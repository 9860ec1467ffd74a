"""``flask --app gridsvc boundaries import FILE --level … [--layer …] [--commit]``.

The same path as an upload through the API: read, validate, stage a draft; ``--commit`` publishes it.
Without ``--commit`` it is a dry run: the report is printed, the transaction is rolled back and the
stored file removed, so nothing stays behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from gridsvc.boundaries import uploads
from gridsvc.boundaries.models import LEVELS
from gridsvc.errors import DomainError
from gridsvc.extensions import db
from gridsvc.geo.errors import GeoInputError

boundaries_cli = AppGroup("boundaries", help="Import and publish boundary files.")


@boundaries_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--level", type=click.Choice(LEVELS), required=True)
@click.option("--layer", default=None, help="Grid layer (unified or a specialist layer name).")
@click.option("--crs", default=None, help="EPSG:xxxx, GCJ02 or BD09 when the file does not say.")
@click.option("--encoding", default=None, help="Attribute encoding, e.g. GBK, when no .cpg.")
@click.option("--code-field", default=None)
@click.option("--name-field", default=None)
@click.option("--parent-field", default=None)
@click.option("--repair", is_flag=True, help="Repair invalid polygons (reported as such).")
@click.option("--commit", is_flag=True, help="Publish when valid; without it, a dry run.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
def import_command(
    file, level, layer, crs, encoding, code_field, name_field, parent_field, repair, commit, as_json
):
    """Validate FILE (and publish it with --commit)."""
    form = {
        "level": level,
        "layer": layer,
        "crs": crs,
        "encoding": encoding,
        "code_field": code_field,
        "name_field": name_field,
        "parent_field": parent_field,
        "repair": repair,
    }
    if level != "grid" and layer:
        raise click.ClickException("--layer is only for --level grid")
    try:
        upload, generation = uploads.import_local_file(file, form, publish=commit)
    except (DomainError, GeoInputError) as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc.detail}") from exc
    report = upload.report or {}
    if as_json:
        click.echo(
            json.dumps(
                {"status": upload.status, "report": report, "error": upload.error},
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    else:
        _print_report(upload, report)
    failed = upload.status in ("invalid", "failed")
    if commit:
        db.session.commit()  # an invalid upload is kept too, with its report
        if generation is not None:
            click.echo(f"published as generation {generation.number}")
    else:
        # A dry run leaves nothing behind: the stored copy of the file, the staged draft and the
        # upload record all go.
        uploads.remove_file(upload)
        db.session.rollback()
        click.echo("dry run: nothing was stored (use --commit to publish)")
    if failed:
        raise SystemExit(1)


def _print_report(upload, report: dict) -> None:
    click.echo(f"status: {upload.status}")
    if upload.error:
        click.echo(f"error: {upload.error.get('code')}: {upload.error.get('detail')}")
    summary = report.get("summary", {})
    if summary:
        click.echo(f"errors: {summary.get('errors', 0)}  warnings: {summary.get('warnings', 0)}")
    for finding in report.get("findings", [])[:200]:
        click.echo(
            f"  [{finding.get('severity')}] {finding.get('code')} "
            f"{finding.get('feature') or ''}: {finding.get('detail')}"
        )
