"""Actor and image records (``/series/{id}/actors``, ``/series/{id}/images/query``)."""

from __future__ import annotations

from tvdbd.records.fields import Field, Kind

ACTOR_FIELDS: list[Field] = [
    Field("id", "id", Kind.INT, required=True),
    Field("seriesId", "series_id_given", Kind.INT, derived=True),
    Field("name", "name", Kind.STR, ""),
    Field("role", "role", Kind.STR, ""),
    Field("sortOrder", "sort_order", Kind.INT, 0),
    Field("image", "image", Kind.STR, ""),
    Field("imageAuthor", "image_author", Kind.INT, 0),
    Field("imageAdded", "image_added", Kind.STR, ""),
    Field("lastUpdated", "last_updated", Kind.STR, ""),
]

IMAGE_FIELDS: list[Field] = [
    Field("id", "id", Kind.INT, required=True),
    Field("keyType", "key_type", Kind.STR, ""),
    Field("subKey", "sub_key", Kind.STR, ""),
    Field("fileName", "file_name", Kind.STR, ""),
    Field("languageId", "language_id", Kind.INT, 0),
    # Defaults to the series' language; filled in by the importer.
    Field("language", "language", Kind.STR, None),
    Field("resolution", "resolution", Kind.STR, ""),
    Field("ratingsInfo", "ratings_info", Kind.RATINGS, {"average": 0, "count": 0}),
    Field("thumbnail", "thumbnail_given", Kind.STR, derived=True),
    Field("seriesLastUpdated", "series_last_updated_given", Kind.INT, derived=True),
]
IMAGE_WIRE_ORDER_V3 = [f.wire for f in IMAGE_FIELDS]
IMAGE_WIRE_ORDER_V2 = [
    "id", "keyType", "subKey", "fileName", "languageId", "resolution", "ratingsInfo",
    "thumbnail",
]  # fmt: skip

KEY_TYPES = ["fanart", "poster", "season", "seasonwide", "series"]
IMAGE_QUERY_PARAMS = ["keyType", "resolution", "subKey"]


def thumbnail_for(file_name: str) -> str:
    """`posters/1-1.jpg` -> `posters/1-1_t.jpg` (the 3.0.0 thumbnail naming)."""
    slash = file_name.rfind("/")
    dot = file_name.rfind(".")
    if dot <= slash:
        return f"{file_name}_t"
    return f"{file_name[:dot]}_t{file_name[dot:]}"
