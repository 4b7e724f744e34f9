"""How `tvdbd serve` runs uvicorn: our protocol edge (tvdbd.http.protocol), graceful
shutdown, and the multiprocess folder Prometheus needs with several workers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tvdbd.http.protocol import DeadlineHttpProtocol


def prometheus_folder(data_dir: Path) -> str:
    """A fresh folder for prometheus_client's multiprocess mode (values of every worker)."""
    folder = data_dir / "prometheus"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return str(folder)


def uvicorn_options(settings: Any) -> dict[str, Any]:
    return {
        "http": DeadlineHttpProtocol,
        # No WebSocket endpoint: upgrades are answered as plain HTTP (tvdbd.http.protocol).
        "ws": "none",
        # In-flight requests may finish this long after SIGTERM; new connections are refused.
        "timeout_graceful_shutdown": settings.graceful_shutdown_seconds or None,
    }
