"""The matrix (``GET /pact/matrix``), answered by can-i-deploy: what both CLIs'
``can-i-deploy`` and ``can-i-merge`` ask before every deploy.

A hot path, so besides its FastAPI route (which documents it and answers where the fast
routes are not mounted) it is a plain ASGI route matched ahead of every other route
(``server/fast.py``, :data:`FAST_ROUTES`): no route matching over the whole app, no
dependency solving. Both run :func:`answer` in a worker thread, read gate included, and
send the same bytes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.types import Receive, Scope, Send

from unlockstep.server.deps import read_gate
from unlockstep.server.fast import fast_route, send_json
from unlockstep.server.pact._hal import HAL, base, link, pacticipant_url, seg, version_url
from unlockstep.services import broker_matrix

router = APIRouter()

#: The path under the API's base (``/pact``).
PATH = "/matrix"


def selectors(items: list[tuple[str, str]], prefix: str) -> list[dict[str, str]]:
    """``q[][pacticipant]=a&q[][version]=1&q[][pacticipant]=b…`` as one dict per
    pacticipant (a new one starts at each ``pacticipant``)."""
    found: list[dict[str, str]] = []
    for key, value in items:
        if not key.startswith(prefix):
            continue
        field = key[len(prefix) :].strip("[]")
        if field == "pacticipant" or not found:
            found.append({})
        found[-1][field] = value
    return found


def _true(value: str | None) -> bool:
    return (value or "").lower() == "true"


YES, NO, UNKNOWN = "yes", "no", "unknown"  # can-i-deploy's answers
_RESULT_NOTICE = {YES: "success", NO: "error", UNKNOWN: "warning"}
_GATE_NOTICE = {YES: "info", NO: "error", UNKNOWN: "warning"}
_REASON = {
    YES: "All required verification results are published and successful",
    NO: "One or more of the verifications have failed",
    UNKNOWN: "Missing one or more required verification results",
}


def matrix_body(root: str, answer: broker_matrix.MatrixAnswer) -> dict[str, Any]:
    """The Pact Broker's matrix shape for a can-i-deploy decision: one row per pair of
    versions checked, ``summary.deployable`` true / false / null (unknown). The decision's
    gates (release calendar, policies, consumers without evidence) count as unlockstep's
    can-i-deploy counts them, each named in a notice."""
    if answer.decision is None:
        reason = answer.problem or "no answer"
        return {
            "summary": {
                "deployable": None,
                "reason": reason,
                "success": 0,
                "failed": 0,
                "unknown": 0,
            },
            "notices": [{"type": "warning", "text": reason}],
            "matrix": [],
        }
    rows: list[dict[str, Any]] = []
    notices: list[dict[str, str]] = []
    counts = {YES: 0, NO: 0, UNKNOWN: 0}
    for result in answer.decision.integrations:
        i = result.integration
        counterpart = i.provider if i.role == "consumer" else i.consumer
        if counterpart in answer.ignored:
            notices.append({"type": "info", "text": f"Ignoring the integration with {counterpart}"})
            continue
        subject = result.subject
        if not result.pairs:
            counts[result.outcome] += 1
            for missing in result.missing:
                notices.append({"type": "warning", "text": missing})
        for pair in result.pairs:
            counts[pair.outcome] += 1
            if i.role == "consumer":
                consumer = (subject.service, subject.version)
                provider = (i.provider, pair.counterpart.version)
            else:
                consumer = (i.consumer, pair.counterpart.version)
                provider = (subject.service, subject.version)
            rows.append(_row(root, consumer, provider, i.contract, pair))
            notices.append(
                {
                    "type": _RESULT_NOTICE[pair.outcome],
                    "text": f"{consumer[0]} {consumer[1]} with {provider[0]} {provider[1]} "
                    f"({pair.counterpart.why}): {pair.reason}",
                }
            )
        if result.next_action and result.outcome != YES:
            notices.append({"type": "info", "text": result.next_action})
    for note in answer.decision.notes:
        notices.append({"type": "info", "text": note})
    outcome = NO if counts[NO] else UNKNOWN if counts[UNKNOWN] else YES
    reason = _REASON[outcome]
    for gate in answer.decision.gates:
        text = f"{gate.subject}: {gate.message}" + (f" ({gate.fix})" if gate.fix else "")
        notices.append({"type": _GATE_NOTICE[gate.outcome], "text": text})
        held = gate.outcome == NO or (gate.outcome == UNKNOWN and outcome == YES)
        if held and outcome != NO:
            outcome, reason = gate.outcome, text
    scope = (
        f"Every version live in {answer.environment} was checked (deployed and released), "
        "whatever latestby the client asked for"
        if answer.environment
        else "Checked against the newest main-branch version of each integrated service"
    )
    notices.insert(0, {"type": "info", "text": scope})
    notices.append({"type": _RESULT_NOTICE[outcome], "text": reason})
    return {
        "summary": {
            "deployable": {YES: True, NO: False, UNKNOWN: None}[outcome],
            "reason": reason,
            "success": counts[YES],
            "failed": counts[NO],
            "unknown": counts[UNKNOWN],
        },
        "notices": notices,
        "matrix": rows,
    }


def _party(root: str, name: str, number: str) -> dict[str, Any]:
    return {
        "name": name,
        "version": {"number": number, "_links": {"self": link(version_url(root, name, number))}},
        "_links": {"self": link(pacticipant_url(root, name))},
    }


def _row(
    root: str,
    consumer: tuple[str, str],
    provider: tuple[str, str],
    contract: str,
    pair: Any,  # core.contracts' outcome of one pair of versions
) -> dict[str, Any]:
    pact = (
        f"{root}/pacts/provider/{seg(provider[0])}/consumer/{seg(consumer[0])}"
        f"/version/{seg(consumer[1])}"
    )
    row: dict[str, Any] = {
        "consumer": _party(root, *consumer),
        "provider": _party(root, *provider),
        "pact": {"contract": contract, "_links": {"self": link(pact)}},
        "verificationResult": None,
    }
    if pair.outcome != UNKNOWN:
        newest = max(pair.counterpart.evidence, key=lambda e: e.verified_at or "")
        row["verificationResult"] = {
            "success": pair.outcome == YES,
            "verifiedAt": newest.verified_at,
            "source": newest.source,
            "_links": {"self": link(f"{pact}/verification-results/{seg(provider[1])}")},
        }
    return row


def answer(request: Request) -> bytes:
    """The matrix for the request's query, as HAL+JSON bytes (run in a worker thread: it
    reads the store)."""
    read_gate(request)
    items = parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)
    params = dict(items)
    asked = [
        broker_matrix.Selector(
            pacticipant=s.get("pacticipant", ""),
            version=s.get("version"),
            latest=_true(s.get("latest")),
            tag=s.get("tag"),
            branch=s.get("branch"),
            main_branch=_true(s.get("mainBranch")),
        )
        for s in selectors(items, "q[]")
    ]
    state = request.app.state
    found = broker_matrix.matrix(
        state.store,
        asked,
        environment=params.get("environment"),
        tag=params.get("tag"),
        main_branch=_true(params.get("mainBranch")),
        ignore=frozenset(s.get("pacticipant", "") for s in selectors(items, "ignore[]")),
        hidden=state.settings.hidden_dependencies,
        admission=state.admission,
    )
    body = matrix_body(base(request), found)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


@router.get(PATH)
async def matrix(request: Request) -> Response:
    return Response(await anyio.to_thread.run_sync(answer, request), media_type=HAL)


async def _fast_matrix(scope: Scope, receive: Receive, send: Send) -> None:
    body = await anyio.to_thread.run_sync(answer, Request(scope, receive))
    await send_json(send, 200, body, media_type=HAL.encode())


def fast_routes(prefix: str) -> list[Any]:
    """The matrix as a plain ASGI route at ``prefix`` + :data:`PATH`."""
    return [fast_route(prefix + PATH, _fast_matrix, "GET")]
