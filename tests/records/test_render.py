"""Records derived from stored ones are the rendered records, byte for byte."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from tvdbd.bundles.parse import parse_line
from tvdbd.records.render import stored_episode_json, untranslated_json

# Texts that look like the keys the splice cuts at, inside values.
_TRICKY = st.sampled_from(['","firstAired":"', ',"overview":', '},"productionCode":', "\\", '"'])
# NUL is refused at import, so a stored record never holds one.
_CHARS = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=8
)
_TEXT = st.one_of(st.none(), st.lists(st.one_of(_TRICKY, _CHARS), max_size=4).map("".join))


def _episode_row(name: Any, overview: Any, guest: list[str]) -> dict[str, Any]:
    bundle = {
        "series": {"id": 7, "seriesName": "Splice", "language": "de"},
        "episodes": [
            {"id": 70, "airedSeason": 1, "airedEpisodeNumber": 2, "episodeName": name,
             "overview": overview, "guestStars": guest, "siteRating": 7.5,
             "firstAired": "2001-02-03"},
        ],
    }  # fmt: skip
    return dict(parse_line(orjson.dumps(bundle)).episodes[0])


@settings(max_examples=300, deadline=None)
@given(
    name=_TEXT,
    overview=_TEXT,
    guest=st.lists(st.one_of(_TRICKY, _CHARS), max_size=3),
    language=st.sampled_from(["en", "fr", "zh", "pt"]),
)
def test_an_untranslated_record_is_the_rendered_one(
    name: Any, overview: Any, guest: list[str], language: str
) -> None:
    row = _episode_row(name, overview, guest)
    original = stored_episode_json(row, series_id=7, original_language="de", language="de")
    rendered = stored_episode_json(
        {**row, "tr_episode_name": None, "tr_overview": None},
        series_id=7,
        original_language="de",
        language=language,
    )
    assert untranslated_json(original, language) == rendered


def test_a_record_of_unexpected_form_is_parsed_and_re_encoded_instead() -> None:
    odd = '{"id":1,"language":{"episodeName":"de","overview":"de"},"episodeName":"x"}'
    assert orjson.loads(untranslated_json(odd, "en")) == {
        "id": 1,
        "language": {"episodeName": "en", "overview": "en"},
        "episodeName": None,
        "overview": None,
    }
