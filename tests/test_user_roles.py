"""Account roles (`tvdbd user create --admin|--role`, `tvdbd user grant`), kept in backups."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine

from tests.api.accounts import tvdbd_on, unique_name
from tests.support import Databases
from tvdbd.db import users
from tvdbd.roles import ROLES, has_role


@pytest.fixture
def database(backend: str, databases: Databases) -> tuple[str, Engine]:
    return databases.new_engine(backend)


def _role_of(engine: Engine, name: str) -> str:
    with engine.connect() as conn:
        return next(str(r["role"]) for r in users.list_users(conn) if r["username"] == name)


def test_roles_are_ordered_and_unknown_roles_grant_nothing() -> None:
    assert ROLES == ("user", "editor", "admin")
    assert has_role("admin", "editor") and has_role("editor", "editor")
    assert not has_role("user", "editor") and not has_role("editor", "admin")
    assert not has_role("root", "user") and not has_role("admin", "root")


def test_a_new_account_is_a_plain_user_and_admin_makes_an_admin(
    database: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = database
    plain, boss = unique_name("plain"), unique_name("boss")
    assert tvdbd_on(url, tmp_path, "user", "create", plain).exit_code == 0
    assert tvdbd_on(url, tmp_path, "user", "create", boss, "--admin").exit_code == 0
    assert _role_of(engine, plain) == "user"
    assert _role_of(engine, boss) == "admin"
    listed = tvdbd_on(url, tmp_path, "user", "list").output
    assert f"{boss}\tadmin\t" in listed and f"{plain}\tuser\t" in listed


def test_grant_changes_the_role_and_names_a_missing_user_or_a_bad_role(
    database: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = database
    name = unique_name("ed")
    assert tvdbd_on(url, tmp_path, "user", "create", name).exit_code == 0
    granted = tvdbd_on(url, tmp_path, "user", "grant", name, "editor")
    assert granted.exit_code == 0 and f"{name} is now editor." in granted.output
    assert _role_of(engine, name) == "editor"
    missing = tvdbd_on(url, tmp_path, "user", "grant", "nobody-here", "admin")
    assert missing.exit_code != 0 and "No user named 'nobody-here'" in missing.output
    bad = tvdbd_on(url, tmp_path, "user", "grant", name, "root")
    assert bad.exit_code != 0 and "root" in bad.output
    assert _role_of(engine, name) == "editor"


def test_roles_travel_in_user_lines_and_a_bad_role_names_the_field(
    database: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = database
    name = unique_name("kept")
    assert tvdbd_on(url, tmp_path, "user", "create", name, "--role", "editor").exit_code == 0
    backup = tmp_path / "users.jsonl"
    assert tvdbd_on(url, tmp_path, "export", "--with-users", str(backup)).exit_code == 0
    lines = [orjson.loads(line) for line in backup.read_bytes().splitlines()]
    (line,) = [x for x in lines if x.get("user", {}).get("userName") == name]
    assert line["user"]["role"] == "editor"

    line["user"]["role"] = "admin"
    backup.write_bytes(orjson.dumps(line) + b"\n")
    assert tvdbd_on(url, tmp_path, "import", str(backup)).exit_code == 0
    assert _role_of(engine, name) == "admin"

    line["user"]["role"] = "superuser"
    backup.write_bytes(orjson.dumps(line) + b"\n")
    result = tvdbd_on(url, tmp_path, "import", str(backup))
    assert "user.role" in result.output
    assert _role_of(engine, name) == "admin"
