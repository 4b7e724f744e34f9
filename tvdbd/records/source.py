"""The `source` record of a bundle: where a series came from (a tvdbd extension, not on the wire).

Live sources write it (tvdbd.sources); export writes it back, so that a catalogue filled from
TVmaze keeps the attribution its licence asks for wherever the bundle goes.
"""

from __future__ import annotations

from tvdbd.records.fields import Field, Kind

FIELDS: list[Field] = [
    Field("name", "source", Kind.STR, required=True),  # "thetvdb-v4", "tvmaze", ...
    Field("id", "source_id", Kind.STR, required=True),  # the series' id there, as text
    Field("url", "url", Kind.STR, None),
    Field("license", "license", Kind.STR, None),
    Field("attribution", "attribution", Kind.STR, None),
    Field("fetched", "fetched_at", Kind.INT, None),  # epoch s of the fetch
    Field("contentHash", "content_hash", Kind.STR, None),
]
