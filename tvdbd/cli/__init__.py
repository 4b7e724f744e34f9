"""The `tvdbd` command: one click group (`group.main`) with its parts in sibling modules.

Importing this package registers every part on the group; each part imports only
`tvdbd.cli.group` (and library code), so the modules never import each other in a circle.
"""

from __future__ import annotations

from tvdbd.cli import (
    apikeys,
    backup,
    catalogue,
    database,
    dns,
    edits,
    images,
    mirror,
    serve,
    sources,
    tls,
    users,
)
from tvdbd.cli.group import Context, main

__all__ = [
    "Context",
    "apikeys",
    "backup",
    "catalogue",
    "database",
    "dns",
    "edits",
    "images",
    "main",
    "mirror",
    "serve",
    "sources",
    "tls",
    "users",
]
