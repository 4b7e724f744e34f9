"""GET /openapi.json and the docs page: served without a token, true to the routes and the wire.

The schemathesis run (test_schemathesis.py) checks the 3.0.0 answers against the document;
these tests check what it cannot: that the document names exactly the app's routes, the
2.2.0 shapes, and that the page and its files come from this server alone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from openapi_spec_validator import validate
from starlette.routing import BaseRoute, Mount, Route
from swagger_ui_bundle import swagger_ui_path

from tests.support import Databases, LiveServer, import_bundles
from tvdbd.app import create_app
from tvdbd.records import artwork, episode, series
from tvdbd.records.fields import Field
from tvdbd.settings import Settings

V2_ACCEPT = "application/vnd.thetvdb.v2.2.0"
# Schemas with a 2.2.0 variant (served to Accept: application/vnd.thetvdb.v2...).
V2_VARIANTS = ("Series", "SearchHit", "Episode", "Image")


@pytest.fixture(scope="module")
def document(demo_server: LiveServer) -> dict[str, Any]:
    response = httpx.get(f"{demo_server.base_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def _app_operations(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route the app answers, converters removed (`{path:path}`).

    Starlette adds HEAD to every GET route; those are left to the HEAD test below.
    """
    found: set[tuple[str, str]] = set()
    for route in routes:
        if not getattr(route, "include_in_schema", True):
            # Only the legacy XML API (tvdbd.v1) is left out: XML, described in the text.
            assert prefix + getattr(route, "path", "") in (
                "/api",
                "/banners/fanart/vignette/{path:path}",
            )
            continue
        if isinstance(route, Route):
            path = re.sub(r"{(\w+):\w+}", r"{\1}", prefix + route.path)
            methods = route.methods or set()
            found |= {(m, path) for m in methods if not (m == "HEAD" and "GET" in methods)}
        elif isinstance(route, Mount):
            found |= _app_operations(list(route.routes), prefix + route.path)
        else:
            pytest.fail(f"a route of a kind this test does not know: {route!r}")
    return found


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, item in document["paths"].items() for m in item}


def test_the_document_names_every_route_of_the_app_and_nothing_else(
    document: dict[str, Any], tmp_path: Path
) -> None:
    app = create_app(Settings(data_dir=tmp_path, read_through="off"))
    served = _app_operations(list(app.routes))
    documented = {(m, p) for m, p in _documented(document) if m != "HEAD"}
    assert served - documented == set(), "served but not in /openapi.json"
    assert documented - served == set(), "in /openapi.json but not served"
    for method, path in _documented(document):
        if method == "HEAD":
            assert ("GET", path) in served  # Starlette's HEAD of the GET route


def test_head_is_documented_where_the_contract_and_the_route_table_say_so(
    document: dict[str, Any],
) -> None:
    heads = sorted(p for m, p in _documented(document) if m == "HEAD")
    assert heads == ["/banners/{path}", "/series/{id}"]
    for path in ("/login", "/series/{id}/episodes/query", "/user/ratings/{itemType}/{itemId}"):
        assert path in document["paths"]


def test_it_is_a_valid_openapi_3_1_document(document: dict[str, Any]) -> None:
    validate(document)  # against the OpenAPI 3.1 specification's own schema


def test_it_is_openapi_3_1_with_the_bearer_scheme_and_a_public_login(
    document: dict[str, Any],
) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert document["security"] == [{"bearerAuth": []}]
    public = sorted(
        f"{m.upper()} {p}"
        for p, item in document["paths"].items()
        for m, op in item.items()
        if op.get("security") == []
    )
    assert public == [
        "GET /",
        "GET /banners/{path}",
        "GET /health",
        "GET /metrics",
        "GET /openapi.json",
        "GET /swagger",
        "GET /swagger/{name}",
        "HEAD /banners/{path}",
        "POST /login",
    ]


def test_every_error_is_documented_with_its_error_body(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, op in item.items():
            statuses = set(op["responses"])
            if op.get("security") != []:
                assert "401" in statuses, f"{method} {path}"
            if "{id}" in path:
                assert "404" in statuses, f"{method} {path}"
            for status, response in op["responses"].items():
                if status.startswith("4") and method != "head":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path}"
    assert document["components"]["schemas"]["Error"]["required"] == ["Error"]
    assert "MethodNotAllowed" in document["components"]["responses"]


def test_api_operations_take_accept_and_accept_language_headers(document: dict[str, Any]) -> None:
    series = document["paths"]["/series/{id}"]["get"]
    refs = [p.get("$ref", "") for p in series["parameters"]]
    assert "#/components/parameters/Accept-Language" in refs
    assert "#/components/parameters/Accept" in refs
    path_param = next(p for p in series["parameters"] if p.get("in") == "path")
    assert path_param["name"] == "id" and path_param["required"] is True


def test_records_follow_the_field_specs_nullable_and_optional_keys(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    series = schemas["Series"]
    assert series["properties"]["overview"]["type"] == ["string", "null"]
    assert series["properties"]["id"]["type"] == "integer"
    assert series["properties"]["season"]["type"] == "string"
    assert series["additionalProperties"] is False
    assert list(series["properties"])[:3] == ["id", "seriesId", "seriesName"]
    hit = schemas["SearchHit"]
    assert "overview" in hit["properties"] and "overview" not in hit["required"]
    episode = schemas["Episode"]
    assert episode["properties"]["dvdEpisodeNumber"]["type"] == ["number", "null"]
    assert episode["properties"]["guestStars"]["type"] == ["array", "null"]
    links = schemas["Links"]
    assert sorted(links["required"]) == ["first", "last", "next", "prev"]
    episodes = document["paths"]["/series/{id}/episodes"]["get"]["responses"]["200"]
    body = episodes["content"]["application/json"]["schema"]
    assert list(body["properties"]) == ["links", "data", "errors"]
    assert body["required"] == ["links", "data"]
    assert body["properties"]["errors"]["additionalProperties"] is False


def _v2_document(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the 2.2.0 record schemas in place of the 3.0.0 ones."""
    text = json.dumps(document["paths"])
    for name in V2_VARIANTS:
        text = text.replace(f'"#/components/schemas/{name}"', f'"#/components/schemas/{name}V2"')
    return {**document, "paths": json.loads(text)}


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/series/{id}", "/series/76156"),
        ("/episodes/{id}", "/episodes/184602"),
        ("/series/{id}/episodes", "/series/76156/episodes"),
        ("/series/{id}/episodes/query", "/series/76156/episodes/query?airedSeason=1"),
        ("/series/{id}/images/query", "/series/76156/images/query?keyType=poster"),
        ("/search/series", "/search/series?name=scrubs"),
        ("/series/{id}/filter", "/series/76156/filter?keys=seriesName,season,banner"),
    ],
)
def test_the_v2_shapes_match_the_v2_schemas(
    document: dict[str, Any], negotiating_api: httpx.Client, path: str, url: str
) -> None:
    schema = schemathesis.openapi.from_dict(_v2_document(document))
    response = negotiating_api.get(url, headers={"Accept": V2_ACCEPT})
    assert response.status_code == 200
    assert response.headers["x-thetvdb-api-version"] == "2.2.0"
    schema[path]["GET"].validate_response(response)


def test_the_document_is_built_once_and_answers_conditional_requests(
    demo_server: LiveServer,
) -> None:
    first = httpx.get(f"{demo_server.base_url}/openapi.json", timeout=10)
    second = httpx.get(f"{demo_server.base_url}/openapi.json", timeout=10)
    assert first.content == second.content
    assert first.headers["content-type"] == "application/json"
    etag = first.headers["etag"]
    again = httpx.get(
        f"{demo_server.base_url}/openapi.json", headers={"If-None-Match": etag}, timeout=10
    )
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/", "/swagger"])
def test_the_docs_page_is_served_without_a_token_with_its_jwt_token_field(
    demo_server: LiveServer, path: str
) -> None:
    response = httpx.get(demo_server.base_url + path, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<label for="jwt-token">JWT Token</label>' in page
    assert ">Add Token</button>" in page
    # Only this server's files: relative URLs, no other host (the policy says so too).
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert urls and all(not re.match(r"[a-z]+:|//", url) for url in urls), urls
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for url in urls:
        asset = httpx.get(f"{demo_server.base_url}/{url}", timeout=10)
        assert asset.status_code == 200, url
        # The link to the pages for people is a page (whose footer credits the sources).
        assert b"https://" not in asset.content or url.endswith(".js") or url == "pages/", url


def test_swagger_ui_comes_from_the_pinned_package(demo_server: LiveServer) -> None:
    response = httpx.get(f"{demo_server.base_url}/swagger/swagger-ui-bundle.js", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.content == (swagger_ui_path / "swagger-ui-bundle.js").read_bytes()


@pytest.mark.parametrize("name", ["index.html", "swagger-ui.js.map", "..%2Fdocs.html", "x"])
def test_other_files_are_404_json(demo_server: LiveServer, name: str) -> None:
    response = httpx.get(f"{demo_server.base_url}/swagger/{name}", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"Error": "Resource not found"}


def _all_null(fields: list[Field], **given: Any) -> dict[str, Any]:
    return {**{f.wire: None for f in fields if not f.required}, **given}


@pytest.fixture(scope="module")
def null_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """One series whose records have null for every key a bundle may leave null (both shapes:
    version negotiation on)."""
    url, engine = databases.new_engine(backend)
    bundle = {
        "series": _all_null(series.FIELDS, id=5, seriesName="Nulls"),
        "episodes": [_all_null(episode.FIELDS, id=50, airedSeason=1, airedEpisodeNumber=1)],
        "actors": [_all_null(artwork.ACTOR_FIELDS, id=500)],
        "images": [_all_null(artwork.IMAGE_FIELDS, id=5000, keyType="poster")],
    }
    report = import_bundles(engine, [bundle])
    assert report.ok, report.errors
    engine.dispose()
    server = LiveServer(
        url, tmp_path_factory.mktemp(f"nulls-{backend}"), TVDBD_ACCEPT_VERSION_NEGOTIATION="on"
    )
    yield server
    server.stop()


@pytest.mark.parametrize("accept", ["application/json", V2_ACCEPT])
def test_records_with_every_nullable_key_null_match_the_document(
    null_server: LiveServer, document: dict[str, Any], accept: str
) -> None:
    doc = document if accept == "application/json" else _v2_document(document)
    schema = schemathesis.openapi.from_dict(doc)
    urls = {
        "/series/{id}": "/series/5",
        "/series/{id}/episodes": "/series/5/episodes",
        "/episodes/{id}": "/episodes/50",
        "/series/{id}/actors": "/series/5/actors",
        "/series/{id}/images/query": "/series/5/images/query",
        "/series/{id}/images/query/params": "/series/5/images/query/params",
        "/search/series": "/search/series?name=nulls",
        "/series/{id}/filter": "/series/5/filter?keys=network,overview,siteRating",
    }
    with null_server.client(Accept=accept) as client:
        for path, url in urls.items():
            response = client.get(url)
            assert response.status_code == 200, (url, response.text)
            schema[path]["GET"].validate_response(response)
        assert client.get("/series/5").json()["data"]["network"] is None


def test_the_docs_name_the_live_sources_and_tvmazes_licence(document: dict[str, Any]) -> None:
    description = document["info"]["description"]
    assert "[TheTVDB](https://thetvdb.com)" in description
    assert "[TVmaze](https://www.tvmaze.com)" in description
    assert "CC BY-SA 4.0" in description


def test_the_movie_routes_are_documented_with_their_v3_answers(document: dict[str, Any]) -> None:
    movie = document["paths"]["/movies/{id}"]["get"]
    assert movie["tags"] == ["Movies"]
    assert set(movie["responses"]) == {"200", "304", "400", "401", "404", "429", "503"}
    updates = document["paths"]["/movieupdates"]["get"]
    assert set(updates["responses"]) == {"200", "304", "400", "401", "405", "422", "429", "503"}
    ok = updates["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/MovieUpdates"}  # bare, no `data`
    schema = document["components"]["schemas"]["Movie"]
    assert schema["required"] == [
        "id", "url", "runtime", "artworks", "genres", "people", "release_dates", "remoteids",
        "trailers", "translations",
    ]  # fmt: skip
    assert "Movies" in [tag["name"] for tag in document["tags"]]
