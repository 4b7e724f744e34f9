"""banners.xml and actors.xml records (contract §4.6, §4.7), field by field from the
catalogue's image and actor rows (the v2 `/images/query` and `/actors` records)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from tvdbd.v1.xml import Element, lines, number

Row = Mapping[Any, Any]
UserTotals = tuple[int, int]  # users' (count, sum) of ratings, tvdbd.db.users.rating_totals

# banners.xml order: by type, `season` before `seasonwide` (both BannerType `season`).
_TYPE_ORDER = {"fanart": 0, "poster": 1, "season": 2, "seasonwide": 3, "series": 4}
_SERIES_KINDS = ("graphical", "text", "blank")
# decided (§7): unknown resolutions take the common size of the kind.
_DEFAULT_SIZE = {"fanart": "1920x1080", "poster": "680x1000"}


def image_rating(row: Row, totals: UserTotals | None) -> tuple[float, int]:
    """(average, count) of an image: the imported ratingsInfo combined with users' ratings,
    as v2 combines them (tvdbd.records.render.image_record), not rounded: v1 shows four
    decimals."""
    info = orjson.loads(row["ratings_info"]) if row["ratings_info"] else {}
    average, count = float(info.get("average") or 0), int(info.get("count") or 0)
    if totals:
        users_count, users_sum = totals
        if not 0 <= average <= 10:
            # 3.0.0 data carries the vote count as `average`: no rating (as in v2).
            average = users_sum / users_count
        average = (average * count + users_sum) / (count + users_count)
        count += users_count
    return average, count


def _sort_key(row: Row, totals: Mapping[int, UserTotals]) -> tuple[int, int, float, int]:
    """By type, then rating descending with unrated last, ties by id (decided, §4.6)."""
    average, count = image_rating(row, totals.get(row["id"]))
    return (_TYPE_ORDER[row["key_type"]], 0 if count else 1, -average, int(row["id"]))


def ordered_images(rows: Sequence[Row], totals: Mapping[int, UserTotals]) -> list[Row]:
    """The images banners.xml lists (the five v2 key types; others have no v1 type), in its
    order. Also the order `banner`/`fanart`/`poster` of a series are picked from."""
    known = [r for r in rows if r["key_type"] in _TYPE_ORDER and r["file_name"]]
    return sorted(known, key=lambda r: _sort_key(r, totals))


def top_image(images: Sequence[Row], key_type: str) -> str:
    """The path of the highest-rated image of a kind, "" when there is none (§4.1)."""
    return next((r["file_name"] for r in images if r["key_type"] == key_type), "")


def _banner_type2(row: Row) -> str:
    key_type = row["key_type"]
    if key_type in _DEFAULT_SIZE:
        return row["resolution"] or _DEFAULT_SIZE[key_type]
    if key_type in ("season", "seasonwide"):
        return str(key_type)
    # Series banners: v2 subKey; else (decided) the path's folder (`graphical/1-g.jpg`).
    if row["sub_key"] in _SERIES_KINDS:
        return str(row["sub_key"])
    folder = (row["file_name"] or "").split("/", 1)[0]
    return folder if folder in _SERIES_KINDS else (row["sub_key"] or "graphical")


def banner_elements(row: Row, totals: UserTotals | None) -> list[Element]:
    path = row["file_name"] or ""
    key_type = row["key_type"]
    average, count = image_rating(row, totals)
    rating = [
        ("Language", row["language"] or ""),
        ("Rating", f"{average:.4f}" if count else ""),  # four decimals, empty when unrated
        ("RatingCount", str(count)),
    ]
    head: list[Element] = [
        ("id", str(row["id"])),
        ("BannerPath", path),
        ("BannerType", "season" if key_type == "seasonwide" else key_type),
        ("BannerType2", _banner_type2(row)),
    ]
    if key_type == "fanart":
        return [
            *head,
            ("Colors", ""),  # decided (§7): no source in the catalogue
            *rating,
            ("SeriesName", "false"),  # decided (§7): whether the name is drawn; unknown
            ("ThumbnailPath", f"_cache/{path}"),  # not v2's newer `_t` thumbnail
            ("VignettePath", path.replace("/original/", "/vignette/")),
        ]
    if key_type in ("season", "seasonwide"):
        return [*head, *rating, ("Season", row["sub_key"] or "")]
    return [*head, *rating]


def banners_body(images: Sequence[Row], totals: Mapping[int, UserTotals]) -> list[str]:
    """`<Banners>` / `<Banner>` / 2-space children; no final newline (recorded)."""
    body = ["<Banners>"]
    for row in images:
        body.append("<Banner>")
        body.extend(lines(banner_elements(row, totals.get(row["id"])), "  "))
        body.append("</Banner>")
    body.append("</Banners>")
    return body


def ordered_actors(rows: Sequence[Row]) -> list[Row]:
    """By SortOrder ascending, ties in catalogue order (rows come in position order)."""
    return sorted(rows, key=lambda r: r["sort_order"] if r["sort_order"] is not None else 0)


def actor_elements(row: Row) -> list[Element]:
    return [
        ("id", str(row["id"])),
        ("Image", row["image"] or ""),
        ("Name", row["name"] or ""),
        ("Role", row["role"] or ""),  # may itself hold `|` (recorded): kept as is
        ("SortOrder", number(row["sort_order"])),
    ]


def actors_body(actors: Sequence[Row]) -> list[str]:
    body = ["<Actors>"]
    for row in actors:
        body.append("<Actor>")
        body.extend(lines(actor_elements(row), "  "))
        body.append("</Actor>")
    body.append("</Actors>")
    return body
