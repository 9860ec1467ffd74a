"""``flask --app gridsvc users …``: create users from the shell (first admin, scripted set-up)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from gridsvc.accounts import service, throttle
from gridsvc.accounts.models import ROLES
from gridsvc.accounts.schemas import UserCreate
from gridsvc.accounts.scope import SHELL_SCOPE
from gridsvc.errors import DomainError
from gridsvc.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--county", "county_code", default=None, help="6-digit county code.")
@click.option("--township", "township_code", default=None, help="9-digit township code.")
@click.option("--team", "team_id", type=int, default=None)
@click.option("--name", "display_name", default=None)
def create(username, role, password, county_code, township_code, team_id, display_name):
    """Create USERNAME with a role and scope."""

    data = {"username": username, "role": role, "password": password}
    for key, value in {
        "county_code": county_code,
        "township_code": township_code,
        "team_id": team_id,
        "display_name": display_name,
    }.items():
        if value is not None:
            data[key] = value
    errors = UserCreate().validate(data)
    if errors:
        raise click.ClickException(f"invalid: {errors}")
    try:
        user = service.create_user(SHELL_SCOPE, UserCreate().load(data))
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail} {exc.errors or ''}") from exc
    db.session.commit()
    click.echo(f"created user {user.username} (id {user.id}, role {user.role})")


@users_cli.command("unlock")
@click.argument("username")
def unlock(username):
    """Lift the login delay on USERNAME after failed logins (when no admin can log in to do it)."""
    user = service.find_by_username(username)
    failures = throttle.unlock(username, user_id=user.id if user else None, actor_id=None)
    db.session.commit()
    click.echo(f"unlocked {username} ({failures} failed logins forgotten)")
