"""Small translations shared by the live sources: language codes, air days and times, dates,
and artwork URLs to image-store paths."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from urllib.parse import urlsplit

import pycountry

from tvdbd.images.store import is_storable
from tvdbd.languages import known_abbreviations

# TheTVDB v4 codes that are not ISO 639-2: Brazilian Portuguese ("pt") and traditional
# Chinese ("zhtw") have their own entries there; API v2 knew them as `pt` and `zh`.
_V4_SPECIAL_CODES = {"pt": "pt", "zhtw": "zh", "zho": "zh", "yue": "yue"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?")


@cache
def v2_language(code: str | None) -> str | None:
    """The API v2 abbreviation (`en`) for a v4 code (`eng`, `fre`, `pt`, `zhtw`), or None when
    API v2 has no such language."""
    if not code:
        return None
    code = code.strip().lower()
    known = known_abbreviations()
    if code in _V4_SPECIAL_CODES:
        found: str | None = _V4_SPECIAL_CODES[code]
    elif len(code) == 2:
        found = code
    else:
        language = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(
            bibliographic=code
        )
        found = getattr(language, "alpha_2", None) if language is not None else None
        if found is None and code in known:
            found = code  # three-letter codes API v2 kept as they are (`yue`)
    return found if found in known else None


@cache
def v4_language(abbreviation: str) -> str:
    """The three-letter code TheTVDB v4 uses for an API v2 abbreviation (`en` -> `eng`)."""
    if abbreviation == "zh":
        return "zho"
    if len(abbreviation) != 2:
        return abbreviation
    language = pycountry.languages.get(alpha_2=abbreviation)
    return str(language.alpha_3) if language is not None else abbreviation


@cache
def v2_language_named(english_name: str | None) -> str | None:
    """The API v2 abbreviation for an English language name (TVmaze's `English`, `French`)."""
    if not english_name:
        return None
    language = pycountry.languages.get(name=english_name.strip())
    code = getattr(language, "alpha_2", None) if language is not None else None
    return code if code in known_abbreviations() else None


def airs_day_of_week(days: list[str]) -> str:
    """API v2's `airsDayOfWeek`: one day by name, `Daily` for every weekday (or every day),
    else the first day of the week it airs on, "" when none."""
    wanted = [d for d in WEEKDAYS if d in {day.lower() for day in days}]
    if not wanted:
        return ""
    if set(WEEKDAYS[:5]) <= set(wanted):
        return "Daily"
    return wanted[0].capitalize()


def airs_time(value: str | None) -> str:
    """`21:00` -> `9:00 PM` (API v2's form); anything else is kept as given, "" when empty."""
    if not value:
        return ""
    match = _TIME.fullmatch(value.strip())
    if match is None:
        return value.strip()
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return value.strip()
    suffix = "AM" if hour < 12 else "PM"
    return f"{hour % 12 or 12}:{minute:02d} {suffix}"


def iso_date(value: str | None) -> str:
    """`2001-10-2` or `2001-10-02T...` -> `2001-10-02`; "" when not a date."""
    if not value:
        return ""
    match = _DATE.match(value.strip())
    if match is None:
        return ""
    year, month, day = (int(part) for part in match.groups())
    try:
        return datetime(year, month, day).strftime("%Y-%m-%d")
    except ValueError:
        return ""


def epoch(value: str | int | None) -> int:
    """v4's `2023-12-18 10:27:18` (UTC) or an epoch number -> epoch seconds; 0 when unknown."""
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        when = datetime.strptime(str(value).strip()[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        date = iso_date(str(value))
        if not date:
            return 0
        when = datetime.strptime(date, "%Y-%m-%d")
    return int(when.replace(tzinfo=UTC).timestamp())


def store_path(url: str | None, *, root_marker: str = "/banners/", prefix: str = "") -> str:
    """The image-store path for an artwork URL: what follows `root_marker` (or the whole
    URL path), behind `prefix`; "" when there is none or it is not a storable image path.

    `https://artworks.thetvdb.com/banners/posters/76156-6.jpg` -> `posters/76156-6.jpg`, the
    path the legacy API used, so old and new clients name the same file.
    """
    if not url:
        return ""
    path = urlsplit(url.strip()).path
    marker = path.find(root_marker)
    relative = path[marker + len(root_marker) :] if marker >= 0 else path.lstrip("/")
    relative = f"{prefix}{relative}"
    return relative if is_storable(relative) else ""
