"""Schemathesis against a live server, as its command line would run it: every operation of
/openapi.json through the examples, coverage and fuzzing phases with every check. No 5xx,
every answer conforms to the document (status code, content type, headers, body), valid
input is accepted, bad input gets a documented error, undocumented methods get 405.

Bounded (a few generated examples per operation) and deterministic (fixed seed).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema

from tests.web.conftest import UserServer

SEED = 20261127
MAX_EXAMPLES = 15


def _config(base_url: str, token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "request-timeout": 10,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"enabled": False}},
            "operations": [
                {
                    # OpenAPI cannot say "at least one of name, imdbId, zap2itId, slug": a
                    # request with none of them is valid by the document and answered 400.
                    "include-path": "/search/series",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "400", "401", "404"]
                        }
                    },
                },
            ],
        }
    )


@dataclass
class Run:
    """What the engine did: requests per operation, failed checks and errors."""

    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    checks: Counter[str] = field(default_factory=Counter)

    def record(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            if event.status == Status.SKIP:
                self.skipped.append(f"{recorder.label}: {getattr(event, 'skip_reason', '')}")
            for interaction in recorder.interactions.values():
                self.requests[recorder.label] += 1
                if interaction.response is not None:
                    self.statuses[interaction.response.status_code] += 1
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    self.checks[check.name] += 1
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        self.failures.append(_describe(recorder, case_id, check))
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            self.errors.append(f"fatal: {event.exception!r}")

    def summary(self) -> str:
        lines = [f"{len(self.requests)} operations, {sum(self.requests.values())} requests; "
                 f"statuses {dict(sorted(self.statuses.items()))}"]  # fmt: skip
        lines += [f"{count:5d}  {label}" for label, count in sorted(self.requests.items())]
        lines += [f"checks: {dict(sorted(self.checks.items()))}"]
        lines += [f"skipped: {line}" for line in self.skipped]
        return "\n".join(lines) + "\n"


def _describe(recorder: Any, case_id: str, check: Any) -> str:
    info = check.failure_info
    interaction = recorder.interactions.get(case_id)
    status = interaction.response.status_code if interaction and interaction.response else None
    body = interaction.response.content[:300] if interaction and interaction.response else b""
    return (
        f"{recorder.label}: {check.name}: {info.failure.title}\n  {info.failure.message}\n"
        f"  -> {status} {body!r}\n  {info.code_sample}"
    )


def test_every_operation_answers_as_documented(
    user_server: UserServer, artifacts: Path, backend: str
) -> None:
    base_url = user_server.server.base_url
    # Loaded as a dict: from_url would leave out the operation serving the document itself.
    document = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(
        document, config=_config(base_url, user_server.user_token())
    )
    run = Run()
    for event in from_schema(schema).execute():
        run.record(event)
    (artifacts / f"schemathesis-{backend}.txt").write_text(run.summary())
    print(f"\nschemathesis on {backend}:", run.summary().splitlines()[0])
    assert not run.errors, "\n".join(run.errors)
    assert not run.failures, f"{len(run.failures)} failed checks:\n" + "\n\n".join(
        run.failures[:40]
    )
    operations = [result.ok().label for result in schema.get_all_operations()]
    assert sorted(run.requests) == sorted(operations), run.skipped


@pytest.mark.parametrize(("rating", "status"), [("0100", 409), ("0010", 200), ("007", 200)])
def test_a_rating_with_leading_zeros_stays_in_the_documented_range(
    user_server: UserServer, rating: str, status: int
) -> None:
    """`0100` was stored as 100 (its first three digits, `010`, were checked)."""
    headers = {"Authorization": f"Bearer {user_server.user_token()}"}
    url = f"{user_server.server.base_url}/user/ratings/series/76156/{rating}"
    response = httpx.put(url, headers=headers, timeout=10)
    assert response.status_code == status
    if status == 200:
        assert response.json()["data"][0]["rating"] == int(rating)
