"""GET /languages and GET /languages/{id}."""

from __future__ import annotations

import httpx
import pytest

from tests.api.wire import assert_id_not_found, assert_ok, recorded

# Contract §6: the legacy ids kept from the v1 XML API.
LEGACY = {
    7: ("en", "English", "English"),
    14: ("de", "Deutsch", "German"),
    16: ("es", "español", "Spanish"),
    17: ("fr", "français", "French"),
    26: ("pt", "português - Brazil", "Portuguese - Brazil"),
    27: ("zh", "中文", "Chinese - Mandarin"),
    32: ("ko", "한국어", "Korean"),
}


def test_languages_lists_the_184_entries_of_2020_with_keys_in_served_order(
    api: httpx.Client,
) -> None:
    body = assert_ok(api.get("/languages"))
    assert list(body) == ["data"]
    assert len(body["data"]) == 184
    for entry in body["data"]:
        assert list(entry) == ["id", "abbreviation", "name", "englishName"]
        assert entry["id"] is None or isinstance(entry["id"], int)


def test_languages_equals_the_recorded_real_list(api: httpx.Client) -> None:
    real = recorded("languages__e707a7b2.json")
    if real is None:
        pytest.skip("../shared/recorded-api is not available")
    assert api.get("/languages").json() == real["body"]


def test_languages_keeps_the_quirks_null_id_for_yue_and_pt_twice(api: httpx.Client) -> None:
    data = api.get("/languages").json()["data"]
    assert {
        "id": None,
        "abbreviation": "yue",
        "name": "广东话",
        "englishName": "Chinese - Cantonese",
    } in data
    assert sorted(e["id"] for e in data if e["abbreviation"] == "pt") == [26, 214]


@pytest.mark.parametrize("language_id", sorted(LEGACY))
def test_language_by_id_is_wrapped_in_data(api: httpx.Client, language_id: int) -> None:
    abbreviation, name, english_name = LEGACY[language_id]
    response = api.get(f"/languages/{language_id}")
    assert assert_ok(response) == {
        "data": {
            "id": language_id,
            "abbreviation": abbreviation,
            "name": name,
            "englishName": english_name,
        }
    }


def test_every_listed_id_can_be_fetched_alone(api: httpx.Client) -> None:
    data = api.get("/languages").json()["data"]
    for entry in data[::20]:
        if entry["id"] is not None:
            assert api.get(f"/languages/{entry['id']}").json() == {"data": entry}


@pytest.mark.parametrize("raw_id", ["0", "1", "999", "2147483648", "99999999999999999999999"])
def test_an_unknown_language_id_is_404_with_the_id_message(api: httpx.Client, raw_id: str) -> None:
    assert_id_not_found(api.get(f"/languages/{raw_id}"), raw_id)


@pytest.mark.parametrize("raw_id", ["en", "-7", "7.0", "null"])
def test_a_language_id_that_is_not_a_number_is_404_with_the_id_message(
    api: httpx.Client, raw_id: str
) -> None:
    assert_id_not_found(api.get(f"/languages/{raw_id}"), raw_id)
