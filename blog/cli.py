"""``flask`` commands: create-user, reset-password, seed-demo, setup-demo and each area's own.

Commands parse arguments, call one function of an area and print the outcome; the rules
(password strength, duplicate emails, idempotent seeding) live in those functions.
"""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from blog.errors import DomainError
from blog.extensions import db
from blog.models.accounts import Role


def _min_length() -> int:
    return int(current_app.config["PASSWORD_MIN_LENGTH"])


def _read_password(from_stdin: bool) -> str:
    """From the first line of stdin, or a hidden prompt typed twice. Never a default."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise click.ClickException('No password on stdin: pipe it in, e.g. `printf %s "$PW" | flask ...`.')
        return password
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _fail(error: DomainError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(error.message)


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role], case_sensitive=False),
    default=Role.AUTHOR.value,
    show_default=True,
    help="What the account may do.",
)
@click.option("--name", default="", help="Display name (default: the part of the email before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@with_appcontext
def create_user_command(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account with a password, e.g. flask create-user ann@example.org --role editor --name Ann."""
    from blog.auth.accounts import check_password_strength, create_user, find_user, valid_email

    try:
        email = valid_email(email)
        # Check before asking, so nobody types a password twice for an account that can't be made.
        if find_user(email) is not None:
            raise DomainError(f"A user with the email {email} already exists.")
        password = _read_password(password_stdin)
        check_password_strength(password, min_length=_min_length(), email=email)
        user = create_user(email, name=name, role=role.lower(), password=password, min_length=_min_length())
        db.session.commit()
    except DomainError as error:
        raise _fail(error) from None
    click.echo(f"Created {user.role.value} {user.name} <{user.email}>.")


@click.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of stdin.")
@click.option("--generate", is_flag=True, help="Make up a strong password and print it once.")
@with_appcontext
def reset_password_command(email: str, password_stdin: bool, generate: bool) -> None:
    """Set a new password for EMAIL; signs that account out everywhere and lifts any lock-out."""
    from blog.auth.accounts import find_user, generate_password, reset_password

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No account has the email {email.strip().lower()}.")
    password = generate_password() if generate else _read_password(password_stdin)
    try:
        reset_password(user, password, min_length=_min_length())
        db.session.commit()
    except DomainError as error:
        raise _fail(error) from None
    click.echo(f"New password set for {user.email}.")
    if generate:
        click.echo(f"Password: {password}")
        click.echo("It is shown only this once.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load the demo review "Fond Memories Part 1: Magnetic Rose", two draft parts and the About and
    How I score pages (idempotent)."""
    from blog.demo import demo_author, seed_demo

    author = demo_author()
    if author is None:
        raise click.ClickException(
            "The demo posts belong to the admin, and there is none yet: run `flask setup-demo`, or "
            "`flask create-user EMAIL --role admin` first."
        )
    result = seed_demo(author)
    for post in result.created:
        click.echo(f"Created “{post.title}” ({post.display_status}).")
    for page in result.pages_created:
        click.echo(f"Created the page “{page.title}” at /{page.slug}/ (in the site menu).")
    if not result.created and not result.pages_created:
        click.echo("The demo posts and pages are already there; nothing to do.")


def _box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 4) + "+"
    return "\n".join([rule, *[f"|  {line.ljust(width)}  |" for line in lines], rule])


@click.command("setup-demo")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="Where the site will be served.")
@with_appcontext
def setup_demo_command(url: str) -> None:
    """Everything `make run` needs: secret key, migrations, admin account and demo posts."""
    from blog.demo.setup import ADMIN_EMAIL, setup_demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    report = setup_demo(app)
    if report.secret_key_file is not None:
        click.echo(f"Wrote a new SECRET_KEY to {report.secret_key_file} (keep it private).")
    click.echo("Database is up to date.")
    for post in report.seeded:
        click.echo(f"Demo post: “{post.title}” ({post.display_status}).")
    for page in report.seeded_pages:
        click.echo(f"Demo page: “{page.title}” at /{page.slug}/.")
    login_url = url.rstrip("/") + "/login"
    if report.admin_password is not None:
        click.echo(
            _box(
                [
                    "Sargasso is ready. Sign in as the admin:",
                    "",
                    f"  Address:  {login_url}",
                    f"  Email:    {report.admin.email}",
                    f"  Password: {report.admin_password}",
                    "",
                    "This password is shown only once; note it now.",
                    f"Forgot it? Run: .venv/bin/flask reset-password {report.admin.email} --generate",
                ]
            )
        )
    else:
        email = report.admin.email or ADMIN_EMAIL
        click.echo(f"The admin account {email} already exists; sign in at {login_url}.")
        click.echo(f"Lost its password? Run: .venv/bin/flask reset-password {email} --generate")
    sys.stdout.flush()


def init_app(app: Flask) -> None:
    """Register every command group; areas add theirs here, one line each."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(reset_password_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(setup_demo_command)
    from blog.comments.commands import comments_cli

    app.cli.add_command(comments_cli)
    from blog.posts.announce import announce_due_command

    app.cli.add_command(announce_due_command)
    from blog import dataset

    dataset.init_app(app)
    from blog.rerender import rerender_command

    app.cli.add_command(rerender_command)
    from blog import portability

    portability.init_app(app)  # export, import
    from blog.imports import wordpress

    wordpress.init_app(app)  # import-wordpress
