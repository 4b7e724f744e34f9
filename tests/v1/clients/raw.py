"""The raw XML a v1 client was answered, read the way each client reads it, to compare
with what the client itself parsed."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from typing import Any

import httpx

_RUNS = re.compile(r"\s{2,}")


def fetch(base_url: str, path: str, *, member: str | None = None) -> ET.Element:
    """The document at `/api` + ``path`` (a zip: its ``member``)."""
    response = httpx.get(f"{base_url}/api{path}", timeout=30)
    assert response.status_code == 200, (path, response.status_code)
    data = response.content
    if member is not None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = archive.read(member)
    return ET.fromstring(data)


def as_xml2js(element: ET.Element) -> Any:
    """What xml2js makes of an element with node-tvdb's options (trim, normalize,
    explicitArray false, emptyTag null, attributes ignored): a leaf is its text, runs of
    whitespace made one space, or null when empty; repeated children become a list."""
    children = list(element)
    if not children:
        value = _RUNS.sub(" ", element.text or "").strip()
        return value or None
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(child.tag, []).append(as_xml2js(child))
    return {tag: values[0] if len(values) == 1 else values for tag, values in grouped.items()}


def texts(element: ET.Element) -> dict[str, str]:
    """A record's children as {tag: text} ("" for an empty one)."""
    return {child.tag: child.text or "" for child in element}
