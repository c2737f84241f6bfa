"""The Pact Broker's matrix, answered by can-i-deploy.

With ``mainBranch=true`` and no environment (``can-i-merge``), the counterparts are the
newest main-branch version of each integrated service instead.

A matrix query names pacticipant versions (``q[]`` selectors: a version, the latest, the
latest on a branch or the main branch, the latest with a tag) and where they go
(``environment``, or a ``tag`` naming one). The answer is unlockstep's can-i-deploy for that
environment: every version live there is checked, deployed or released, whatever
``latestby`` the client sends — so two released consumer versions of which one is
incompatible answer "no" (pact_broker issue #903), where ``latestby=cvp`` would have looked
at the newest only. It is the same can-i-deploy as ``/api/v1/can-i-deploy``, gates included
(release calendar, policies at admission, consumers the catalog declares without evidence),
so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import can_i_deploy, policies
from unlockstep.store import Store, registry
from unlockstep.store import broker as rows
from unlockstep.store.can_i_merge import gather_main_branches

#: What can-i-merge checks against.
MAIN_BRANCHES = "the main branches"


@dataclass(frozen=True, slots=True)
class Selector:
    pacticipant: str
    version: str | None = None
    latest: bool = False
    tag: str | None = None
    branch: str | None = None
    main_branch: bool = False


@dataclass(frozen=True, slots=True)
class MatrixAnswer:
    """The decision (``None`` when the question cannot be answered by can-i-deploy), the
    versions it was about, and why when there is no decision."""

    decision: core.Decision | None
    subjects: list[tuple[str, str]]
    environment: str | None
    ignored: frozenset[str]
    problem: str | None = None


def _resolve(session: Session, selector: Selector) -> str:
    if selector.version is not None:
        return selector.version  # can-i-deploy's gathering says if it does not exist
    service = registry.find_service(session, selector.pacticipant)
    if service is None:
        raise NotFound(
            f"pacticipant {selector.pacticipant!r} is not registered", where="q/pacticipant"
        )
    branch = selector.branch
    if selector.main_branch:
        details = rows.broker_service(session, service.id)
        branch = details.main_branch if details else None
        if not branch:
            raise NotFound(
                f"{selector.pacticipant} has no main branch",
                where="q/mainBranch",
                hint="set it with create-or-update-pacticipant --main-branch",
            )
    if branch is None and selector.tag is None and not selector.latest:
        raise InvalidInput(
            f"say which version of {selector.pacticipant} to check: a version, --latest, a "
            "branch or a tag",
            where="q/version",
        )
    version = rows.latest_version(session, service.id, branch=branch, tag=selector.tag)
    if version is None:
        on = (
            f" on branch {branch!r}"
            if branch
            else f" tagged {selector.tag!r}"
            if selector.tag
            else ""
        )
        raise NotFound(f"{selector.pacticipant} has no version{on}", where="q/version")
    return version.number


def matrix(
    store: Store,
    selectors: list[Selector],
    *,
    environment: str | None,
    tag: str | None = None,
    main_branch: bool = False,
    ignore: frozenset[str] = frozenset(),
    hidden: Mapping[str, str] | None = None,
    admission: policies.Admission | None = None,
) -> MatrixAnswer:
    """can-i-deploy to ``environment`` (or the environment a ``tag`` names), with the
    server's ``hidden`` dependency modes and policy ``admission``; with ``main_branch`` and
    no environment, can-i-merge: against the newest main-branch version of each integrated
    service."""
    if not selectors:
        raise InvalidInput("name at least one pacticipant (q[][pacticipant])", where="q")
    with store.session() as session:
        subjects = [(s.pacticipant, _resolve(session, s)) for s in selectors]
        if environment is None and tag is not None and registry.find_environment(session, tag):
            environment = tag  # a `--to production` tag names the environment
        if environment is None and main_branch:
            decision = core.decide(gather_main_branches(session, subjects), MAIN_BRANCHES)
            return MatrixAnswer(decision, subjects, None, ignore)
        if environment is None:
            return MatrixAnswer(
                None,
                subjects,
                None,
                ignore,
                "unlockstep answers can-i-deploy for an environment: pass --to-environment "
                "(every version live there is checked), or ask can-i-merge",
            )
        asked = can_i_deploy.can_i_deploy(
            session, subjects, environment, hidden=hidden, admission=admission
        )
        return MatrixAnswer(asked.decision, subjects, environment, ignore)
