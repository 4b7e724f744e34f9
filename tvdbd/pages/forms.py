"""Posted forms: a bounded urlencoded body, and the CSRF token checked before anything else."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from starlette.requests import Request

from tvdbd.errors import BadRequest, Forbidden, PayloadTooLarge
from tvdbd.pages.session import Visit, csrf_matches

FORM_TYPE = "application/x-www-form-urlencoded"
UPLOAD_TYPE = "multipart/form-data"
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


async def read_upload(visit: Visit) -> tuple[dict[str, str], dict[str, bytes]]:
    """The text fields and files of a POSTed multipart form, after the CSRF check. Read with
    the standard library's MIME parser (a form is a MIME multipart message); bounded by
    `page_upload_max_bytes`."""
    request = visit.request
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != UPLOAD_TYPE:
        raise BadRequest("Send this form from its page (a file upload form is expected).")
    body = await _bounded_body(request, request.app.state.main.settings.page_upload_max_bytes)
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    if isinstance(message, EmailMessage) and message.is_multipart():
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            if part.get_filename() is not None:
                files.setdefault(name, payload)
            else:
                fields.setdefault(name, payload.decode("utf-8", "replace"))
    if not csrf_matches(visit.session, fields.get("csrf")):
        raise CsrfRefused()
    return fields, files


async def _bounded_body(request: Request, limit: int | None = None) -> bytes:
    if limit is None:
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
