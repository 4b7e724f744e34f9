"""The language list and Accept-Language handling."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANGUAGE = "en"


@cache
def language_list() -> list[dict[str, Any]]:
    """The 2020 list (184 entries) in served order, as wire records."""
    text = resources.files("tvdbd").joinpath("data/languages.json").read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = json.loads(text)
    return entries


@cache
def known_abbreviations() -> frozenset[str]:
    return frozenset(entry["abbreviation"] for entry in language_list())


def pick_language(accept_language: str | None) -> str:
    """One language from an Accept-Language header; unknown or missing codes serve English.

    The real API took one abbreviation; browsers send lists like ``de-DE,de;q=0.9``, so
    the primary subtag of the first entry is used.
    """
    if not accept_language:
        return DEFAULT_LANGUAGE
    first = accept_language.split(",", 1)[0].split(";", 1)[0].strip()
    primary = first.split("-", 1)[0].split("_", 1)[0].lower()
    if primary in known_abbreviations():
        return primary
    return DEFAULT_LANGUAGE
