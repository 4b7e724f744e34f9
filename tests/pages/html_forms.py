"""What a browser would send for a form of a page: its inputs, text areas and selected
options, read with the standard library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._fields = {}
            self.forms.append((a.get("method", "get").lower(), a.get("action", ""), self._fields))
        elif self._fields is None:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "file"):
            self._fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._fields[self._textarea] = ""
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self._fields.setdefault(self._select, value)
            if "selected" in a:
                self._fields[self._select] = value

    def handle_data(self, data: str) -> None:
        if self._fields is not None and self._textarea:
            # The parser hands the text over in pieces; the first newline is not content.
            self._fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._fields is not None and self._textarea:
            self._fields[self._textarea] = self._fields[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


def form_of(html: str, target: str, **having: str) -> dict[str, str]:
    """The fields of the first form posting to `target` (with these field values), as a
    browser sends them."""
    parser = _Forms()
    parser.feed(html)
    for method, found, fields in parser.forms:
        if (
            method == "post"
            and found == target
            and all(fields.get(k) == v for k, v in having.items())
        ):
            return dict(fields)
    raise AssertionError(f"no form posts to {target}: {[f for _, f, _ in parser.forms]}")
