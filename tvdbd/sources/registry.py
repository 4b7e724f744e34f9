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
