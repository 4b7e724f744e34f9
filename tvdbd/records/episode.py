"""The episode record (``GET /episodes/{id}`` and the episode lists)."""

from __future__ import annotations

from tvdbd.records.fields import Field, Kind

# Stored columns of an episode, in 3.0.0 wire order. `language` is per request and
# `seriesId` is derived (the bundle's series id) unless a bundle gives it.
FIELDS: list[Field] = [
    Field("id", "id", Kind.INT, required=True),
    Field("airedSeason", "aired_season", Kind.INT, required=True),
    Field("airedSeasonID", "aired_season_id", Kind.INT, 0),
    Field("airedEpisodeNumber", "aired_episode_number", Kind.INT, required=True),
    Field("episodeName", "episode_name", Kind.STR, None),
    Field("firstAired", "first_aired", Kind.STR, ""),
    Field("guestStars", "guest_stars", Kind.LIST, []),
    Field("directors", "directors", Kind.LIST, []),
    Field("writers", "writers", Kind.LIST, []),
    Field("overview", "overview", Kind.STR, None),
    Field("productionCode", "production_code", Kind.STR, ""),
    Field("showUrl", "show_url", Kind.STR, ""),
    Field("lastUpdated", "last_updated", Kind.INT, 0),
    Field("dvdDiscid", "dvd_discid", Kind.STR, ""),
    Field("dvdSeason", "dvd_season", Kind.INT, None),
    Field("dvdEpisodeNumber", "dvd_episode_number", Kind.NUM, None),
    Field("dvdChapter", "dvd_chapter", Kind.INT, None),
    Field("absoluteNumber", "absolute_number", Kind.INT, None),
    Field("filename", "filename", Kind.STR, ""),
    Field("seriesId", "series_id_given", Kind.INT, derived=True),
    Field("lastUpdatedBy", "last_updated_by", Kind.INT, 0),
    Field("airsAfterSeason", "airs_after_season", Kind.INT, None),
    Field("airsBeforeSeason", "airs_before_season", Kind.INT, None),
    Field("airsBeforeEpisode", "airs_before_episode", Kind.INT, None),
    Field("imdbId", "imdb_id", Kind.STR, ""),
    Field("contentRating", "content_rating", Kind.STR, None),
    Field("thumbAuthor", "thumb_author", Kind.INT, None),
    Field("thumbAdded", "thumb_added", Kind.STR, ""),
    Field("thumbWidth", "thumb_width", Kind.STR, None),
    Field("thumbHeight", "thumb_height", Kind.STR, None),
    Field("siteRating", "site_rating", Kind.NUM, 0),
    Field("siteRatingCount", "site_rating_count", Kind.INT, 0),
    Field("isMovie", "is_movie", Kind.INT, 0),
]
BY_WIRE = {f.wire: f for f in FIELDS}
EXTRA_BUNDLE_KEYS = frozenset({"language", "translations"})

WIRE_ORDER_V3 = [
    "id", "airedSeason", "airedSeasonID", "airedEpisodeNumber", "episodeName", "firstAired",
    "guestStars", "directors", "writers", "overview", "language", "productionCode", "showUrl",
    "lastUpdated", "dvdDiscid", "dvdSeason", "dvdEpisodeNumber", "dvdChapter",
    "absoluteNumber", "filename", "seriesId", "lastUpdatedBy", "airsAfterSeason",
    "airsBeforeSeason", "airsBeforeEpisode", "imdbId", "contentRating", "thumbAuthor",
    "thumbAdded", "thumbWidth", "thumbHeight", "siteRating", "siteRatingCount", "isMovie",
]  # fmt: skip
# v2.2 had a legacy `director` string and put imdbId after the thumb fields.
WIRE_ORDER_V2 = [
    "id", "airedSeason", "airedSeasonID", "airedEpisodeNumber", "episodeName", "firstAired",
    "guestStars", "director", "directors", "writers", "overview", "language",
    "productionCode", "showUrl", "lastUpdated", "dvdDiscid", "dvdSeason", "dvdEpisodeNumber",
    "dvdChapter", "absoluteNumber", "filename", "seriesId", "lastUpdatedBy",
    "airsAfterSeason", "airsBeforeSeason", "airsBeforeEpisode", "thumbAuthor", "thumbAdded",
    "thumbWidth", "thumbHeight", "imdbId", "siteRating", "siteRatingCount",
]  # fmt: skip

TRANSLATION_FIELDS: list[Field] = [
    Field("episodeName", "episode_name", Kind.STR, None),
    Field("overview", "overview", Kind.STR, None),
]

# `/series/{id}/episodes/query` filters: wire param -> (column, kind of comparison).
QUERY_PARAMS: dict[str, str] = {
    "absoluteNumber": "absolute_number",
    "airedSeason": "aired_season",
    "airedEpisode": "aired_episode_number",
    "dvdSeason": "dvd_season",
    "dvdEpisode": "dvd_episode_number",
    "imdbId": "imdb_id",
    "firstAired": "first_aired",
}
PAGE_SIZE = 100
