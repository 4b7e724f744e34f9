"""Bad input of every kind is a clean JSON error with TheTVDB's headers, never a 5xx."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.wire import (
    DOCUMENTED_ROUTES,
    ID_ROUTES,
    RESOURCE_NOT_FOUND,
    V2,
    assert_error,
    assert_id_not_found,
    assert_json_error,
    assert_wire_headers,
    example_url,
    page_links,
)
from tests.support import ROOT, LiveServer

# Hypothesis drives a live server: no deadline, and one client for all examples is fine.
LIVE = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# Text that can travel in a URL or a header (no lone surrogates).
URL_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30)
# Numbers as clients may type them: any size, and more digits than int() takes (4300).
NUMBER_TEXT = st.integers(min_value=-(10**40), max_value=10**40).map(str) | st.text(
    "0123456789", min_size=4000, max_size=5000
)
# Queries of many words (a query of 600 words was a 500 on SQLite).
MANY_WORDS = st.lists(st.from_regex(r"[a-z0-9]{1,4}", fullmatch=True), max_size=700).map(" ".join)
ARABIC_ONE = "%D9%A1"
THOUSANDS_OF_DIGITS = "9" * 5000


def assert_clean(response: httpx.Response) -> None:
    """Not a 5xx, JSON with the wire headers, and an `{"Error": ...}` body when not 2xx."""
    assert response.status_code < 500, response.text
    assert_wire_headers(response, response.headers["x-thetvdb-api-version"])
    if response.status_code >= 300 and response.request.method != "HEAD":
        assert_json_error(response, response.status_code)


# --- path ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ID_ROUTES)
@pytest.mark.parametrize(
    "raw_id",
    ["abc", "-1", "1.0", "0x10", "18446744073709551616", "999999999999999999999999", "%E2%85%A0"],
)
def test_an_id_that_is_no_stored_id_is_404_repeating_it(
    api: httpx.Client, path: str, raw_id: str
) -> None:
    response = api.get(example_url(path, raw_id))
    assert_id_not_found(response, raw_id if not raw_id.startswith("%") else "Ⅰ")


@pytest.mark.parametrize("path", ID_ROUTES)
@pytest.mark.parametrize(
    "raw_id", [THOUSANDS_OF_DIGITS, "0" * 5000, "0" * 5000 + "1"], ids=["nines", "zeros", "zeros-1"]
)
def test_an_id_of_thousands_of_digits_is_404_repeating_it(
    api: httpx.Client, path: str, raw_id: str
) -> None:
    # int() refuses more than 4300 digits, leading zeros included: this was a 500.
    assert_id_not_found(api.get(example_url(path, raw_id)), raw_id)


@pytest.mark.parametrize("path", ID_ROUTES)
def test_unicode_digits_are_not_ids(api: httpx.Client, path: str) -> None:
    # "٧٦١٥٦" is 76156 in Arabic-Indic digits; str.isdigit() would take it.
    response = api.get(example_url(path, quote("٧٦١٥٦")))
    assert_id_not_found(response, "٧٦١٥٦")


@pytest.mark.parametrize("path", ["/series/76156%00", "/%00", "/series/%01", "/series/%FF"])
def test_a_nul_or_other_invalid_character_in_the_path_is_400(api: httpx.Client, path: str) -> None:
    assert_error(api.get(path), 400, "Invalid character in the path")


# --- pages and query parameters -------------------------------------------------------------


@pytest.mark.parametrize("page", ["-1", "-0", "1.5", "abc", "2e1", "%2B2", "%00"])
@pytest.mark.parametrize("path", ["/series/76156/episodes", "/series/76156/episodes/query"])
def test_a_bad_page_is_400(api: httpx.Client, path: str, page: str) -> None:
    response = api.get(f"{path}?page={page}")
    assert_json_error(response, 400)


def test_a_page_of_thousands_of_digits_is_past_the_last_page(api: httpx.Client) -> None:
    # int() refuses more than 4300 digits: this was a 500.
    response = api.get("/series/76156/episodes", params={"page": THOUSANDS_OF_DIGITS})
    assert_error(response, 404, "Resource not found")


@pytest.mark.parametrize(("query", "status"), [("page=abc&page=", 400), ("page=2&page=abc", 200)])
def test_a_repeated_page_counts_its_first_value_like_every_parameter(
    api: httpx.Client, query: str, status: int
) -> None:
    # It counted the last one while other parameters counted the first (found by schemathesis).
    assert api.get(f"/series/76156/episodes?{query}").status_code == status


@pytest.mark.parametrize(("page", "same_as"), [("0" * 5000, 1), ("0" * 5000 + "2", 2)])
def test_leading_zeros_do_not_change_a_page(api: httpx.Client, page: str, same_as: int) -> None:
    links = api.get("/series/76156/episodes", params={"page": page}).json()["links"]
    assert links == page_links(same_as, 2)


@pytest.mark.parametrize(
    "url",
    [
        f"/series/76156/episodes/query?airedSeason={ARABIC_ONE}",
        f"/series/76156/episodes/query?dvdEpisode={ARABIC_ONE}",
        f"/series/76156/episodes/query?firstAired={ARABIC_ONE * 4}-10-02",
        f"/series/76156/episodes/query?airedSeason={THOUSANDS_OF_DIGITS}",
        f"/series/76156/episodes/query?dvdEpisode={THOUSANDS_OF_DIGITS}",
        f"/updated/query?fromTime={ARABIC_ONE}",
        f"/updated/query?fromTime={THOUSANDS_OF_DIGITS}",
        f"/updated/query?fromTime=1590000000&toTime={ARABIC_ONE}",
    ],
    ids=["airedSeason-arabic", "dvdEpisode-arabic", "firstAired-arabic", "airedSeason-long",
         "dvdEpisode-long", "fromTime-arabic", "fromTime-long", "toTime-arabic"],
)  # fmt: skip
def test_numbers_in_query_values_must_be_ascii_and_short(api: httpx.Client, url: str) -> None:
    assert_json_error(api.get(url), 400)


@pytest.mark.parametrize(
    "url",
    [
        "/search/series?imdbId=%00",
        "/search/series?zap2itId=a%00b",
        "/search/series?slug=%00",
        "/search/series?name=%00",
        "/series/76156/episodes/query?imdbId=%00",
        "/series/76156/images/query?keyType=%00",
        "/series/76156/images/query?subKey=%00&resolution=%00",
    ],
)
def test_a_nul_in_a_query_value_is_400_naming_the_parameter(api: httpx.Client, url: str) -> None:
    # PostgreSQL refuses text holding NUL; this was a 500 there, then a 404.
    name = url.split("?")[1].split("=")[0]
    assert_error(api.get(url), 400, f"Invalid character in query parameter '{name}'")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("name=a%1Fb", "Invalid character in query parameter 'name'"),
        ("name=%C3%28", "Invalid character in query parameter 'name'"),  # not UTF-8
        ("name=ok&slug=%7F", "Invalid character in query parameter 'slug'"),
        ("na%00me=x", "Invalid character in a query parameter name"),
    ],
)
def test_control_characters_and_invalid_utf8_in_queries_are_400(
    api: httpx.Client, query: str, message: str
) -> None:
    assert_error(api.get(f"/search/series?{query}"), 400, message)


def test_tabs_newlines_and_any_unicode_text_are_still_searched(api: httpx.Client) -> None:
    for value in ("a\tb", "line\nbreak", "系列", "\ufffd"):
        assert api.get("/search/series", params={"name": value}).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/series/76156/episodes?foo=bar",
        "/series/76156/episodes/query?airedSeason=1&foo=bar",
        "/series/76156/images/query?foo=bar",
        "/series/76156/filter?keys=slug&foo=bar",
        "/search/series?name=scrubs&foo=bar",
        "/updated/query?fromTime=1590000000&foo=bar",
    ],
)
def test_unknown_query_parameters_are_reported_in_invalid_query_params(
    api: httpx.Client, url: str
) -> None:
    body = api.get(url).json()
    assert body["errors"]["invalidQueryParams"] == ["foo"]
    assert body["data"]


@pytest.mark.parametrize(
    "url",
    [
        "/series/76156?foo=bar",
        "/series/76156/actors?foo=bar",
        "/episodes/184602?foo=bar",
        "/languages?foo=bar",
        "/languages/7?foo=bar",
    ],
)
def test_routes_without_query_parameters_ignore_extra_ones(api: httpx.Client, url: str) -> None:
    response = api.get(url)
    assert response.status_code == 200
    assert "errors" not in response.json()


def test_an_empty_to_time_is_ignored_and_a_missing_from_time_is_400(api: httpx.Client) -> None:
    assert api.get("/updated/query?fromTime=1590000000&toTime=").status_code == 200
    assert_json_error(api.get("/updated/query?toTime="), 400)


# --- /login bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"{bad json", b'{"apikey": "x"', b"apikey=x", b"\xff\xfe", b"{'apikey': 'x'}"],
    ids=["broken", "unterminated", "form", "binary", "single-quotes"],
)
def test_malformed_json_to_login_is_a_400_json_error(
    demo_server: LiveServer, content: bytes
) -> None:
    response = httpx.post(f"{demo_server.base_url}/login", content=content, timeout=10)
    assert_error(response, 400, "Invalid JSON in request body")


@pytest.mark.parametrize("content", [b"[]", b'["apikey"]', b'"apikey"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_to_login_is_a_400_json_error(
    demo_server: LiveServer, content: bytes
) -> None:
    response = httpx.post(f"{demo_server.base_url}/login", content=content, timeout=10)
    assert_error(response, 400, "The request body must be a JSON object")


# --- methods and routes -----------------------------------------------------------------------


def _allowed(path: str) -> str:
    methods = {m for m, p in DOCUMENTED_ROUTES if p == path}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


@pytest.mark.parametrize(("method", "path"), [r for r in DOCUMENTED_ROUTES if r[0] != "HEAD"])
@pytest.mark.parametrize("wrong", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "GET"])
def test_a_wrong_method_is_405_with_allow_and_a_json_body(
    api: httpx.Client, method: str, path: str, wrong: str
) -> None:
    if wrong == method:
        return
    response = api.request(wrong, example_url(path))
    assert_error(response, 405, "Method not allowed")
    assert sorted(response.headers["allow"].split(", ")) == _allowed(path).split(", ")


@pytest.mark.parametrize(
    "path",
    [
        "/swagger/",  # the docs page is at / and /swagger (tvdbd.web), no trailing slash
        "/uodated/query",  # tvdb_client's typo
        "/user/ratings/qeury",  # tvdb_client's other typo
        "/series",
        "/series/76156/",
        "/series/76156/bogus",
        "/Series/76156",
        "/episodes",
        "/v2/series/76156",  # (/api/... is the XML API v1: tvdbd.v1)
        "/series/76156/episodes/query/params/extra",
        "/" + quote("系列"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unknown_route_is_a_json_404(api: httpx.Client, path: str, method: str) -> None:
    response = api.request(method, path)
    assert_error(response, 404, "Resource not found")
    assert response.content == RESOURCE_NOT_FOUND


def test_an_unknown_route_needs_no_token(demo_server: LiveServer) -> None:
    response = httpx.get(f"{demo_server.base_url}/nope", timeout=10)
    assert_error(response, 404, "Resource not found")


def test_errors_follow_the_negotiated_version(negotiating_api: httpx.Client) -> None:
    v2 = {"Accept": "application/vnd.thetvdb.v2.1.1"}
    api = negotiating_api
    assert_error(api.get("/nope", headers=v2), 404, "Resource not found", V2)
    assert_error(api.get("/series/1", headers=v2), 404, "ID: 1 not found", V2)
    assert_error(api.post("/series/1", headers=v2), 405, "Method not allowed", V2)


@pytest.mark.parametrize(
    "path",
    [
        "/series//76156/episodes/query",  # tvdbAPI
        "//series/76156",
        "/series/76156//episodes",
        "/series///76156///images",
        "//languages//7//",
    ],
)
def test_repeated_slashes_are_collapsed(
    api: httpx.Client, demo_server: LiveServer, path: str
) -> None:
    # An absolute URL: httpx would read a leading `//` as a host name.
    response = api.get(demo_server.base_url + path)
    if path.endswith("//"):
        # Collapsed to /languages/7/: a trailing slash is not a route.
        assert_error(response, 404, "Resource not found")
    else:
        assert response.status_code == 200
        assert response.json() == api.get(path.replace("///", "/").replace("//", "/")).json()


# --- properties ---------------------------------------------------------------------------------

KNOWN_LANGUAGES = {
    entry["abbreviation"]
    for entry in json.loads((ROOT / "tvdbd" / "data" / "languages.json").read_text("utf-8"))
}


@LIVE
@given(page=URL_TEXT | NUMBER_TEXT)
def test_any_page_value_is_200_400_or_404(api: httpx.Client, page: str) -> None:
    response = api.get("/series/76156/episodes", params={"page": page})
    assert response.status_code in (200, 400, 404)
    assert_clean(response)


@LIVE
@given(
    raw_id=URL_TEXT.filter(lambda s: s not in ("", ".", "..")) | NUMBER_TEXT,
    path=st.sampled_from(ID_ROUTES),
)
def test_any_path_id_is_200_or_a_json_404(api: httpx.Client, raw_id: str, path: str) -> None:
    response = api.get(example_url(path, quote(raw_id, safe="")))
    if re.search("[\x00-\x08\x0e-\x1f\x7f]", raw_id):  # controls but whitespace
        assert_error(response, 400, "Invalid character in the path")
    else:
        assert response.status_code in (200, 404), response.text
    assert_clean(response)


# Bytes a header value may hold (visible ASCII, space, and obs-text), without edge spaces.
HEADER_VALUE = st.binary(max_size=40).map(
    lambda b: bytes(c for c in b if 0x20 <= c != 0x7F).strip()
)
LANGUAGE_LIKE = st.from_regex(r"[a-zA-Z]{1,3}([-_][a-zA-Z0-9]{1,8})?(;q=0\.[0-9])?", fullmatch=True)


@LIVE
@given(header=HEADER_VALUE | LANGUAGE_LIKE.map(str.encode))
def test_any_accept_language_serves_a_series_in_one_known_language(
    api: httpx.Client, header: bytes
) -> None:
    response = api.get("/episodes/184602", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert_clean(response)
    data = response.json()["data"]
    assert data["id"] == 184602
    language = data["language"]["episodeName"]
    assert language in KNOWN_LANGUAGES
    assert language == "en" or header.lower().lstrip().startswith(language.encode())


@LIVE
@given(header=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60))
def test_any_accept_header_is_served_never_406(api: httpx.Client, header: str) -> None:
    response = api.get("/episodes/184602", headers={"Accept": header.strip()})
    assert response.status_code == 200
    assert_clean(response)


@LIVE
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["name", "imdbId", "zap2itId", "slug", "page", "lang", "airedSeason", "keyType"]
        ),
        URL_TEXT | NUMBER_TEXT | MANY_WORDS,
        max_size=3,
    ),
    path=st.sampled_from(
        ["/search/series", "/series/76156/episodes/query", "/series/76156/images/query",
         "/updated/query", "/series/76156/filter"]
    ),
)  # fmt: skip
def test_any_query_is_answered_cleanly(
    api: httpx.Client, params: dict[str, str], path: str
) -> None:
    assert_clean(api.get(path, params=params))


@LIVE
@given(
    authorization=st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=80
    )
)
def test_any_authorization_header_is_a_clean_401(api: httpx.Client, authorization: str) -> None:
    response = api.get("/languages/7", headers={"Authorization": f"Bearer {authorization}"})
    assert_error(response, 401, "Not authorized")


@LIVE
@given(body=st.binary(max_size=60) | st.from_regex(r'\{"apikey": ?".{0,10}"\}', fullmatch=True))
def test_any_login_body_is_a_token_or_a_json_error(api: httpx.Client, body: str | bytes) -> None:
    content = body.encode() if isinstance(body, str) else body
    response = api.post("/login", content=content)
    assert response.status_code in (200, 400, 401)
    assert_clean(response)


@pytest.mark.parametrize("field", ["apikey", "username", "userkey"])
@pytest.mark.parametrize("bad", ["alice\u0000", "a\u0001b", "\u007f"])
def test_a_nul_or_control_character_in_a_login_field_is_400_naming_it(
    demo_server: LiveServer, field: str, bad: str
) -> None:
    body = {"apikey": "k", "username": "alice", "userkey": "K" * 16, field: bad}
    response = httpx.post(f"{demo_server.base_url}/login", json=body, timeout=10)
    assert_error(response, 400, f"Invalid character in field '{field}'")
