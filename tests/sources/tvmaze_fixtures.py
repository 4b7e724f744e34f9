"""TVmaze answers for the fixture server, from recorded bodies (tests/sources/recorded/tvmaze).

Every show record, episode list, cast, aka and season list here was served by TVmaze (2017
to 2023; repositories and commits in recorded/MANIFEST.md). Put together per route, as the
client asks for them:

- Under the Dome 1 (TheTVDB 264492): show, 39 episodes, cast, akas, seasons; its images
  answer lists the show's recorded poster (no /images recording exists).
- Doctor Who 210 (TheTVDB 78804): the 2023 show with 153 episodes and its cast, plus one
  special whose facts were recorded elsewhere (`A Christmas Carol`, TVmaze episode 13977,
  season 5 without a number, 2010-12-25): the only real special found. Its seasons answer
  is the 2017 recording (series 1 to 10; TVmaze's season ids do not change): no recording
  of series 11 to 13 was found, so their episodes show a season TVmaze does not list.
- Silicon Valley 143: show, episodes, cast, akas, seasons.
- The Daily Show with Trevor Noah 3928 (no TheTVDB id: every external id null), Unité 9
  8652 (French), Marvel's Jessica Jones 1370 (a web channel, no network): show and seasons.
- `/lookup/shows?thetvdb=N` answers 301 to the show, as TVmaze does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.sources.fixture_server import FixtureServer

HERE = Path(__file__).parent / "recorded" / "tvmaze"
CHRISTMAS_CAROL = {
    "id": 13977,
    "url": "https://www.tvmaze.com/episodes/13977/doctor-who-s05-special-a-christmas-carol",
    "name": "A Christmas Carol",
    "season": 5,
    "number": None,
    "type": "significant_special",
    "airdate": "2010-12-25",
    "airtime": "19:35",
    "airstamp": "2010-12-25T19:35:00+00:00",
    "runtime": 63,
    "rating": {"average": 6.9},
    "image": {
        "medium": "https://static.tvmaze.com/uploads/images/medium_landscape/141/352739.jpg",
        "original": "https://static.tvmaze.com/uploads/images/original_untouched/141/352739.jpg",
    },
    "summary": None,
}


def recorded(name: str) -> Any:
    return json.loads((HERE / name).read_text(encoding="utf-8"))["body"]


def _show(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "_embedded"}


def add_show(server: FixtureServer, show: dict[str, Any], **lists: list[Any]) -> None:
    """A show and its lists (episodes, cast, akas, seasons, images), and its lookup."""
    show_id = show["id"]
    server.add(f"GET /shows/{show_id}", _show(show))
    for name, items in lists.items():
        server.add(f"GET /shows/{show_id}/{name}", items)
    thetvdb = (show.get("externals") or {}).get("thetvdb")
    if thetvdb:
        server.add(
            f"GET /lookup/shows?thetvdb={thetvdb}", "", 301, {"Location": f"/shows/{show_id}"}
        )
    imdb = (show.get("externals") or {}).get("imdb")
    if imdb:
        server.add(f"GET /lookup/shows?imdb={imdb}", "", 301, {"Location": f"/shows/{show_id}"})


def poster_images(show: dict[str, Any]) -> list[dict[str, Any]]:
    """An /images answer holding the show's own recorded poster."""
    image = show.get("image") or {}
    if not image.get("original"):
        return []
    image_id = int(image["original"].rsplit("/", 1)[-1].split(".")[0])
    return [
        {
            "id": image_id,
            "type": "poster",
            "main": True,
            "resolutions": {
                "original": {"url": image["original"], "width": 680, "height": 1000},
                "medium": {"url": image.get("medium"), "width": 210, "height": 295},
            },
        }
    ]


def tvmaze_server() -> FixtureServer:
    server = FixtureServer()
    dome = recorded("pl-shows-1-under-the-dome.json")
    add_show(
        server,
        dome,
        episodes=recorded("pl-shows-1-under-the-dome-episodes.json"),
        cast=recorded("pl-shows-1-under-the-dome-cast.json"),
        akas=recorded("pl-shows-1-under-the-dome-akas.json"),
        seasons=recorded("pl-shows-1-under-the-dome-seasons.json"),
        images=poster_images(dome),
    )
    server.add("GET /search/shows?q=under the dome", [{"score": 17.5, "show": _show(dome)}])
    first = recorded("pl-shows-1-under-the-dome-episodes.json")[0]
    server.add(f"GET /episodes/{first['id']}", {**first, "_embedded": {"show": _show(dome)}})

    who = recorded("ll-shows-210-doctor-who-embed-episodes-cast.json")
    add_show(
        server,
        who,
        episodes=[*who["_embedded"]["episodes"], CHRISTMAS_CAROL],
        cast=who["_embedded"]["cast"],
        seasons=recorded("fg-singlesearch-doctor-who-embed-seasons.json")["_embedded"]["seasons"],
        images=poster_images(who),
    )
    silicon = recorded("tm4j-singlesearch-silicon-valley.json")
    add_show(
        server,
        silicon,
        episodes=recorded("tm4j-shows-143-silicon-valley-episodes.json"),
        cast=recorded("tm4j-shows-143-silicon-valley-cast.json"),
        akas=recorded("tm4j-shows-143-silicon-valley-akas.json"),
        seasons=recorded("tm4j-shows-143-silicon-valley-seasons.json"),
    )
    for name in (
        "fg-shows-3928-daily-show-trevor-noah-embed-seasons-null-externals.json",
        "fg-singlesearch-unite-9-french-embed-seasons.json",
        "fg-singlesearch-jessica-jones-webchannel-no-network-embed-seasons.json",
    ):
        show = recorded(name)
        add_show(server, show, seasons=show["_embedded"]["seasons"])
    return server.start()
