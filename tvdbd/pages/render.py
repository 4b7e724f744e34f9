"""Templates (Jinja2, autoescaped: every value is text unless a template says otherwise) and
the HTML responses of the pages, with their security and caching headers."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from starlette.responses import HTMLResponse, Response

from tvdbd.languages import language_list
from tvdbd.pages import PREFIX
from tvdbd.pages.session import Visit, csrf_token
from tvdbd.records.artwork import thumbnail_for

# Only this server's files; forms post only here; no framing.
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
ACTIONS = "<!--tvdbd:actions-->"  # where a person's controls go in a shared part


def _banner(path: str | None) -> str:
    return f"/banners/{path}" if path else ""


def _thumb(path: str | None) -> str:
    return f"/banners/{thumbnail_for(path)}" if path else ""


def _when(epoch: int | None) -> str:
    if not epoch:
        return "unknown"
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%d %H:%M UTC")


def _year(date: str | None) -> str:
    return date[:4] if date and date[:4].isdigit() else ""


@cache
def _static_version() -> str:
    """Changes with the static files, so browsers may keep them for a long time."""
    digest = hashlib.sha256()
    folder = resources.files("tvdbd.pages") / "static"
    for name in sorted(entry.name for entry in folder.iterdir()):
        digest.update(name.encode() + folder.joinpath(name).read_bytes())
    return digest.hexdigest()[:12]


def _static(name: str) -> str:
    return f"{PREFIX}/static/{name}?v={_static_version()}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tvdbd.pages", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(banner=_banner, thumb=_thumb, when=_when, year=_year)
    env.globals.update(prefix=PREFIX, static=_static, ACTIONS=Markup(ACTIONS))
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


@cache
def language_options(selected: str) -> Markup:
    """The <option>s of the language choice (the /languages list), built once per language."""
    return Markup(render("_languages.html", languages=language_list(), selected=selected))


def page(
    visit: Visit,
    template: str,
    *,
    status: int = 200,
    title: str,
    **context: Any,
) -> Response:
    """A whole page: the layout (who is signed in, the language) around ``template``.
    A ``part`` is HTML made by these templates (tvdbd.pages.cache keeps them), so not
    escaped again."""
    if "part" in context:
        context["part"] = Markup(context["part"])
    body = render(
        template,
        visit=visit,
        title=title,
        user=visit.user,
        is_admin=visit.may("admin"),
        is_editor=visit.may("editor"),
        csrf=csrf_token(visit.session) if visit.signed_in else "",
        notice=visit.take_notice(),
        languages=language_options(visit.language),
        language=visit.language,
        here=_here(visit),
        **context,
    )
    return respond(visit, body, status=status)


def respond(visit: Visit, body: str, *, status: int = 200) -> Response:
    """Headers for every page. What a signed-in person sees is theirs alone: no cache but
    their browser's may keep it. Anonymous pages may be kept and revalidated (ETag)."""
    headers = {
        "content-security-policy": POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "vary": "Cookie, Accept-Language",
    }
    if visit.signed_in or visit.session.changed or status >= 400:
        headers["cache-control"] = "private, no-store"
    else:
        encoded = body.encode()
        etag = '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'
        headers.update({"cache-control": "no-cache", "etag": etag})
        if etag in _etags(visit.request.headers.get("if-none-match")):
            return Response(status_code=304, headers=headers)
        response: Response = HTMLResponse(encoded, status_code=status, headers=headers)
        visit.request.app.state.sessions.save(visit.request, response, visit.session)
        return response
    headers.update(visit.headers)
    response = HTMLResponse(body, status_code=status, headers=headers)
    visit.request.app.state.sessions.save(visit.request, response, visit.session)
    return response


def _etags(header: str | None) -> set[str]:
    if not header:
        return set()
    return {tag.strip().removeprefix("W/") for tag in header.split(",")}


def _here(visit: Visit) -> str:
    """This page's path and query: where the language choice and sign-in come back to."""
    url = visit.request.url
    return url.path + (f"?{url.query}" if url.query else "")


def safe_next(raw: str | None) -> str:
    """A place on the pages to go back to; anything else (another host too) is the home."""
    if raw and raw.startswith(PREFIX + "/") and "//" not in raw and "\\" not in raw:
        return raw
    return PREFIX + "/"
