"""Drop-in end to end, no client patched: tvdb_api, tvdbsimple, tvnamer and node-tvdb at their
built-in https://api.thetvdb.com, in a private mount + network namespace (`unshare -mn`).

The checks are in tests/tls/inside_namespace.py; this module makes the database, the CA
(`tvdbd tls init`) and the hosts file (from `tvdbd dns --address 127.0.0.1`), runs pytest on
that file inside `unshare --mount --net`, and turns each of its results into a test here.
Where the machine refuses `unshare`, everything here is skipped and says so.

PostgreSQL: the namespace has its own loopback, so 127.0.0.1:5432 is out of its reach; its
Unix socket (a file, seen through the shared file system) is not. On PostgreSQL the server
inside connects through the socket; when no socket answers, that backend is skipped.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support import POSTGRES_URL, ROOT, Databases
from tests.tls.servers import tvdbd

INSIDE = Path(__file__).with_name("inside_namespace.py")
SOCKET_DIRS = ("/var/run/postgresql", "/run/postgresql", "/tmp")


def _inside_tests() -> list[str]:
    """The test names of inside_namespace.py (read, not imported: it runs only inside)."""
    tree = ast.parse(INSIDE.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            parametrized = any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "parametrize"
                for d in node.decorator_list
            )
            found.append(node.name + ("[*]" if parametrized else ""))
    return found


def _unshare_refused() -> str | None:
    if shutil.which("unshare") is None:
        return "the unshare command is missing (util-linux)"
    if shutil.which("ip") is None:
        return "the ip command is missing (iproute2)"
    try:
        done = subprocess.run(
            ["unshare", "--mount", "--net", "true"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else done.stderr.strip() or f"status {done.returncode}"


def _socket_url(url: str) -> str | None:
    """`url` (a PostgreSQL schema of the test database) through the server's Unix socket."""
    parsed = make_url(url)
    for folder in SOCKET_DIRS:
        if not Path(folder, f".s.PGSQL.{parsed.port or 5432}").exists():
            continue
        candidate = parsed.set(host=None).update_query_dict({"host": folder})
        try:
            conninfo = make_url(POSTGRES_URL).set(host=None, drivername="postgresql")
            psycopg.connect(
                conninfo.render_as_string(hide_password=False), host=folder, connect_timeout=3
            ).close()
        except psycopg.Error:
            continue
        return candidate.render_as_string(hide_password=False)
    return None


@pytest.fixture(scope="module")
def inside(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[bool, str]]:
    """{test name: (passed, what it said)} from inside_namespace.py run in a namespace."""
    refused = _unshare_refused()
    if refused:
        pytest.skip(
            f"`unshare --mount --net` is refused on this machine ({refused}): the drop-in "
            "end-to-end test needs a private mount and network namespace (run as root)"
        )
    url = databases.new_url(backend)  # empty: `serve` loads the demo and draws its images
    if backend == "postgresql":
        through_socket = _socket_url(url)
        if through_socket is None:
            pytest.skip(
                "PostgreSQL is unreachable from a new network namespace (it has its own "
                "loopback) and no Unix socket of it answers: run on SQLite only"
            )
        url = through_socket
    work = Path(tmp_path_factory.mktemp(f"namespace-{backend}"))
    data = work / "data"
    made = tvdbd(data, "tls", "init")
    assert made.returncode == 0, made.stderr
    dns = tvdbd(data, "dns", "--address", "127.0.0.1")
    block = dns.stdout.split("# tvdbd drop-in\n", 1)[1].split("# --- end")[0]
    hosts = work / "hosts"
    hosts.write_text(f"127.0.0.1\tlocalhost\n::1\tlocalhost\n{block}")
    report = work / "inside.xml"
    env = {
        **os.environ,
        "TVDBD_IN_NAMESPACE": "1",
        "TVDBD_NS_HOSTS": str(hosts),
        "TVDBD_DATA_DIR": str(data),
        "TVDBD_DATABASE_URL": url,
        "TVDBD_RATE_LIMIT_PER_IP": "off",
        "TVDBD_LOGIN_FAILURES_PER_IP": "off",
        "TVDBD_LOGIN_FAILURES_PER_USER": "off",
    }
    done = subprocess.run(
        ["unshare", "--mount", "--net", "--", sys.executable, "-m", "pytest", str(INSIDE),
         "-n", "0", "-p", "no:cacheprovider", "-q", f"--junitxml={report}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if not report.exists():
        pytest.fail(f"the namespace run wrote no report:\n{done.stdout}\n{done.stderr}")
    results: dict[str, tuple[bool, str]] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        problems = [case.find(tag) for tag in ("failure", "error", "skipped")]
        problem = next((p for p in problems if p is not None), None)
        detail = "" if problem is None else f"{problem.tag}: {problem.get('message', '')}\n"
        detail += "" if problem is None else problem.text or ""
        results[case.get("name", "")] = (problem is None, detail)
    return results


@pytest.mark.parametrize("check", _inside_tests())
def test_in_a_private_namespace(inside: dict[str, tuple[bool, str]], check: str) -> None:
    if check.endswith("[*]"):
        runs = {name: r for name, r in inside.items() if name.startswith(check[:-3] + "[")}
    else:
        runs = {name: r for name, r in inside.items() if name == check}
    assert runs, f"{check} did not run inside the namespace: {sorted(inside)}"
    failed = {name: detail for name, (passed, detail) in runs.items() if not passed}
    assert not failed, "\n\n".join(f"{name}:\n{detail[-3000:]}" for name, detail in failed.items())
