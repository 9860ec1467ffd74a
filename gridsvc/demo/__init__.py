"""The demo county (雨湖区, 430302): ``flask --app gridsvc demo load`` and ``demo logins``.

Demo data goes in through the same service paths users use; loading twice changes nothing. The
services only flush: ``load`` is the entry point and commits after each part, so a part that fails
leaves the parts before it in place and a second ``load`` carries on from there.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from gridsvc.demo.boundaries import load_demo_boundaries
from gridsvc.demo.catalogue import load_demo_catalogue
from gridsvc.demo.incidents import load_demo_incidents
from gridsvc.demo.routing import load_demo_routing
from gridsvc.demo.streets import demo_street_network
from gridsvc.demo.users import DEMO_PASSWORD, DEMO_USERS, ensure_demo_users
from gridsvc.demo.workers import load_demo_workers
from gridsvc.extensions import db

demo_cli = AppGroup("demo", help="Load and describe the demo county.")


@demo_cli.command("load")
@click.option("--force", is_flag=True, help="Allow loading into a production database.")
def load(force: bool) -> None:
    """Load the demo county: boundaries, teams, users, grid workers, incidents (idempotent)."""
    if current_app.config.get("ENV_NAME") == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")

    load_demo_boundaries(echo=click.echo)
    db.session.commit()
    created = ensure_demo_users()
    db.session.commit()
    click.echo(f"demo users: {created} created, {len(DEMO_USERS) - created} already present")

    load_demo_routing(echo=click.echo)
    db.session.commit()
    load_demo_catalogue(echo=click.echo)
    db.session.commit()

    load_demo_workers(echo=click.echo)
    db.session.commit()

    load_demo_incidents(echo=click.echo)
    db.session.commit()


@demo_cli.command("streets")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def streets(path: str) -> None:
    """Write the demo county's synthetic street network (GeoJSON) for 多网合一 along streets."""
    network = demo_street_network()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(network, fh)
    click.echo(f"demo: {len(network['coordinates'])} street lines written to {path}")


@demo_cli.command("logins")
def logins() -> None:
    """Print the demo logins."""
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for user in DEMO_USERS:
        scope = user.get("township_code") or user.get("county_code") or "global"
        click.echo(
            f"  {user['username']:<22} {user['role']:<20} {scope:<10} {user['display_name']}"
        )
