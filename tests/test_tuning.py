"""A serving worker's garbage collector is tuned once its app is built (tvdbd.tuning); apps
built in process (tests, embedding) leave the collector as they found it."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from tvdbd import tuning
from tvdbd.app import create_app
from tvdbd.settings import Settings

# What a worker of `tvdbd serve` does: uvicorn loads the app factory (tvdbd.serving).
WORKER = """
import gc, json, uvicorn
before = {"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}
config = uvicorn.Config("tvdbd.app:app_from_env", factory=True)
config.load()
print(json.dumps({"before": before,
                  "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold(),
                  "enabled": gc.isenabled()}))
"""


def test_a_serving_worker_freezes_start_up_objects_and_collects_less_often(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "TVDBD_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, check=True
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["before"]["frozen"] == 0
    # Starlette, SQLAlchemy, the routes, the app: tens of thousands of objects at least.
    assert found["frozen"] > 20_000
    expected = [tuning.YOUNG_THRESHOLD, tuning.MIDDLE_THRESHOLD, tuning.OLD_THRESHOLD]
    assert found["threshold"] == expected
    assert found["enabled"]


def test_an_app_built_in_process_leaves_the_collector_alone(tmp_path: Path) -> None:
    threshold, frozen = gc.get_threshold(), gc.get_freeze_count()
    create_app(Settings(data_dir=tmp_path, read_through="off"))
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == frozen
