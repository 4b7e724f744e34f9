"""A real HTTP server on 127.0.0.1 that answers like an upstream API (TheTVDB v4, TVmaze) from
canned responses, with faults the tests switch on: 5xx, 429 with Retry-After, answers too slow
to wait for, malformed JSON, refused keys, expired tokens.

It runs uvicorn in a thread of the test process; tvdbd (a LiveServer subprocess, or library
code in the test) reaches it over TCP like any upstream.
"""

from __future__ import annotations

import asyncio
import io
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import uvicorn
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support import free_port

V4_UNAUTHORIZED = {"status": "failure", "message": "Unauthorized", "data": None}
V4_BAD_KEY = {"status": "failure", "message": "InvalidAPIKey: apikey invalid", "data": None}
V4_PIN_REQUIRED = {"data": None, "message": "InvalidValueType: pin required", "status": "failure"}


SEARCH_TERMS = frozenset({"query", "q"})


@dataclass
class Canned:
    """One answer: matched by method, path and the query parameters it names."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    path_prefix: str
    kind: str  # "500", "429", "slow", "malformed", "drop"
    times: int
    retry_after: str = "1"
    delay: float = 30.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    status: int
    at: float


class FixtureServer:
    """Canned answers over real HTTP. `auth="v4"` makes it demand a v4 login and token."""

    def __init__(self, *, auth: str | None = None, api_key: str = "test-v4-key"):
        self.auth = auth
        self.api_key = api_key
        self.pin = ""
        self.tokens: set[str] = set()
        self.canned: list[Canned] = []
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.images = True  # answer any .jpg/.png path under /images/ with a small image
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ what it answers

    def add(
        self,
        request: str,
        body: Any,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """`add("GET /series/1/extended?page=1", {...})`; later additions win."""
        method, _, target = request.partition(" ")
        parts = urlsplit(target)
        self.canned.append(
            Canned(method, parts.path, dict(parse_qsl(parts.query)), status, body, headers or {})
        )

    def add_recorded(self, recordings: Iterable[dict[str, Any]]) -> None:
        for rec in recordings:
            self.add(rec["request"], rec["body"], rec["status"])

    def fault(self, path_prefix: str, kind: str, times: int = 1, **options: Any) -> None:
        self.faults.append(Fault(path_prefix, kind, times, **options))

    def requests_to(self, path_prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(path_prefix)]

    # ------------------------------------------------------------ running

    def start(self) -> FixtureServer:
        app = Starlette(routes=[Route("/{path:path}", self._answer, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fixture server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    # ------------------------------------------------------------ answering

    async def _answer(self, request: Request) -> Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            response = await self._respond(request)
        finally:
            self.in_flight -= 1
        self.seen.append(
            Seen(
                request.method,
                request.url.path,
                dict(request.query_params),
                response.status_code,
                time.monotonic(),
            )
        )
        return response

    async def _respond(self, request: Request) -> Response:
        path = request.url.path
        fault = self._take_fault(path)
        if fault is not None:
            if fault.kind == "slow":
                await asyncio.sleep(fault.delay)
            elif fault.kind == "500":
                return _json({"status": "failure", "message": "Internal Server Error"}, 500)
            elif fault.kind == "429":
                return _json(
                    {"status": "failure", "message": "Too Many Requests"},
                    429,
                    {"Retry-After": fault.retry_after},
                )
            elif fault.kind == "malformed":
                return Response(
                    b'{"status": "success", "data": {"id": 1,', 200, media_type="application/json"
                )
        if self.auth == "v4":
            if path.endswith("/login") and request.method == "POST":
                return await self._login(request)
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if token not in self.tokens and not _is_image(path):
                return _json(V4_UNAUTHORIZED, 401)
        canned = self._match(request)
        if canned is not None:
            return _json(canned.body, canned.status, canned.headers)
        if self.images and _is_image(path):
            return Response(_image_bytes(path), 200, media_type="image/jpeg")
        return _json(self._not_found_body(), 404)

    def _not_found_body(self) -> Any:
        if self.auth == "v4":
            return {"status": "failure", "message": "NotFoundException: not found", "data": None}
        return {"name": "Not Found", "message": "", "code": 0, "status": 404}

    async def _login(self, request: Request) -> Response:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return _json({"status": "failure", "message": "invalid body", "data": None}, 400)
        if body.get("apikey") != self.api_key:
            return _json(V4_BAD_KEY, 401)
        if self.pin and "pin" not in body:
            return _json(V4_PIN_REQUIRED, 400)
        if body.get("pin", "") != self.pin:
            return _json(V4_BAD_KEY, 401)
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return _json({"status": "success", "data": {"token": token}})

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and path.startswith(fault.path_prefix):
                fault.times -= 1
                return fault
        return None

    def _match(self, request: Request) -> Canned | None:
        """The latest canned answer whose path matches and whose query parameters all match
        (an absent `page` is page 0, as on v4)."""
        query = dict(request.query_params)
        query.setdefault("page", "0")
        for key in SEARCH_TERMS & set(query):  # searches ignore case, as the real ones do
            query[key] = query[key].lower()
        best: Canned | None = None
        for canned in self.canned:
            if canned.method != request.method or canned.path != request.url.path:
                continue
            wanted = {"page": "0", **canned.query}
            matches = all(query.get(k) == v for k, v in wanted.items())
            if matches and (best is None or len(canned.query) >= len(best.query)):
                best = canned
        return best


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if isinstance(body, str):
        return Response(body, status, headers=headers, media_type="application/json")
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")


def _is_image(path: str) -> bool:
    return path.lower().endswith((".jpg", ".jpeg", ".png"))


def _image_bytes(path: str) -> bytes:
    """A small JPEG whose colour depends on the path (so files differ)."""
    shade = sum(path.encode()) % 200
    buffer = io.BytesIO()
    Image.new("RGB", (8, 12), (shade, 80, 200 - shade)).save(buffer, "JPEG")
    return buffer.getvalue()
