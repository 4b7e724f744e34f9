"""The catalogue routes of v1: API key, ids and language from the path, then the answer
from the store (tvdbd.v1.answers) or rendered from the catalogue."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from sqlalchemy import Connection, Engine
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.db import apikeys, catalogue
from tvdbd.db import v1 as queries
from tvdbd.db.readers import ReadConnections
from tvdbd.settings import Settings
from tvdbd.v1 import documents, search
from tvdbd.v1.answers import CATALOGUE, Answer, Answers
from tvdbd.v1.episodes import episode_totals, load_texts
from tvdbd.v1.errors import V1NotFound
from tvdbd.v1.languages import CODES, ENGLISH
from tvdbd.v1.series import SeriesData, load_series

XML = "text/xml; charset=utf-8"  # decided (§3): clients test for "xml" or not at all
ZIP = "application/zip"  # exactly: pytvdbapi compares with ==
CATALOGUE_CACHE = "public, max-age=900"  # decided (§3)
NO_STORE = "no-store"  # times and users' lists: pytvdbapi's httplib2 cache would replay them
PERIODS = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "all": None}


@dataclass
class V1State:
    """What the v1 routes share (one per worker)."""

    settings: Settings
    engine: Engine
    readers: ReadConnections
    answers: Answers


def state_of(request: Request) -> V1State:
    state: V1State = request.app.state.v1
    return state


def send(answer: Answer, *, cache_control: str = CATALOGUE_CACHE) -> Response:
    headers = {"cache-control": cache_control}
    if answer.last_modified is not None:
        # tvdbd's HTTP layer answers If-Modified-Since with 304 from this header.
        headers["last-modified"] = formatdate(answer.last_modified, usegmt=True)
    return Response(answer.body, media_type=answer.content_type, headers=headers)


# --- what the path says ------------------------------------------------------------------


def check_key(request: Request, key: str) -> None:
    """The same policy as v2's /login (`api_key_policy`): any non-empty key, or only active
    registered ones; a refused key is 404 (jellyfin#595), not 401."""
    state = state_of(request)
    key = key.strip()
    if not key:
        raise V1NotFound()
    if state.settings.api_key_policy == "registered":
        with state.readers.connect() as conn:
            if apikeys.find_active(conn, key) is None:
                raise V1NotFound()


def path_id(raw: str) -> int:
    value = catalogue.parse_id(raw)
    if value is None:
        raise V1NotFound()
    return value


def small_number(raw: str) -> int:
    """A season, episode or absolute number from the path (digits only)."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise V1NotFound()
    return int(raw)


def language_of(file: str, suffix: str = ".xml") -> str:
    """`en.xml` -> `en`; only the 23 codes (decided, §2: `all` in a path is 404 too)."""
    if not file.endswith(suffix) or file[: -len(suffix)] not in CODES:
        raise V1NotFound()
    return file[: -len(suffix)]


# --- series --------------------------------------------------------------------------------


class _Series:
    """One series route's reads, made at most once per request (the zip needs three
    documents of the same series)."""

    def __init__(self, connect: Callable[[], Connection], series_id: int, language: str):
        self._connect = connect
        self._conn: Connection | None = None
        self.series_id = series_id
        self.language = language
        self._data: SeriesData | None = None
        self._modified: int | None = None

    @property
    def conn(self) -> Connection:
        """Opened on first use: a stored answer needs no connection at all."""
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def data(self) -> SeriesData:
        if self._data is None:
            self._data = load_series(self.conn, self.series_id, self.language)
            if self._data is None:
                raise V1NotFound()
        return self._data

    def modified(self) -> int:
        """Last-Modified: `lastupdated`, or later when users' ratings changed since."""
        if self._modified is None:
            self._modified = catalogue.series_modified_at(self.conn, self.series_id) or 0
        return self._modified


def _base(series: _Series) -> Answer:
    return Answer(documents.base_record(series.data()), XML, series.modified())


def _full(series: _Series) -> Answer:
    data = series.data()
    rows = queries.series_episodes(series.conn, series.series_id)
    texts = load_texts(
        series.conn, series.series_id, str(data.row["original_language"]), series.language, []
    )
    body = documents.full_record(data, rows, texts, episode_totals(series.conn, rows))
    return Answer(body, XML, series.modified())


def _banners(series: _Series) -> Answer:
    return Answer(documents.banners(series.data()), XML, series.modified())


def _actors(series: _Series) -> Answer:
    return Answer(documents.actors(series.data()), XML, series.modified())


def series_answer(request: Request, what: str, series_id: int, language: str) -> Answer:
    """base, all, banners, actors or zip of a series, from the store when fresh."""
    state = state_of(request)
    answers = state.answers
    slot = answers.series_slot(series_id)
    with ExitStack() as stack:
        series = _Series(lambda: stack.enter_context(state.readers.connect()), series_id, language)

        def one(kind: str) -> Answer:
            # banners.xml and actors.xml are the same in every language.
            key_language = language if kind in ("base", "all") else ""
            return answers.get(
                (kind, series_id, key_language), slot, lambda: _BUILDERS[kind](series)
            )

        if what != "zip":
            return one(what)

        def build_zip() -> Answer:
            # Members byte-identical to the three routes' bodies (decided, §5).
            members = [
                (f"{language}.xml", one("all").body),
                ("banners.xml", one("banners").body),
                ("actors.xml", one("actors").body),
            ]
            epoch = int(series.data().row["last_updated"] or 0)
            return Answer(documents.zipped(members, epoch), ZIP, series.modified())

        return answers.get(("zip", series_id, language), slot, build_zip)


_BUILDERS = {"base": _base, "all": _full, "banners": _banners, "actors": _actors}


def series_file(request: Request) -> Response:
    """`{K}/series/{id}/{L}.xml`, `banners.xml`, `actors.xml`; `{K}/series/{id}[/]` = en."""
    params = request.path_params
    check_key(request, params["key"])
    series_id = path_id(params["id"])
    file = params.get("file", f"{ENGLISH}.xml")
    if file in ("banners.xml", "actors.xml"):
        return send(series_answer(request, file.removesuffix(".xml"), series_id, ENGLISH))
    return send(series_answer(request, "base", series_id, language_of(file)))


def series_all(request: Request) -> Response:
    """`{K}/series/{id}/all/{L}.xml` or `.zip`; `…/all[/]` = en.xml (decided, §2)."""
    params = request.path_params
    check_key(request, params["key"])
    series_id = path_id(params["id"])
    file = params.get("file", f"{ENGLISH}.xml")
    if file.endswith(".zip"):
        return send(series_answer(request, "zip", series_id, language_of(file, ".zip")))
    return send(series_answer(request, "all", series_id, language_of(file)))


# --- episodes ------------------------------------------------------------------------------


def _episode_answer(
    request: Request, key: tuple[Any, ...], slot: int, find: Any, language: str
) -> Answer:
    state = state_of(request)

    def build() -> Answer:
        with state.readers.connect() as conn:
            row = find(conn)
            if row is None:
                raise V1NotFound()
            series_id = int(row["series_id"])
            header = catalogue.series_header(conn, series_id)
            if header is None:
                raise V1NotFound()
            texts = load_texts(conn, series_id, header[0], language, [int(row["id"])])
            totals = episode_totals(conn, [row]).get(int(row["id"]))
            body = documents.single_episode(row, texts, totals, series_id)
            modified = catalogue.series_modified_at(conn, series_id)
            return Answer(body, XML, modified)

    return state.answers.get(key, slot, build)


def episode_in_aired_order(request: Request) -> Response:
    return _episode_by_order(request, "default")


def episode_in_dvd_order(request: Request) -> Response:
    return _episode_by_order(request, "dvd")


def episode_in_absolute_order(request: Request) -> Response:
    return _episode_by_order(request, "absolute")


def _episode_by_order(request: Request, order: str) -> Response:
    """default / dvd / absolute order: one record, the same for all four routes (§4.3)."""
    params = request.path_params
    check_key(request, params["key"])
    series_id = path_id(params["id"])
    language = language_of(params["file"])
    slot = Answers.series_slot(series_id)
    if order == "absolute":
        number = small_number(params["number"])
        key: tuple[Any, ...] = ("absolute", series_id, number, language)

        def find(conn: Connection) -> Any:
            return queries.episode_in_absolute_order(conn, series_id, number)

    else:
        season, episode = small_number(params["season"]), small_number(params["episode"])
        key = (order, series_id, season, episode, language)
        lookup = queries.episode_in_dvd_order if order == "dvd" else queries.episode_in_aired_order

        def find(conn: Connection) -> Any:
            return lookup(conn, series_id, season, episode)

    return send(_episode_answer(request, key, slot, find, language))


def episode(request: Request) -> Response:
    """`{K}/episodes/{id}/{L}.xml`; `{K}/episodes/{id}` = en."""
    params = request.path_params
    check_key(request, params["key"])
    episode_id = path_id(params["id"])
    language = language_of(params.get("file", f"{ENGLISH}.xml"))
    answer = _episode_answer(
        request,
        ("episode", episode_id, language),
        Answers.episode_slot(episode_id),
        lambda conn: queries.episode_by_id(conn, episode_id),
        language,
    )
    return send(answer)


def param(request: Request, name: str) -> str:
    """A query parameter; an empty value counts as absent (contract §2)."""
    return request.query_params.get(name, "").strip()


def airdate(request: Request) -> Response:
    """GetEpisodeByAirDate.php: the key is `apikey=`; no hit or a bad date is 200 with an
    `<Error>` child (§6.1)."""
    check_key(request, param(request, "apikey"))
    language = param(request, "language") or ENGLISH
    if language not in CODES:
        raise V1NotFound()
    raw_id, date = param(request, "seriesid"), param(request, "airdate")
    series_id = catalogue.parse_id(raw_id)
    valid = (
        series_id is not None
        and len(date) == 10
        and date[4] == date[7] == "-"
        and date.replace("-", "").isdigit()
    )
    if not valid or series_id is None:
        return send(Answer(documents.airdate_not_found(), XML))
    state = state_of(request)

    def build() -> Answer:
        with state.readers.connect() as conn:
            row = queries.episode_on_date(conn, series_id, date)
            header = catalogue.series_header(conn, series_id) if row else None
            if row is None or header is None:
                return Answer(documents.airdate_not_found(), XML)
            texts = load_texts(conn, series_id, header[0], language, [int(row["id"])])
            totals = episode_totals(conn, [row]).get(int(row["id"]))
            return Answer(documents.airdate_episode(row, texts, totals, series_id), XML)

    answer = state.answers.get(
        ("airdate", series_id, date, language), Answers.series_slot(series_id), build
    )
    return send(answer)


# --- search --------------------------------------------------------------------------------


def get_series(request: Request) -> Response:
    """GetSeries.php: no key; `language` a code or `all` (default en); `user` ignored."""
    name = param(request, "seriesname")
    language = param(request, "language") or ENGLISH
    if language != "all" and language not in CODES:
        language = ENGLISH  # decided: an unknown code searches in English
    state = state_of(request)

    def build() -> Answer:
        with state.readers.connect() as conn:
            hits = search.find(conn, name, language) if name else []
        return Answer(documents.search_results(hits), XML)

    normalized = " ".join(search.words_of.words_of_query(name))
    return send(state.answers.get(("search", normalized, language), CATALOGUE, build))


def get_series_by_remote_id(request: Request) -> Response:
    """GetSeriesByRemoteID.php: `imdbid=` or `zap2it=`; `language` ignored (pytvdbapi)."""
    imdb, zap2it = param(request, "imdbid"), param(request, "zap2it")
    state = state_of(request)

    def build() -> Answer:
        hits = []
        with state.readers.connect() as conn:
            if imdb:
                found = queries.series_by_remote_id(conn, "imdb_id", search.imdb_candidates(imdb))
            elif zap2it:
                candidates = search.zap2it_candidates(zap2it)
                found = queries.series_by_remote_id(conn, "zap2it_id", candidates)
            else:
                found = None
            if found is not None:
                hits = search.hits_for(conn, [found], ENGLISH)
        return Answer(documents.search_results(hits), XML)

    return send(state.answers.get(("remote", imdb, zap2it), CATALOGUE, build))


# --- mirrors, languages, updates --------------------------------------------------------------


def mirrors(request: Request) -> Response:
    """decided (§4.8): the server itself, as the client reached it (scheme + Host), unless
    the `v1_mirror_path` setting names it (behind a proxy)."""
    check_key(request, request.path_params["key"])
    configured = state_of(request).settings.v1_mirror_path.rstrip("/")
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    mirror = configured or f"{request.url.scheme}://{host}"
    return send(Answer(documents.mirrors(mirror), XML))


def languages(request: Request) -> Response:
    check_key(request, request.path_params["key"])
    return send(Answer(documents.languages(), XML))


def updates_php(request: Request) -> Response:
    """Updates.php: `type=none` the server time; `all|series|episode` with `time=` what
    changed since. decided (§4.9): a missing or bad time, or an unknown type, = `none`."""
    now = int(time.time())
    kind, raw_time = param(request, "type"), param(request, "time")
    if kind not in ("all", "series", "episode") or not (raw_time.isascii() and raw_time.isdigit()):
        return send(Answer(documents.server_time(now), XML), cache_control=NO_STORE)
    since = int(raw_time[-12:]) if len(raw_time) <= 12 else now + 1  # past any change
    series_ids: list[int] = []
    episode_ids: list[int] = []
    with state_of(request).readers.connect() as conn:
        if kind in ("all", "series"):
            series_ids = [i for i, _ in queries.series_changed_since(conn, since)]
        if kind in ("all", "episode"):
            episode_ids = [i for i, _, _ in queries.episodes_changed_since(conn, since)]
    body = documents.server_time(now, series_ids, episode_ids)
    return send(Answer(body, XML), cache_control=NO_STORE)


def updates_static(request: Request) -> Response:
    """`{K}/updates/updates_{day|week|month|all}.xml` or `.zip` (one member of that name)."""
    check_key(request, request.path_params["key"])
    file = request.path_params["file"]
    stem, _, extension = file.rpartition(".")
    period = stem.removeprefix("updates_")
    if not stem.startswith("updates_") or period not in PERIODS or extension not in ("xml", "zip"):
        raise V1NotFound()
    now = int(time.time())
    window = PERIODS[period]
    since = 0 if window is None else now - window
    with state_of(request).readers.connect() as conn:
        series = queries.series_changed_since(conn, since)
        changed_episodes = queries.episodes_changed_since(conn, since)
    body = documents.updates_file(now, series, changed_episodes)
    if extension == "zip":
        answer = Answer(documents.zipped([(f"{stem}.xml", body)], now), ZIP)
    else:
        answer = Answer(body, XML)
    return send(answer, cache_control=NO_STORE)
