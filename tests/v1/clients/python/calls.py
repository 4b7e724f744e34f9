"""pytvdbapi 0.5.0 and tvdb_api 1.10 against a live tvdbd: makes their calls and prints what
each library parsed, as JSON, for tests/v1/test_python_clients.py to compare with the raw XML.

Run as `python calls.py BASE_URL` with ./site (requirements.txt) first on the path. The
shims below are the smallest these 2014 libraries need on Python 3.11, applied here only:

* ElementTree: `Element.getchildren()` (used by tvdb_api) went in Python 3.9: the
  pure-Python Element is used and given it back; `xml.etree.cElementTree` went too and
  both libraries try it first.
* collections.Sequence / MutableMapping (pytvdbapi) moved to collections.abc in 3.10.
* tvdb_api imports requests_cache even when handed a plain session: an empty stand-in.
* Both hard-code thetvdb.com: pytvdbapi only for its first URLs (mirrors.xml and search;
  every later URL comes from the mirror tvdbd names), tvdb_api through the session it is
  given, which sends thetvdb.com's URLs to the server instead.
"""

from __future__ import annotations

import collections
import collections.abc
import datetime
import json
import sys
import tempfile
import types
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent / "site"))
sys.modules["_elementtree"] = None  # type: ignore[assignment]  # the pure-Python Element
import xml.etree.ElementTree as ElementTree  # noqa: E402

ElementTree.Element.getchildren = lambda self: list(self)  # type: ignore[attr-defined]
sys.modules["xml.etree.cElementTree"] = ElementTree
collections.Sequence = collections.abc.Sequence  # type: ignore[attr-defined]
collections.MutableMapping = collections.abc.MutableMapping  # type: ignore[attr-defined]
sys.modules["requests_cache"] = types.ModuleType("requests_cache")

import requests  # noqa: E402
import tvdb_api  # noqa: E402
import tvdb_exceptions  # noqa: E402
from pytvdbapi import api as pytvdbapi  # noqa: E402
from pytvdbapi import error as pytvdbapi_error  # noqa: E402
from pytvdbapi.mirror import TypeMask  # noqa: E402

BASE = sys.argv[1]
KEY = "python-v1-key"


def plain(value: Any) -> Any:
    """JSON for what the libraries parsed (dates as `date:YYYY-MM-DD`)."""
    if isinstance(value, datetime.date):
        return f"date:{value.isoformat()}"
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def outcome(call: Any) -> Any:
    try:
        return {"value": plain(call())}
    except Exception as exc:  # the kind of error is the result
        return {"error": type(exc).__name__}


# --- pytvdbapi ---------------------------------------------------------------------------------

pytvdbapi.mirrors = pytvdbapi.mirrors.replace("http://www.thetvdb.com", BASE)
pytvdbapi.search = pytvdbapi.search.replace("http://www.thetvdb.com", BASE)


def data(record: Any) -> dict[str, Any]:
    return {k: v for k, v in record.data.items() if k not in ("actor_objects", "banner_objects")}


def pytvdbapi_calls() -> dict[str, Any]:
    cache = tempfile.mkdtemp(prefix="pytvdbapi-")
    db = pytvdbapi.TVDB(KEY, cache_dir=cache, actors=True, banners=True)

    def show() -> Any:
        found = db.get_series(76156, "en")  # loads all/en.zip, actors.xml, banners.xml
        return {
            "series": data(found),
            "episodes": [data(e) for season in found for e in season],
            "actors": [data(a) for a in found.actor_objects],
            "banners": [data(b) for b in found.banner_objects],
        }

    def episode(method: str, **kwargs: Any) -> Any:
        return data(db.get_episode("en", method, **kwargs))

    return {
        "mirror": outcome(lambda: db.mirrors.get_mirror(TypeMask.XML).url),
        "search": outcome(lambda: [data(s) for s in db.search("scrubs", "en")]),
        "searchWithoutHit": outcome(lambda: len(db.search("zzzz nothing", "en"))),
        "show": outcome(show),
        "showUnknown": outcome(lambda: db.get_series(999999, "en")),
        "showByImdb": outcome(lambda: data(db.get_series("tt0303461", "en", id_type="imdb"))),
        "episodeById": outcome(lambda: episode("id", episodeid=297989)),
        "episodeDefault": outcome(
            lambda: episode("default", seriesid=78874, seasonnumber=1, episodenumber=1)
        ),
        "episodeDvd": outcome(
            lambda: episode("dvd", seriesid=78874, seasonnumber=1, episodenumber=2)
        ),
        "episodeAbsolute": outcome(lambda: episode("absolute", seriesid=78874, absolutenumber=2)),
        "airDate": outcome(
            lambda: data(db.get_episode_by_air_date(78874, "en", datetime.date(2002, 9, 20)))
        ),
        "airDateWithoutHit": outcome(
            lambda: data(db.get_episode_by_air_date(78874, "en", datetime.date(2002, 9, 21)))
        ),
    }


# --- tvdb_api 1.10 ------------------------------------------------------------------------------


class ToServer(requests.Session):
    """Sends what tvdb_api addresses to thetvdb.com to the server (its `cache=` argument
    takes any requests session)."""

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        url = str(url).replace("http://thetvdb.com", BASE)
        kwargs.setdefault("timeout", 30)
        return super().request(method, url, *args, **kwargs)


def tvdb_api_calls() -> dict[str, Any]:
    def shows(name: str, **options: Any) -> Any:
        t = tvdb_api.Tvdb(apikey=KEY, cache=ToServer(), actors=True, banners=True, **options)
        found = t[name]
        episodes = [dict(found[s][e]) for s in sorted(found) for e in sorted(found[s])]
        return {
            "series": {k: v for k, v in found.data.items() if not k.startswith("_")},
            "episodes": episodes,
            "order": [[s, e, found[s][e]["id"]] for s in sorted(found) for e in sorted(found[s])],
            "actors": [dict(a) for a in found["_actors"]],
            "banners": {
                kind: {size: sorted(ids) for size, ids in sizes.items()}
                for kind, sizes in found["_banners"].items()
            },
        }

    def missing() -> Any:
        try:
            tvdb_api.Tvdb(apikey=KEY, cache=ToServer())["zzzz nothing"]
        except tvdb_exceptions.tvdb_shownotfound:
            return "tvdb_shownotfound"
        return "found"

    return {
        "scrubs": outcome(lambda: shows("Scrubs")),
        "scrubsZipped": outcome(lambda: shows("Scrubs", useZip=True)),
        "scrubsInFrench": outcome(lambda: shows("Scrubs", language="fr")),
        "fireflyDvdOrder": outcome(lambda: shows("firefly", dvdorder=True)),
        "missing": outcome(missing),
    }


if __name__ == "__main__":
    assert pytvdbapi_error  # imported for the error names the results carry
    print(json.dumps({"pytvdbapi": pytvdbapi_calls(), "tvdb_api": tvdb_api_calls()}))
