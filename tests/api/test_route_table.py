"""`tvdbd.api.routes.ROUTES` against the documented route list (contract §2)."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Match, Route

from tests.api.wire import DOCUMENTED_MOVIE_ROUTES, DOCUMENTED_ROUTES, DOCUMENTED_USER_ROUTES
from tests.support import SHARED
from tvdbd.api.routes import ROUTES
from tvdbd.web import docs

CONTRACT = SHARED / "docs" / "api-contract.md"
OPERATOR_ROUTES = ("/health", "/metrics")


def served_routes() -> list[tuple[str, str]]:
    """(method, path) of ROUTES in table order; a GET route also answers HEAD.

    The documentation routes (tvdbd.web: /openapi.json, the page) are tested in tests/web.
    """
    result = []
    for route in ROUTES:
        assert isinstance(route, Route)
        if route in docs.ROUTES:
            continue
        if route.path.startswith("/banners/"):
            continue  # artwork files (tests/api/test_banners.py), not an API route
        if route.path in OPERATOR_ROUTES:
            continue  # tvdbd's own /health and /metrics (tests/api/test_operations.py)
        methods = route.methods or set()
        for method in ("POST", "GET", "PUT", "DELETE", "PATCH"):
            if method in methods:
                result.append((method, route.path))
    return result


def test_routes_are_the_documented_routes_in_documentation_order() -> None:
    documented = [(m, p) for m, p in DOCUMENTED_ROUTES if m != "HEAD"]
    assert served_routes() == documented + DOCUMENTED_USER_ROUTES + DOCUMENTED_MOVIE_ROUTES


def test_head_is_answered_where_documented() -> None:
    for method, path in DOCUMENTED_ROUTES:
        if method == "HEAD":
            route = next(r for r in ROUTES if isinstance(r, Route) and r.path == path)
            assert "HEAD" in (route.methods or set())


def test_each_path_is_routed_once_to_its_own_handler() -> None:
    paths = [r.path for r in ROUTES if isinstance(r, Route)]
    assert len(paths) == len(set(paths))
    endpoints = [r.endpoint for r in ROUTES if isinstance(r, Route)]
    assert len(endpoints) == len(set(endpoints))
    assert all(callable(e) for e in endpoints)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST"])
def test_a_path_without_parameters_is_matched_by_its_own_route_alone(method: str) -> None:
    routes = [r for r in ROUTES if isinstance(r, Route)]
    for literal in (r for r in routes if not r.param_convertors):
        scope = {"type": "http", "method": method, "path": literal.path, "root_path": ""}
        matching = [r.path for r in routes if r.matches(scope)[0] != Match.NONE]
        assert matching == [literal.path]


def _contract_rows() -> list[tuple[str, str]]:
    """(method, path) of the route table in the contract's §2, v3's movie routes included."""
    section = CONTRACT.read_text(encoding="utf-8").split("## 2. Route table", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        match = re.match(r"\| (GET|POST|PUT|DELETE|HEAD) \| `([^`]+)`( \(v3\))? \|", line)
        if match is not None:
            rows.append((match[1], match[2]))
    return rows


def test_the_route_list_in_these_tests_is_the_one_in_the_contract() -> None:
    if not CONTRACT.exists():
        pytest.skip(f"{CONTRACT} is not available")
    assert _contract_rows() == DOCUMENTED_ROUTES + DOCUMENTED_USER_ROUTES + DOCUMENTED_MOVIE_ROUTES
