"""GET /updated/query and /updated/query/params (contract §7, §12)."""

from __future__ import annotations

import httpx
import pytest

from tests.api import tiny
from tests.api.wire import assert_error, assert_json_error, assert_ok

T0, DAY, WEEK = tiny.T0, tiny.DAY, 7 * tiny.DAY
SCRUBS_UPDATE = {"id": 76156, "lastUpdated": 1590423366}


def updates(client: httpx.Client, **params: str | int) -> httpx.Response:
    return client.get("/updated/query", params=params)


def test_updates_list_series_changed_in_the_window(api: httpx.Client) -> None:
    response = updates(api, fromTime=1590000000, toTime=1590500000)
    assert assert_ok(response) == {"data": [SCRUBS_UPDATE]}
    assert response.content == b'{"data":[{"id":76156,"lastUpdated":1590423366}]}'


def test_an_empty_to_time_is_ignored(api: httpx.Client) -> None:
    response = api.get("/updated/query?fromTime=1590000000&toTime=")
    assert assert_ok(response) == {"data": [SCRUBS_UPDATE]}


def test_without_to_time_the_window_runs_one_week(api: httpx.Client) -> None:
    # Firefly (1590710293) is more than a week after fromTime; Lost (1589988998) before it.
    assert updates(api, fromTime=1590000000).json() == {"data": [SCRUBS_UPDATE]}


def test_a_window_longer_than_a_week_is_cut_to_one_week_after_from_time(
    api: httpx.Client,
) -> None:
    assert updates(api, fromTime=1590000000, toTime=1600000000).json() == {"data": [SCRUBS_UPDATE]}
    assert updates(api, fromTime=1590500000, toTime=1600000000).json() == {
        "data": [{"id": 78874, "lastUpdated": 1590710293}]
    }


def test_the_window_includes_both_ends(api: httpx.Client) -> None:
    assert updates(api, fromTime=1590423366, toTime=1590423366).json() == {"data": [SCRUBS_UPDATE]}


@pytest.mark.parametrize(
    ("from_time", "to_time"),
    [(1590423367, 1590500000), (1, 1000), (1590500000, 1590400000), (9999999999, "")],
)
def test_a_window_without_updates_is_an_empty_list(
    api: httpx.Client, from_time: int, to_time: int | str
) -> None:
    response = updates(api, fromTime=from_time, toTime=to_time)
    assert_ok(response)
    assert response.content == b'{"data":[]}'


def test_updates_are_ordered_by_time_and_only_inside_the_window(tiny_api: httpx.Client) -> None:
    assert updates(tiny_api, fromTime=T0).json() == {
        "data": [
            {"id": tiny.GERMAN, "lastUpdated": T0},
            {"id": tiny.EMPTY, "lastUpdated": T0 + 3 * DAY},
        ]
    }
    assert updates(tiny_api, fromTime=T0, toTime=T0 + DAY).json() == {
        "data": [{"id": tiny.GERMAN, "lastUpdated": T0}]
    }
    assert updates(tiny_api, fromTime=T0 + WEEK, toTime="").json() == {
        "data": [{"id": tiny.LONG, "lastUpdated": T0 + 10 * DAY}]
    }


def test_every_update_is_an_int_pair_inside_the_window(tiny_api: httpx.Client) -> None:
    for from_time in (0, T0 - DAY, T0, T0 + 2 * DAY):
        for update in updates(tiny_api, fromTime=from_time).json()["data"]:
            assert list(update) == ["id", "lastUpdated"]
            assert type(update["id"]) is int and type(update["lastUpdated"]) is int
            assert from_time <= update["lastUpdated"] <= from_time + WEEK


@pytest.mark.parametrize("query", ["", "?toTime=1590500000", "?fromTime=", "?fromTime=%20"])
def test_updates_without_from_time_are_400(api: httpx.Client, query: str) -> None:
    message = assert_json_error(api.get("/updated/query" + query), 400)
    assert "fromTime" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fromTime", "yesterday"),
        ("fromTime", "-1"),
        ("fromTime", "1.5"),
        ("fromTime", "99999999999999999999"),
        ("toTime", "tomorrow"),
        ("toTime", "1e9"),
    ],
)
def test_a_time_that_is_not_epoch_seconds_is_400(api: httpx.Client, name: str, value: str) -> None:
    params = {"fromTime": "1590000000", name: value}
    assert_error(updates(api, **params), 400, f"Invalid value for {name}: {value}")


def test_unknown_parameters_are_reported_beside_the_updates(api: httpx.Client) -> None:
    body = assert_ok(updates(api, fromTime=1590000000, lang="en"))
    assert body == {"data": [SCRUBS_UPDATE], "errors": {"invalidQueryParams": ["lang"]}}


def test_updated_query_params_lists_from_and_to_time(api: httpx.Client) -> None:
    assert assert_ok(api.get("/updated/query/params")) == {"data": ["fromTime", "toTime"]}
