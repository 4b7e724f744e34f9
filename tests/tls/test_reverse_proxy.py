"""The reverse-proxy recipes of docs/drop-in.md, run for real: docs/drop-in/nginx.conf and
docs/drop-in/Caddyfile in front of a live tvdbd, with the certificate of `tvdbd tls init`.

Only ports and paths are replaced (free loopback ports for 443, 80 and 8000, the test's data
dir for /var/lib/tvdbd). Debian's nginx-light and caddy (`scripts/test` installs them where
it can); without them these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import DEMO_BUNDLE, ROOT, Databases, LiveServer, free_port
from tests.tls.servers import tvdbd
from tvdbd.bundles.importer import import_file
from tvdbd.demo import draw_demo_images

RECIPES = ROOT / "docs" / "drop-in"
NAMES = ["api.thetvdb.com", "thetvdb.com", "www.thetvdb.com", "artworks.thetvdb.com"]
POSTER = "posters/76156-1.jpg"


@pytest.fixture(scope="module")
def upstream(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Plain tvdbd on the demo catalogue (SQLite: the proxy does not care), with a CA."""
    url, engine = databases.new_engine("sqlite")
    assert import_file(engine, DEMO_BUNDLE).ok
    engine.dispose()
    data = Path(tmp_path_factory.mktemp("proxied"))
    draw_demo_images(data / "banners")
    assert tvdbd(data, "tls", "init").returncode == 0
    server = LiveServer(url, data)
    yield server
    server.stop()


def _data_dir(server: LiveServer) -> Path:
    return server.log_path.parent


def _recipe(name: str, server: LiveServer, https: int, http: int) -> str:
    text = (RECIPES / name).read_text(encoding="utf-8")
    text = text.replace("/var/lib/tvdbd", str(_data_dir(server)))
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{server.port}")
    if name == "nginx.conf":
        return text.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;").replace(
            "listen 80;", f"listen 127.0.0.1:{http};"
        )
    text = text.replace(":443", f":{https}").replace(":80,", f":{http},")
    text = text.replace(":80 {", f":{http} {{")
    # The admin endpoint's port 2019 could be taken: off for the test.
    return text.replace("auto_https disable_redirects", "auto_https disable_redirects\n\tadmin off")


def _wait(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the proxy exited: {log.read_text()}")
        try:
            httpx.get(url, headers={"host": "api.thetvdb.com"}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"the proxy did not start: {log.read_text()}")


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def proxy(
    request: pytest.FixtureRequest, upstream: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, int]]:
    """nginx or Caddy with the recipe of the repository; its HTTPS and HTTP ports."""
    program = shutil.which(str(request.param))
    if program is None:
        pytest.skip(f"{request.param} is not installed (apt-get install nginx-light caddy)")
    work = Path(tmp_path_factory.mktemp(str(request.param)))
    https, http = free_port(), free_port()
    log = work / "proxy.log"
    if request.param == "nginx":
        (work / "tvdbd.conf").write_text(_recipe("nginx.conf", upstream, https, http))
        (work / "nginx.conf").write_text(
            f"pid {work}/nginx.pid;\nerror_log {work}/error.log;\nevents {{}}\n"
            f"http {{\n    access_log off;\n    client_body_temp_path {work};\n"
            f"    proxy_temp_path {work};\n    include {work}/tvdbd.conf;\n}}\n"
        )
        command = [program, "-p", str(work), "-c", str(work / "nginx.conf"), "-g", "daemon off;"]
    else:
        (work / "Caddyfile").write_text(_recipe("Caddyfile", upstream, https, http))
        command = [program, "run", "--config", str(work / "Caddyfile"), "--adapter", "caddyfile"]
    env = {
        **os.environ,
        "HOME": str(work),
        "XDG_DATA_HOME": str(work),
        "XDG_CONFIG_HOME": str(work),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait(process, f"http://127.0.0.1:{http}/health", log)
        yield https, http
    finally:
        process.terminate()
        process.wait(timeout=30)


def _secure(upstream: LiveServer) -> httpx.Client:
    ca = _data_dir(upstream) / "tls" / "tvdbd-ca.crt"
    return httpx.Client(verify=ssl.create_default_context(cafile=str(ca)), timeout=30)


@pytest.mark.parametrize("name", NAMES)
def test_the_proxy_serves_the_api_and_artwork_at_each_name(
    proxy: tuple[int, int], upstream: LiveServer, name: str
) -> None:
    https, http = proxy
    with upstream.client() as direct, _secure(upstream) as client:
        token = direct.headers["authorization"]
        headers = {"host": name, "authorization": token, "accept-language": "en"}
        sni = {"sni_hostname": name}
        for path in ("/series/76156", "/series/76156/episodes", f"/banners/{POSTER}"):
            expected = direct.get(path, headers={"accept-language": "en"})
            over_tls = client.get(
                f"https://127.0.0.1:{https}{path}", headers=headers, extensions=sni
            )
            over_http = client.get(f"http://127.0.0.1:{http}{path}", headers=headers)
            for answer in (over_tls, over_http):
                assert answer.status_code == expected.status_code == 200
                assert answer.content == expected.content
        login = client.post(
            f"https://127.0.0.1:{https}/login", json={"apikey": "proxied"},
            headers={"host": name}, extensions=sni,
        )  # fmt: skip
        assert login.status_code == 200 and login.json()["token"]
