"""`tvdbd serve --tls` and `--drop-in` as real processes: HTTPS and plain HTTP at once with two
workers, the operator's own certificate, and clear errors for ports that cannot be bound.

The drop-in server here listens on free high ports of 127.0.0.1 (the namespace test,
tests/tls/test_drop_in_namespace.py, runs it on 443 and 80 under the real names); the
certificate has 127.0.0.1 added, and requests for the TheTVDB names send them as SNI.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support import DEMO_BUNDLE, Databases, free_port
from tests.tls.servers import Served, tvdbd
from tvdbd.bundles.importer import import_file
from tvdbd.demo import draw_demo_images
from tvdbd.errors import ConfigError
from tvdbd.settings import Settings

SCRUBS = 76156
POSTER = "posters/76156-1.jpg"


@pytest.fixture(scope="module")
def drop_in(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """`serve --drop-in --workers 2` on the demo catalogue, HTTPS and HTTP on free ports."""
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    engine.dispose()
    data = Path(tmp_path_factory.mktemp(f"drop-in-{backend}"))
    draw_demo_images(data / "banners")
    assert tvdbd(data, "tls", "init", "--name", "127.0.0.1").returncode == 0
    https, http = free_port(), free_port()
    server = Served(
        data,
        ["--no-demo", "--drop-in", "--https-port", str(https), "--http-port", str(http),
         "--workers", "2"],
        f"https://127.0.0.1:{https}",
        ca_file=data / "tls" / "tvdbd-ca.crt",
        database_url=url,
    )  # fmt: skip
    server.https, server.http = https, http  # type: ignore[attr-defined]
    yield server
    server.stop()


def _clients(server: Served) -> tuple[httpx.Client, httpx.Client]:
    token = httpx.post(
        f"https://127.0.0.1:{server.https}/login",  # type: ignore[attr-defined]
        json={"apikey": "tls-test"},
        verify=server.verify(),
        timeout=10,
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    secure = httpx.Client(
        base_url=f"https://127.0.0.1:{server.https}",  # type: ignore[attr-defined]
        headers=headers,
        verify=server.verify(),
        timeout=30,
    )
    plain = httpx.Client(
        base_url=f"http://127.0.0.1:{server.http}",  # type: ignore[attr-defined]
        headers=headers,
        timeout=30,
    )
    return secure, plain


def _workers(server: Served) -> list[psutil.Process]:
    """The live worker processes (not multiprocessing's resource tracker, not a zombie)."""
    found = []
    for child in psutil.Process(server.process.pid).children():
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


@pytest.mark.parametrize(
    "path",
    [
        f"/series/{SCRUBS}",
        f"/series/{SCRUBS}/episodes?page=2",
        "/search/series?name=scrubs",
        f"/series/{SCRUBS}/images/query?keyType=poster",
        "/languages",
        "/series/999999999",
    ],
)
def test_https_and_plain_http_give_the_same_answers(drop_in: Served, path: str) -> None:
    secure, plain = _clients(drop_in)
    with secure, plain:
        over_tls, over_http = secure.get(path), plain.get(path)
    assert over_tls.status_code == over_http.status_code
    assert over_tls.content == over_http.content
    assert over_tls.headers["content-type"] == over_http.headers["content-type"]


@pytest.mark.parametrize("name", ["api.thetvdb.com", "artworks.thetvdb.com", "thetvdb.com"])
def test_artwork_and_the_docs_page_are_served_at_each_thetvdb_name(
    drop_in: Served, name: str
) -> None:
    poster = (drop_in.data_dir / "banners" / POSTER).read_bytes()
    with httpx.Client(verify=drop_in.verify(), timeout=30) as client:
        base = f"https://127.0.0.1:{drop_in.https}"  # type: ignore[attr-defined]
        sni = {"sni_hostname": name}
        image = client.get(f"{base}/banners/{POSTER}", headers={"host": name}, extensions=sni)
        assert image.status_code == 200 and image.content == poster
        page = client.get(f"{base}/", headers={"host": name}, extensions=sni)
        assert page.status_code == 200 and "swagger-ui" in page.text
        plain = client.get(f"http://127.0.0.1:{drop_in.http}/banners/{POSTER}")  # type: ignore[attr-defined]
        assert plain.content == poster


def test_a_name_the_certificate_does_not_carry_is_refused(drop_in: Served) -> None:
    with (
        httpx.Client(verify=drop_in.verify(), timeout=10) as client,
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        client.get(
            f"https://127.0.0.1:{drop_in.https}/health",  # type: ignore[attr-defined]
            extensions={"sni_hostname": "api4.thetvdb.com"},
        )


def test_two_workers_serve_both_listeners_and_a_dead_one_is_replaced(drop_in: Served) -> None:
    workers = _workers(drop_in)
    assert len(workers) == 2, drop_in.log
    workers[0].kill()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = _workers(drop_in)
        if len(now) == 2 and workers[0].pid not in {w.pid for w in now}:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no replacement worker: {drop_in.log}")
    secure, plain = _clients(drop_in)
    with secure, plain:
        for _ in range(20):  # new connections each time: both workers take some
            secure.headers["connection"] = plain.headers["connection"] = "close"
            assert secure.get(f"/series/{SCRUBS}").status_code == 200
            assert plain.get(f"/series/{SCRUBS}").status_code == 200


def test_sigterm_stops_the_parent_and_every_worker(tmp_path: Path) -> None:
    port = free_port()
    server = Served(
        tmp_path, ["--tls", "--port", str(port), "--workers", "2"], f"https://127.0.0.1:{port}",
        ca_file=tmp_path / "tls" / "tvdbd-ca.crt", sni="api.thetvdb.com", TVDBD_LOAD_DEMO="off",
    )  # fmt: skip
    assert "Made the server certificate" in server.log
    workers = _workers(server)
    assert len(workers) == 2
    # Idle keep-alive TLS connections (a client that never answers close_notify) must not
    # hold the shutdown for asyncio's default 30 s.
    idle = [httpx.Client(verify=server.verify(), timeout=10) for _ in range(4)]
    for client in idle:
        answer = client.get(f"https://127.0.0.1:{port}/health",
                            extensions={"sni_hostname": "api.thetvdb.com"})  # fmt: skip
        assert answer.status_code == 200
    started = time.monotonic()
    assert server.stop() == 0, server.log
    assert time.monotonic() - started < 15
    for client in idle:
        client.close()
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive


def test_tls_with_the_operators_own_certificate(tmp_path: Path) -> None:
    own = tmp_path / "own"
    assert tvdbd(own, "tls", "init", "--name", "127.0.0.1").returncode == 0
    port = free_port()
    server = Served(
        tmp_path / "data",
        ["--tls-cert", str(own / "tls" / "server.crt"), "--tls-key",
         str(own / "tls" / "server.key"), "--port", str(port)],
        f"https://127.0.0.1:{port}",
        ca_file=own / "tls" / "tvdbd-ca.crt",
        TVDBD_LOAD_DEMO="off",
    )  # fmt: skip
    try:
        answer = httpx.get(f"https://127.0.0.1:{port}/health", verify=server.verify())
        assert answer.status_code == 200
        # The operator's certificate is used: none was generated in the data dir.
        assert not (tmp_path / "data" / "tls").exists()
        assert f"at https://127.0.0.1:{port}" in server.log
    finally:
        server.stop()


def _serve_fails(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = tvdbd(tmp_path, "serve", *args, TVDBD_LOAD_DEMO="off", **env)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    return done


def test_a_port_in_use_names_the_process_that_holds_it(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as holder:
        port = holder.getsockname()[1]
        done = _serve_fails(tmp_path, "--port", str(port))
        assert f"Cannot listen on 127.0.0.1 port {port}: the port is in use by " in done.stderr
        assert f"(pid {os.getpid()})" in done.stderr
        done = _serve_fails(tmp_path, "--drop-in", "--https-port", str(free_port()),
                            "--http-port", str(port))  # fmt: skip
        assert f"port {port}: the port is in use" in done.stderr


def test_a_port_below_1024_without_privileges_says_what_is_needed(tmp_path: Path) -> None:
    unprivileged_start = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start")
    if unprivileged_start.exists() and int(unprivileged_start.read_text()) <= 443:
        pytest.skip("this system lets anyone bind port 443 (ip_unprivileged_port_start)")
    prefix: list[str] = []
    data = tmp_path
    if os.geteuid() == 0:
        # As root the bind would work: run the command as nobody, in a folder it may write
        # (pytest's own folders are root's only).
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        data = Path(tempfile.mkdtemp(prefix="tvdbd-unprivileged-"))
        data.chmod(0o777)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "tvdbd", "--data-dir", str(data), "serve",
             "--drop-in", "--http-port", "0"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "TVDBD_LOAD_DEMO": "off", "HOME": str(data)},
        )  # fmt: skip
    finally:
        if data != tmp_path:
            shutil.rmtree(data, ignore_errors=True)
    assert done.returncode == 1, done.stderr
    assert "Cannot listen on 127.0.0.1 port 443: ports below 1024 need privileges" in done.stderr
    assert "cap_net_bind_service" in done.stderr and "Traceback" not in done.stderr


def test_an_address_not_of_this_machine_is_said_so(tmp_path: Path) -> None:
    done = _serve_fails(tmp_path, "--host", "192.0.2.1", "--port", str(free_port()))
    assert "192.0.2.1 is not an address of this machine" in done.stderr


def test_a_data_dir_the_certificate_cannot_be_written_to_is_a_clean_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "tls").write_text("a file where the folder should be")
    done = _serve_fails(tmp_path, "--tls", "--port", str(free_port()))
    assert "Cannot write" in done.stderr and "tls" in done.stderr


def test_a_certificate_that_does_not_load_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    done = _serve_fails(tmp_path, "--tls-cert", str(bad), "--tls-key", str(bad))
    assert f"Cannot serve HTTPS with the certificate {bad}" in done.stderr
    assert "not a PEM certificate and an unencrypted PEM key" in done.stderr
    files = tmp_path / "made"
    assert tvdbd(files, "tls", "init").returncode == 0
    done = _serve_fails(tmp_path, "--tls-cert", str(files / "tls" / "server.crt"),
                        "--tls-key", str(files / "tls" / "tvdbd-ca.key"))  # fmt: skip
    assert "the key does not belong to the certificate" in done.stderr
    done = _serve_fails(tmp_path, "--tls-cert", str(tmp_path / "none.pem"), "--tls-key", str(bad))
    assert "No such file or directory" in done.stderr
    done = _serve_fails(tmp_path, "--tls-cert", str(bad))
    assert "'tls_cert_file' and 'tls_key_file' go together" in done.stderr


def test_port_does_not_go_with_drop_in(tmp_path: Path) -> None:
    done = _serve_fails(tmp_path, "--drop-in", "--port", "8443")
    assert "--port does not go with --drop-in" in done.stderr
    done = _serve_fails(tmp_path, "--drop-in", "--https-port", "8443", "--http-port", "8443")
    assert "need a port each" in done.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HTTPS_PORT", "0", "Setting 'https_port' has value 0"),
        ("HTTP_PORT", "70000", "Setting 'http_port' has value 70000"),
        ("HTTPS_PORT", "x", "Setting 'https_port' has value 'x'. Not a valid int."),
    ],
)
def test_bad_listening_settings_name_the_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({f"TVDBD_{name}": value})


def test_listening_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"TVDBD_LISTEN_ADDRESS": "::", "TVDBD_HTTPS_PORT": "8443", "TVDBD_HTTP_PORT": "0"}
    )
    assert (settings.listen_address, settings.https_port, settings.http_port) == ("::", 8443, 0)


def test_sigint_to_a_single_process_server_stops_it(tmp_path: Path) -> None:
    port = free_port()
    server = Served(tmp_path, ["--port", str(port)], f"http://127.0.0.1:{port}",
                    TVDBD_LOAD_DEMO="off")  # fmt: skip
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=30) is not None
    server.stop()
