"""Settings as typed data: every value has help text and is checked when it is read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tvdbd.errors import ConfigError

API_KEY_POLICIES = ("any", "registered")


@dataclass(frozen=True)
class Settings:
    """Everything the server and the CLI can be told; environment variables are TVDBD_<NAME>."""

    # Defaults only: the environment is read by `from_env`, not here.
    data_dir: Path = field(
        default=Path("tvdbd-data"),
        metadata={"help": "Folder for the SQLite file and the JWT signing key."},
    )
    database_url: str = field(
        default="",
        metadata={"help": "SQLAlchemy URL; empty means a SQLite file in data_dir."},
    )
    api_key_policy: str = field(
        default="any",
        metadata={
            "help": "'any' accepts any non-empty API key at /login (drop-in mode); "
            "'registered' accepts only keys made with `tvdbd apikey create`."
        },
    )
    token_lifetime_seconds: int = field(
        default=86400, metadata={"help": "How long a JWT from /login or /refresh_token lives."}
    )
    signing_key_file: Path | None = field(
        default=None,
        metadata={"help": "File holding the JWT signing key; default data_dir/jwt-signing.key."},
    )
    load_demo: bool = field(
        default=True,
        metadata={"help": "Load the shipped demo catalogue on first start of an empty database."},
    )
    image_dir: Path | None = field(
        default=None,
        metadata={
            "help": "Image store served under /banners/ (originals at the paths records use); "
            "default data_dir/banners."
        },
    )
    response_cache_mb: int = field(
        default=64,
        metadata={
            "help": "Memory per worker for encoded catalogue answers (0 turns the cache off)."
        },
    )
    cache_max_age: int = field(
        default=86400,
        metadata={"help": "Seconds in the API's `Cache-Control: private, max-age=...` header."},
    )
    accept_version_negotiation: bool = field(
        default=False,
        metadata={
            "help": "Serve the v2.2.0 record shapes to `Accept: application/vnd.thetvdb.v2...`; "
            "off (the default), every request gets the 3.0.0 shapes whatever Accept says, "
            "as the real API did in its last years."
        },
    )

    def __post_init__(self) -> None:
        if self.api_key_policy not in API_KEY_POLICIES:
            raise ConfigError(
                f"Setting 'api_key_policy' has value {self.api_key_policy!r}. "
                f"Expected one of: {', '.join(API_KEY_POLICIES)}."
            )
        if self.token_lifetime_seconds <= 0:
            raise ConfigError(
                f"Setting 'token_lifetime_seconds' has value {self.token_lifetime_seconds!r}. "
                "Expected a positive number of seconds."
            )
        if self.response_cache_mb < 0:
            raise ConfigError(
                f"Setting 'response_cache_mb' has value {self.response_cache_mb!r}. "
                "Expected 0 (off) or a positive number of megabytes."
            )
        if self.cache_max_age < 0:
            raise ConfigError(
                f"Setting 'cache_max_age' has value {self.cache_max_age!r}. "
                "Expected zero or a positive number of seconds."
            )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tvdbd.sqlite3').resolve()}"

    @property
    def resolved_signing_key_file(self) -> Path:
        return self.signing_key_file or self.data_dir / "jwt-signing.key"

    @property
    def resolved_image_dir(self) -> Path:
        return self.image_dir or self.data_dir / "banners"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Read TVDBD_* variables, then apply explicit overrides (CLI options win)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"TVDBD_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)


def _parse(name: str, type_name: Any, raw: str) -> Any:
    kind = str(type_name)
    if "bool" in kind:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"Setting '{name}' has value {raw!r}. Not a valid bool.")
    if "int" in kind:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"Setting '{name}' has value {raw!r}. Not a valid int.") from None
    if "Path" in kind:
        return Path(raw)
    return raw
