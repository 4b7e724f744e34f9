"""Posted forms: a bounded urlencoded body, and the CSRF token checked before anything else."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from tvdbd.errors import BadRequest, Forbidden, PayloadTooLarge
from tvdbd.pages.session import Visit, csrf_matches

FORM_TYPE = "application/x-www-form-urlencoded"
CSRF_REFUSED = (
    "This form has expired or did not come from this site. Go back, reload the page and "
    "send it again."
)


class CsrfRefused(Forbidden):
    default_message = CSRF_REFUSED


async def read_form(visit: Visit) -> dict[str, str]:
    """The fields of a POSTed form (the first value of each), after the CSRF check."""
    request = visit.request
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != FORM_TYPE:
        raise BadRequest("Send this form from its page (a urlencoded form is expected).")
    body = await _bounded_body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("The form could not be read.") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    if not csrf_matches(visit.session, fields.get("csrf")):
        raise CsrfRefused()
    return fields


async def _bounded_body(request: Request) -> bytes:
    limit = request.app.state.main.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge("The form is too large.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge("The form is too large.")
        chunks.append(chunk)
    return b"".join(chunks)
