"""GET /banners/<path>: artwork files, thumbnails, ranges and validators, through a live server."""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path

import httpcore
import httpx
import pytest
from PIL import Image

from tests.api.wire import assert_error
from tests.support import DEMO_BUNDLE, Databases, LiveServer
from tvdbd.bundles.importer import import_file
from tvdbd.demo import draw_demo_images

IMMUTABLE = "public, max-age=31536000, immutable"
POSTER = "posters/76156-1.jpg"  # an image record: 680x1000
FANART = "fanart/original/76156-11.jpg"  # the series' fanart: 1920x1080


@pytest.fixture(scope="session")
def demo_images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's drawn placeholders, once per test run."""
    directory = tmp_path_factory.mktemp("demo-images")
    assert draw_demo_images(directory) > 500
    return directory


class ImageServer:
    """A live server whose image store the tests can add files to."""

    def __init__(self, server: LiveServer, store: Path, outside: Path):
        self.server = server
        self.store = store
        self.outside = outside  # a folder beside the store, that must stay unreachable

    def get(self, path: str, **headers: str) -> httpx.Response:
        # No Authorization header: images need no token.
        return httpx.get(f"{self.server.base_url}{path}", headers=headers, timeout=10)

    def raw(self, target: bytes) -> httpcore.Response:
        """Send the request target exactly as given (httpx would remove `..` segments)."""
        url = httpcore.URL(scheme=b"http", host=b"127.0.0.1", port=self.server.port, target=target)
        return httpcore.request("GET", url)

    def put(self, relative: str, data: bytes) -> Path:
        path = self.store / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def images(
    backend: str,
    databases: Databases,
    demo_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ImageServer]:
    url, engine = databases.new_engine(backend)
    assert import_file(engine, DEMO_BUNDLE).ok
    engine.dispose()
    root = tmp_path_factory.mktemp(f"banners-{backend}")
    store = root / "store"
    shutil.copytree(demo_images, store)
    (root / "outside").mkdir()
    server = LiveServer(url, root / "data", TVDBD_IMAGE_DIR=str(store))
    yield ImageServer(server, store, root / "outside")
    server.stop()


def picture(size: tuple[int, int], image_format: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, image_format)
    return out.getvalue()


def dimensions(response: httpx.Response) -> tuple[int, int]:
    return Image.open(io.BytesIO(response.content)).size


# --- originals ----------------------------------------------------------------------------------


def test_an_original_is_served_as_stored_without_a_token(images: ImageServer) -> None:
    response = images.get(f"/banners/{POSTER}")
    assert response.status_code == 200
    assert response.content == (images.store / POSTER).read_bytes()
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    mtime = (images.store / POSTER).stat().st_mtime
    assert response.headers["last-modified"] == formatdate(mtime, usegmt=True)
    assert dimensions(response) == (680, 1000)


def test_a_bad_token_does_not_matter_either(images: ImageServer) -> None:
    response = images.get(f"/banners/{POSTER}", Authorization="Bearer nonsense")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "image_format", "content_type"),
    [
        ("kinds/a.png", "PNG", "image/png"),
        ("kinds/a.gif", "GIF", "image/gif"),
        ("kinds/a.webp", "WEBP", "image/webp"),
        ("kinds/a.jpeg", "JPEG", "image/jpeg"),
        ("kinds/UPPER.JPG", "JPEG", "image/jpeg"),
    ],
)
def test_each_image_type_has_its_content_type(
    images: ImageServer, name: str, image_format: str, content_type: str
) -> None:
    data = images.put(name, picture((40, 30), image_format)).read_bytes()
    response = images.get(f"/banners/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content == data


def test_files_added_to_the_store_later_are_served(images: ImageServer) -> None:
    assert images.get("/banners/later/added.png").status_code == 404
    images.put("later/added.png", picture((10, 10)))
    assert images.get("/banners/later/added.png").status_code == 200


def test_head_answers_the_headers_without_the_file(images: ImageServer) -> None:
    response = httpx.head(f"{images.server.base_url}/banners/{POSTER}", timeout=10)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str((images.store / POSTER).stat().st_size)


def test_images_are_never_compressed(images: ImageServer) -> None:
    response = images.get(f"/banners/{FANART}", **{"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert "vary" not in response.headers
    assert response.content == (images.store / FANART).read_bytes()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_are_405_in_json(images: ImageServer, method: str) -> None:
    response = httpx.request(method, f"{images.server.base_url}/banners/{POSTER}", timeout=10)
    assert_error(response, 405, "Method not allowed")
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "HEAD"]


# --- missing files and paths outside the store ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/banners/posters/no-such-file.jpg",
        "/banners/",
        "/banners/posters",  # a folder
        "/banners/posters/76156-1",  # no extension
        "/banners/_cache/posters/no-such-file.jpg",
        "/banners/posters/no-such-file_t.jpg",
        "/banners/images/missing/series.jpg",  # the placeholder path search hits point to
        "/banners/" + "a" * 5000 + ".jpg",  # longer than a file name may be
        "/banners/" + "a/" * 3000 + "b.jpg",  # longer than a path may be
    ],
)
def test_a_missing_file_is_a_json_404(images: ImageServer, path: str) -> None:
    assert_error(images.get(path), 404, "Resource not found")


def test_files_that_are_not_images_are_never_served(images: ImageServer) -> None:
    images.put("notes/readme.txt", b"private")
    images.put("notes/.hidden.jpg", picture((5, 5), "JPEG"))
    assert_error(images.get("/banners/notes/readme.txt"), 404, "Resource not found")
    assert_error(images.get("/banners/notes/.hidden.jpg"), 404, "Resource not found")


@pytest.mark.parametrize(
    "target",
    [
        b"/banners/../../../../etc/passwd",
        b"/banners/posters/../../outside/secret.jpg",
        b"/banners/%2e%2e/outside/secret.jpg",
        b"/banners/%2E%2E%2Foutside%2Fsecret.jpg",
        b"/banners/..%2foutside%2fsecret.jpg",
        b"/banners/..%5coutside%5csecret.jpg",
        b"/banners/.%2e/outside/secret.jpg",
        b"/banners/posters/%2e%2e/%2e%2e/outside/secret.jpg",
        b"/banners/_cache/../../outside/secret.jpg",
        b"/banners/_cache/%2e%2e/%2e%2e/outside/secret.jpg",
        b"/banners//etc/passwd",
        b"/banners/%2fetc%2fpasswd",
        b"/banners/%2F%2Fetc/passwd",
        b"/banners/posters/76156-1.jpg%00.png",
        b"/banners/%00/etc/passwd",
        b"/banners/./posters/76156-1.jpg",
    ],
)
def test_no_path_reaches_outside_the_store(images: ImageServer, target: bytes) -> None:
    (images.outside / "secret.jpg").write_bytes(picture((5, 5), "JPEG"))
    response = images.raw(target)
    if b"%00" in target:  # refused before any route (tvdbd.http.text)
        assert response.status == 400, target
        assert response.content == b'{"Error":"Invalid character in the path"}'
    else:
        assert response.status == 404, target
        assert response.content == b'{"Error":"Resource not found"}'


def test_symlinks_pointing_out_of_the_store_are_not_followed(images: ImageServer) -> None:
    (images.outside / "secret.jpg").write_bytes(picture((5, 5), "JPEG"))
    (images.outside / "dir").mkdir(exist_ok=True)
    (images.outside / "dir" / "inner.jpg").write_bytes(picture((5, 5), "JPEG"))
    links = images.store / "links"
    links.mkdir(exist_ok=True)
    for name, target in [
        ("file.jpg", images.outside / "secret.jpg"),
        ("dir", images.outside / "dir"),
        ("inside.jpg", images.store / POSTER),
    ]:
        if not (links / name).is_symlink():
            os.symlink(target, links / name)
    assert_error(images.get("/banners/links/file.jpg"), 404, "Resource not found")
    assert_error(images.get("/banners/links/dir/inner.jpg"), 404, "Resource not found")
    assert_error(images.get("/banners/links/file_t.jpg"), 404, "Resource not found")
    assert_error(images.get("/banners/_cache/links/file.jpg"), 404, "Resource not found")
    # A link that stays inside the store is just another name for the file.
    inside = images.get("/banners/links/inside.jpg")
    assert inside.status_code == 200
    assert inside.content == (images.store / POSTER).read_bytes()


# --- thumbnails -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "size"),
    [
        ("fanart/original/76156-1.jpg", (300, 169)),  # 1920x1080
        ("posters/76156-2.jpg", (300, 441)),  # 680x1000
        ("seasons/76156-1.jpg", (300, 441)),  # 680x1000
        ("graphical/76156-g9.jpg", (300, 55)),  # 758x140
        ("seasonswide/76156-1.jpg", (300, 55)),  # 758x140
        ("actors/43638.jpg", (300, 450)),  # 300x450: already fits
        ("episodes/76156/184602.jpg", (300, 169)),  # 640x360
    ],
)
def test_name_t_serves_a_thumbnail_fitting_300_by_450(
    images: ImageServer, original: str, size: tuple[int, int]
) -> None:
    stem, ext = original.rsplit(".", 1)
    response = images.get(f"/banners/{stem}_t.{ext}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == IMMUTABLE
    assert dimensions(response) == size
    legacy = images.get(f"/banners/_cache/{original}")
    assert legacy.status_code == 200
    assert legacy.content == response.content  # one file serves both spellings


def test_a_thumbnail_is_made_on_first_request_and_kept_on_disk(images: ImageServer) -> None:
    kept = images.store / "_cache" / "seasons" / "76156-3.jpg"
    assert not kept.exists()
    first = images.get("/banners/seasons/76156-3_t.jpg")
    assert first.status_code == 200
    assert kept.read_bytes() == first.content
    made = kept.stat().st_mtime
    again = images.get("/banners/_cache/seasons/76156-3.jpg")
    assert again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    assert kept.stat().st_mtime == made


def test_a_replaced_original_gets_a_new_thumbnail(images: ImageServer) -> None:
    images.put("swap/art.png", picture((600, 600)))
    assert dimensions(images.get("/banners/swap/art_t.png")) == (300, 300)
    time.sleep(0.01)
    images.put("swap/art.png", picture((900, 300)))
    assert dimensions(images.get("/banners/swap/art_t.png")) == (300, 100)


def test_thumbnails_keep_the_format_and_never_enlarge(images: ImageServer) -> None:
    images.put("small/icon.png", picture((120, 80)))
    response = images.get("/banners/small/icon_t.png")
    assert response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).format == "PNG"
    assert dimensions(response) == (120, 80)
    images.put("tall/strip.gif", picture((200, 2000), "GIF"))
    assert dimensions(images.get("/banners/tall/strip_t.gif")) == (45, 450)


def test_an_original_whose_name_ends_in_t_is_served_itself(images: ImageServer) -> None:
    data = images.put("own/cover_t.png", picture((500, 500))).read_bytes()
    assert images.get("/banners/own/cover_t.png").content == data


def test_a_file_that_is_not_really_an_image_has_no_thumbnail(images: ImageServer) -> None:
    images.put("broken/bad.jpg", b"not a jpeg at all")
    assert images.get("/banners/broken/bad.jpg").status_code == 200
    assert_error(images.get("/banners/broken/bad_t.jpg"), 404, "Resource not found")


# --- ranges and validators ------------------------------------------------------------------------


def test_a_range_request_gets_206_with_that_slice(images: ImageServer) -> None:
    data = (images.store / POSTER).read_bytes()
    response = images.get(f"/banners/{POSTER}", Range="bytes=10-19")
    assert response.status_code == 206
    assert response.content == data[10:20]
    assert response.headers["content-range"] == f"bytes 10-19/{len(data)}"
    suffix = images.get(f"/banners/{POSTER}", Range="bytes=-7")
    assert (suffix.status_code, suffix.content) == (206, data[-7:])
    several = images.get(f"/banners/{POSTER}", Range="bytes=0-1,5-6")
    assert several.status_code == 206
    assert several.headers["content-type"].startswith("multipart/byteranges; boundary=")


def test_an_unsatisfiable_range_is_a_json_416(images: ImageServer) -> None:
    size = (images.store / POSTER).stat().st_size
    response = images.get(f"/banners/{POSTER}", Range=f"bytes={size + 10}-")
    assert_error(response, 416, "Range not satisfiable")
    assert response.headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize("header", ["bytes=abc", "pages=1-2", "bytes=9-3", "nonsense"])
def test_a_malformed_range_is_ignored(images: ImageServer, header: str) -> None:
    response = images.get(f"/banners/{POSTER}", Range=header)
    assert response.status_code == 200
    assert response.content == (images.store / POSTER).read_bytes()


def test_if_range_applies_the_range_only_to_the_same_file(images: ImageServer) -> None:
    etag = images.get(f"/banners/{POSTER}").headers["etag"]
    same = images.get(f"/banners/{POSTER}", Range="bytes=0-3", **{"If-Range": etag})
    assert same.status_code == 206
    other = images.get(f"/banners/{POSTER}", Range="bytes=0-3", **{"If-Range": '"other"'})
    assert other.status_code == 200


def test_if_none_match_and_if_modified_since_give_304(images: ImageServer) -> None:
    first = images.get(f"/banners/{POSTER}")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        response = images.get(f"/banners/{POSTER}", **headers)
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"] == IMMUTABLE
        assert "content-length" not in response.headers
    assert images.get(f"/banners/{POSTER}", **{"If-None-Match": '"x"'}).status_code == 200
    older = formatdate(time.time() - 10 * 86400 * 365, usegmt=True)
    assert images.get(f"/banners/{POSTER}", **{"If-Modified-Since": older}).status_code == 200
    thumbnail = images.get(f"/banners/_cache/{POSTER}")
    again = images.get(f"/banners/_cache/{POSTER}", **{"If-None-Match": thumbnail.headers["etag"]})
    assert again.status_code == 304
