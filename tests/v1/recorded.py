"""The recorded v1 responses (shared/recorded-v1) as facts: bundles that hold exactly what
a recording says, and the answer tvdbd must give, element by element.

What tvdbd answers differs from a recording only where the contract decided so; each such
point is one named normalization below (`DECIDED`), applied to the recorded tree before the
comparison, so that a test failure always means tvdbd broke the contract. Built in memory
at run time: nothing of a recording (overviews least of all) is stored in the project.
"""

from __future__ import annotations

import io
import json
import re
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support import SHARED

RECORDED_V1 = SHARED / "recorded-v1"
API_KEY = "replay-key"


@cache
def index() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((RECORDED_V1 / "INDEX.json").read_text("utf-8"))
    return entries


def entry(name: str) -> dict[str, Any]:
    return next(e for e in index() if e["file"] == name)


def recorded_files() -> list[str]:
    """Every recorded file on disk (not only the indexed ones: a file missing from the index
    must fail the index test, not escape the replay)."""
    return sorted(
        str(p.relative_to(RECORDED_V1))
        for p in RECORDED_V1.glob("*/*")
        if p.suffix in (".xml", ".zip")
    )


def raw(name: str) -> bytes:
    return (RECORDED_V1 / name).read_bytes()


def documents_of(name: str) -> dict[str, bytes]:
    """A recording's XML documents: the file itself, or a zip's members by name."""
    data = raw(name)
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    return {name.rsplit("/", 1)[1]: data}


def tree(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def text(element: ET.Element, tag: str) -> str:
    return element.findtext(tag) or ""


def split_pipes(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _int(value: str) -> int | None:
    return int(value) if value.strip() else None


def _float(value: str) -> float | None:
    return float(value) if value.strip() else None


# --- recordings -> bundles -------------------------------------------------------------------


def series_record(element: ET.Element) -> dict[str, Any]:
    """A base record `<Series>` as the v2 series it was rendered from (contract §7)."""
    g = lambda tag: text(element, tag)  # noqa: E731
    return {
        "id": int(g("id")),
        "seriesName": g("SeriesName"),
        "seriesId": g("SeriesID"),
        "status": g("Status"),
        "firstAired": g("FirstAired"),
        "network": g("Network"),
        "networkId": g("NetworkID"),
        "runtime": g("Runtime"),
        "overview": g("Overview") or None,
        "lastUpdated": int(g("lastupdated") or 0),
        "airsDayOfWeek": g("Airs_DayOfWeek"),
        "airsTime": g("Airs_Time"),
        "rating": g("ContentRating") or None,
        "imdbId": g("IMDB_ID"),
        "zap2itId": g("zap2it_id"),
        "added": g("added"),
        "addedBy": _int(g("addedBy")),
        "siteRating": _float(g("Rating")) or 0,
        "siteRatingCount": int(g("RatingCount") or 0),
        "banner": g("banner"),
        "fanart": g("fanart"),
        "poster": g("poster"),
        "genre": split_pipes(g("Genre")),
        "language": g("Language") or "en",
    }


def episode_record(element: ET.Element, *, rating_count: int | None = None) -> dict[str, Any]:
    """An `<Episode>` (full, single or air-date record) as its v2 episode."""
    g = lambda tag: text(element, tag)  # noqa: E731
    count = int(g("RatingCount") or 0) if rating_count is None else rating_count
    record: dict[str, Any] = {
        "id": int(g("id")),
        "airedSeason": int(g("SeasonNumber")),
        "airedSeasonID": _int(g("seasonid")),
        "airedEpisodeNumber": int(g("EpisodeNumber")),
        "episodeName": g("EpisodeName") or None,
        "firstAired": g("FirstAired"),
        "guestStars": split_pipes(g("GuestStars")),
        "directors": split_pipes(g("Director")),
        "writers": split_pipes(g("Writer")),
        "overview": g("Overview") or None,
        "productionCode": g("ProductionCode"),
        "lastUpdated": int(g("lastupdated") or 0),
        "dvdDiscid": g("DVD_discid"),
        "dvdSeason": _int(g("DVD_season") or g("DVD_Season")),
        "dvdEpisodeNumber": _float(g("DVD_episodenumber")),
        "dvdChapter": _int(g("DVD_chapter")),
        "absoluteNumber": _int(g("absolute_number")),
        "filename": g("filename"),
        "airsAfterSeason": _int(g("airsafter_season")),
        "airsBeforeSeason": _int(g("airsbefore_season")),
        "airsBeforeEpisode": _int(g("airsbefore_episode")),
        "imdbId": g("IMDB_ID"),
        "thumbAdded": g("thumb_added"),
        "thumbWidth": g("thumb_width") or None,
        "thumbHeight": g("thumb_height") or None,
        "siteRating": _float(g("Rating")) or 0,
        "siteRatingCount": count if g("Rating") else 0,
    }
    if g("seriesid"):
        record["seriesId"] = int(g("seriesid"))
    return record


def image_record(element: ET.Element) -> dict[str, Any]:
    """A `<Banner>` as its v2 image (`/images/query`, contract §7)."""
    g = lambda tag: text(element, tag)  # noqa: E731
    banner_type, type2 = g("BannerType"), g("BannerType2")
    key_type = "seasonwide" if banner_type == "season" and type2 == "seasonwide" else banner_type
    if banner_type in ("fanart", "poster"):
        sub_key, resolution = "", type2
    elif banner_type == "season":
        sub_key, resolution = g("Season"), ""
    else:
        sub_key, resolution = type2, ""
    return {
        "id": int(g("id")),
        "keyType": key_type,
        "subKey": sub_key,
        "fileName": g("BannerPath"),
        "resolution": resolution,
        "language": g("Language"),
        "ratingsInfo": {"average": _float(g("Rating")) or 0, "count": int(g("RatingCount") or 0)},
    }


def actor_record(element: ET.Element) -> dict[str, Any]:
    g = lambda tag: text(element, tag)  # noqa: E731
    return {
        "id": int(g("id")),
        "name": g("Name"),
        "role": g("Role"),
        "sortOrder": int(g("SortOrder") or 0),
        "image": g("Image"),
    }


def placeholder(series_id: int, **series: Any) -> dict[str, Any]:
    """A series about which a recording says nothing but its id; its name matches no
    recorded search."""
    return {"series": {"id": series_id, "seriesName": f"Placeholder {series_id}", **series}}


def actors_for(series: ET.Element, known: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The actors behind a base record's `Actors` list: the recorded actors.xml of that
    series when its names are that list (contract §4.7: same names, same order), else
    made from the names (the base record says nothing else about them)."""
    names = split_pipes(text(series, "Actors"))
    if known is not None and [a["name"].strip() for a in known] == names:
        return known
    return [
        {"id": 90_000_000 + position, "name": name, "sortOrder": 0}
        for position, name in enumerate(names)
    ]


def _sibling_actors(series_id: int) -> list[dict[str, Any]] | None:
    """The actors.xml of this series in another recording (file or zip member), if any."""
    for e in index():
        if e.get("series_id") != series_id:
            continue
        docs = documents_of(e["file"])
        if "actors.xml" in docs or e["route"] == "actors":
            data = docs.get("actors.xml") or next(iter(docs.values()))
            return [actor_record(a) for a in tree(data).findall("Actor")]
    return None


# --- one replay -------------------------------------------------------------------------------


@dataclass
class Replay:
    """How to reproduce one recording: what to import, what to ask, what to expect."""

    target: str
    bundles: list[dict[str, Any]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # Search and update replays need a catalogue where nothing else can match.
    only_these_series: bool = False
    # The expected documents by name (a zip: its members in order), normalized.
    expected: dict[str, ET.Element] = field(default_factory=dict)
    normalizations: list[str] = field(default_factory=list)


def _target(name: str) -> str:
    url = urlsplit(entry(name)["url"].replace("{apikey}", API_KEY))
    return url.path + (f"?{url.query}" if url.query else "")


def plan(name: str) -> Replay:
    route = entry(name)["route"]
    replay = Replay(_target(name))
    docs = documents_of(name)
    replay.expected = {member: tree(data) for member, data in docs.items()}
    root = next(iter(replay.expected.values()))
    builder = _PLANS[route]
    builder(replay, name, root, docs)
    for element in replay.expected.values():
        replay.normalizations += normalize(element, route)
    return replay


def _series_plan(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    """series_base, series_all, series_all_zip: the series, its episodes, and (for the
    zip) its banners and actors from the other two members."""
    main = tree(docs.get("en.xml", next(iter(docs.values()))))
    series_element = main.find("Series")
    assert series_element is not None
    series_id = int(text(series_element, "id"))
    known = (
        [actor_record(a) for a in tree(docs["actors.xml"]).findall("Actor")]
        if "actors.xml" in docs
        else _sibling_actors(series_id)
    )
    bundle: dict[str, Any] = {
        "series": series_record(series_element),
        "episodes": [episode_record(e) for e in main.findall("Episode")],
        "actors": actors_for(series_element, known),
    }
    if "banners.xml" in docs:
        bundle["images"] = [image_record(b) for b in tree(docs["banners.xml"]).findall("Banner")]
    replay.bundles = [bundle]


def _banners_plan(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    series_id = entry(name)["series_id"]
    images = [image_record(b) for b in root.findall("Banner")]
    replay.bundles = [{**placeholder(series_id), "images": images}]


def _actors_plan(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    series_id = entry(name)["series_id"] or 0  # actors_broken was asked for series 0
    actors = [actor_record(a) for a in root.findall("Actor")]
    replay.bundles = [{**placeholder(series_id), "actors": actors}]


def _episode_plan(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    """The single record has no RatingCount: any positive count gives its Rating."""
    element = root.find("Episode")
    assert element is not None
    record = episode_record(element, rating_count=1)
    replay.bundles = [{**placeholder(record["seriesId"]), "episodes": [record]}]


def _search_plan(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    """Each hit as a series; popularity (siteRatingCount) falls with the recorded position,
    which is what the decided ranking orders by after exact names (§4.5). A hit served in
    another language is that series' translation, its English record from a sibling."""
    hits = root.findall("Series")
    replay.bundles = [
        _search_bundle(hit, len(hits) - position) for position, hit in enumerate(hits)
    ]
    replay.only_these_series = True


def _search_bundle(hit: ET.Element, popularity: int) -> dict[str, Any]:
    g = lambda tag: text(hit, tag)  # noqa: E731
    language = g("language")
    shared = {
        "firstAired": g("FirstAired"),
        "network": g("Network"),
        "imdbId": g("IMDB_ID"),
        "zap2itId": g("zap2it_id"),
        "siteRating": 5,
        "siteRatingCount": popularity,
    }
    own = {
        "seriesName": g("SeriesName"),
        "overview": g("Overview") or None,
        "aliases": [a for a in g("AliasNames").split("|") if a],
        "banner": g("banner"),
    }
    if language == "en":
        return {"series": {"id": int(g("id")), **shared, **own}}
    english = _english_search_record(int(g("id")))
    return {
        "series": {"id": int(g("id")), **shared, **english, "language": "en"},
        "translations": {language: own},
    }


def _english_search_record(series_id: int) -> dict[str, Any]:
    for e in index():
        if e.get("series_id") == series_id and e["route"] == "getseries":
            for hit in tree(raw(e["file"])).findall("Series"):
                if text(hit, "id") == str(series_id) and text(hit, "language") == "en":
                    return {
                        "seriesName": text(hit, "SeriesName"),
                        "overview": text(hit, "Overview") or None,
                        "aliases": [a for a in text(hit, "AliasNames").split("|") if a],
                        "banner": text(hit, "banner"),
                    }
    raise AssertionError(f"no English record of series {series_id} in the recordings")


def _airdate_plan(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    element = root.find("Episode")
    assert element is not None
    record = episode_record(element, rating_count=1)
    replay.bundles = [{**placeholder(int(text(element, "seriesid"))), "episodes": [record]}]


def _updates_php_plan(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    """Every listed series changed after the asked time; the listed episodes belong to the
    first (a changed episode always belongs to a changed series: bundles replace whole)."""
    since = int(re.search(r"time=(\d+)", replay.target)[1])  # type: ignore[index]
    series_ids = [int(s.text or 0) for s in root.findall("Series")]
    episode_ids = [int(e.text or 0) for e in root.findall("Episode")]
    replay.bundles = [
        placeholder(series_id, lastUpdated=since + position)
        for position, series_id in enumerate(series_ids)
    ]
    if replay.bundles and episode_ids:
        replay.bundles[0]["episodes"] = [
            {"id": i, "airedSeason": 1, "airedEpisodeNumber": n + 1, "lastUpdated": since + n}
            for n, i in enumerate(episode_ids)
        ]
    replay.only_these_series = True


def _updates_static_plan(
    replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]
) -> None:
    """The wiki example of a day's updates, moved to today: each time shifted by the same
    amount, so that they fall in the last day as they did then. Its episodes name no
    series (the 2008 format); they are given to the first series."""
    shift = int(time.time()) - int(root.get("time") or 0) - 60
    series = root.findall("Series")
    first = int(text(series[0], "id"))
    replay.bundles = [
        placeholder(int(text(s, "id")), lastUpdated=int(text(s, "time")) + shift) for s in series
    ]
    replay.bundles[0]["episodes"] = [
        {
            "id": int(text(e, "id")),
            "airedSeason": 1,
            "airedEpisodeNumber": n + 1,
            "lastUpdated": int(text(e, "time")) + shift,
        }
        for n, e in enumerate(root.findall("Episode"))
    ]
    for element in [*series, *root.findall("Episode")]:
        moved = element.find("time")
        assert moved is not None
        moved.text = str(int(moved.text or 0) + shift)
    for episode in root.findall("Episode"):
        # decided (§4.9): `<Episode>` names its series — after id, before time.
        series_element = ET.Element("Series")
        series_element.text = str(first)
        episode.insert(1, series_element)
    replay.only_these_series = True


def _no_bundles(replay: Replay, name: str, root: ET.Element, docs: dict[str, bytes]) -> None:
    if entry(name)["route"] == "mirrors":
        # A DNS drop-in for thetvdb.com names itself as the recorded mirror did.
        replay.headers["host"] = urlsplit(text(root[0], "mirrorpath")).netloc


_PLANS = {
    "series_base": _series_plan,
    "series_all": _series_plan,
    "series_all_zip": _series_plan,
    "banners": _banners_plan,
    "actors": _actors_plan,
    "episode": _episode_plan,
    "getseries": _search_plan,
    "remoteid": _search_plan,
    "airdate": _airdate_plan,
    "updates_php": _updates_php_plan,
    "updates_static": _updates_static_plan,
    "server_time": _no_bundles,
    "mirrors": _no_bundles,
    "languages": _no_bundles,
}


# --- what tvdbd answers where the contract decided ------------------------------------------


def _ratio_flag(episode: ET.Element) -> str:
    """§4.2 (decided): EpImgFlag from the thumbnail's ratio; reproduces 926 of the 955
    recorded non-empty flags, so the rest are set to what the rule gives."""
    if not text(episode, "filename"):
        return ""
    try:
        ratio = int(text(episode, "thumb_width")) / int(text(episode, "thumb_height"))
    except (ValueError, ZeroDivisionError):
        return "3"
    return "1" if 1.31 <= ratio <= 1.35 else "2" if 1.739 <= ratio <= 1.818 else "3"


def _set(element: ET.Element, tag: str, value: str, reasons: list[str], reason: str) -> None:
    child = element.find(tag)
    if child is not None and (child.text or "") != value:
        child.text = value
        reasons.append(reason)


def normalize(root: ET.Element, route: str) -> list[str]:
    """Apply the contract's decisions to a recorded tree; the reasons applied (one per
    changed element), for the test's report."""
    reasons: list[str] = []
    for series in root.iter("Series"):
        old = series.find("tms_wanted_old")
        if old is not None:
            series.remove(old)  # §4.1: not emitted, no catalogue source
            reasons.append("tms_wanted_old dropped (§4.1)")
    for episode in root.iter("Episode"):
        for tag in ("Director", "Writer", "GuestStars"):
            child = episode.find(tag)
            if child is not None:
                names = split_pipes(child.text or "")
                wrapped = f"|{'|'.join(names)}|" if names else ""
                _set(episode, tag, wrapped, reasons, f"{tag} as |a|b| (§3)")
        if episode.find("EpImgFlag") is not None:
            _set(episode, "EpImgFlag", _ratio_flag(episode), reasons, "EpImgFlag by ratio (§4.2)")
        if route == "episode":
            _set(episode, "tms_export", "", reasons, "tms_export empty (§4.3)")
            stamp = time.strftime(
                "%Y-%m-%d %H:%M:%S", time.gmtime(int(text(episode, "lastupdated")))
            )
            _set(episode, "mirrorupdate", stamp, reasons, "mirrorupdate = lastupdated (§4.3)")
        if route == "airdate":
            for old, new in (("DVD_Season", "DVD_season"), ("language", "Language")):
                child = episode.find(old)
                if child is not None:
                    child.tag = new
                    reasons.append(f"{old} spelled {new} (§4.4)")
    for banner in root.iter("Banner"):
        if root.tag == "Data":  # updates_day: no <Banner> entries (§4.9)
            continue
        _set(banner, "Colors", "", reasons, "Colors empty (§7)")
        _set(banner, "SeriesName", "false", reasons, "SeriesName false (§7)")
    if root.tag == "Banners":
        # §4.6 (decided): equal ratings by id ascending — the recordings show no rule.
        order = {"fanart": 0, "poster": 1, "season": 2, "series": 4}

        def rank(banner: ET.Element) -> tuple[int, int, float, int]:
            kind = order[text(banner, "BannerType")] + (text(banner, "BannerType2") == "seasonwide")
            rating = text(banner, "Rating")
            return (kind, 0 if rating else 1, -float(rating or 0), int(text(banner, "id")))

        banners = root.findall("Banner")
        ordered = sorted(banners, key=rank)
        if ordered != banners:
            reasons.append("banners with equal ratings by id (§4.6)")
            for banner in banners:
                root.remove(banner)
            root.extend(ordered)
    if root.tag == "Data" and root.get("time") is not None:
        for banner in root.findall("Banner"):
            root.remove(banner)
            reasons.append("no <Banner> in updates (§4.9)")
        # §4.9 (decided): ids ascending.
        series = sorted(root.findall("Series"), key=lambda e: int(text(e, "id")))
        episodes = sorted(root.findall("Episode"), key=lambda e: int(text(e, "id")))
        for element in [*series, *episodes]:
            root.remove(element)
        root.extend([*series, *episodes])
    if root.tag == "Items":
        # §4.9 (decided): ids ascending, series before episodes.
        series = sorted(root.findall("Series"), key=lambda e: int(e.text or 0))
        episodes = sorted(root.findall("Episode"), key=lambda e: int(e.text or 0))
        for element in [*series, *episodes]:
            root.remove(element)
        root.extend([*series, *episodes])
    return reasons


# --- comparing -------------------------------------------------------------------------------


VARIES = {"Time"}  # Updates.php's clock: compared as a number, not a value


def differences(ours: ET.Element, theirs: ET.Element, where: str = "") -> Iterator[str]:
    """Every place two trees differ: tag, attributes, leaf text, children in order.
    Whitespace between elements is layout (checked by its own test), not content."""
    here = f"{where}/{theirs.tag}"
    if ours.tag != theirs.tag:
        yield f"{here}: element <{ours.tag}> where the recording has <{theirs.tag}>"
        return
    if set(ours.attrib) != set(theirs.attrib):
        yield f"{here}: attributes {sorted(ours.attrib)} != {sorted(theirs.attrib)}"
    ours_children, theirs_children = list(ours), list(theirs)
    if not theirs_children and not ours_children:
        a, b = ours.text or "", theirs.text or ""
        if theirs.tag in VARIES:
            if not a.isdigit():
                yield f"{here}: {a!r} is not a time"
        elif a != b:
            yield f"{here}: {a[:80]!r} != recorded {b[:80]!r}"
        return
    tags = [c.tag for c in ours_children]
    recorded_tags = [c.tag for c in theirs_children]
    if tags != recorded_tags:
        yield f"{here}: children {tags[:40]} != recorded {recorded_tags[:40]}"
        return
    for index_, (a_child, b_child) in enumerate(zip(ours_children, theirs_children, strict=True)):
        yield from differences(a_child, b_child, f"{here}[{index_}]")


def skeleton(data: bytes, *, drop: tuple[str, ...] = ()) -> list[str]:
    """A document's layout: its lines with every text replaced by nothing (`<X></X>`),
    indentation and line breaks kept; lines holding a ``drop`` element removed."""
    lines = data.decode("utf-8").replace("\r\n", "\n").split("\n")
    kept = [line for line in lines if not any(f"<{tag}>" in line for tag in drop)]
    return [re.sub(r">[^<]+<", "><", line) for line in kept]


def path_of(name: str) -> Path:
    return RECORDED_V1 / name
