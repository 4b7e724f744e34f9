"""Browsing: the home page and search, a series, an episode, and the language choice.

The catalogue part of each page is the same for everyone in a language, so it is built once
and kept (tvdbd.pages.cache); a signed-in person's controls go in around it. Records are the
API's own (tvdbd.records.render), so names, overviews and their language fallback, ratings
and numbers read exactly as `/series/{id}` and `/episodes/{id}` serve them.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tvdbd.cache.marks import ChangeMarks
from tvdbd.db import catalogue, users
from tvdbd.db import pages as pages_db
from tvdbd.db import search as search_db
from tvdbd.errors import IdNotFound, NotFound
from tvdbd.languages import known_abbreviations
from tvdbd.pages import PREFIX
from tvdbd.pages.render import ACTIONS, page, render, safe_next
from tvdbd.pages.session import LANGUAGE_COOKIE, LANGUAGE_MAX_AGE_SECONDS, Visit, visit_of
from tvdbd.records.render import episode_record, search_hit, series_record
from tvdbd.search import words_of_query

RECENT_ON_HOME = 12
ORDERS = {"aired": "Aired order", "dvd": "DVD order", "absolute": "Absolute order"}
# Who gave a series' data, as people know them (series_sources.source).
SOURCE_NAMES = {"thetvdb-v4": "TheTVDB (API v4)", "tvmaze": "TVmaze", "mirror": "another tvdbd"}


def _connect(request: Request) -> Any:
    return request.app.state.main.readers.connect()


def _cache(request: Request) -> Any:
    return request.app.state.page_cache


async def _with_read_through(
    request: Request, build: Callable[[], str], ask: Callable[[Any], Awaitable[bool]]
) -> str:
    """``build()``; when it finds nothing and a live source is configured, ask the source
    (as the API's read-through does) and build again."""
    try:
        return build()
    except NotFound:
        read_through = request.app.state.main.read_through
        if read_through is None or not await ask(read_through):
            raise
    return build()


# --- home and search ----------------------------------------------------------------------


async def home(request: Request) -> Response:
    visit = visit_of(request)
    query = request.query_params.get("q", "").strip()[:200]
    key = ("search", query, visit.language)

    def build() -> str:
        return _cache(request).get_or_build(key, 0, lambda: _search_part(request, query, visit))

    if query:
        try:
            part = await _with_read_through(
                request, build, lambda rt: rt.ensure_search({"name": query})
            )
        except NotFound:
            part = render("_search.html", query=query, hits=[], recent=False)
        title = f"Search: {query}"
    else:
        part = build()
        title = "Search series"
    return page(visit, "home.html", title=title, q=query, part=part)


def _search_part(request: Request, query: str, visit: Visit) -> str:
    with _connect(request) as conn:
        if query:
            words = words_of_query(query)
            ids = search_db.find_series(conn, words) if words else []
            if not ids:
                raise NotFound()  # for the read-through; shown as "nothing found"
        else:
            ids = pages_db.recent_series(conn, RECENT_ON_HOME)
        hits = _hits(conn, ids, visit.language)
    return render("_search.html", query=query, hits=hits, recent=not query)


def _hits(conn: Connection, ids: list[int], language: str) -> list[dict[str, Any]]:
    rows = catalogue.get_series_many(conn, ids)
    translations = catalogue.get_translations_many(conn, ids, language)
    aliases = catalogue.get_aliases(conn, ids)
    return [
        {
            **search_hit(
                rows[i],
                language=language,
                translation=translations.get(i),
                aliases=aliases[(i, "")],
            ),
            "poster_path": rows[i]["poster"],
        }
        for i in ids
        if i in rows
    ]


# --- a series -----------------------------------------------------------------------------


async def series_page(request: Request) -> Response:
    visit = visit_of(request)
    series_id = _path_id(request)
    order = request.query_params.get("order", "aired")
    order = order if order in ORDERS else "aired"
    key = ("series", series_id, order, visit.language)

    def build() -> str:
        return _cache(request).get_or_build(
            key,
            ChangeMarks.slot_of(series_id),
            lambda: _series_part(request, series_id, order, visit.language),
        )

    part = await _with_read_through(request, build, lambda rt: rt.ensure_series(series_id))
    name = _title_of(part)
    actions = _series_actions(visit, series_id) if visit.signed_in else _sign_in_hint(visit)
    return page(visit, "series.html", title=name, part=part.replace(ACTIONS, actions, 1))


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A wire record with its stored JSON values (orjson Fragments) read as Python values."""
    plain: dict[str, Any] = orjson.loads(orjson.dumps(record))
    return plain


def _path_id(request: Request) -> int:
    raw = request.path_params["id"]
    value = catalogue.parse_id(raw)
    if value is None:
        raise IdNotFound(raw)
    return value


def _title_of(part: str) -> str:
    """The page title the part carries in its first line (already escaped: made text)."""
    first = part.split("\n", 1)[0]
    return html.unescape(first.removeprefix("<!--title:").removesuffix("-->"))


def _series_part(request: Request, series_id: int, order: str, language: str) -> str:
    with _connect(request) as conn:
        found = catalogue.series_view(conn, series_id, language)
        if found is None:
            raise IdNotFound(str(series_id))
        row, translation, aliases, genres = found
        ratings = users.rating_totals_between(conn, "series", series_id, series_id)
        own_aliases = translation is not None and translation["has_aliases"]
        record = _plain(
            series_record(
                row,
                language=language,
                translation=translation,
                aliases=aliases[language if own_aliases else ""],
                genres=genres,
                user_ratings=ratings.get(series_id),
            )
        )
        episodes = pages_db.series_episodes(conn, series_id, language)
        actors = catalogue.get_actors(conn, series_id)
        images = catalogue.get_images(conn, series_id)
        source = pages_db.series_source(conn, series_id)
        modified = catalogue.series_modified_at(conn, series_id)
    gallery: dict[str, list[Any]] = {}
    for image in images:
        gallery.setdefault(image["key_type"] or "other", []).append(image)
    return render(
        "_series.html",
        series=record,
        original_language=row["original_language"],
        translated=language == row["original_language"] or translation is not None,
        language=language,
        order=order,
        orders=ORDERS,
        groups=_episode_groups(episodes, order),
        episode_total=len(episodes),
        actors=actors,
        gallery=gallery,
        source=source,
        source_name=SOURCE_NAMES.get(source["source"], source["source"]) if source else None,
        modified=modified,
    )


def _number(raw: Any) -> Any:
    """DVD episode numbers are stored as their JSON literal (4 or 4.1)."""
    if raw is None:
        return None
    return orjson.loads(raw) if isinstance(raw, str) else raw


def _episode_groups(episodes: list[Any], order: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(heading, episodes) in the chosen order: seasons for aired and DVD order (specials
    last), one list for absolute order; episodes without a number in that order left out."""
    listed: list[tuple[Any, Any, dict[str, Any]]] = []
    for e in episodes:
        item = {
            "id": e["id"],
            "name": e["tr_name"] if e["tr_name"] is not None else e["episode_name"],
            "untranslated": e["tr_name"] is None,
            "first_aired": e["first_aired"],
            "aired": f"{e['aired_season']}×{e['aired_episode_number']}",
        }
        if order == "aired":
            season, number = e["aired_season"], e["aired_episode_number"]
        elif order == "dvd":
            season, number = e["dvd_season"], _number(e["dvd_episode_number"])
        else:
            season, number = 1, e["absolute_number"]
        if season is None or number is None:
            continue
        item["number"] = number
        listed.append((season, number, item))
    if order == "absolute":
        return [("All episodes", [item for _, _, item in sorted(listed, key=_by_number)])]
    groups: dict[Any, list[dict[str, Any]]] = {}
    for season, _, item in sorted(listed, key=_by_season):
        groups.setdefault(season, []).append(item)
    return [("Specials" if s == 0 else f"Season {s}", items) for s, items in groups.items()]


def _by_number(entry: tuple[Any, Any, dict[str, Any]]) -> tuple[float, int]:
    return float(entry[1]), entry[2]["id"]


def _by_season(entry: tuple[Any, Any, dict[str, Any]]) -> tuple[bool, int, float, int]:
    season = int(entry[0])
    return season == 0, season, float(entry[1]), entry[2]["id"]


def _sign_in_hint(visit: Visit) -> str:
    return render("_sign_in_hint.html", here=visit.request.url.path)


def _series_actions(visit: Visit, series_id: int) -> str:
    with _connect(visit.request) as conn:
        favorite = series_id in users.favorites(conn, visit.user_id)
        mine = pages_db.own_rating(conn, visit.user_id, "series", series_id)
    return render(
        "_actions.html",
        kind="series",
        item_id=series_id,
        favorite=favorite,
        rating=mine,
        csrf=visit.session.csrf,
        is_editor=visit.may("editor"),
    )


# --- an episode ---------------------------------------------------------------------------


async def episode_page(request: Request) -> Response:
    visit = visit_of(request)
    episode_id = _path_id(request)
    key = ("episode", episode_id, visit.language)

    def build() -> str:
        return _cache(request).get_or_build(
            key,
            ChangeMarks.episode_slot_of(episode_id),
            lambda: _episode_part(request, episode_id, visit.language),
        )

    part = await _with_read_through(request, build, lambda rt: rt.ensure_episode(episode_id))
    if visit.signed_in:
        with _connect(request) as conn:
            mine = pages_db.own_rating(conn, visit.user_id, "episode", episode_id)
        actions = render(
            "_actions.html",
            kind="episode",
            item_id=episode_id,
            favorite=None,
            rating=mine,
            csrf=visit.session.csrf,
            is_editor=visit.may("editor"),
        )
    else:
        actions = _sign_in_hint(visit)
    return page(visit, "episode.html", title=_title_of(part), part=part.replace(ACTIONS, actions))


def _episode_part(request: Request, episode_id: int, language: str) -> str:
    with _connect(request) as conn:
        row = catalogue.get_episode(conn, episode_id, language)
        if row is None:
            raise IdNotFound(str(episode_id))
        series_id = int(row["series_id"])
        header = catalogue.series_header(conn, series_id)
        original_language = header[0] if header else language
        ratings = users.rating_totals_between(conn, "episode", episode_id, episode_id)
        series_name = pages_db.series_names(conn, [series_id], language).get(series_id, "")
    record = _plain(
        episode_record(
            row,
            series_id=series_id,
            original_language=original_language,
            language=language,
            user_ratings=ratings.get(episode_id),
        )
    )
    return render(
        "_episode.html",
        episode=record,
        original_name=row["episode_name"],
        original_language=original_language,
        language=language,
        series_id=series_id,
        series_name=series_name,
    )


# --- the language choice ------------------------------------------------------------------


async def choose_language(request: Request) -> Response:
    """Keep a language for this browser (a cookie) and go back. A GET form, so the pages
    that offer it stay the same for everyone (no CSRF token in them): choosing a language
    changes nothing stored."""
    chosen = request.query_params.get("language", "")
    target = safe_next(request.query_params.get("next"))
    response = RedirectResponse(target, status_code=303)
    if chosen in known_abbreviations():
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=LANGUAGE_MAX_AGE_SECONDS,
            path=PREFIX,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response
