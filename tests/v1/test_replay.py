"""Replay every recorded v1 response (shared/recorded-v1) against a live tvdbd.

For each file the test builds, at run time, the bundles holding exactly the facts of that
recording (tests/v1/recorded.py), imports them with the real importer into the database of a
live `tvdbd serve`, sends the recorded request and compares the answer with the recording
element by element, in order — every document, every zip member — after applying the
contract's decisions (each one named in the report). The layout (indentation, line breaks,
`<X></X>`, the declaration line) is compared too, for the files that keep the server's own.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from tests.support import Databases, LiveServer, import_bundles
from tests.v1 import recorded
from tvdbd.db.schema import series_table

RECORDINGS = recorded.recorded_files()
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" ?>\n'
# Files whose whitespace is the classic server's own (MANIFEST: the tvapi files are
# pretty-printed by their repository's author, or wiki examples).
SERVER_LAYOUT = ("grilo/", "opensilk/", "pytvdbapi/")


@dataclass
class ReplayServer:
    server: LiveServer
    engine: Engine
    client: httpx.Client


@pytest.fixture(scope="module")
def replay_server(
    backend: str, databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ReplayServer]:
    """One live server per backend on an empty catalogue; each test imports what it needs."""
    url, engine = databases.new_engine(backend)
    server = LiveServer(url, Path(tmp_path_factory.mktemp(f"replay-v1-{backend}")))
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            yield ReplayServer(server, engine, client)
    finally:
        server.stop()
        engine.dispose()


def _park_other_series(engine: Engine, keep: set[int]) -> None:
    """Turn every other series into a placeholder, so that no other name or time matches."""
    with engine.connect() as conn:
        stored = {int(i) for (i,) in conn.execute(select(series_table.c.id))}
    report = import_bundles(engine, [recorded.placeholder(i) for i in sorted(stored - keep)])
    assert report.ok, report.errors


def test_every_recorded_file_is_indexed() -> None:
    """A missing or partial shared/recorded-v1 must fail, not shrink the replay silently."""
    assert len(RECORDINGS) == 34
    assert sorted(e["file"] for e in recorded.index()) == RECORDINGS


def _answer(replay_server: ReplayServer, name: str) -> tuple[httpx.Response, recorded.Replay]:
    replay = recorded.plan(name)
    if replay.bundles:
        report = import_bundles(replay_server.engine, replay.bundles)
        assert report.ok, report.errors
        assert not report.warnings, report.warnings
    if replay.only_these_series:
        keep = {bundle["series"]["id"] for bundle in replay.bundles}
        _park_other_series(replay_server.engine, keep)
    response = replay_server.client.get(replay.target, headers=replay.headers)
    return response, replay


def _documents(response: httpx.Response) -> dict[str, bytes]:
    if response.headers["content-type"] == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    return {"": response.content}


@pytest.mark.parametrize("name", RECORDINGS)
def test_recorded_response_replays_element_by_element(
    replay_server: ReplayServer, name: str
) -> None:
    response, replay = _answer(replay_server, name)
    entry = recorded.entry(name)

    assert response.status_code == entry["status"], response.text[:300]
    if entry["content_type"] == "application/zip":
        assert response.headers["content-type"] == "application/zip"
    else:
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
    ours = _documents(response)
    expected = replay.expected
    if entry["content_type"] == "application/zip":
        # The members, by name and in order.
        assert list(ours) == list(expected)
    else:
        ours = {next(iter(expected)): ours[""]}
    for member, want in expected.items():
        body = ours[member]
        assert body.startswith(DECLARATION), (member, body[:60])
        found = list(recorded.differences(ET.fromstring(body), want))
        assert not found, f"{member}: {len(found)} differences, first: " + "; ".join(found[:5])


@pytest.mark.parametrize("name", [n for n in RECORDINGS if n.startswith(SERVER_LAYOUT)])
def test_recorded_layout_is_kept(replay_server: ReplayServer, name: str) -> None:
    """Line by line, with texts blanked: indentation, `<X></X>`, where lines break and
    whether the document ends in a newline. (Dropped elements are dropped on both sides.)"""
    response, _ = _answer(replay_server, name)
    ours = _documents(response)
    theirs = recorded.documents_of(name)
    if "" in ours:
        ours = {next(iter(theirs)): ours[""]}
    for member, data in theirs.items():
        expected = recorded.skeleton(data, drop=("tms_wanted_old",))
        got = recorded.skeleton(ours[member])
        if recorded.entry(name)["route"] == "getseries":
            # Search answers end in a newline in some recordings, not in others.
            expected = expected[:-1] if expected[-1] == "" else expected
            got = got[:-1] if got[-1] == "" else got
        assert got == expected, member


# Each a decision of the contract (the section named); nothing else may differ.
DECIDED = {
    "Colors empty (§7)",
    "SeriesName false (§7)",
    "Director as |a|b| (§3)",
    "Writer as |a|b| (§3)",
    "GuestStars as |a|b| (§3)",
    "EpImgFlag by ratio (§4.2)",
    "banners with equal ratings by id (§4.6)",
    "tms_wanted_old dropped (§4.1)",
    "tms_export empty (§4.3)",
    "mirrorupdate = lastupdated (§4.3)",
    "DVD_Season spelled DVD_season (§4.4)",
    "language spelled Language (§4.4)",
    "no <Banner> in updates (§4.9)",
}


def test_recordings_differ_from_answers_only_where_the_contract_decided() -> None:
    applied = {reason for name in RECORDINGS for reason in recorded.plan(name).normalizations}
    assert applied <= DECIDED, applied - DECIDED
