"""Routes for the operator, outside TheTVDB's API: GET /health and GET /metrics (no token)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response

from tvdbd.api.envelope import RETRY_AFTER_SECONDS
from tvdbd.db.migrate import current_revision, head_revision
from tvdbd.http.answers import CONTENT_TYPE
from tvdbd.http.observe import metrics_response


def health(request: Request) -> Response:
    """200 when the database answers and its schema is the one this code needs, else 503
    (with TheTVDB's `Error` key, as every non-2xx answer here has, and Retry-After). Each
    dependency is named: `database`, and `redis` when one is configured. Redis down is
    `"status": "degraded"` with 200: limits and caches work on without it (README)."""
    state = request.app.state
    engine = state.engine
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
    redis_url = state.settings.redis_url
    if redis_url:
        report["redis"] = _redis_health(redis_url)
        if report["redis"] != "ok" and report["status"] == "ok":
            report["status"] = "degraded"
    headers = {"cache-control": "no-store"}
    if report["status"] != "unavailable":
        return Response(orjson.dumps(report), media_type=CONTENT_TYPE, headers=headers)
    body = {"Error": "Service unavailable", **report}
    headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return Response(orjson.dumps(body), 503, media_type=CONTENT_TYPE, headers=headers)


def _redis_health(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    except Exception as exc:  # redis.RedisError, OSError
        return f"unreachable ({type(exc).__name__})"
    finally:
        client.close()
    return "ok"


def metrics(request: Request) -> Response:
    return metrics_response(request)
