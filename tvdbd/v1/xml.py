"""Writing v1 XML byte for byte as the classic server did (contract §3).

Built as text, not through an XML serializer: the classic server's layout (the declaration
with a space before `?>`, empty elements as `<X></X>`, per-route indentation, no final
newline on some documents) is part of what clients and our replay test compare, and no
serializer writes exactly that. Escaping is the standard library's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

# Exactly as recorded, space before `?>` included, on every document and zip member.
DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n'
_QUOTE = {'"': "&quot;"}

# (element name, text) in wire order; text is already a string ("" for an empty element).
Element = tuple[str, str]


def text(value: str, *, quote: bool = True) -> str:
    """`& < >` always; `"` as `&quot;` in record routes, raw in GetSeries/RemoteID answers;
    `'` never (contract §3). Non-ASCII stays raw UTF-8."""
    return escape(value, _QUOTE) if quote else escape(value)


def lines(elements: Iterable[Element], indent: str, *, quote: bool = True) -> list[str]:
    """One `<X>text</X>` line per element: an empty one is `<X></X>`, never `<X/>`."""
    return [f"{indent}<{name}>{text(value, quote=quote)}</{name}>" for name, value in elements]


def present(elements: Iterable[Element]) -> list[Element]:
    """Search answers omit empty elements (contract §3, 8/8 recordings)."""
    return [(name, value) for name, value in elements if value]


def document(body: Sequence[str], *, final_newline: bool = True) -> bytes:
    """The declaration, the body lines joined by `\\n`, and a final newline where recorded."""
    out = DECLARATION + "\n".join(body)
    return (out + "\n" if final_newline else out).encode()


def pipes(values: Iterable[str]) -> str:
    """`|a|b|` (one value: `|a|`), empty for none — Actors, Genre and (decided, one rule)
    Director, Writer, GuestStars. Values are kept as they are (the recorded Actors list
    keeps a name's trailing space); empty ones are dropped."""
    kept = [v for v in values if v and v.strip()]
    return f"|{'|'.join(kept)}|" if kept else ""


def number(value: object) -> str:
    """An integer element: its digits, or empty for null (contract §3 table)."""
    if value is None or value == "":
        return ""
    if type(value) is int:
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
