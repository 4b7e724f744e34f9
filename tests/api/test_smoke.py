"""A first walk over the demo server (the detailed route tests live beside this file)."""

from __future__ import annotations

import httpx


def test_series_is_served_with_tvdb_headers(api: httpx.Client) -> None:
    response = api.get("/series/76156")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["x-thetvdb-api-version"] == "3.0.0"
    assert response.json()["data"]["seriesName"] == "Scrubs"


def test_unknown_series_is_404_with_id_message(api: httpx.Client) -> None:
    response = api.get("/series/999999999999999999999999")
    assert response.status_code == 404
    assert response.content == b'{"Error":"ID: 999999999999999999999999 not found"}'
