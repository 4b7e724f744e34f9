"""Settings: typed values from TVDBD_* variables and options; a bad value stops the start with
a message naming the setting and the value."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import OFFLINE_ENV
from tvdbd.cli import main
from tvdbd.db.engine import make_engine
from tvdbd.errors import ConfigError
from tvdbd.settings import Settings


def test_defaults_are_sqlite_in_tvdbd_data_and_any_api_key() -> None:
    settings = Settings.from_env({})
    assert settings.data_dir == Path("tvdbd-data")
    assert settings.database_url == ""
    assert settings.api_key_policy == "any"
    assert settings.token_lifetime_seconds == 86400
    assert settings.load_demo is True
    assert settings.accept_version_negotiation is False
    assert settings.resolved_signing_key_file == Path("tvdbd-data") / "jwt-signing.key"
    expected = (Path.cwd() / "tvdbd-data" / "tvdbd.sqlite3").resolve()
    assert settings.resolved_database_url == f"sqlite:///{expected}"


def test_defaults_do_not_read_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TVDBD_DATA_DIR", "/somewhere/else")
    assert Settings.from_env({}).data_dir == Path("tvdbd-data")
    assert Settings.from_env().data_dir == Path("/somewhere/else")


def test_every_setting_is_read_from_its_environment_variable(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "TVDBD_DATA_DIR": str(tmp_path),
            "TVDBD_DATABASE_URL": "postgresql://u@h/db",
            "TVDBD_API_KEY_POLICY": "registered",
            "TVDBD_TOKEN_LIFETIME_SECONDS": " 3600 ",
            "TVDBD_SIGNING_KEY_FILE": str(tmp_path / "key"),
            "TVDBD_LOAD_DEMO": "off",
            "TVDBD_ACCEPT_VERSION_NEGOTIATION": "on",
            "TVDBD_UNKNOWN": "ignored",
        }
    )
    assert settings == Settings(
        data_dir=tmp_path,
        database_url="postgresql://u@h/db",
        api_key_policy="registered",
        token_lifetime_seconds=3600,
        signing_key_file=tmp_path / "key",
        load_demo=False,
        accept_version_negotiation=True,
    )
    assert settings.resolved_database_url == "postgresql://u@h/db"
    assert settings.resolved_signing_key_file == tmp_path / "key"


def test_options_win_over_the_environment_and_none_means_not_given(tmp_path: Path) -> None:
    env = {"TVDBD_DATA_DIR": "/from/env", "TVDBD_DATABASE_URL": "sqlite:///env.db"}
    settings = Settings.from_env(env, data_dir=tmp_path, database_url=None)
    assert settings.data_dir == tmp_path
    assert settings.database_url == "sqlite:///env.db"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", " on "])
def test_true_booleans(raw: str) -> None:
    assert Settings.from_env({"TVDBD_LOAD_DEMO": raw}).load_demo is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "off"])
def test_false_booleans(raw: str) -> None:
    assert Settings.from_env({"TVDBD_LOAD_DEMO": raw}).load_demo is False


BAD_VALUES = [
    ("TVDBD_API_KEY_POLICY", "maybe",
     "Setting 'api_key_policy' has value 'maybe'. Expected one of: any, registered."),
    ("TVDBD_API_KEY_POLICY", "",
     "Setting 'api_key_policy' has value ''. Expected one of: any, registered."),
    ("TVDBD_API_KEY_POLICY", "Any",
     "Setting 'api_key_policy' has value 'Any'. Expected one of: any, registered."),
    ("TVDBD_TOKEN_LIFETIME_SECONDS", "abc",
     "Setting 'token_lifetime_seconds' has value 'abc'. Not a valid int."),
    ("TVDBD_TOKEN_LIFETIME_SECONDS", "1.5",
     "Setting 'token_lifetime_seconds' has value '1.5'. Not a valid int."),
    ("TVDBD_TOKEN_LIFETIME_SECONDS", "0",
     "Setting 'token_lifetime_seconds' has value 0. Expected a positive number of seconds."),
    ("TVDBD_TOKEN_LIFETIME_SECONDS", "-60",
     "Setting 'token_lifetime_seconds' has value -60. Expected a positive number of seconds."),
    ("TVDBD_LOAD_DEMO", "maybe", "Setting 'load_demo' has value 'maybe'. Not a valid bool."),
    ("TVDBD_ACCEPT_VERSION_NEGOTIATION", "v2",
     "Setting 'accept_version_negotiation' has value 'v2'. Not a valid bool."),
]  # fmt: skip


@pytest.mark.parametrize(("variable", "raw", "message"), BAD_VALUES)
def test_a_bad_value_names_the_setting_and_the_value(variable: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        Settings.from_env({variable: raw})


@pytest.mark.parametrize(("variable", "raw", "message"), BAD_VALUES[::3])
def test_a_bad_value_stops_every_command_before_it_starts(
    variable: str, raw: str, message: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVDBD_")}
    env.update(OFFLINE_ENV)
    env[variable] = raw
    for command in (["serve"], ["db", "upgrade"], ["import", "-"]):
        result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), *command], env=env)
        assert result.exit_code == 2, result.output
        assert f"Error: {message}" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "tvdbd.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "Setting 'database_url' has value 'mysql://u@h/db'. Only sqlite:// "
         "and postgresql:// are supported."),
        ("::nonsense::", "Setting 'database_url' has value '::nonsense::'. Not a valid URL."),
    ],
)  # fmt: skip
def test_a_bad_database_url_names_the_setting_and_the_value(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        make_engine(url)


def test_the_serve_option_for_the_key_policy_only_takes_known_values(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path), "serve", "--api-key-policy", "maybe"]
    )
    assert result.exit_code == 2
    assert "'maybe' is not one of 'any', 'registered'" in result.output


def test_every_setting_has_help_text() -> None:
    for f in dataclasses.fields(Settings):
        assert len(f.metadata.get("help", "")) > 10, f.name


def test_settings_are_immutable_and_changed_by_copy() -> None:
    settings = Settings.from_env({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.api_key_policy = "registered"  # type: ignore[misc]
    changed = settings.with_changes(api_key_policy="registered")
    assert (settings.api_key_policy, changed.api_key_policy) == ("any", "registered")
    with pytest.raises(ConfigError):
        settings.with_changes(api_key_policy="maybe")
