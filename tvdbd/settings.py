"""Settings as typed data: every value has help text and is checked when it is read."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from limits import RateLimitItem
from limits import parse as parse_rate

from tvdbd.errors import ConfigError

API_KEY_POLICIES = ("any", "registered")
# `auto`: TheTVDB v4 when a v4 API key is set, else TVmaze (open, no key).
READ_THROUGH_SOURCES = ("auto", "off", "tvdb-v4", "tvmaze", "mirror")


class Secret:
    """A setting's value that must not show up in logs, reprs or tracebacks (API keys, PINs)."""

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


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
    store_episode_pages: bool = field(
        default=True,
        metadata={
            "help": "Store each episode page whole at import (one row per page and language): "
            "pages answer 3-4x faster with the response cache off, for about as much disk "
            "again as the episode records (+1.0 GB on the 10% bench catalogue, 13 languages)."
        },
    )
    cache_max_age: int = field(
        default=86400,
        metadata={"help": "Seconds in the API's `Cache-Control: private, max-age=...` header."},
    )
    # Defending the server (tvdbd.http.limits, tvdbd.serving).
    rate_limit_per_ip: str = field(
        default="off",
        metadata={
            "help": "Requests a client IP may send (a moving window: '6000/minute', "
            "'50 per second'); 'off' (the default) for no limit. Over it: 429 with "
            "Retry-After. Costs about 3 µs a request."
        },
    )
    rate_limit_per_key: str = field(
        default="off",
        metadata={"help": "Requests per API key (the token's key), as rate_limit_per_ip."},
    )
    login_failures_per_user: str = field(
        default="10 per 15 minutes",
        metadata={
            "help": "Failed logins one client address may have for one user name before "
            "/login answers that pair 429 for the rest of the window (user-key guessing; "
            "backoff after the third); other addresses are not affected. 'off': no guard."
        },
    )
    login_failures_per_ip: str = field(
        default="30 per 15 minutes",
        metadata={"help": "Failed logins a client address may have for any names together."},
    )
    max_body_bytes: int = field(
        default=65536, metadata={"help": "Largest request body accepted (413 above)."}
    )
    page_upload_max_bytes: int = field(
        default=20 * 1024 * 1024,
        metadata={"help": "Largest artwork file an editor may upload on the pages (413 above)."},
    )
    request_body_timeout_seconds: float = field(
        default=10.0, metadata={"help": "Longest wait for a request body (408 after)."}
    )
    request_head_timeout_seconds: float = field(
        default=10.0,
        metadata={
            "help": "Longest wait for a request's line and headers once a connection (or its "
            "next request) starts; then the connection is closed with 408."
        },
    )
    max_header_bytes: int = field(
        default=16384,
        metadata={
            "help": "Most bytes of request headers (all of them together) accepted; above "
            "it: 431 and the connection closes."
        },
    )
    max_url_bytes: int = field(
        default=16384,
        metadata={
            "help": "Longest request URL (path and query) accepted; above it: 414 and the "
            "connection closes."
        },
    )
    graceful_shutdown_seconds: int = field(
        default=30,
        metadata={"help": "On SIGTERM, how long requests in flight may take to finish."},
    )
    metrics: bool = field(
        default=False,
        metadata={"help": "Serve Prometheus metrics at GET /metrics (no token)."},
    )
    access_log: bool = field(
        default=False,
        metadata={"help": "Write one JSON line per request to standard error."},
    )
    redis_url: str = field(
        default="",
        metadata={
            "help": "Redis URL (redis://host:6379/0) for response-cache invalidation across "
            "hosts over pub/sub, and request rates and the login guard shared by every "
            "worker and host; empty: PostgreSQL's LISTEN/NOTIFY (SQLite has one host) and "
            "counts per worker. While Redis is down, each worker counts alone."
        },
    )
    # Listening (tvdbd.serving): plain HTTP, HTTPS, or both for the drop-in mode.
    listen_address: str = field(
        default="127.0.0.1",
        metadata={
            "help": "Address every listener binds (`serve --host`); 0.0.0.0 for all IPv4 "
            "addresses, :: for all IPv6 ones."
        },
    )
    https_port: int = field(
        default=443,
        metadata={"help": "Port of the HTTPS listener of `serve --drop-in`."},
    )
    http_port: int = field(
        default=80,
        metadata={"help": "Port of the plain HTTP listener of `serve --drop-in`; 0: none."},
    )
    tls_cert_file: Path | None = field(
        default=None,
        metadata={
            "help": "Certificate (PEM, with its chain) for HTTPS; default: the one "
            "`tvdbd tls init` makes, data_dir/tls/server.crt."
        },
    )
    tls_key_file: Path | None = field(
        default=None,
        metadata={"help": "The private key of tls_cert_file (PEM, not encrypted)."},
    )
    # Live sources (tvdbd.sources): TheTVDB v4 with the operator's key, TVmaze's open API.
    tvdb_v4_api_key: Secret = field(
        default=Secret(""),
        metadata={"help": "Your TheTVDB v4 API key (project key); never logged."},
    )
    tvdb_v4_pin: Secret = field(
        default=Secret(""),
        metadata={"help": "Subscriber PIN for a user-supported v4 key; never logged."},
    )
    tvdb_v4_url: str = field(
        default="https://api4.thetvdb.com/v4",
        metadata={"help": "Base URL of TheTVDB API v4."},
    )
    tvdb_v4_artwork_url: str = field(
        default="https://artworks.thetvdb.com/banners/",
        metadata={
            "help": "Where v4 artwork paths are downloaded from (the legacy /banners/ root)."
        },
    )
    tvmaze_url: str = field(
        default="https://api.tvmaze.com",
        metadata={"help": "Base URL of the TVmaze API."},
    )
    tvmaze_image_url: str = field(
        default="https://static.tvmaze.com/uploads/images/",
        metadata={"help": "Where TVmaze image paths are downloaded from."},
    )
    tvmaze_rate_per_second: float = field(
        default=2.0,
        metadata={"help": "Requests per second sent to TVmaze (it allows 20 per 10 s); 0: no cap."},
    )
    mirror_url: str = field(
        default="",
        metadata={"help": "Another v2 server to read through from (read_through 'mirror')."},
    )
    mirror_api_key: Secret = field(
        default=Secret(""),
        metadata={"help": "An API key that server accepts; never logged."},
    )
    mirror_languages: str = field(
        default="en",
        metadata={
            "help": "Languages read from a mirrored server, comma-separated; the first is "
            "each series' base language."
        },
    )
    read_through: str = field(
        default="auto",
        metadata={
            "help": "Fetch a series missing from the catalogue from a live source when a client "
            "asks for it: 'tvdb-v4', 'tvmaze' (by TheTVDB id), 'mirror' (mirror_url) or 'off' "
            "(air-gapped installs); 'auto' means tvdb-v4 when a v4 API key is set, else TVmaze "
            "(open, no key; its data is CC BY-SA 4.0)."
        },
    )
    source_timeout_seconds: float = field(
        default=10.0,
        metadata={
            "help": "Longest a request waits for a read-through fetch; then it is answered from "
            "what is stored while the fetch goes on. Also the timeout of each upstream request."
        },
    )
    source_concurrency: int = field(
        default=4, metadata={"help": "Upstream requests in flight at once, per process."}
    )
    source_retries: int = field(
        default=4,
        metadata={"help": "Retries of an upstream request after a 429, a 5xx or a timeout."},
    )
    source_languages: str = field(
        default="all",
        metadata={
            "help": "Languages fetched from live sources besides the original one: 'all' "
            "(every translation the source has) or a comma list of abbreviations (en,de,fr)."
        },
    )
    source_artwork: bool = field(
        default=True,
        metadata={
            "help": "Download the artwork of fetched series into the image store, so that "
            "/banners/ paths work offline."
        },
    )
    read_through_search_limit: int = field(
        default=5,
        metadata={
            "help": "Series a read-through search fetches when nothing is stored (best first)."
        },
    )
    sync_interval_seconds: int = field(
        default=0,
        metadata={
            "help": "`tvdbd serve` follows TheTVDB v4's update feed every this many seconds "
            "(0: only `tvdbd sync` does)."
        },
    )
    accept_version_negotiation: bool = field(
        default=False,
        metadata={
            "help": "Serve the v2.2.0 record shapes to `Accept: application/vnd.thetvdb.v2...`; "
            "off (the default), every request gets the 3.0.0 shapes whatever Accept says, "
            "as the real API did in its last years."
        },
    )
    v1_mirror_path: str = field(
        default="",
        metadata={
            "help": "The base URL the legacy XML API's mirrors.xml names (e.g. "
            "'http://thetvdb.com'); empty (the default) names the scheme and Host each "
            "client used. Set it behind a proxy that rewrites the Host."
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
        if self.read_through not in READ_THROUGH_SOURCES:
            raise ConfigError(
                f"Setting 'read_through' has value {self.read_through!r}. "
                f"Expected one of: {', '.join(READ_THROUGH_SOURCES)}."
            )
        if self.read_through == "tvdb-v4" and not self.tvdb_v4_api_key:
            raise ConfigError(
                "Setting 'read_through' has value 'tvdb-v4' but 'tvdb_v4_api_key' is empty. "
                "Set TVDBD_TVDB_V4_API_KEY to your TheTVDB v4 API key."
            )
        if self.read_through == "mirror" and not (self.mirror_url and self.mirror_api_key):
            raise ConfigError(
                "Setting 'read_through' has value 'mirror' but 'mirror_url' or "
                "'mirror_api_key' is empty. Set TVDBD_MIRROR_URL and TVDBD_MIRROR_API_KEY."
            )
        for name in ("source_timeout_seconds", "tvmaze_rate_per_second"):
            value = getattr(self, name)
            if value < 0 or (name == "source_timeout_seconds" and value == 0):
                raise ConfigError(
                    f"Setting {name!r} has value {value!r}. Expected a positive number."
                )
        for name in ("source_concurrency", "read_through_search_limit"):
            if getattr(self, name) < 1:
                raise ConfigError(
                    f"Setting {name!r} has value {getattr(self, name)!r}. "
                    "Expected a whole number of at least 1."
                )
        for name in ("source_retries", "sync_interval_seconds"):
            if getattr(self, name) < 0:
                raise ConfigError(
                    f"Setting {name!r} has value {getattr(self, name)!r}. "
                    "Expected zero or a positive whole number."
                )
        for name in ("max_body_bytes", "page_upload_max_bytes", "graceful_shutdown_seconds"):
            if getattr(self, name) < 0:
                raise ConfigError(
                    f"Setting {name!r} has value {getattr(self, name)!r}. "
                    "Expected zero or a positive whole number."
                )
        for name in ("max_header_bytes", "max_url_bytes"):
            if getattr(self, name) < 1024:
                raise ConfigError(
                    f"Setting {name!r} has value {getattr(self, name)!r}. "
                    "Expected a whole number of bytes, at least 1024."
                )
        for name in ("request_body_timeout_seconds", "request_head_timeout_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(
                    f"Setting {name!r} has value {getattr(self, name)!r}. "
                    "Expected a positive number of seconds."
                )
        for name in ("rate_limit_per_ip", "rate_limit_per_key", "login_failures_per_user",
                     "login_failures_per_ip"):  # fmt: skip
            rate(name, getattr(self, name))
        self.wanted_languages  # noqa: B018 (checks the value)
        self.mirror_language_list  # noqa: B018
        for name in ("https_port", "http_port"):
            value = getattr(self, name)
            if not 0 <= value <= 65535 or (name == "https_port" and value == 0):
                raise ConfigError(
                    f"Setting {name!r} has value {value!r}. Expected a port number "
                    f"({'0 for none, ' if name == 'http_port' else ''}1-65535)."
                )
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ConfigError(
                "Settings 'tls_cert_file' and 'tls_key_file' go together: "
                f"got {self.tls_cert_file!r} and {self.tls_key_file!r}."
            )
        if self.cache_max_age < 0:
            raise ConfigError(
                f"Setting 'cache_max_age' has value {self.cache_max_age!r}. "
                "Expected zero or a positive number of seconds."
            )

    @property
    def resolved_read_through(self) -> str | None:
        """The source a read-through fetches from, or None when it is off."""
        if self.read_through == "auto":
            return "tvdb-v4" if self.tvdb_v4_api_key else "tvmaze"
        return None if self.read_through == "off" else self.read_through

    @property
    def wanted_languages(self) -> frozenset[str] | None:
        """The languages to fetch from live sources; None means every one the source has."""
        from tvdbd.languages import known_abbreviations

        raw = self.source_languages.strip().lower()
        if raw in ("all", "*", ""):
            return None
        wanted = frozenset(part.strip() for part in raw.split(",") if part.strip())
        unknown = sorted(wanted - known_abbreviations())
        if unknown:
            raise ConfigError(
                f"Setting 'source_languages' has value {self.source_languages!r}. "
                f"Unknown language abbreviation(s): {', '.join(unknown)}."
            )
        return wanted

    @property
    def mirror_language_list(self) -> tuple[str, ...]:
        from tvdbd.languages import known_abbreviations

        wanted = tuple(
            dict.fromkeys(p.strip() for p in self.mirror_languages.split(",") if p.strip())
        )
        unknown = [p for p in wanted if p not in known_abbreviations()]
        if not wanted or unknown:
            raise ConfigError(
                f"Setting 'mirror_languages' has value {self.mirror_languages!r}. "
                "Expected a comma list of known language abbreviations (en,de)."
            )
        return wanted

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


def rate(setting: str, value: str) -> RateLimitItem | None:
    """A rate setting (`"6000/minute"`) as a `limits` item; `""`, `"0"`, `"off"` mean none."""
    if value.strip().lower() in ("", "0", "off", "none"):
        return None
    try:
        return parse_rate(value)
    except ValueError:
        raise ConfigError(
            f"Setting {setting!r} has value {value!r}. Expected a rate like '1200/minute' "
            "or '10 per 15 minutes', or 'off'."
        ) from None


def parse_value(name: str, type_name: Any, raw: str) -> Any:
    """One setting's raw text as its type (a ConfigError naming the setting when it is not)."""
    return _parse(name, type_name, raw)


def _parse(name: str, type_name: Any, raw: str) -> Any:
    kind = str(type_name)
    if "Secret" in kind:
        return Secret(raw.strip())
    if "float" in kind:
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"Setting '{name}' has value {raw!r}. Not a valid number.") from None
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
