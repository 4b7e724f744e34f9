"""`tvdbd user ...`: accounts for the /user routes (favorites and ratings)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from tvdbd.cache.marks import bump_for
from tvdbd.cli.group import Context, main, pass_context
from tvdbd.languages import known_abbreviations
from tvdbd.roles import ROLES


@main.group()
def user() -> None:
    """Manage user accounts (user name + user key log in at /login)."""


@user.command("create")
@click.argument("name")
@click.option("--language", default="en", show_default=True, help="The user's language.")
@click.option(
    "--favorites-display-mode",
    default="poster",
    show_default=True,
    help="Served as favoritesDisplaymode by GET /user.",
)
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="user",
    show_default=True,
    help="editor: may also edit catalogue records; admin: may also use the operator pages.",
)
@click.option("--admin", is_flag=True, help="The same as --role admin.")
@pass_context
def user_create(
    ctx: Context, name: str, language: str, favorites_display_mode: str, role: str, admin: bool
) -> None:
    """Create user NAME and print its user key once (only a hash is stored)."""
    from tvdbd.db import users

    if language not in known_abbreviations():
        raise click.BadParameter(f"{language!r} is not a known language abbreviation.")
    try:
        with ctx.engine().begin() as conn:
            key = users.create_user(
                conn,
                name,
                language=language,
                display_mode=favorites_display_mode,
                role="admin" if admin else role,
            )
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(key)


@user.command("list")
@pass_context
def user_list(ctx: Context) -> None:
    """List users with their numbers of favorites and ratings (never their keys)."""
    from tvdbd.db import users

    with ctx.engine().connect() as conn:
        for row in users.list_users(conn):
            created = datetime.fromtimestamp(row["created_at"], UTC).strftime("%Y-%m-%d")
            click.echo(
                f"{row['username']}\t{row['role']}\t{row['language']}\tcreated {created}\t"
                f"{row['favorites']} favorites\t{row['ratings']} ratings"
            )


@user.command("grant")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@pass_context
def user_grant(ctx: Context, name: str, role: str) -> None:
    """Give user NAME a ROLE: user, editor (edits records) or admin (also operator pages)."""
    from tvdbd.db import users

    try:
        with ctx.engine().begin() as conn:
            users.set_role(conn, name, role)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name} is now {role}.")


@user.command("reset-key")
@click.argument("name")
@pass_context
def user_reset_key(ctx: Context, name: str) -> None:
    """Give user NAME a new user key (printed once); tokens made with the old one stop working."""
    from tvdbd.db import users

    try:
        with ctx.engine().begin() as conn:
            key = users.reset_key(conn, name)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(key)


@user.command("delete")
@click.argument("name")
@click.confirmation_option(prompt="Delete this user with all their favorites and ratings?")
@pass_context
def user_delete(ctx: Context, name: str) -> None:
    """Delete user NAME with their favorites and ratings."""
    from tvdbd.db import users

    try:
        engine = ctx.engine()
        with engine.begin() as conn:
            users.delete_user(conn, name)
        bump_for(engine, catalogue=True)  # their ratings leave the site ratings
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Deleted {name}.")
