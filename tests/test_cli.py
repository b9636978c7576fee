"""Operators create staff accounts and reset passwords from the command line."""

from __future__ import annotations

from sqlalchemy import select

from blog.extensions import db
from blog.models import LoginFailure, Role, User
from blog.models.base import utcnow

GOOD = "violet evergarden 1"


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_create_user_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "Ann@Example.org", "--role", "editor", "--name", "Ann Onymous", "--password-stdin"],
        input=GOOD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created editor Ann Onymous <ann@example.org>." in result.output
    user = _user("ann@example.org")
    assert user.role == Role.EDITOR and user.name == "Ann Onymous"
    assert user.check_password(GOOD)
    assert user.password_hash.startswith("scrypt:32768:8:1$")  # werkzeug's full cost, not the tests' light one
    assert GOOD not in result.output


def test_create_user_prompts_twice_without_echoing(app):
    result = app.test_cli_runner().invoke(args=["create-user", "bob@example.org"], input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert GOOD not in result.output
    user = _user("bob@example.org")
    assert user.role == Role.AUTHOR and user.name == "bob" and user.check_password(GOOD)


def test_mismatched_confirmation_asks_again(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "bob@example.org"], input=f"{GOOD}\nsomething else\n{GOOD}\n{GOOD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert _user("bob@example.org").check_password(GOOD)


def test_weak_password_is_refused_with_a_clear_message(app):
    result = app.test_cli_runner().invoke(args=["create-user", "c@example.org", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "too short: use at least 10 characters" in result.output
    assert _user("c@example.org") is None


def test_email_as_password_is_refused(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "longname@example.org", "--password-stdin"], input="longname@example.org\n"
    )
    assert result.exit_code == 1
    assert "Don't use your email address" in result.output


def test_empty_stdin_is_refused_not_a_blank_password(app):
    result = app.test_cli_runner().invoke(args=["create-user", "d@example.org", "--password-stdin"], input="")
    assert result.exit_code == 1
    assert "No password on stdin" in result.output
    assert _user("d@example.org") is None


def test_duplicate_email_is_refused_before_asking_for_a_password(app, make_user):
    make_user(email="ann@example.org")
    result = app.test_cli_runner().invoke(args=["create-user", "ANN@example.org"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Password:" not in result.output


def test_invalid_email_and_role_are_refused(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "not-an-email", "--password-stdin"], input=GOOD + "\n")
    assert result.exit_code == 1 and "not a valid email address" in result.output
    result = runner.invoke(args=["create-user", "e@example.org", "--role", "overlord", "--password-stdin"])
    assert result.exit_code == 2 and "overlord" in result.output


def test_reset_password_sets_a_new_one_and_signs_out_everywhere(app, make_user):
    user = make_user(email="ann@example.org")
    old_version = user.session_version
    db.session.add(LoginFailure(email="ann@example.org", ip="1.2.3.4", created_at=utcnow()))
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["reset-password", "ann@example.org", "--password-stdin"], input="a much better password\n"
    )
    assert result.exit_code == 0, result.output
    user = _user("ann@example.org")
    assert user.check_password("a much better password")
    assert user.session_version == old_version + 1
    assert db.session.scalar(select(LoginFailure)) is None


def test_reset_password_can_generate_one(app, make_user):
    make_user(email="ann@example.org")
    result = app.test_cli_runner().invoke(args=["reset-password", "ann@example.org", "--generate"])
    assert result.exit_code == 0, result.output
    password = next(line for line in result.output.splitlines() if line.startswith("Password: ")).split(": ", 1)[1]
    assert len(password) >= 16
    assert _user("ann@example.org").check_password(password)


def test_reset_password_for_unknown_email_and_weak_password(app, make_user):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reset-password", "nobody@example.org", "--generate"])
    assert result.exit_code == 1 and "No account has the email nobody@example.org" in result.output
    make_user(email="ann@example.org")
    result = runner.invoke(args=["reset-password", "ann@example.org", "--password-stdin"], input="tiny\n")
    assert result.exit_code == 1 and "too short" in result.output


def test_created_user_signs_in_through_the_login_page(app, client):
    app.test_cli_runner().invoke(
        args=["create-user", "ann@example.org", "--role", "author", "--password-stdin"], input=GOOD + "\n"
    )
    response = client.post("/login", data={"email": "ann@example.org", "password": GOOD})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
