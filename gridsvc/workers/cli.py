"""``flask --app gridsvc tracks …``: patrol day summaries and the retention of raw track points."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from gridsvc.extensions import db
from gridsvc.workers import retention, summarise
from gridsvc.workers.tasks import drop_expired_months

tracks_cli = AppGroup("tracks", help="Patrol track summaries and retention.")


@tracks_cli.command("summarise")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="One Asia/Shanghai day to summarise again (default: the closed days that are due).",
)
def summarise_days(day: datetime | None) -> None:
    """Store per-day patrol summaries (what beat runs hourly)."""
    if day is not None:
        workers = summarise.summarise(day.date())
        db.session.commit()
        if workers is None:
            click.echo(f"{day.date()}: raw points no longer kept; the summaries stay as they are")
        else:
            click.echo(f"{day.date()}: {workers} workers summarised")
        return
    click.echo(summarise.summarise_closed_days(datetime.now(UTC), progress=db.session.commit))


@tracks_cli.command("drop-expired")
@click.option("--dry-run", is_flag=True, help="Only list the partitions that have expired.")
def drop_expired(dry_run: bool) -> None:
    """Summarise, archive (TRACK_ARCHIVE_DIR) and drop partitions older than the retention."""
    now = datetime.now(UTC)
    if dry_run:
        expired = [name for name, _, _ in retention.expired_partitions(now)]
        click.echo(f"expired: {', '.join(expired) or 'none'}")
        return
    click.echo(drop_expired_months(now))
