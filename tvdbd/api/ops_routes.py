"""Routes for the operator, outside TheTVDB's API: GET /health and GET /metrics (no token)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.db.migrate import current_revision, head_revision
from tvdbd.http.answers import CONTENT_TYPE
from tvdbd.http.observe import metrics_response


def health(request: Request) -> Response:
    """200 when the database answers and its schema is the one this code needs, else 503
    (with TheTVDB's `Error` key, as every non-2xx answer here has)."""
    engine = request.app.state.engine
    report: dict[str, Any] = {"status": "ok", "database": "ok", "schema": None}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        report["schema"] = current_revision(engine)
    except Exception as exc:  # any failure to reach the database is the answer
        report.update(status="unavailable", database=f"unreachable ({type(exc).__name__})")
    else:
        head = head_revision()
        if report["schema"] != head:
            report.update(status="unavailable", schema=f"{report['schema']} (code needs {head})")
    headers = {"cache-control": "no-store"}
    if report["status"] == "ok":
        return Response(orjson.dumps(report), media_type=CONTENT_TYPE, headers=headers)
    body = {"Error": "Service unavailable", **report}
    return Response(orjson.dumps(body), 503, media_type=CONTENT_TYPE, headers=headers)


def metrics(request: Request) -> Response:
    return metrics_response(request)
