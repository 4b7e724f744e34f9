"""The live sources by name, built from the settings."""

from __future__ import annotations

from tvdbd.errors import ConfigError
from tvdbd.settings import Settings
from tvdbd.sources.base import Source

SOURCES = ("tvdb-v4", "tvmaze", "mirror")


def open_source(name: str, settings: Settings) -> Source:
    """A ready source; call on the event loop that will use it (its HTTP client binds there)."""
    if name == "tvdb-v4":
        from tvdbd.sources.tvdb_v4.client import TvdbV4

        if not settings.tvdb_v4_api_key:
            raise ConfigError(
                "TheTVDB v4 needs an API key: set TVDBD_TVDB_V4_API_KEY (and TVDBD_TVDB_V4_PIN "
                "for a user-supported key)."
            )
        return TvdbV4.from_settings(settings)
    if name == "tvmaze":
        from tvdbd.sources.tvmaze.client import Tvmaze

        return Tvmaze.from_settings(settings)
    if name == "mirror":
        from tvdbd.sources.fetch import policy_from
        from tvdbd.sources.mirror import V2Server

        return V2Server(
            settings.mirror_url,
            settings.mirror_api_key.reveal(),
            languages=settings.mirror_language_list,
            policy=policy_from(settings),
        )
    raise ConfigError(f"Unknown source {name!r}. Expected one of: {', '.join(SOURCES)}.")


def describe_read_through(settings: Settings) -> str:
    """What `tvdbd serve` says at start about the read-through: the source, its terms, and
    how to turn it off."""
    source = settings.resolved_read_through
    off = "Turn it off with --read-through off (TVDBD_READ_THROUGH=off) on air-gapped installs."
    if source == "tvmaze":
        return (
            f"Read-through: a series that is not stored is fetched from TVmaze "
            f"({settings.tvmaze_url}; open, no key). TVmaze's data is licensed under CC BY-SA "
            "4.0: its attribution is kept with each series, and serving it to others shares "
            f"it under the same licence. {off}"
        )
    if source == "tvdb-v4":
        return (
            f"Read-through: a series that is not stored is fetched from TheTVDB v4 "
            f"({settings.tvdb_v4_url}) with your API key, under TheTVDB's API terms (its "
            f"attribution is kept with each series). {off}"
        )
    if source == "mirror":
        return (
            f"Read-through: a series that is not stored is fetched from the v2 server at "
            f"{settings.mirror_url}. {off}"
        )
    return "Read-through is off: only the stored catalogue is served."
