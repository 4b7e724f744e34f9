"""Language codes, air days and times, dates and artwork paths between the sources and API v2."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvdbd.languages import known_abbreviations
from tvdbd.sources.codes import (
    airs_day_of_week,
    airs_time,
    epoch,
    iso_date,
    store_path,
    v2_language,
    v2_language_named,
    v4_language,
)


@pytest.mark.parametrize(
    ("v4", "v2"),
    [
        ("eng", "en"),
        ("deu", "de"),
        ("ger", "de"),
        ("fra", "fr"),
        ("fre", "fr"),
        ("jpn", "ja"),
        ("zho", "zh"),
        ("zhtw", "zh"),
        ("pt", "pt"),
        ("por", "pt"),
        ("spa", "es"),
        ("heb", "he"),
        ("yue", "yue"),
        ("ENG", "en"),
    ],
)
def test_v4_three_letter_codes_become_the_two_letter_codes_of_api_v2(v4: str, v2: str) -> None:
    assert v2_language(v4) == v2


@pytest.mark.parametrize("code", ["", None, "xxx", "tlh", "qqq"])
def test_codes_api_v2_never_knew_map_to_none(code: str | None) -> None:
    assert v2_language(code) is None


def test_every_two_letter_v2_language_goes_to_v4_and_back() -> None:
    for abbreviation in known_abbreviations():
        if len(abbreviation) == 2:
            assert v2_language(v4_language(abbreviation)) == abbreviation


def test_tvmaze_language_names_map_to_abbreviations() -> None:
    assert v2_language_named("English") == "en"
    assert v2_language_named("French") == "fr"
    assert v2_language_named("Klingon") is None
    assert v2_language_named(None) is None


@pytest.mark.parametrize(
    ("value", "served"),
    [
        ("21:00", "9:00 PM"),
        ("13:00", "1:00 PM"),
        ("00:30", "12:30 AM"),
        ("12:00", "12:00 PM"),
        ("9:05", "9:05 AM"),
        ("20:00:00", "8:00 PM"),
        ("", ""),
        (None, ""),
        ("late", "late"),
        ("25:00", "25:00"),
    ],
)
def test_air_times_are_served_in_the_legacy_twelve_hour_form(value: str, served: str) -> None:
    assert airs_time(value) == served


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_clock_time_reads_back_to_itself(hour: int, minute: int) -> None:
    clock, half = airs_time(f"{hour:02d}:{minute:02d}").split()
    h, m = (int(p) for p in clock.split(":"))
    assert (h % 12 + (12 if half == "PM" else 0), m) == (hour, minute)


def test_air_days_are_one_day_daily_or_the_first_of_several() -> None:
    assert airs_day_of_week(["thursday"]) == "Thursday"
    assert airs_day_of_week(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) == "Daily"
    assert airs_day_of_week(["saturday", "sunday"]) == "Saturday"
    assert airs_day_of_week([]) == ""


def test_dates_are_zero_padded_and_bad_ones_are_empty() -> None:
    assert iso_date("2001-10-2") == "2001-10-02"
    assert iso_date("2005-03-26T19:35:00+00:00") == "2005-03-26"
    assert iso_date("2001-02-30") == ""
    assert iso_date(None) == iso_date("") == iso_date("soon") == ""


def test_v4_times_are_utc_epoch_seconds() -> None:
    assert epoch("2023-12-18 10:27:18") == 1702895238
    assert epoch("2020-01-01") == 1577836800
    assert epoch(1590423366) == 1590423366
    assert epoch(None) == epoch("") == epoch("never") == 0


def test_artwork_urls_become_the_paths_the_legacy_api_used() -> None:
    url = "https://artworks.thetvdb.com/banners/posters/76156-6.jpg"
    assert store_path(url) == "posters/76156-6.jpg"
    assert store_path("/banners/episodes/71663/420653.jpg") == "episodes/71663/420653.jpg"
    assert (
        store_path("https://artworks.thetvdb.com/banners/v4/series/1/posters/5f8.jpg")
        == "v4/series/1/posters/5f8.jpg"
    )
    tvmaze = "https://static.tvmaze.com/uploads/images/original_untouched/81/202627.jpg"
    assert (
        store_path(tvmaze, root_marker="/uploads/images/", prefix="tvmaze/")
        == "tvmaze/original_untouched/81/202627.jpg"
    )


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "https://artworks.thetvdb.com/banners/../etc/passwd.jpg",
        "https://artworks.thetvdb.com/banners/posters/76156-6.exe",
        "https://x/banners/_cache/a.jpg",
        "https://x/banners/.hidden.jpg",
    ],
)
def test_paths_the_image_store_cannot_hold_are_dropped(url: str | None) -> None:
    assert store_path(url) == ""
