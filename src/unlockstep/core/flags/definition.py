"""Flag definitions: flagd's flag-definition document plus our lifecycle fields.

A flag set is a flagd document, so every OpenFeature flagd provider can read it::

    {
      "$schema": "https://flagd.dev/schema/v0/flags.json",
      "metadata": {"flagSetId": "case-platform", "bucketing": "flagd"},
      "$evaluators": {"segment.tenant.sandbox": {"in": [{"var": "tenantId"}, ["t-sbx-1"]]}},
      "flags": {
        "decision.submit.v2": {
          "state": "ENABLED",
          "variants": {"on": true, "off": false},
          "defaultVariant": "off",
          "targeting": {"if": [{"$ref": "segment.tenant.sandbox"}, "on", null]},
          "metadata": {
            "type": "release", "owner": "decision-platform-team",
            "created": "2026-07-05", "expires": "2026-08-05",
            "killSwitch": true, "telemetry": "decision_submit_v2_enabled_total",
            "cleanupIssue": "DEC-1842", "description": "...",
            "prerequisites": "risk.model.v2", "completed": "2026-08-01"
          }
        }
      },
      "environments": {"prod": {"flags": {"decision.submit.v2": {"state": "DISABLED"}}}}
    }

Lifecycle fields live in flag ``metadata`` because flagd requires metadata values to be
scalars and passes unknown keys through; ``prerequisites`` is therefore a comma-separated
list of flag keys. Segments are ``$evaluators`` named ``segment.<kind>.<name>`` (see
``segments.py``). ``environments`` is the one addition outside flagd's schema: per-environment
overrides of ``state``, ``defaultVariant``, ``targeting`` and ``variants``;
``for_environment`` folds them in and returns a plain flagd document.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from unlockstep.errors import ParseError

FLAG_TYPES = ("release", "experiment", "ops", "permission", "migration")
STATES = ("ENABLED", "DISABLED")
OVERRIDABLE = ("state", "defaultVariant", "targeting", "variants")
LIFECYCLE_KEYS = (
    "type",
    "owner",
    "created",
    "expires",
    "killSwitch",
    "telemetry",
    "cleanupIssue",
    "description",
    "prerequisites",
    "completed",
)


@dataclass(frozen=True)
class Lifecycle:
    """The discipline fields of one flag, as read from its metadata (all optional here;
    ``lint`` says which are missing)."""

    type: str | None = None
    owner: str | None = None
    created: dt.date | None = None
    expires: dt.date | None = None
    kill_switch: bool = False
    telemetry: str | None = None
    cleanup_issue: str | None = None
    description: str | None = None
    prerequisites: tuple[str, ...] = ()
    completed: dt.date | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlagDefinition:
    key: str
    state: str
    variants: Mapping[str, Any]
    default_variant: str | None
    targeting: Any
    metadata: Mapping[str, Any]
    lifecycle: Lifecycle

    def to_flagd(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "state": self.state,
            "variants": dict(self.variants),
            "defaultVariant": self.default_variant,
        }
        if self.targeting:
            body["targeting"] = self.targeting
        if self.metadata:
            body["metadata"] = dict(self.metadata)
        return body


@dataclass(frozen=True)
class FlagProblem:
    """Why one flag cannot be evaluated: the rule it breaks (``definition`` or
    ``targeting``), where (file and JSON pointer) and what is wrong."""

    rule: str
    where: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "where": self.where, "message": self.message}


@dataclass(frozen=True)
class InvalidFlag:
    """A flag of the document that flagd cannot evaluate; served as PARSE_ERROR."""

    key: str
    body: Any
    problem: FlagProblem


@dataclass(frozen=True)
class FlagSet:
    flags: Mapping[str, FlagDefinition]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    evaluators: Mapping[str, Any] = field(default_factory=dict)
    #: Flags that did not parse (bad state, variants, an undefined ``$ref``…), by key. The
    #: rest of the set still loads, as in flagd; the engine serves these as PARSE_ERROR.
    invalid: Mapping[str, InvalidFlag] = field(default_factory=dict)

    @property
    def bucketing(self) -> str:
        return str(self.metadata.get("bucketing", "flagd"))


def _date(value: Any, name: str, problems: list[str]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        problems.append(f"{name} {value!r} is not a date (use YYYY-MM-DD)")
        return None


def parse_lifecycle(metadata: Mapping[str, Any]) -> Lifecycle:
    problems: list[str] = []
    kind = metadata.get("type")
    if kind is not None and kind not in FLAG_TYPES:
        problems.append(f"type {kind!r} is not one of {', '.join(FLAG_TYPES)}")
    raw_prerequisites = metadata.get("prerequisites") or ""
    if isinstance(raw_prerequisites, list):
        prerequisites = tuple(str(p).strip() for p in raw_prerequisites if str(p).strip())
    else:
        prerequisites = tuple(p.strip() for p in str(raw_prerequisites).split(",") if p.strip())
    kill_switch = metadata.get("killSwitch", False)
    if not isinstance(kill_switch, bool):
        problems.append(f"killSwitch must be true or false, not {kill_switch!r}")
        kill_switch = False

    def text(name: str) -> str | None:
        value = metadata.get(name)
        return None if value is None or value == "" else str(value)

    return Lifecycle(
        type=text("type"),
        owner=text("owner"),
        created=_date(metadata.get("created"), "created", problems),
        expires=_date(metadata.get("expires"), "expires", problems),
        kill_switch=kill_switch,
        telemetry=text("telemetry"),
        cleanup_issue=text("cleanupIssue"),
        description=text("description"),
        prerequisites=prerequisites,
        completed=_date(metadata.get("completed"), "completed", problems),
        problems=tuple(problems),
    )


def _resolve_refs(
    node: Any, evaluators: Mapping[str, Any], where: str, seen: tuple[str, ...]
) -> Any:
    if isinstance(node, list):
        return [_resolve_refs(item, evaluators, where, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"$ref"}:
        name = node["$ref"]
        if name not in evaluators:
            # flagd still loads the rest of the set and serves this flag as PARSE_ERROR.
            known = ", ".join(sorted(evaluators)) or "none"
            raise ParseError(
                f"targeting uses evaluator {name!r}, which $evaluators does not define "
                f"(defined: {known})",
                where=where,
                hint="define it under $evaluators, or fix the name in the $ref",
            )
        if name in seen:
            raise ParseError(f"$ref cycle: {' -> '.join((*seen, name))}", where=where)
        return _resolve_refs(evaluators[name], evaluators, where, (*seen, name))
    return {key: _resolve_refs(value, evaluators, where, seen) for key, value in node.items()}


def _object(value: Any, where: str, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParseError(f"{what} must be a JSON object, not {type(value).__name__}", where=where)
    return value


def parse_flag(key: str, body: Any, evaluators: Mapping[str, Any], source: str) -> FlagDefinition:
    where = f"{source}#/flags/{key}"
    body = _object(body, where, "a flag")
    state = body.get("state")
    if state not in STATES:
        given = "is missing" if state is None else f"is {state!r}"
        raise ParseError(f"state {given}: it must be ENABLED or DISABLED", where=f"{where}/state")
    variants = body.get("variants")
    if not isinstance(variants, Mapping) or not variants:
        raise ParseError(
            "variants must be a non-empty object of variant name to value",
            where=f"{where}/variants",
        )
    default_variant = body.get("defaultVariant")
    if isinstance(default_variant, bool):
        default_variant = str(default_variant).lower()
    if default_variant == "":
        default_variant = None
    if default_variant is not None and not isinstance(default_variant, str):
        raise ParseError(
            f"defaultVariant must be a variant name or null, not {default_variant!r}",
            where=f"{where}/defaultVariant",
        )
    metadata = _object(body.get("metadata") or {}, f"{where}/metadata", "metadata")
    targeting = _resolve_refs(body.get("targeting"), evaluators, f"{where}/targeting", ())
    if targeting is not None and not isinstance(targeting, dict):
        raise ParseError("targeting must be a JsonLogic object", where=f"{where}/targeting")
    return FlagDefinition(
        key=key,
        state=state,
        variants=dict(variants),
        default_variant=default_variant,
        targeting=targeting or None,
        metadata=dict(metadata),
        lifecycle=parse_lifecycle(metadata),
    )


def for_environment(document: Mapping[str, Any], environment: str | None) -> dict[str, Any]:
    """The plain flagd document for one environment: overrides folded in, ``environments``
    removed. Unknown environments get the base definitions."""
    base = {key: copy.deepcopy(value) for key, value in document.items() if key != "environments"}
    overrides = (document.get("environments") or {}).get(environment or "", {}) or {}
    flags = base.setdefault("flags", {})
    for key, override in (overrides.get("flags") or {}).items():
        if key not in flags:
            continue
        for name in OVERRIDABLE:
            if name in override:
                flags[key][name] = copy.deepcopy(override[name])
    return base


def parse_flag_set(
    document: Any, *, source: str = "<flags>", environment: str | None = None
) -> FlagSet:
    """Parse a flagd document (optionally with our ``environments`` overrides).

    A problem with the document itself (not an object, ``flags`` or ``$evaluators`` not
    objects, an unknown bucketing) raises ``ParseError``. A problem with one flag does not:
    that flag goes to ``FlagSet.invalid`` with its cause and the others load, as in flagd."""
    document = _object(document, f"{source}#", "a flag set")
    if environment is not None or "environments" in document:
        document = for_environment(document, environment)
    flags_raw = _object(document.get("flags", {}), f"{source}#/flags", "flags")
    metadata = dict(_object(document.get("metadata") or {}, f"{source}#/metadata", "metadata"))
    evaluators = _object(document.get("$evaluators") or {}, f"{source}#/$evaluators", "$evaluators")
    bucketing = metadata.get("bucketing", "flagd")
    if bucketing not in ("flagd", "cbor"):
        raise ParseError(
            f"metadata.bucketing must be 'flagd' or 'cbor', not {bucketing!r}",
            where=f"{source}#/metadata/bucketing",
        )
    flags: dict[str, FlagDefinition] = {}
    invalid: dict[str, InvalidFlag] = {}
    for key, body in flags_raw.items():
        try:
            flags[key] = parse_flag(key, body, evaluators, source)
        except ParseError as error:
            where = error.where or f"{source}#/flags/{key}"
            rule = "targeting" if "/targeting" in where else "definition"
            invalid[key] = InvalidFlag(key, body, FlagProblem(rule, where, error.message))
    return FlagSet(flags=flags, metadata=metadata, evaluators=dict(evaluators), invalid=invalid)


def flagd_loadable(body: Any) -> bool:
    """Whether flagd's providers load this flag body. They refuse a whole flag set over one
    flag with a bad ``state``, ``variants``, ``defaultVariant`` or ``metadata``, but load a
    flag whose targeting is broken (an undefined ``$ref`` included) and serve it as
    PARSE_ERROR."""
    if not isinstance(body, Mapping) or body.get("state") not in STATES:
        return False
    variants, metadata = body.get("variants"), body.get("metadata")
    default = body.get("defaultVariant")
    return (
        isinstance(variants, Mapping)
        and bool(variants)
        and (default is None or isinstance(default, str | bool))
        and (metadata is None or isinstance(metadata, Mapping))
        and (body.get("targeting") is None or isinstance(body.get("targeting"), Mapping))
    )


def stand_in(body: Any, problem: FlagProblem) -> dict[str, Any]:
    """A body for a flag stored invalid that flagd could not even load (see
    ``flagd_loadable``): every flagd provider loads it and serves it as PARSE_ERROR, and its
    targeting names the cause, so one bad flag never takes its whole set down."""
    variants = body.get("variants") if isinstance(body, Mapping) else None
    metadata = body.get("metadata") if isinstance(body, Mapping) else None
    result: dict[str, Any] = {
        "state": "ENABLED",
        "variants": dict(variants) if isinstance(variants, Mapping) and variants else {"x": None},
        "defaultVariant": None,
        "targeting": {f"invalid flag: {problem.message}": []},
    }
    if isinstance(metadata, Mapping):
        scalars = {k: v for k, v in metadata.items() if isinstance(v, str | int | float | bool)}
        if scalars:
            result["metadata"] = scalars
    return result


def to_document(flag_set: FlagSet) -> dict[str, Any]:
    """The flag set as a plain flagd document (``$ref`` already inlined)."""
    document: dict[str, Any] = {"$schema": "https://flagd.dev/schema/v0/flags.json"}
    if flag_set.metadata:
        document["metadata"] = dict(flag_set.metadata)
    document["flags"] = {key: flag.to_flagd() for key, flag in flag_set.flags.items()}
    return document


KILLED = "killed"
"""The flag-metadata key a pulled kill switch leaves (``true``): flagd passes it through, and
it is how ``flags list`` tells a killed flag from one that is simply off."""


def killed(body: Mapping[str, Any]) -> dict[str, Any]:
    """A flag body after its kill switch is pulled.

    When the flag has a ``false`` variant, every evaluation serves it (targeting removed,
    reason STATIC) whatever default the calling code passes — "off" must not depend on each
    call site choosing a safe default. A flag without a ``false`` variant is DISABLED (the
    callers' defaults apply). Flags that name it as a prerequisite turn off with it. The
    metadata records ``killed: true``.
    """
    variants = body.get("variants") or {}
    metadata = body.get("metadata")
    marked = {**(metadata if isinstance(metadata, Mapping) else {}), KILLED: True}
    off = next((name for name, value in variants.items() if value is False), None)
    if off is None:
        return {**body, "state": "DISABLED", "metadata": marked}
    result = {key: value for key, value in body.items() if key != "targeting"}
    result.update(state="ENABLED", defaultVariant=off, metadata=marked)
    return result


def is_killed(body: Any) -> bool:
    """The body carries the kill mark and still serves what the kill switch left."""
    if not isinstance(body, Mapping) or not isinstance(body.get("metadata"), Mapping):
        return False
    return body["metadata"].get(KILLED) is True and killed(body) == dict(body)


def unkilled(body: Any) -> Any:
    """``body`` without a kill mark it no longer deserves (someone turned the flag back on
    by editing it); unchanged otherwise."""
    if not isinstance(body, Mapping) or not isinstance(body.get("metadata"), Mapping):
        return body
    if KILLED not in body["metadata"] or is_killed(body):
        return body
    metadata = {k: v for k, v in body["metadata"].items() if k != KILLED}
    result = {k: v for k, v in body.items() if k != "metadata"}
    if metadata:
        result["metadata"] = metadata
    return result


def dependents(flags: Mapping[str, Mapping[str, Any]], key: str) -> list[str]:
    """Flags (given as flagd bodies) that name ``key`` as a prerequisite."""
    return sorted(
        name
        for name, body in flags.items()
        if key in parse_lifecycle(body.get("metadata") or {}).prerequisites
    )
