"""A bounded property-based pass over the server's own OpenAPI document (schemathesis):
for every operation, generated requests — fitting the document and not, with the right token and
without one — never get a 5xx, and every status code the server answers is declared for that
operation.

Bounded: a fixed number of examples per operation and mode and a fixed seed, so CI runs the
same requests every time. Runs on SQLite, and on PostgreSQL when
``UNLOCKSTEP_TEST_DATABASE_URL`` is set (the ``store`` fixture). Requests without a token are
sent on SQLite only: the answers that differ from the token run (401, 403) come before any
database is read, and the reads they may make are the token run's reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr

from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

from .schemathesis_allowlist import UNDECLARED

schemathesis = pytest.importorskip("schemathesis")

pytestmark = pytest.mark.slow

MAX_EXAMPLES = 6
SEED = 14  # issue 14
TOKEN = "schemathesis-token"


@pytest.fixture
def secured_app(store: Store, tmp_path: Any) -> Iterator[FastAPI]:
    settings_ = Settings(
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        api_tokens={"schemathesis": SecretStr(TOKEN)},
    )
    yield create_app(settings_, store)


def test_the_openapi_document_declares_the_bearer_scheme(secured_app: FastAPI) -> None:
    document = secured_app.openapi()
    scheme = document["components"]["securitySchemes"]["apiToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert {"apiToken": []} in document["security"]


def _declared(operation: Any) -> set[str]:
    return {str(code) for code in operation.definition.raw.get("responses", {})}


def _check(operation: Any, case: Any, headers: dict[str, str], problems: list[str]) -> None:
    response = case.call(headers=headers)
    status = response.status_code
    label = f"{operation.method.upper()} {operation.path}"
    if status >= 500:
        problems.append(f"{label}: {status} for {case.path} {case.body!r:.200}")
    elif not ({str(status), "default"} & _declared(operation)) and status not in UNDECLARED.get(
        label, ()
    ):
        problems.append(f"{label}: answers {status}, which the document does not declare")


def _explore(operation: Any, headers: dict[str, str], problems: list[str], mode: Any) -> None:
    @seed(SEED)
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        _check(operation, case, headers, problems)

    with suppress(Unsatisfiable):  # nothing to make invalid (an operation without input)
        run()


@pytest.mark.parametrize("with_token", [True, False], ids=["token", "anonymous"])
def test_generated_requests_get_no_5xx_and_only_declared_status_codes(
    secured_app: FastAPI, store: Store, with_token: bool
) -> None:
    if not with_token and store.dialect != "sqlite":
        pytest.skip("requests without a token are sent on SQLite only (see the module's docstring)")
    schema = schemathesis.openapi.from_asgi("/openapi.json", secured_app)
    headers = {"Authorization": f"Bearer {TOKEN}"} if with_token else {}
    problems: list[str] = []
    modes = schemathesis.GenerationMode
    for result in schema.get_all_operations():
        for mode in (modes.POSITIVE, modes.NEGATIVE):  # requests that fit, and ones that do not
            _explore(result.ok(), headers, problems, mode)
    assert not sorted(set(problems)), "\n".join(sorted(set(problems)))
