"""A `tvdbd serve` process with any listening options (--tls, --drop-in), for the TLS tests."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx


def tvdbd(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m tvdbd --data-dir DIR ARGS` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "tvdbd", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


class Served:
    """`tvdbd serve ARGS` in the background, ready once `probe_url` answers /health."""

    def __init__(
        self,
        data_dir: Path,
        args: list[str],
        probe_url: str,
        *,
        ca_file: Path | None = None,
        sni: str | None = None,
        database_url: str = "",
        **env: str,
    ):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir, self.probe_url, self.ca_file = data_dir, probe_url, ca_file
        self.extensions = {"sni_hostname": sni} if sni else {}
        self.log_path = data_dir / f"serve-{time.monotonic_ns()}.log"
        environment = {
            **os.environ,
            "TVDBD_RATE_LIMIT_PER_IP": "off",
            "TVDBD_LOGIN_FAILURES_PER_IP": "off",
            "TVDBD_LOGIN_FAILURES_PER_USER": "off",
            "TVDBD_DATA_DIR": str(data_dir),
            **({"TVDBD_DATABASE_URL": database_url} if database_url else {}),
            **env,
        }
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tvdbd", "serve", *args],
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready()

    def verify(self) -> ssl.SSLContext | bool:
        if self.ca_file is None:
            return True
        return ssl.create_default_context(cafile=str(self.ca_file))

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()}")
            if self.ca_file is not None and not self.ca_file.exists():
                time.sleep(0.1)  # `serve` makes it when missing
                continue
            try:
                with httpx.Client(verify=self.verify(), timeout=1) as client:
                    client.get(f"{self.probe_url}/health", extensions=self.extensions)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log_path.read_text()}")

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> int:
        self.process.terminate()
        try:
            status = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self._log.close()
        return status
