"""/series/{id}/images, /images/query and /images/query/params (contract §3.5-3.7, §11)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api import tiny
from tests.api.wire import (
    IMAGE_KEYS_V3,
    assert_error,
    assert_id_not_found,
    assert_ok,
    demo_bundle,
)
from tests.support import Databases, LiveServer, import_bundles

KEY_TYPES = ["fanart", "poster", "season", "seasonwide", "series"]


def scrubs_images(**filters: str) -> list[dict[str, Any]]:
    wire = {"keyType": "keyType", "subKey": "subKey", "resolution": "resolution"}
    return [
        image
        for image in demo_bundle(76156)["images"]
        if all(image[wire[k]] == v for k, v in filters.items())
    ]


# --- summary --------------------------------------------------------------------------------


def test_images_summary_counts_each_key_type(api: httpx.Client) -> None:
    response = api.get("/series/76156/images")
    assert_ok(response)
    assert response.content == (
        b'{"data":{"fanart":38,"poster":16,"season":83,"seasonwide":24,"series":12}}'
    )


def test_images_summary_leaves_out_key_types_without_images(tiny_api: httpx.Client) -> None:
    assert tiny_api.get(f"/series/{tiny.GERMAN}/images").json() == {
        "data": {"fanart": 1, "poster": 2}
    }


def test_images_summary_of_a_series_without_images_is_an_empty_object(
    api: httpx.Client,
) -> None:
    assert assert_ok(api.get("/series/73739/images")) == {"data": {}}


def test_images_summary_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/0/images"), "0")


def test_every_listed_key_type_can_be_queried(api: httpx.Client) -> None:
    # tvdb_api queries every key type the summary lists and crashes on a 404.
    summary = api.get("/series/76156/images").json()["data"]
    for key_type, count in summary.items():
        response = api.get("/series/76156/images/query", params={"keyType": key_type})
        assert len(assert_ok(response)["data"]) == count


# --- query ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_type", KEY_TYPES)
def test_images_query_by_key_type_serves_whole_records_in_bundle_order(
    api: httpx.Client, key_type: str
) -> None:
    body = assert_ok(api.get(f"/series/76156/images/query?keyType={key_type}"))
    assert body == {"data": scrubs_images(keyType=key_type)}
    for image in body["data"]:
        assert list(image) == IMAGE_KEYS_V3


def test_images_query_without_filters_serves_every_image(api: httpx.Client) -> None:
    data = assert_ok(api.get("/series/76156/images/query"))["data"]
    assert data == demo_bundle(76156)["images"]
    assert len(data) == 173
    assert [i["id"] for i in data] != sorted(i["id"] for i in data)  # catalogue order, not ids


@pytest.mark.parametrize(
    "filters",
    [
        {"keyType": "season", "subKey": "1"},
        {"keyType": "season", "subKey": "0"},
        {"keyType": "seasonwide", "subKey": "4"},
        {"keyType": "poster", "resolution": "680x1000"},
        {"resolution": "680x1000"},
        {"subKey": "graphical"},
        {"keyType": "series", "subKey": "graphical", "resolution": "758x140"},
    ],
)
def test_images_query_filters_combine(api: httpx.Client, filters: dict[str, str]) -> None:
    response = api.get("/series/76156/images/query", params=filters)
    assert assert_ok(response) == {"data": scrubs_images(**filters)}


@pytest.mark.parametrize(
    "filters",
    [
        {"keyType": "seasonwide", "subKey": "9"},  # SickChill#5967
        {"keyType": "bogus"},
        {"keyType": "Poster"},
        {"resolution": "1x1"},
        {"keyType": "poster", "subKey": ""},
    ],
)
def test_images_query_without_a_match_is_404_resource_not_found(
    api: httpx.Client, filters: dict[str, str]
) -> None:
    response = api.get("/series/76156/images/query", params=filters)
    assert_error(response, 404, "Resource not found")


def test_images_query_of_a_series_without_images_is_404(api: httpx.Client) -> None:
    assert_error(api.get("/series/73739/images/query"), 404, "Resource not found")


def test_images_query_reports_unknown_parameters_beside_the_images(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/images/query?keyType=season&lang=en"))
    assert list(body) == ["data", "errors"]
    assert body["errors"] == {"invalidQueryParams": ["lang"]}
    assert len(body["data"]) == 83


def test_images_query_of_an_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    assert_id_not_found(api.get("/series/0/images/query?keyType=poster"), "0")


def test_image_thumbnail_series_last_updated_and_language_are_derived(
    tiny_api: httpx.Client,
) -> None:
    assert tiny_api.get(f"/series/{tiny.GERMAN}/images/query").json() == {
        "data": [
            {"id": 7003, "keyType": "poster", "subKey": "graphical",
             "fileName": "posters/900001-2.jpg", "languageId": 0, "language": "de",
             "resolution": "680x1000", "ratingsInfo": {"average": 2, "count": 2},
             "thumbnail": "posters/900001-2_t.jpg", "seriesLastUpdated": tiny.T0},
            {"id": 7001, "keyType": "fanart", "subKey": "graphical",
             "fileName": "fanart/original/900001-1.jpg", "languageId": 0, "language": "de",
             "resolution": "1920x1080", "ratingsInfo": {"average": 0, "count": 0},
             "thumbnail": "fanart/original/900001-1_t.jpg", "seriesLastUpdated": tiny.T0},
            {"id": 7002, "keyType": "poster", "subKey": "graphical",
             "fileName": "posters/900001-1.jpg", "languageId": 0, "language": "de",
             "resolution": "680x1000", "ratingsInfo": {"average": 0, "count": 0},
             "thumbnail": "posters/900001-1_t.jpg", "seriesLastUpdated": tiny.T0},
        ]
    }  # fmt: skip


def test_every_image_thumbnail_is_the_file_name_with_t(api: httpx.Client) -> None:
    for image in api.get("/series/76156/images/query").json()["data"]:
        stem, dot, ext = image["fileName"].rpartition(".")
        assert image["thumbnail"] == f"{stem}_t{dot}{ext}"
        assert image["seriesLastUpdated"] == 1590423366
        assert image["ratingsInfo"]["average"] == image["ratingsInfo"]["count"]


# --- query params -----------------------------------------------------------------------------


def test_images_query_params_list_each_key_type_with_its_values(api: httpx.Client) -> None:
    body = assert_ok(api.get("/series/76156/images/query/params"))
    assert [p["keyType"] for p in body["data"]] == KEY_TYPES
    images = demo_bundle(76156)["images"]
    for param in body["data"]:
        assert list(param) == ["keyType", "languageId", "resolution", "subKey"]
        assert param["languageId"] == "7"  # a string here, English
        of_type = [i for i in images if i["keyType"] == param["keyType"]]
        assert sorted(param["resolution"]) == sorted({i["resolution"] for i in of_type})
        assert sorted(param["subKey"]) == sorted({i["subKey"] for i in of_type})


@pytest.mark.parametrize(("language", "language_id"), [("fr", "17"), ("de", "14"), ("yue", "")])
def test_images_query_params_name_the_requested_language_id_as_a_string(
    api: httpx.Client, language: str, language_id: str
) -> None:
    # `yue` has a null id in the 2020 language list.
    body = api.get("/series/76156/images/query/params", headers={"Accept-Language": language})
    assert {p["languageId"] for p in body.json()["data"]} == {language_id}


def test_images_query_params_of_a_series_without_images_is_an_empty_list(
    api: httpx.Client,
) -> None:
    assert assert_ok(api.get("/series/73739/images/query/params")) == {"data": []}


def test_images_query_params_of_an_unknown_series_is_404_with_id_message(
    api: httpx.Client,
) -> None:
    assert_id_not_found(api.get("/series/0/images/query/params"), "0")


def test_images_without_a_key_type_are_left_out_of_the_summary(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A bundle may give `keyType: null`; the summary was a 500 (found with the OpenAPI work)."""
    url, engine = databases.new_engine(backend)
    bundle = {
        "series": {"id": 1, "seriesName": "No key type"},
        "images": [
            {"id": 10, "keyType": None, "fileName": "posters/1-1.jpg"},
            {"id": 11, "keyType": "", "fileName": "posters/1-2.jpg"},
            {"id": 12, "keyType": "poster", "fileName": "posters/1-3.jpg"},
        ],
    }
    assert import_bundles(engine, [bundle]).ok
    engine.dispose()
    server = LiveServer(url, tmp_path_factory.mktemp(f"no-key-type-{backend}"))
    try:
        with server.client() as client:
            assert assert_ok(client.get("/series/1/images")) == {"data": {"poster": 1}}
    finally:
        server.stop()
