"""The series record (``GET /series/{id}``), its translations, and the search hit."""

from __future__ import annotations

from tvdbd.records.fields import Field, Kind

# Stored columns of a series, in 3.0.0 wire order. `aliases` and `genre` live in their own
# tables, `language` is per request (the original language is stored separately), and
# `season` is derived from the episodes unless a bundle gives it.
FIELDS: list[Field] = [
    Field("id", "id", Kind.INT, required=True),
    Field("seriesId", "legacy_series_id", Kind.STR, ""),
    Field("seriesName", "series_name", Kind.STR, required=True),
    Field("season", "season", Kind.STR, derived=True),
    Field("poster", "poster", Kind.STR, ""),
    Field("banner", "banner", Kind.STR, ""),
    Field("fanart", "fanart", Kind.STR, ""),
    Field("status", "status", Kind.STR, ""),
    Field("firstAired", "first_aired", Kind.STR, ""),
    Field("network", "network", Kind.STR, ""),
    Field("networkId", "network_id", Kind.STR, ""),
    Field("runtime", "runtime", Kind.STR, ""),
    Field("overview", "overview", Kind.STR, None),
    Field("lastUpdated", "last_updated", Kind.INT, 0),
    Field("airsDayOfWeek", "airs_day_of_week", Kind.STR, ""),
    Field("airsTime", "airs_time", Kind.STR, ""),
    Field("rating", "rating", Kind.STR, None),
    Field("imdbId", "imdb_id", Kind.STR, ""),
    Field("zap2itId", "zap2it_id", Kind.STR, ""),
    Field("added", "added", Kind.STR, ""),
    Field("addedBy", "added_by", Kind.INT, 0),
    Field("siteRating", "site_rating", Kind.NUM, 0),
    Field("siteRatingCount", "site_rating_count", Kind.INT, 0),
    Field("slug", "slug", Kind.STR, ""),
]
BY_WIRE = {f.wire: f for f in FIELDS}

# Keys a bundle's series record may carry besides FIELDS.
EXTRA_BUNDLE_KEYS = frozenset({"aliases", "genre", "language"})

# Key order of the served record. 3.0.0 adds season/poster/fanart/language to v2.2.
WIRE_ORDER_V3 = [
    "id", "seriesId", "seriesName", "aliases", "season", "poster", "banner", "fanart",
    "status", "firstAired", "network", "networkId", "runtime", "language", "genre",
    "overview", "lastUpdated", "airsDayOfWeek", "airsTime", "rating", "imdbId", "zap2itId",
    "added", "addedBy", "siteRating", "siteRatingCount", "slug",
]  # fmt: skip
WIRE_ORDER_V2 = [
    "id", "seriesName", "aliases", "banner", "seriesId", "status", "firstAired", "network",
    "networkId", "runtime", "genre", "overview", "lastUpdated", "airsDayOfWeek", "airsTime",
    "rating", "imdbId", "zap2itId", "added", "addedBy", "siteRating", "siteRatingCount", "slug",
]  # fmt: skip

# What a translation may carry (the real API served per-language artwork and aliases).
TRANSLATION_FIELDS: list[Field] = [
    Field("seriesName", "series_name", Kind.STR, None),
    Field("overview", "overview", Kind.STR, None),
    Field("banner", "banner", Kind.STR, None),
    Field("poster", "poster", Kind.STR, None),
    Field("fanart", "fanart", Kind.STR, None),
]
TRANSLATION_ARTWORK = ("banner", "poster", "fanart")

# Keys `/series/{id}/filter/params` lists, in the order the live API listed them
# (TvDbSharper's enum, copied from a live response) plus the 3.0.0 additions.
FILTER_KEYS = [
    "banner", "status", "genre", "rating", "networkId", "overview", "imdbId", "zap2itId",
    "added", "airsDayOfWeek", "airsTime", "siteRating", "aliases", "seriesId", "firstAired",
    "runtime", "lastUpdated", "siteRatingCount", "id", "seriesName", "network", "addedBy",
    "slug", "season", "poster", "fanart", "language",
]  # fmt: skip

SEARCH_PARAMS = ["name", "imdbId", "zap2itId", "slug"]
MISSING_SERIES_IMAGE = "/banners/images/missing/series.jpg"
