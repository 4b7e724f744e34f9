"""The `tvdbd` command, run as a real process (`python -m tvdbd`) against each backend."""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from tests.bundles.spec import CANONICAL, line, minimal, write_lines
from tests.support import OFFLINE_ENV, Databases, free_port
from tvdbd.bundles.exporter import export_file
from tvdbd.bundles.importer import import_lines
from tvdbd.cli import main
from tvdbd.db.engine import make_engine
from tvdbd.db.migrate import head_revision, upgrade

CANONICAL_TEXT = b"".join(line(b) for b in CANONICAL)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the caller's TVDBD_* settings (live sources still offline)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVDBD_")}
    env.update(OFFLINE_ENV)
    env.update(extra)
    return env


@dataclass
class Instance:
    """A data dir and database for `tvdbd`: SQLite in the data dir, or a PostgreSQL schema."""

    data_dir: Path
    database_url: str | None

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'tvdbd.sqlite3'}"

    @property
    def options(self) -> list[str]:
        options = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            options += ["--database-url", self.database_url]
        return options

    def run(
        self, *args: str, input: bytes | None = None, **env: str
    ) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [sys.executable, "-m", "tvdbd", *self.options, *args],
            input=input,
            capture_output=True,
            env=clean_env(**env),
            timeout=120,
        )

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        engine = make_engine(self.url)
        try:
            yield engine
        finally:
            engine.dispose()

    def load(self, bundle_text: bytes) -> None:
        """Import through the library (quicker than the command) into a migrated database."""
        with self.engine() as engine:
            upgrade(engine)
            assert import_lines(engine, bundle_text.splitlines()).ok

    def exported(self, tmp_path: Path) -> bytes:
        with self.engine() as engine:
            export_file(engine, tmp_path / "check.jsonl")
        return (tmp_path / "check.jsonl").read_bytes()

    def series_ids(self) -> list[int]:
        with self.engine() as engine, engine.connect() as conn:
            return list(conn.execute(text("SELECT id FROM series ORDER BY id")).scalars())


@pytest.fixture
def tvdbd(backend: str, databases: Databases, tmp_path: Path) -> Instance:
    """An empty instance: the SQLite default in a fresh data dir, or a fresh PostgreSQL schema."""
    database_url = databases.new_url(backend) if backend == "postgresql" else None
    return Instance(tmp_path / "data", database_url)


def ok(done: subprocess.CompletedProcess[bytes]) -> subprocess.CompletedProcess[bytes]:
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    return done


# --- Help -----------------------------------------------------------------------------------

COMMANDS = [
    ([], "A self-hostable server that speaks TheTVDB REST API v2."),
    (["serve"], "Run the API server (migrates the database first)."),
    (["import"], "Import a bundle file (JSON Lines, .gz accepted, - for stdin)."),
    (["export"], "Export the catalogue as a bundle file (.gz compresses, - for stdout)."),
    (["apikey"], "Manage registered API keys"),
    (["apikey", "create"], "Create a key named NAME and print it once"),
    (["apikey", "list"], "List registered keys"),
    (
        ["apikey", "revoke"],
        "Revoke the key named NAME: it can no longer log in, and its tokens stop working.",
    ),
    (["db"], "Database maintenance."),
    (["db", "upgrade"], "Create or upgrade the schema to the latest migration."),
]


@pytest.mark.parametrize(("command", "summary"), COMMANDS, ids=lambda c: " ".join(c) or "tvdbd")
def test_every_command_and_subcommand_has_help(command: list[str], summary: str) -> None:
    result = CliRunner().invoke(main, [*command, "--help"], env=clean_env())
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    assert summary in " ".join(result.output.split())
    assert "--help" in result.output


def test_help_lists_every_command_and_option() -> None:
    top = CliRunner().invoke(main, ["--help"], env=clean_env()).output
    for name in ("serve", "import", "export", "apikey", "db", "--data-dir", "--database-url"):
        assert name in top
    serve = CliRunner().invoke(main, ["serve", "--help"], env=clean_env()).output
    for name in ("--host", "--port", "--workers", "--api-key-policy", "--no-demo"):
        assert name in serve
    assert "--accept-version-negotiation" in serve
    assert "TVDBD_ACCEPT_VERSION_NEGOTIATION" in serve
    assert "--strict" in CliRunner().invoke(main, ["import", "--help"], env=clean_env()).output


def test_python_dash_m_tvdbd_is_the_command(tmp_path: Path) -> None:
    done = ok(subprocess.run([sys.executable, "-m", "tvdbd", "--help"], capture_output=True))
    assert done.stdout.startswith(b"Usage: ")
    version = ok(subprocess.run([sys.executable, "-m", "tvdbd", "--version"], capture_output=True))
    assert re.search(rb"\d+\.\d+\.\d+", version.stdout)


# --- API keys -------------------------------------------------------------------------------


def test_apikey_create_prints_a_key_once_and_stores_only_its_sha256(tvdbd: Instance) -> None:
    done = ok(tvdbd.run("apikey", "create", "my-app"))
    key = done.stdout.decode().strip()
    assert re.fullmatch(r"[0-9A-F]{32}", key), done.stdout
    assert done.stdout == f"{key}\n".encode()
    assert key.encode() not in done.stderr
    with tvdbd.engine() as engine, engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_keys")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["name"] == "my-app"
    assert rows[0]["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert rows[0]["revoked_at"] is None
    assert all(key not in str(value) for value in rows[0].values())
    if tvdbd.database_url is None:
        for file in tvdbd.data_dir.glob("tvdbd.sqlite3*"):  # the database and its WAL
            assert key.encode() not in file.read_bytes()
    listed = ok(tvdbd.run("apikey", "list")).stdout.decode()
    assert re.fullmatch(r"my-app\tcreated \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\tactive\n", listed)


def test_apikey_create_refuses_a_name_already_taken(tvdbd: Instance) -> None:
    first = ok(tvdbd.run("apikey", "create", "my-app")).stdout
    done = tvdbd.run("apikey", "create", "my-app")
    assert done.returncode == 1
    assert done.stdout == b""
    assert b"Error: An API key named 'my-app' already exists." in done.stderr
    assert ok(tvdbd.run("apikey", "create", "other-app")).stdout != first


def test_a_revoked_key_cannot_log_in_when_keys_must_be_registered(tvdbd: Instance) -> None:
    revoked = ok(tvdbd.run("apikey", "create", "old-app")).stdout.decode().strip()
    kept = ok(tvdbd.run("apikey", "create", "new-app")).stdout.decode().strip()
    with serving(tvdbd, "--no-demo", TVDBD_API_KEY_POLICY="registered") as server:

        def login(key: str) -> int:
            response = httpx.post(f"{server.base_url}/login", json={"apikey": key}, timeout=10)
            return response.status_code

        assert login(revoked) == 200
        assert login(kept) == 200
        assert login("not-registered") == 401
        done = ok(tvdbd.run("apikey", "revoke", "old-app"))
        assert done.stdout == b"Revoked old-app.\n"
        assert login(revoked) == 401
        assert login(kept) == 200
    listed = ok(tvdbd.run("apikey", "list")).stdout.decode().splitlines()
    assert re.fullmatch(r"old-app\tcreated \S+ \S+\trevoked \S+ \S+", listed[0])
    assert listed[1].endswith("\tactive")
    again = tvdbd.run("apikey", "revoke", "old-app")
    assert again.returncode == 1
    assert b"No active API key named 'old-app'." in again.stderr


# --- db upgrade -----------------------------------------------------------------------------


def test_db_upgrade_is_idempotent(tvdbd: Instance) -> None:
    first = ok(tvdbd.run("db", "upgrade"))
    second = ok(tvdbd.run("db", "upgrade"))
    head = head_revision()
    assert first.stdout == second.stdout == f"Database at revision {head}.\n".encode()
    with tvdbd.engine() as engine, engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM languages")).scalar_one() == 184
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [(head,)]


# --- serve ----------------------------------------------------------------------------------


@dataclass
class Server:
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


@contextmanager
def serving(instance: Instance, *options: str, **env: str) -> Iterator[Server]:
    """`tvdbd serve` on a free port until the block ends."""
    port = free_port()
    instance.data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = Server(f"http://127.0.0.1:{port}", instance.data_dir.parent / f"serve-{port}.log")
    with server.log_path.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tvdbd", *instance.options, "serve", "--port", str(port),
             *options],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=clean_env(**env),
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, server.log()
                assert time.monotonic() < deadline, server.log()
                try:
                    httpx.post(f"{server.base_url}/login", json={"apikey": "probe"}, timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _get(server: Server, path: str) -> httpx.Response:
    login = httpx.post(f"{server.base_url}/login", json={"apikey": "demo"}, timeout=10)
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    return httpx.get(f"{server.base_url}{path}", headers=headers, timeout=10)


def test_serve_loads_the_demo_catalogue_into_an_empty_data_dir(tvdbd: Instance) -> None:
    assert not tvdbd.data_dir.exists()
    with serving(tvdbd) as server:
        response = _get(server, "/series/76156")
    assert response.status_code == 200
    assert response.json()["data"]["seriesName"] == "Scrubs"
    assert "Loaded the demo catalogue: 9 series, 3 movies." in server.log()
    assert (tvdbd.data_dir / "jwt-signing.key").exists()
    if tvdbd.database_url is None:
        assert (tvdbd.data_dir / "tvdbd.sqlite3").exists()
    assert len(tvdbd.series_ids()) == 9


V2_ACCEPT = {"Accept": "application/vnd.thetvdb.v2.1.1"}


def _versions(server: Server, path: str, times: int = 8, **headers: str) -> set[str]:
    """The X-Thetvdb-Api-Version of `times` answers on fresh connections (both workers)."""
    login = httpx.post(f"{server.base_url}/login", json={"apikey": "demo"}, timeout=10)
    headers["Authorization"] = f"Bearer {login.json()['token']}"
    headers["Connection"] = "close"
    return {
        httpx.get(f"{server.base_url}{path}", headers=headers, timeout=10).headers[
            "x-thetvdb-api-version"
        ]
        for _ in range(times)
    }


@pytest.mark.parametrize(
    ("options", "env", "v2_version"),
    [
        ((), {}, "3.0.0"),
        (("--accept-version-negotiation",), {}, "2.2.0"),
        ((), {"TVDBD_ACCEPT_VERSION_NEGOTIATION": "on"}, "2.2.0"),
        (("--no-accept-version-negotiation",), {"TVDBD_ACCEPT_VERSION_NEGOTIATION": "on"},
         "3.0.0"),
    ],
    ids=["default", "option", "variable", "option-beats-variable"],
)  # fmt: skip
def test_serve_passes_accept_version_negotiation_to_every_worker(
    tvdbd: Instance, options: tuple[str, ...], env: dict[str, str], v2_version: str
) -> None:
    # An empty catalogue is enough: the 404 answers carry the version too.
    with serving(tvdbd, "--no-demo", "--workers", "2", *options, **env) as server:
        assert _versions(server, "/series/76156", **V2_ACCEPT) == {v2_version}
        assert _versions(server, "/series/76156") == {"3.0.0"}


def test_serve_does_not_load_the_demo_into_a_non_empty_database(tvdbd: Instance) -> None:
    tvdbd.load(line(minimal(1, "Mine")))
    with serving(tvdbd) as server:
        assert _get(server, "/series/76156").status_code == 404
        assert _get(server, "/series/1").json()["data"]["seriesName"] == "Mine"
    assert "Loaded the demo" not in server.log()
    assert tvdbd.series_ids() == [1]


# --- import and export ----------------------------------------------------------------------


def test_import_reads_standard_input_for_a_dash(tvdbd: Instance, tmp_path: Path) -> None:
    done = ok(tvdbd.run("import", "-", input=CANONICAL_TEXT))
    assert done.stdout == b""
    assert done.stderr == b"Imported 2 series, 0 unchanged, 0 bad line(s).\n"
    assert tvdbd.exported(tmp_path) == CANONICAL_TEXT


def test_import_reads_gzip_from_standard_input(tvdbd: Instance, tmp_path: Path) -> None:
    ok(tvdbd.run("import", "-", input=gzip.compress(CANONICAL_TEXT)))
    assert tvdbd.exported(tmp_path) == CANONICAL_TEXT


def test_import_and_export_handle_gz_files(tvdbd: Instance, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl.gz"
    source.write_bytes(gzip.compress(CANONICAL_TEXT))
    ok(tvdbd.run("import", str(source)))
    done = ok(tvdbd.run("export", str(tmp_path / "out.jsonl.gz")))
    assert done.stdout == b""
    assert done.stderr == b"Exported 2 series.\n"
    assert gzip.decompress((tmp_path / "out.jsonl.gz").read_bytes()) == CANONICAL_TEXT


def test_import_and_export_count_movie_lines(tvdbd: Instance, tmp_path: Path) -> None:
    movies = b"".join(line({"movie": {"id": i}, "lastUpdated": i}) for i in (2, 1))
    done = ok(tvdbd.run("import", "-", input=CANONICAL_TEXT + movies))
    assert done.stderr == b"Imported 2 series, 2 movie(s), 0 unchanged, 0 bad line(s).\n"
    exported = ok(tvdbd.run("export", "-"))
    assert exported.stderr == b"Exported 2 series, 2 movie(s).\n"
    ids = [orjson.loads(raw).get("movie", {}).get("id") for raw in exported.stdout.splitlines()]
    assert ids == [None, None, 1, 2]


def test_export_to_standard_output_writes_only_bundles_there(tvdbd: Instance) -> None:
    tvdbd.load(CANONICAL_TEXT)
    done = ok(tvdbd.run("export", "-"))
    assert [orjson.loads(raw) for raw in done.stdout.splitlines()] == CANONICAL
    assert done.stderr == b"Exported 2 series.\n"


def test_importing_the_same_file_again_reports_it_unchanged(tvdbd: Instance) -> None:
    ok(tvdbd.run("import", "-", input=CANONICAL_TEXT))
    done = ok(tvdbd.run("import", "-", input=CANONICAL_TEXT))
    assert done.stderr == b"Imported 0 series, 2 unchanged, 0 bad line(s).\n"


def test_import_reports_bad_lines_and_warnings_and_keeps_the_good_lines(tvdbd: Instance) -> None:
    lines = [
        line(minimal(1)),
        b"\n",
        line({**minimal(2), "note": "x"}),
        line(minimal(3, lastUpdated="soon")),
        b"{broken\n",
        line(minimal(4)),
    ]
    done = tvdbd.run("import", "-", input=b"".join(lines))
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        "warning: line 3, series 2: unknown key note ignored",
        "error: line 4, series 3, field series.lastUpdated: must be an integer, got 'soon'",
        done.stderr.decode().splitlines()[2],
        "Imported 3 series, 0 unchanged, 2 bad line(s).",
    ]
    assert done.stderr.decode().splitlines()[2].startswith("error: line 5: not valid JSON")
    assert tvdbd.series_ids() == [1, 2, 4]


def test_strict_import_refuses_the_whole_file_and_exits_1(tvdbd: Instance, tmp_path: Path) -> None:
    tvdbd.load(line(minimal(1, "Before")))
    lines = [line(minimal(1, "After")), line(minimal(2, genre="Drama")), line(minimal(3)),
             b"[]\n"]  # fmt: skip
    done = tvdbd.run("import", "--strict", "-", input=b"".join(lines))
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        "error: line 2, series 2, field series.genre: must be a list of strings",
        "error: line 4: a line must be a JSON object",
        "Refused: 2 bad line(s); nothing was imported.",
    ]
    assert orjson.loads(tvdbd.exported(tmp_path))["series"]["seriesName"] == "Before"


def test_strict_import_of_a_good_file_imports_it(tvdbd: Instance) -> None:
    done = ok(tvdbd.run("import", "--strict", "-", input=CANONICAL_TEXT))
    assert done.stderr == b"Imported 2 series, 0 unchanged, 0 bad line(s).\n"


def test_progress_goes_to_stderr_only_when_it_is_a_terminal(
    tvdbd: Instance, tmp_path: Path
) -> None:
    source = write_lines(tmp_path / "in.jsonl", [minimal(i) for i in range(1, 200)])
    piped = ok(tvdbd.run("import", str(source)))
    assert piped.stdout == b""
    assert piped.stderr == b"Imported 199 series, 0 unchanged, 0 bad line(s).\n"

    controller, terminal = pty.openpty()
    # A real terminal has a size; tqdm draws nothing in a 0-column one.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "tvdbd", *tvdbd.options, "import", str(source)],
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=clean_env(),
        )
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed
                break
            if not chunk:
                break
            shown += chunk
        stdout, _ = process.communicate(timeout=60)
    finally:
        os.close(controller)
    assert process.returncode == 0
    assert stdout == b""
    assert b"import:" in shown  # tqdm's bar, drawn and then cleared
    assert b"\r" in shown
    assert shown.rstrip().endswith(b"Imported 0 series, 199 unchanged, 0 bad line(s).")


# --- Errors are messages, not tracebacks ----------------------------------------------------


def test_a_missing_file_is_a_clean_error(tvdbd: Instance, tmp_path: Path) -> None:
    done = tvdbd.run("import", str(tmp_path / "nowhere.jsonl"))
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert b"No such file or directory" in done.stderr


def test_a_cut_gz_file_is_reported_as_a_bad_line(tvdbd: Instance, tmp_path: Path) -> None:
    source = tmp_path / "cut.jsonl.gz"
    source.write_bytes(gzip.compress(CANONICAL_TEXT)[:-20])
    done = tvdbd.run("import", "--strict", str(source))
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert re.fullmatch(
        rb"error: line \d+: the file cannot be read further \(.+\)\n"
        rb"Refused: 1 bad line\(s\); nothing was imported.\n",
        done.stderr,
    )
    assert tvdbd.series_ids() == []


def test_a_file_that_is_not_gzip_is_reported(tvdbd: Instance, tmp_path: Path) -> None:
    source = tmp_path / "plain.jsonl.gz"
    source.write_bytes(CANONICAL_TEXT)
    done = tvdbd.run("import", str(source))
    assert done.returncode == 1
    assert done.stderr.startswith(b"error: line 1: the file cannot be read further (Not a gzip")


def test_export_to_a_folder_that_does_not_exist_is_a_clean_error(
    tvdbd: Instance, tmp_path: Path
) -> None:
    done = tvdbd.run("export", str(tmp_path / "missing" / "out.jsonl"))
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert b"No such file or directory" in done.stderr


@pytest.mark.parametrize(
    ("url", "code", "message"),
    [
        ("mysql://db/tvdb", 2, "Setting 'database_url' has value 'mysql://db/tvdb'."),
        ("not a url", 2, "Setting 'database_url' has value 'not a url'. Not a valid URL."),
        (
            "postgresql://someone:secret@127.0.0.1:1/tvdb",
            1,
            "Cannot open the database postgresql+psycopg://someone:***@127.0.0.1:1/tvdb",
        ),
    ],
)
def test_a_bad_database_url_is_a_clean_error(
    tmp_path: Path, url: str, code: int, message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tvdbd", "--database-url", url, "db", "upgrade"],
        capture_output=True,
        env=clean_env(),
        cwd=tmp_path,
    )
    assert done.returncode == code
    assert b"Traceback" not in done.stderr
    assert message in done.stderr.decode()
    assert b"secret" not in done.stderr
