"""tvdbd: a self-hostable server that speaks TheTVDB REST API v2, wire-exact."""

__version__ = "0.1.0"
