"""`tvdbd import --images`, `tvdbd images generate-demo` and the demo art drawn by `serve`."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import httpx
import orjson
import pytest

from tests.support import Databases
from tests.test_cli import Instance, ok, serving

# One bundle line referring to a file of every kind `--images` copies.
BUNDLE = {
    "series": {
        "id": 70001,
        "seriesName": "Example Show",
        "poster": "posters/70001-1.jpg",
        "banner": "graphical/70001-g.jpg",
        "fanart": "fanart/original/70001-1.jpg",
    },
    "translations": {"fr": {"seriesName": "Exemple", "poster": "posters/70001-fr.jpg"}},
    "episodes": [
        {"id": 900001, "airedSeason": 1, "airedEpisodeNumber": 1,
         "filename": "episodes/70001/900001.jpg"},
        {"id": 900002, "airedSeason": 1, "airedEpisodeNumber": 2, "filename": ""},
    ],
    "actors": [{"id": 5001, "name": "A. Actor", "image": "actors/5001.jpg"}],
    "images": [
        {"id": 7001, "keyType": "poster", "fileName": "posters/70001-1.jpg"},
        {"id": 7002, "keyType": "season", "subKey": "1", "fileName": "seasons/70001-1.jpg"},
        {"id": 7003, "keyType": "fanart", "fileName": "../outside.jpg"},
        {"id": 7004, "keyType": "fanart", "fileName": "fanart/original/70001-gone.jpg"},
    ],
}  # fmt: skip
PRESENT = [
    "posters/70001-1.jpg",
    "graphical/70001-g.jpg",
    "fanart/original/70001-1.jpg",
    "posters/70001-fr.jpg",
    "episodes/70001/900001.jpg",
    "actors/5001.jpg",
    "seasons/70001-1.jpg",
]


@pytest.fixture
def tvdbd(backend: str, databases: Databases, tmp_path: Path) -> Instance:
    """An empty instance: the SQLite default in a fresh data dir, or a fresh PostgreSQL schema."""
    database_url = databases.new_url(backend) if backend == "postgresql" else None
    return Instance(tmp_path / "data", database_url)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A folder of artwork at the bundle's relative paths (one referred-to file is missing)."""
    folder = tmp_path / "artwork"
    for relative in PRESENT:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(f"image {relative}".encode())
    (tmp_path / "outside.jpg").write_bytes(b"not to be copied")
    return folder


def write_bundle(path: Path) -> Path:
    data = orjson.dumps(BUNDLE) + b"\n"
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


@pytest.mark.parametrize("name", ["bundle.jsonl", "bundle.jsonl.gz"])
def test_import_images_copies_every_file_the_bundle_refers_to(
    tvdbd: Instance, source: Path, tmp_path: Path, name: str
) -> None:
    bundle = write_bundle(tmp_path / name)
    done = ok(tvdbd.run("import", "--images", str(source), str(bundle)))
    store = tvdbd.data_dir / "banners"
    for relative in PRESENT:
        assert (store / relative).read_bytes() == f"image {relative}".encode(), relative
    stored = sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())
    assert stored == sorted(PRESENT)
    assert not (tvdbd.data_dir / "outside.jpg").exists()
    errors = done.stderr.decode()
    assert "warning: fanart/original/70001-gone.jpg: not found in the images folder\n" in errors
    assert "warning: ../outside.jpg: not a relative image path the store can hold" in errors
    assert errors.endswith(f"Images: 7 copied, 0 already there, 1 missing from {source}.\n"), errors


def test_import_images_again_copies_only_what_changed(
    tvdbd: Instance, source: Path, tmp_path: Path
) -> None:
    bundle = write_bundle(tmp_path / "bundle.jsonl")
    ok(tvdbd.run("import", "--images", str(source), str(bundle)))
    store = tvdbd.data_dir / "banners"
    thumbnail = store / "_cache" / "actors" / "5001.jpg"
    thumbnail.parent.mkdir(parents=True)
    thumbnail.write_bytes(b"an old thumbnail")
    (source / "actors" / "5001.jpg").write_bytes(b"a new portrait")
    done = ok(tvdbd.run("import", "--images", str(source), str(bundle)))
    # The series is unchanged, but its files are still checked.
    assert "Imported 0 series, 1 unchanged" in done.stderr.decode()
    assert done.stderr.decode().endswith(
        f"Images: 1 copied, 6 already there, 1 missing from {source}.\n"
    )
    assert (store / "actors" / "5001.jpg").read_bytes() == b"a new portrait"
    assert not thumbnail.exists()  # made again from the new original on the next request


def test_import_images_goes_to_the_image_dir_setting(
    tvdbd: Instance, source: Path, tmp_path: Path
) -> None:
    bundle = write_bundle(tmp_path / "bundle.jsonl")
    elsewhere = tmp_path / "elsewhere"
    ok(tvdbd.run("import", "--images", str(source), str(bundle), TVDBD_IMAGE_DIR=str(elsewhere)))
    assert (elsewhere / "posters" / "70001-1.jpg").is_file()
    assert not (tvdbd.data_dir / "banners").exists()


@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_import_images_reads_the_bundle_from_standard_input(
    tvdbd: Instance, source: Path, tmp_path: Path, gzipped: bool
) -> None:
    data = orjson.dumps(BUNDLE) + b"\n"
    done = ok(
        tvdbd.run(
            "import", "--images", str(source), "-", input=gzip.compress(data) if gzipped else data
        )
    )
    errors = done.stderr.decode()
    assert errors.startswith("Imported 1 series, 0 unchanged, 0 bad line(s).\n"), errors
    assert errors.endswith(f"Images: 7 copied, 0 already there, 1 missing from {source}.\n")
    store = tvdbd.data_dir / "banners"
    stored = sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file())
    assert stored == sorted(PRESENT)
    assert tvdbd.series_ids() == [70001]


def test_import_images_needs_an_existing_folder(
    tvdbd: Instance, source: Path, tmp_path: Path
) -> None:
    bundle = write_bundle(tmp_path / "bundle.jsonl")
    done = tvdbd.run("import", "--images", str(tmp_path / "nope"), str(bundle))
    assert done.returncode == 2
    assert b"does not exist" in done.stderr


def test_a_strict_import_that_is_refused_copies_nothing(
    tvdbd: Instance, source: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.jsonl"
    bundle.write_bytes(orjson.dumps(BUNDLE) + b"\n{not json}\n")
    done = tvdbd.run("import", "--strict", "--images", str(source), str(bundle))
    assert done.returncode == 1
    assert not (tvdbd.data_dir / "banners").exists()


def test_generate_demo_draws_the_missing_demo_images_once(tvdbd: Instance) -> None:
    done = ok(tvdbd.run("images", "generate-demo"))
    store = tvdbd.data_dir / "banners"
    match = re.fullmatch(rb"Drew (\d+) demo image\(s\) into (.+)\.\n", done.stderr)
    assert match, done.stderr
    assert int(match[1]) == len([p for p in store.rglob("*.jpg")]) > 500
    assert ok(tvdbd.run("images", "generate-demo")).stderr.startswith(b"Drew 0 demo image(s)")


def test_serve_draws_the_demo_images_with_the_demo_catalogue(tvdbd: Instance) -> None:
    with serving(tvdbd) as server:
        login = httpx.post(f"{server.base_url}/login", json={"apikey": "demo"}, timeout=10)
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        series = httpx.get(f"{server.base_url}/series/76156", headers=headers, timeout=10)
        poster = httpx.get(f"{server.base_url}/banners/{series.json()['data']['poster']}")
        images = httpx.get(
            f"{server.base_url}/series/76156/images/query?keyType=fanart", headers=headers
        ).json()["data"]
        thumbnail = httpx.get(f"{server.base_url}/banners/{images[0]['thumbnail']}")
    assert re.search(r"Drew \d+ demo images into ", server.log())
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "image/jpeg"
    assert thumbnail.status_code == 200
