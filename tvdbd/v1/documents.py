"""Whole v1 documents: each route's layout around the records (contract §4, §5).

Layouts are as recorded, per route: `<Data>` / `  <Series>` / 4-space children for the
base record; `<Data><Series>` and 2-space children, no final newline, for the full record;
and so on. Every function returns the exact bytes served.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tvdbd.v1.artwork import actors_body, banners_body
from tvdbd.v1.episodes import (
    EpisodeTexts,
    UserTotals,
    airdate_elements,
    full_elements,
    single_elements,
)
from tvdbd.v1.languages import LANGUAGES
from tvdbd.v1.series import SearchHit, SeriesData, search_elements, series_elements
from tvdbd.v1.xml import document, lines

Row = Mapping[Any, Any]
NO_RESULTS = "No Results from SP"  # inferred (§6.1): not recorded; pytvdbapi tests the element


def base_record(data: SeriesData) -> bytes:
    body = ["<Data>", "  <Series>", *lines(series_elements(data), "    "), "  </Series>"]
    return document([*body, "</Data>"])


def full_record(
    data: SeriesData,
    episodes: Sequence[Row],
    texts: EpisodeTexts,
    totals: Mapping[int, UserTotals],
) -> bytes:
    series_id = int(data.row["id"])
    body = ["<Data><Series>", *lines(series_elements(data), "  "), "</Series>"]
    for row in episodes:
        body.append("<Episode>")
        body.extend(lines(full_elements(row, texts, totals.get(int(row["id"])), series_id), "  "))
        body.append("</Episode>")
    body.append("</Data>")
    return document(body, final_newline=False)  # as recorded (7/7 zips)


def banners(data: SeriesData) -> bytes:
    return document(banners_body(data.images, data.image_totals), final_newline=False)


def actors(data: SeriesData) -> bytes:
    return document(actors_body(data.actors), final_newline=False)


def single_episode(
    row: Row, texts: EpisodeTexts, totals: UserTotals | None, series_id: int
) -> bytes:
    """decided (§4.3): `<Data><Episode>`, unindented children, `</Episode></Data>`."""
    children = lines(single_elements(row, texts, totals, series_id), "")
    return document(["<Data><Episode>", *children, "</Episode></Data>"])


def airdate_episode(
    row: Row, texts: EpisodeTexts, totals: UserTotals | None, series_id: int
) -> bytes:
    children = lines(airdate_elements(row, texts, totals, series_id), "")
    return document(["<Data>", "<Episode>", *children, "</Episode>", "</Data>"])


def airdate_not_found() -> bytes:
    """200 with an `<Error>` child: pytvdbapi tests `has_element(data, 'Error')` (§6.1)."""
    return document(["<Data>", f"<Error>{NO_RESULTS}</Error>", "</Data>"])


def search_results(hits: Sequence[SearchHit]) -> bytes:
    """`<Data>` / `<Series>` / unindented children; `"` raw here (recorded, grilo); no hit
    (decided, §6.1): `<Data>` and `</Data>` alone."""
    if not hits:
        return document(["<Data>", "</Data>"], final_newline=False)
    body = ["<Data>"]
    for hit in hits:
        body += ["<Series>", *lines(search_elements(hit), "", quote=False), "</Series>"]
    return document([*body, "</Data>"])


def mirrors(mirror_path: str) -> bytes:
    """One mirror: the server itself (decided, §4.8); typemask 7 = xml + banners + zip."""
    record = [("id", "1"), ("mirrorpath", mirror_path), ("typemask", "7")]
    return document(
        ["<Mirrors>", "  <Mirror>", *lines(record, "    "), "  </Mirror>", "</Mirrors>"]
    )


def languages() -> bytes:
    body = ["<Languages>"]
    for code, name, language_id in LANGUAGES:
        record = [("name", name), ("abbreviation", code), ("id", str(language_id))]
        body += ["  <Language>", *lines(record, "    "), "  </Language>"]
    return document([*body, "</Languages>"])


def server_time(now: int, series: Sequence[int] = (), episodes: Sequence[int] = ()) -> bytes:
    """Updates.php: `<Items>`, `<Time>`, then `<Series>id</Series>`*, `<Episode>id</Episode>`*."""
    items = [("Time", str(now))]
    items += [("Series", str(i)) for i in series]
    items += [("Episode", str(i)) for i in episodes]
    return document(["<Items>", *lines(items, ""), "</Items>"])


def updates_file(
    now: int, series: Sequence[tuple[int, int]], episodes: Sequence[tuple[int, int, int]]
) -> bytes:
    """updates_<period>.xml: `<Data time="now">`, `<Series>` (id time), `<Episode>` (decided:
    id Series time — Omertron's parser reads all three); no `<Banner>` (decided, §4.9)."""
    body = [f'<Data time="{now}">']
    for series_id, changed in series:
        record = [("id", str(series_id)), ("time", str(changed))]
        body += ["  <Series>", *lines(record, "    "), "  </Series>"]
    for episode_id, series_id, changed in episodes:
        record = [("id", str(episode_id)), ("Series", str(series_id)), ("time", str(changed))]
        body += ["  <Episode>", *lines(record, "    "), "  </Episode>"]
    return document([*body, "</Data>"])


def favorites(series_ids: Sequence[int]) -> bytes:
    items = [("Series", str(i)) for i in series_ids]
    return document(["<Favorites>", *lines(items, ""), "</Favorites>"])


def user_rating(item_type: str, community_rating: str) -> bytes:
    """`<Data>` / `<Series>` (or `<Episode>`) / `<Rating>` = the new community rating."""
    tag = "Series" if item_type == "series" else "Episode"
    return document(
        ["<Data>", f"<{tag}>", *lines([("Rating", community_rating)], ""), f"</{tag}>", "</Data>"]
    )


def user_ratings(rated: Sequence[tuple[int, int, str]]) -> bytes:
    """GetRatingsForUser: `<Series>` with seriesid UserRating CommunityRating (inferred)."""
    body = ["<Data>"]
    for series_id, rating, community in rated:
        record = [
            ("seriesid", str(series_id)),
            ("UserRating", str(rating)),
            ("CommunityRating", community),
        ]
        body += ["<Series>", *lines(record, ""), "</Series>"]
    return document([*body, "</Data>"])


def preferred_language(code: str, name: str, language_id: int) -> bytes:
    record = [("id", str(language_id)), ("name", name), ("abbreviation", code)]
    return document(["<Data>", "<Language>", *lines(record, ""), "</Language>", "</Data>"])


def _zip_date(epoch: int) -> tuple[int, int, int, int, int, int]:
    moment = datetime.fromtimestamp(max(int(epoch or 0), 315532800), UTC)  # zip dates start 1980
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def zipped(members: Sequence[tuple[str, bytes]], epoch: int) -> bytes:
    """Deflated members in the given order, each dated ``epoch`` (UTC): decided (§5), so
    the same series gives the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_zip_date(epoch))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
