"""The v1 catalogue routes on a live server with the demo catalogue (contract §2-§6)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import httpx
import pytest

from tvdbd.v1 import routes

SCRUBS, FIREFLY = 76156, 78874
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" ?>\n'
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


def xml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text[:200]
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(DECLARATION)
    return ET.fromstring(response.content)


def assert_not_found(response: httpx.Response) -> None:
    assert response.status_code == 404
    assert response.content == NOT_FOUND
    assert response.headers["content-type"] == "text/html; charset=iso-8859-1"


def test_route_table_lists_every_route_of_the_contract_in_its_order() -> None:
    paths = [route.path for route in routes.ROUTES]  # type: ignore[attr-defined]
    assert paths == [
        "/{key}/mirrors.xml", "/{key}/languages.xml", "/{key}/languages", "/Updates.php",
        "/{key}/updates/{file}", "/GetSeries.php", "/GetSeriesByRemoteID.php",
        "/GetEpisodeByAirDate.php", "/{key}/series/{id}", "/{key}/series/{id}/",
        "/{key}/series/{id}/all", "/{key}/series/{id}/all/", "/{key}/series/{id}/all/{file}",
        "/api/{key}/series/{id}/all/{file}", "/{key}/series/{id}/{file}",
        "/{key}/series/{id}/default/{season}/{episode}/{file}",
        "/{key}/series/{id}/dvd/{season}/{episode}/{file}",
        "/{key}/series/{id}/absolute/{number}/{file}", "/{key}/episodes/{id}",
        "/{key}/episodes/{id}/{file}", "/User_Favorites.php", "/User_Rating.php",
        "/GetRatingsForUser.php", "/User_PreferredLanguage.php",
    ]  # fmt: skip


def test_base_record_has_every_element_in_the_recorded_order(v1: httpx.Client) -> None:
    root = xml(v1.get(f"/anykey/series/{SCRUBS}/en.xml"))
    series = root.find("Series")
    assert series is not None
    assert [child.tag for child in series] == [
        "id",
        "Actors",
        "Airs_DayOfWeek",
        "Airs_Time",
        "ContentRating",
        "FirstAired",
        "Genre",
        "IMDB_ID",
        "Language",
        "Network",
        "NetworkID",
        "Overview",
        "Rating",
        "RatingCount",
        "Runtime",
        "SeriesID",
        "SeriesName",
        "Status",
        "added",
        "addedBy",
        "banner",
        "fanart",
        "lastupdated",
        "poster",
        "zap2it_id",
    ]
    assert series.findtext("SeriesName") == "Scrubs"
    assert series.findtext("Genre") == "|Comedy|"
    assert series.findtext("FirstAired") == "2001-10-02"
    assert series.findtext("banner") == "graphical/76156-g9.jpg"
    actors = ET.fromstring(v1.get(f"/k/series/{SCRUBS}/actors.xml").content)
    names = [a.findtext("Name") for a in actors]
    assert series.findtext("Actors") == "|" + "|".join(names) + "|"  # actors.xml order


def test_empty_elements_are_written_as_pairs_never_self_closing(v1: httpx.Client) -> None:
    body = v1.get(f"/k/series/{SCRUBS}/all/en.xml").content
    assert b"/>" not in body
    assert b"<Airs_Time></Airs_Time>" in body


def test_language_less_paths_answer_english(v1: httpx.Client) -> None:
    english = v1.get(f"/k/series/{SCRUBS}/en.xml").content
    assert v1.get(f"/k/series/{SCRUBS}").content == english
    assert v1.get(f"/k/series/{SCRUBS}/").content == english
    full = v1.get(f"/k/series/{SCRUBS}/all/en.xml").content
    assert v1.get(f"/k/series/{SCRUBS}/all").content == full
    assert v1.get(f"/k/series/{SCRUBS}/all/").content == full
    # node-tvdb 2's getSeriesAllById asks /api/api/... (decided: served)
    assert v1.get(f"/api/k/series/{SCRUBS}/all/en.xml").content == full


def test_translation_with_english_fallbacks(v1: httpx.Client) -> None:
    french = xml(v1.get(f"/k/series/{SCRUBS}/fr.xml")).find("Series")
    assert french is not None
    assert french.findtext("Language") == "fr"
    assert french.findtext("Overview", "").startswith("Comédie hospitalière")
    assert french.findtext("banner") == "graphical/76156-g13.jpg"  # the translation's own
    german = xml(v1.get(f"/k/series/{SCRUBS}/de.xml")).find("Series")
    assert german is not None
    assert german.findtext("Language") == "de"  # the requested code, though text fell back
    assert german.findtext("SeriesName") == "Scrubs"
    assert german.findtext("Overview", "").startswith("A hospital sitcom")
    episode = xml(v1.get(f"/k/series/{SCRUBS}/default/1/1/de.xml")).find("Episode")
    assert episode is not None and episode.findtext("EpisodeName") == "My First Day"
    episode = xml(v1.get(f"/k/series/{SCRUBS}/default/1/1/fr.xml")).find("Episode")
    assert episode is not None and episode.findtext("EpisodeName") == "Mon premier jour"


@pytest.mark.parametrize(
    "path",
    [
        "/k/series/999999/en.xml",
        "/k/series/999999/all/en.zip",
        "/k/series/999999/banners.xml",
        "/k/series/abc/en.xml",
        f"/k/series/{SCRUBS}/xx.xml",
        f"/k/series/{SCRUBS}/all/all.xml",  # `all` only for GetSeries (decided)
        f"/k/series/{SCRUBS}/default/99/1/en.xml",
        f"/k/series/{SCRUBS}/default/x/1/en.xml",
        "/k/episodes/1/en.xml",
        "/k/updates/updates_year.xml",
        "/nothing/here",
        "/Nothing.php",
    ],
)
def test_unknown_ids_languages_and_routes_are_the_apache_404_page(
    v1: httpx.Client, path: str
) -> None:
    assert_not_found(v1.get(path))


def test_other_methods_are_405_with_allow(v1: httpx.Client) -> None:
    response = v1.post(f"/k/series/{SCRUBS}/en.xml")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert b"<json" not in response.content and not response.content.startswith(b"{")


def test_head_answers_the_get_headers_without_a_body(v1: httpx.Client) -> None:
    response = v1.head(f"/k/series/{SCRUBS}/all/en.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.content == b""


def test_zip_holds_the_three_routes_bodies_in_order(v1: httpx.Client) -> None:
    response = v1.get(f"/k/series/{SCRUBS}/all/fr.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"  # exactly
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["fr.xml", "banners.xml", "actors.xml"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert archive.read("fr.xml") == v1.get(f"/k/series/{SCRUBS}/all/fr.xml").content
        assert archive.read("banners.xml") == v1.get(f"/k/series/{SCRUBS}/banners.xml").content
        assert archive.read("actors.xml") == v1.get(f"/k/series/{SCRUBS}/actors.xml").content
    # The same bytes every time (members dated with lastupdated).
    assert v1.get(f"/k/series/{SCRUBS}/all/fr.zip").content == response.content


def test_full_record_episode_elements_and_combined_numbers(v1: httpx.Client) -> None:
    root = xml(v1.get(f"/k/series/{FIREFLY}/all/en.xml"))
    episodes = root.findall("Episode")
    seasons = [
        (int(e.findtext("SeasonNumber", "")), int(e.findtext("EpisodeNumber", "")))
        for e in episodes
    ]
    assert seasons == sorted(seasons) and seasons[0][0] == 0  # season 0 first
    special, regular = episodes[0], episodes[-1]
    assert [c.tag for c in special].count("airsbefore_season") == 1
    assert regular.find("airsbefore_season") is None  # season 0 only
    train_job = next(e for e in episodes if e.findtext("id") == "297989")
    assert train_job.findtext("DVD_episodenumber") == "2.0"
    assert train_job.findtext("Combined_episodenumber") == "2.0"
    assert train_job.findtext("Combined_season") == "1"
    assert train_job.findtext("EpisodeNumber") == "1"


def test_episode_orders_and_ids_answer_one_record(v1: httpx.Client) -> None:
    by_id = v1.get("/k/episodes/297989/en.xml").content
    assert v1.get("/k/episodes/297989").content == by_id
    assert v1.get(f"/k/series/{FIREFLY}/default/1/1/en.xml").content == by_id
    assert v1.get(f"/k/series/{FIREFLY}/dvd/1/2/en.xml").content == by_id
    assert v1.get(f"/k/series/{FIREFLY}/absolute/2/en.xml").content == by_id
    root = ET.fromstring(by_id)
    episode = root.find("Episode")
    assert episode is not None
    assert [c.tag for c in episode][:4] == ["id", "seasonid", "EpisodeNumber", "EpisodeName"]
    assert episode.findtext("flagged") == "0"
    assert by_id.startswith(DECLARATION + b"<Data><Episode>\n<id>297989</id>\n")


def test_search_matches_whole_words_case_insensitively(v1: httpx.Client) -> None:
    root = xml(v1.get("/GetSeries.php", params={"seriesname": "FIREFLY"}))
    names = [s.findtext("SeriesName") for s in root]
    assert names[0] == "Firefly"  # the exact name first
    assert "Firefly (2017)" in names
    assert "Fireflies" not in names  # "firefly" is only part of that word
    first = root[0]
    assert [c.tag for c in first][:3] == ["seriesid", "language", "SeriesName"]
    assert first.findtext("seriesid") == first.findtext("id") == str(FIREFLY)


def test_search_without_hit_or_name_is_an_empty_data_element(v1: httpx.Client) -> None:
    empty = DECLARATION + b"<Data>\n</Data>"
    assert v1.get("/GetSeries.php", params={"seriesname": "zzzz nothing"}).content == empty
    assert v1.get("/GetSeries.php").content == empty
    assert v1.get("/GetSeries.php", params={"seriesname": ""}).content == empty


def test_search_in_all_languages_serves_the_language_that_matched(v1: httpx.Client) -> None:
    root = xml(v1.get("/GetSeries.php", params={"seriesname": "scrubs", "language": "all"}))
    assert root[0].findtext("language") == "en"
    french = xml(v1.get("/GetSeries.php", params={"seriesname": "scrubs", "language": "fr"}))
    assert french[0].findtext("language") == "fr"
    assert french[0].findtext("Overview", "").startswith("Comédie")


def test_remote_ids_with_and_without_prefixes(v1: httpx.Client) -> None:
    for params in ({"imdbid": "tt0303461"}, {"imdbid": "0303461"}, {"zap2it": "ep00524463"},
                   {"zap2it": "EP00524463"}):  # fmt: skip
        root = xml(v1.get("/GetSeriesByRemoteID.php", params=params))
        assert [s.findtext("id") for s in root] == [str(FIREFLY)], params
    assert v1.get("/GetSeriesByRemoteID.php", params={"imdbid": "tt9"}).content.endswith(
        b"<Data>\n</Data>"
    )


def test_air_date_answers_one_episode_or_an_error_element(v1: httpx.Client) -> None:
    params = {"apikey": "k", "seriesid": FIREFLY, "airdate": "2002-09-20"}
    root = xml(v1.get("/GetEpisodeByAirDate.php", params=params))
    episode = root.find("Episode")
    assert episode is not None and episode.findtext("id") == "297989"
    for date in ("2002-09-21", "20-09-2002", ""):
        root = xml(v1.get("/GetEpisodeByAirDate.php", params={**params, "airdate": date}))
        assert root.findtext("Error") == "No Results from SP"
    assert_not_found(v1.get("/GetEpisodeByAirDate.php", params={**params, "apikey": ""}))


def test_mirrors_name_the_server_as_the_client_reached_it(v1: httpx.Client) -> None:
    root = xml(v1.get("/k/mirrors.xml", headers={"host": "thetvdb.com"}))
    assert [c.tag for c in root[0]] == ["id", "mirrorpath", "typemask"]
    assert root[0].findtext("mirrorpath") == "http://thetvdb.com"
    assert root[0].findtext("typemask") == "7"


def test_languages_are_the_23_of_the_classic_list(v1: httpx.Client) -> None:
    root = xml(v1.get("/k/languages.xml"))
    assert len(root) == 23
    assert [(root[20].findtext("abbreviation"), root[20].findtext("id"))] == [("en", "7")]
    assert v1.get("/k/languages").content == v1.get("/k/languages.xml").content


def test_updates_since_a_time_and_the_server_time(v1: httpx.Client) -> None:
    now = xml(v1.get("/Updates.php", params={"type": "none"}))
    assert [c.tag for c in now] == ["Time"]
    everything = xml(v1.get("/Updates.php", params={"type": "all", "time": "0"}))
    series = [int(s.text or 0) for s in everything.findall("Series")]
    assert series == sorted(series) and SCRUBS in series
    assert everything.findall("Episode")
    only_series = xml(v1.get("/Updates.php", params={"type": "series", "time": "0"}))
    assert not only_series.findall("Episode")
    for bad in ({"type": "all", "time": "x"}, {"type": "sometimes", "time": "0"}):
        assert [c.tag for c in xml(v1.get("/Updates.php", params=bad))] == ["Time"]
    response = v1.get("/Updates.php", params={"type": "none"})
    assert response.headers["cache-control"] == "no-store"


def test_static_update_files_and_their_zip(v1: httpx.Client) -> None:
    root = xml(v1.get("/k/updates/updates_all.xml"))
    assert root.tag == "Data" and root.get("time", "").isdigit()
    episode = root.find("Episode")
    assert episode is not None and [c.tag for c in episode] == ["id", "Series", "time"]
    response = v1.get("/k/updates/updates_week.zip")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["updates_week.xml"]


def test_catalogue_answers_carry_last_modified_and_answer_304(v1: httpx.Client) -> None:
    response = v1.get(f"/k/series/{SCRUBS}/banners.xml")
    assert response.headers["cache-control"] == "public, max-age=900"
    modified = response.headers["last-modified"]
    again = v1.get(f"/k/series/{SCRUBS}/banners.xml", headers={"if-modified-since": modified})
    assert again.status_code == 304


def test_banners_list_every_kind_in_the_recorded_order(v1: httpx.Client) -> None:
    root = xml(v1.get(f"/k/series/{SCRUBS}/banners.xml"))
    kinds = [(b.findtext("BannerType"), b.findtext("BannerType2")) for b in root]
    order = {"fanart": 0, "poster": 1, "season": 2, "series": 4}
    ranks = [order[k] + (k2 == "seasonwide") for k, k2 in kinds]
    assert ranks == sorted(ranks)
    fanart = root[0]
    assert [c.tag for c in fanart] == [
        "id",
        "BannerPath",
        "BannerType",
        "BannerType2",
        "Colors",
        "Language",
        "Rating",
        "RatingCount",
        "SeriesName",
        "ThumbnailPath",
        "VignettePath",
    ]
    assert fanart.findtext("ThumbnailPath") == "_cache/" + fanart.findtext("BannerPath", "")
