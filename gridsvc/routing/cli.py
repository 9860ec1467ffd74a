"""``flask --app gridsvc routing …``: the SLA sweep, webhook delivery, the office calendar."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from gridsvc.extensions import db
from gridsvc.routing.cases.on_site_notices import late_photos
from gridsvc.routing.deadlines import statutory
from gridsvc.routing.deadlines.models import WorkCalendarDay
from gridsvc.routing.deadlines.sweep import sweep
from gridsvc.routing.directory.responsibility import today
from gridsvc.routing.notices.webhooks import deliver_due

routing_cli = AppGroup("routing", help="Deadlines, supervision and notices.")


@routing_cli.command("sla-sweep")
def sla_sweep() -> None:
    """Issue the supervision notices (督办) due now (what beat runs every minute), and ask the
    leads about on-the-spot reports whose photos are late."""
    issued = sweep()["notices"]
    late = late_photos()
    db.session.commit()
    click.echo(f"supervision notices issued: {issued}")
    click.echo(f"on-the-spot reports with photos late, announced: {late}")


@routing_cli.command("deliver-webhooks")
def deliver_webhooks() -> None:
    """Post the webhook deliveries that are due."""
    counts = deliver_due()
    db.session.commit()
    click.echo(counts)


@routing_cli.command("calendar-set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--holiday", "kind", flag_value="holiday", help="A public holiday (no work).")
@click.option("--workday", "kind", flag_value="workday", help="A weekend day worked (调休).")
@click.option("--note", default=None, help="e.g. 春节")
def calendar_set(day, kind, note) -> None:
    """Mark DAY a holiday or a worked weekend day for working-hour deadlines."""
    if kind is None:
        raise click.UsageError("give --holiday or --workday")
    row = db.session.get(WorkCalendarDay, day.date()) or WorkCalendarDay(day=day.date())
    row.workday, row.note, row.source = kind == "workday", note, "manual"
    db.session.add(row)
    db.session.commit()
    click.echo(f"{day.date()} is now a {kind}")


@routing_cli.command("calendar-fill")
@click.option(
    "--year", "years", type=int, multiple=True, help="Repeatable; default this year and the next."
)
def calendar_fill(years) -> None:
    """China's statutory holidays and 调休 workdays from the holidays package (hand edits stay)."""
    this_year = today().year
    counts = statutory.fill(years or (this_year, this_year + 1))
    db.session.commit()
    click.echo(counts)


@routing_cli.command("calendar-list")
@click.option("--year", type=int, default=None)
def calendar_list(year) -> None:
    """The holidays and worked weekend days on record."""
    stmt = select(WorkCalendarDay).order_by(WorkCalendarDay.day)
    if year:
        stmt = stmt.where(WorkCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
    for row in db.session.scalars(stmt):
        kind = "workday" if row.workday else "holiday"
        click.echo(f"{row.day} {kind} {row.note or ''} ({row.source})")
