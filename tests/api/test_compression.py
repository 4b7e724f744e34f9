"""gzip and brotli on the API: negotiation, bodies that decode to the same JSON, ETags, Vary."""

from __future__ import annotations

import gzip
from dataclasses import dataclass

import brotli
import httpx
import pytest

from tests.api.wire import assert_ok

EPISODES = "/series/76156/episodes"  # a full page of 100 episodes, about 84 KB of JSON
SMALL = "/series/76156"  # under 1 KB: never compressed


@dataclass
class Sent:
    """A response with its body exactly as it travelled (httpx would decode it)."""

    status_code: int
    headers: httpx.Headers
    body: bytes

    def decoded(self) -> bytes:
        coding = self.headers.get("content-encoding")
        if coding == "gzip":
            return gzip.decompress(self.body)
        if coding == "br":
            return bytes(brotli.decompress(self.body))
        assert coding is None
        return self.body


def raw(client: httpx.Client, path: str, accept_encoding: str, **headers: str) -> Sent:
    with client.stream("GET", path, headers={"Accept-Encoding": accept_encoding, **headers}) as r:
        return Sent(r.status_code, r.headers, b"".join(r.iter_raw()))


@pytest.mark.parametrize("coding", ["gzip", "br"])
@pytest.mark.parametrize(
    "path",
    [
        EPISODES,
        "/series/76156/episodes?page=2",
        "/series/76156/images/query?keyType=season",
        "/series/76156/actors",
        "/languages",
        "/series/76156/filter?keys=id&" + "&".join(f"p{n}=1" for n in range(300)),
    ],
)
def test_compressed_bodies_decode_to_the_same_json(
    api: httpx.Client, coding: str, path: str
) -> None:
    plain = raw(api, path, "identity")
    packed = raw(api, path, coding)
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["content-encoding"] == coding
    assert int(packed.headers["content-length"]) == len(packed.body)
    assert packed.decoded() == plain.body
    assert len(packed.body) < len(plain.body) / 2
    assert packed.headers["content-type"] == plain.headers["content-type"]
    assert packed.headers["vary"] == plain.headers["vary"] == "Accept-Language, Accept-Encoding"


def test_a_full_episodes_page_shrinks_to_an_eighth(api: httpx.Client) -> None:
    codings = ("identity", "gzip", "br")
    sizes = {coding: len(raw(api, EPISODES, coding).body) for coding in codings}
    assert sizes["identity"] > 80_000
    assert sizes["gzip"] < sizes["identity"] / 6
    assert sizes["br"] < sizes["gzip"]


def test_the_default_httpx_client_gets_the_same_json(api: httpx.Client) -> None:
    decoded = api.get(EPISODES)  # httpx sends gzip, deflate, br and decodes
    assert decoded.headers["content-encoding"] == "br"
    assert_ok(decoded)
    assert decoded.content == raw(api, EPISODES, "identity").body


@pytest.mark.parametrize(
    ("accept_encoding", "chosen"),
    [
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br", "br"),
        ("gzip, br;q=0.5", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("GZIP", "gzip"),
        ("*", "br"),
        ("*;q=0.5, br;q=0", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("gzip;q=nonsense", None),
        ("deflate", None),
        ("zstd", None),
        ("identity", None),
        ("identity, gzip;q=0.5", None),
        ("", None),
    ],
)
def test_the_coding_follows_accept_encoding(
    api: httpx.Client, accept_encoding: str, chosen: str | None
) -> None:
    response = raw(api, EPISODES, accept_encoding)
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == chosen
    assert response.headers["vary"] == "Accept-Language, Accept-Encoding"


def test_small_answers_are_sent_as_they_are(api: httpx.Client) -> None:
    for path in (SMALL, "/series/1", "/updated/query/params"):
        response = raw(api, path, "gzip, br")
        assert "content-encoding" not in response.headers, path
        assert response.headers["vary"] == "Accept-Language", path


def test_each_coding_has_its_own_strong_etag(api: httpx.Client) -> None:
    codings = ("identity", "gzip", "br")
    etags = {coding: raw(api, EPISODES, coding).headers["etag"] for coding in codings}
    plain = etags["identity"]
    assert etags["gzip"] == plain[:-1] + '-gzip"'
    assert etags["br"] == plain[:-1] + '-br"'


def test_a_304_needs_the_etag_of_the_coding_asked_for(api: httpx.Client) -> None:
    gzip_etag = raw(api, EPISODES, "gzip").headers["etag"]
    again = raw(api, EPISODES, "gzip", **{"If-None-Match": gzip_etag})
    assert again.status_code == 304
    assert again.body == b""
    assert again.headers["etag"] == gzip_etag
    assert "content-encoding" not in again.headers
    assert again.headers["vary"] == "Accept-Language, Accept-Encoding"
    # Another coding is another representation: the client's copy does not fit it.
    assert raw(api, EPISODES, "br", **{"If-None-Match": gzip_etag}).status_code == 200
    assert raw(api, EPISODES, "identity", **{"If-None-Match": gzip_etag}).status_code == 200


def test_head_announces_the_coding_without_a_body(api: httpx.Client) -> None:
    response = api.head(EPISODES, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == b""
    assert int(response.headers["content-length"]) == len(raw(api, EPISODES, "gzip").body)


def test_repeated_requests_get_identical_bytes(api: httpx.Client) -> None:
    for coding in ("gzip", "br"):
        first = raw(api, EPISODES, coding).body
        assert raw(api, EPISODES, coding).body == first
