"""The release plan file: the seed's release dependency map (§18) as validated YAML.

Text in, :class:`Plan` out. Every validation error names the line and the JSON pointer and
says what to do. The format is documented field by field in ``docs/plans.md``.
"""

from __future__ import annotations

import re
from typing import Any

from unlockstep.core.documents import Validator, describe_type, join, load
from unlockstep.core.plans._plan import (
    Authority,
    Blocker,
    CleanupItem,
    ContractChange,
    Flag,
    Plan,
    Role,
    Service,
    Strategy,
    Window,
)
from unlockstep.core.plans._risk import ROW_BY_KIND
from unlockstep.errors import ParseError

GROUPS: dict[str, str] = {
    "api": "api",
    "apis": "api",
    "events": "event",
    "event": "event",
    "tables": "table",
    "table": "table",
    "migrations": "table",
    "workflows": "workflow",
    "workflow": "workflow",
    "service": "service",
    "services": "service",
    "policies": "service",
}

_STRATEGY_ALIASES = {
    "safe": Strategy.SAFE,
    "expand-contract": Strategy.SAFE,
    "compatibility-first": Strategy.SAFE,
    "in-place": Strategy.IN_PLACE,
    "big-bang": Strategy.IN_PLACE,
    "lockstep": Strategy.IN_PLACE,
    "maintenance-window": Strategy.IN_PLACE,
}

FLAG_TYPES = ("release", "experiment", "ops", "permission", "migration")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")  # whole: no trailing newline


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "contract"


def parse(text: str, filename: str = "<input>") -> Plan:
    """Parse and validate a plan file; raises ``ParseError`` listing every problem."""
    doc = load(text, filename)
    r = Validator(doc)
    top = r.mapping(
        doc.value if doc.value is not None else {},
        "",
        {
            "change",
            "title",
            "owner",
            "goal",
            "services",
            "contracts",
            "migration",
            "flags",
            "window",
            "compatibilityWindow",
            "cleanup",
            "observability",
            "rollback",
            "inFlight",
            "evidence",
            "environment",
            "authority",
            "invariants",
        },
    )
    change = r.text(top, "change", "", required=True)
    if change and not _ID.fullmatch(change):
        r.fail("/change", f"{change!r} is not an id; use letters, digits, '.', '_' or '-'")
    migration = r.mapping(top.get("migration") or {}, "/migration", {"strategy", "folder", "notes"})
    strategy = r.text(migration, "strategy", "/migration") or None
    if strategy and strategy not in _STRATEGY_ALIASES:
        r.fail(
            "/migration/strategy",
            f"unknown strategy {strategy!r}; use one of {', '.join(_STRATEGY_ALIASES)}",
        )
        strategy = None
    services = _services(r, top.get("services"), "/services")
    names = {s.name for s in services}
    contracts = _contracts(r, top.get("contracts"), "/contracts", services, strategy or "safe")
    flags = _flags(r, top.get("flags"), "/flags", names)
    window_key = "window" if "window" in top else "compatibilityWindow"
    window = _window(r, top.get(window_key), f"/{window_key}", names)
    cleanup = _cleanup(r, top.get("cleanup"), "/cleanup")
    obs = r.texts(top, "observability", "")
    evidence = r.texts(top, "evidence", "")
    authority = _authority(r, top.get("authority"), "/authority")
    if r.errors:
        raise ParseError(
            f"{len(r.errors)} problem(s) in plan file:\n" + "\n".join(r.errors),
            where=filename,
            hint="see docs/plans.md for the plan file format",
            details=list(r.errors),
        )
    return Plan(
        change=change,
        owner=r.text(top, "owner", "", required=False),
        goal=r.text(top, "goal", ""),
        title=r.text(top, "title", "") or change,
        services=services,
        contracts=contracts,
        migration_strategy=strategy,
        migration_notes=r.text(migration, "notes", "/migration"),
        flags=flags,
        window=window,
        cleanup=cleanup,
        observability=obs,
        rollback=r.text(top, "rollback", ""),
        in_flight=r.text(top, "inFlight", ""),
        evidence=evidence,
        environment=r.text(top, "environment", "") or "production",
        authority=authority,
        invariants=r.texts(top, "invariants", ""),
        filename=filename,
        source_lines=dict(doc.lines),
    )


def _authority(r: Validator, value: Any, pointer: str) -> tuple[Authority, ...]:
    """``concept: {phase: system}`` — which system writes each business concept in each
    phase of a strangler migration (a list names several: the check refuses that)."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        r.fail(pointer, "expected a mapping of business concept to {phase: system}")
        return ()
    out: list[Authority] = []
    for concept, phases in value.items():
        cp = join(pointer, str(concept))
        if not isinstance(phases, dict):
            r.fail(cp, "expected a mapping of phase (expand, migrate, contract) to the system")
            continue
        for phase in phases:
            pp = join(cp, str(phase))
            if phase not in PHASES:
                r.fail(pp, f"unknown phase {phase!r}; use one of {', '.join(PHASES)}")
                continue
            names = r.texts(phases, str(phase), cp)
            out.append(Authority(str(concept), str(phase), names, r.line(pp)))
    return tuple(out)


def _services(r: Validator, value: Any, pointer: str) -> tuple[Service, ...]:
    if value is None:
        r.fail("", "missing required field 'services' (a mapping of service name to role)")
        return ()
    m = r.mapping(value, pointer, set(value) if isinstance(value, dict) else set())
    out: list[Service] = []
    for name, spec in m.items():
        p = join(pointer, name)
        if not _ID.fullmatch(name):
            r.fail(p, f"{name!r} is not a service name; use letters, digits, '.', '_' or '-'")
        s = r.mapping(
            spec,
            p,
            # tier and canary are read by policies (docs/policies.md)
            {"role", "change", "owner", "needs", "version", "versions", "tier", "canary"},
        )
        role_text = r.text(s, "role", p, required=True)
        try:
            role = Role(role_text) if role_text else Role.CONSUMER
        except ValueError:
            r.fail(
                join(p, "role"),
                f"unknown role {role_text!r}; use one of {', '.join(x.value for x in Role)}",
            )
            role = Role.CONSUMER
        needs = r.texts(s, "needs", p)
        out.append(
            Service(
                name=name,
                role=role,
                change=r.text(s, "change", p),
                owner=r.text(s, "owner", p),
                needs=needs,
                versions=_versions(r, s, p),
                line=r.line(p),
            )
        )
    names = {svc.name for svc in out}
    for svc in out:
        for need in svc.needs:
            if need == svc.name:
                r.fail(
                    join(join(pointer, svc.name), "needs"),
                    f"{need!r} cannot need itself",
                )
            elif need not in names:
                r.fail(
                    join(join(pointer, svc.name), "needs"),
                    f"unknown service {need!r}; list it under 'services' first",
                )
    return tuple(out)


PHASES = ("expand", "migrate", "contract", "deploy", "lockstep")


def _versions(r: Validator, s: dict[str, Any], p: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if s.get("version") is not None:
        out.append(("*", r.text(s, "version", p)))
    value = s.get("versions")
    if value is None:
        return tuple(out)
    vp = join(p, "versions")
    if not isinstance(value, dict):
        r.fail(vp, "expected a mapping of phase to version, e.g. {expand: 2.4.0, contract: 2.6.0}")
        return tuple(out)
    for phase, version in value.items():
        if phase not in PHASES:
            r.fail(join(vp, phase), f"unknown phase {phase!r}; use one of {', '.join(PHASES)}")
            continue
        out.append((phase, str(version)))
    return tuple(out)


_CONTRACT_FIELDS = {
    "id",
    "name",
    "provider",
    "producer",
    "owner",
    "consumers",
    "change",
    "old",
    "new",
    "format",
    "strategy",
    "field",
    "flag",
    "after",
    "usageMetric",
    "zeroForDays",
    "description",
    # read by policies (docs/policies.md): the change's records
    "adr",
    "deprecation",
    "versioningNote",
}


def _contracts(
    r: Validator, value: Any, pointer: str, services: tuple[Service, ...], default_strategy: str
) -> tuple[ContractChange, ...]:
    if value is None:
        return ()
    groups = r.mapping(value, pointer, set(GROUPS))
    names = {s.name for s in services}
    producers = [s.name for s in services if s.role in (Role.PRODUCER, Role.PROVIDER, Role.BOTH)]
    out: list[ContractChange] = []
    seen: set[str] = set()
    pointers: dict[str, str] = {}
    for group_key, items in groups.items():
        gp = join(pointer, group_key)
        group = GROUPS[group_key]
        if not isinstance(items, list):
            r.fail(gp, f"expected a list of {group_key} changes, got {describe_type(items)}")
            continue
        for i, item in enumerate(items):
            p = join(gp, i)
            if isinstance(item, str):
                r.fail(
                    p,
                    f"{item!r}: describe the change as a mapping with 'name', 'provider'"
                    " and 'change' (a risk-matrix kind) or 'old'/'new' contract files",
                )
                continue
            c = r.mapping(item, p, _CONTRACT_FIELDS)
            out_c = _contract(r, c, p, group, names, producers, default_strategy)
            if out_c is None:
                continue
            if out_c.id in seen:
                r.fail(p, f"duplicate contract id {out_c.id!r}; give one an explicit 'id'")
            seen.add(out_c.id)
            pointers[out_c.id] = p
            out.append(out_c)
    for out_c in out:
        for dep in out_c.after:
            if dep == out_c.id:
                r.fail(
                    join(pointers[out_c.id], "after"),
                    f"contract {dep!r} cannot come after itself",
                )
            elif dep not in seen:
                r.fail(
                    join(pointers[out_c.id], "after"),
                    f"unknown contract {dep!r}; contract ids are: {', '.join(sorted(seen))}",
                )
    return tuple(out)


def _contract(
    r: Validator,
    c: dict[str, Any],
    p: str,
    group: str,
    names: set[str],
    producers: list[str],
    default_strategy: str,
) -> ContractChange | None:
    name = r.text(c, "name", p, required=True)
    provider = r.text(c, "provider", p) or r.text(c, "producer", p) or r.text(c, "owner", p)
    if not provider:
        if len(producers) == 1:
            provider = producers[0]
        else:
            r.fail(p, "missing 'provider' (the service that owns this contract)")
    elif provider not in names:
        r.fail(
            join(p, "provider"),
            f"unknown service {provider!r}; list it under 'services' first",
        )
    consumers = r.texts(c, "consumers", p)
    for consumer in consumers:
        if consumer not in names:
            r.fail(
                join(p, "consumers"),
                f"unknown service {consumer!r}; list it under 'services' first",
            )
    kind = r.text(c, "change", p) or None
    old, new = _paths(r, c, "old", p), _paths(r, c, "new", p)
    if kind is not None and kind not in ROW_BY_KIND:
        r.fail(
            join(p, "change"),
            f"unknown kind of change {kind!r}; use one of {', '.join(ROW_BY_KIND)}",
        )
        kind = None
    elif kind is not None and group not in ROW_BY_KIND[kind].contracts:
        r.fail(
            join(p, "change"),
            f"{kind!r} does not apply to {group} contracts; it applies to "
            f"{', '.join(ROW_BY_KIND[kind].contracts)}",
        )
    if bool(old) != bool(new):
        r.fail(p, "give both 'old' and 'new' contract files, or neither")
    if kind is None and not old and "change" not in c:
        r.fail(p, "say what changes: 'change' (a risk-matrix kind) or 'old' and 'new' files")
    strategy_text = r.text(c, "strategy", p) or default_strategy
    strategy = _STRATEGY_ALIASES.get(strategy_text)
    if strategy is None:
        r.fail(
            join(p, "strategy"),
            f"unknown strategy {strategy_text!r}; use one of {', '.join(_STRATEGY_ALIASES)}",
        )
        strategy = Strategy.SAFE
    days = c.get("zeroForDays", 14)
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        r.fail(join(p, "zeroForDays"), "expected a whole number of days (e.g. 14)")
        days = 14
    cid = r.text(c, "id", p) or _slug(name)
    return ContractChange(
        id=cid,
        group=group,
        name=name,
        provider=provider,
        consumers=tuple(x for x in consumers if x != provider),
        change=kind,
        old=old,
        new=new,
        format=r.text(c, "format", p) or None,
        strategy=strategy,
        field=r.text(c, "field", p),
        flag=r.text(c, "flag", p) or None,
        after=r.texts(c, "after", p),
        usage_metric=r.text(c, "usageMetric", p) or None,
        zero_days=days,
        description=r.text(c, "description", p),
        line=r.line(p),
    )


def _paths(r: Validator, c: dict[str, Any], key: str, p: str) -> tuple[str, ...]:
    value = c.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    r.fail(join(p, key), "expected a path or a list of paths (files or folders)")
    return ()


def _flags(r: Validator, value: Any, pointer: str, names: set[str]) -> tuple[Flag, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        r.fail(pointer, f"expected a list of flags, got {describe_type(value)}")
        return ()
    out: list[Flag] = []
    for i, item in enumerate(value):
        p = join(pointer, i)
        if isinstance(item, str):
            out.append(Flag(key=item, line=r.line(p)))
            continue
        f = r.mapping(
            item,
            p,
            {
                "key",
                "type",
                "owner",
                "expires",
                "service",
                "killSwitch",
                "created",
                "default",
                "cleanupIssue",
                "rollout",
            },
        )
        kind = r.text(f, "type", p) or "release"
        if kind not in FLAG_TYPES:
            r.fail(
                join(p, "type"),
                f"unknown flag type {kind!r}; use one of {', '.join(FLAG_TYPES)}",
            )
        service = r.text(f, "service", p) or None
        if service is not None and service not in names:
            r.fail(join(p, "service"), f"unknown service {service!r}")
        out.append(
            Flag(
                key=r.text(f, "key", p, required=True),
                type=kind,
                owner=r.text(f, "owner", p) or None,
                expires=r.day(f, "expires", p),
                service=service,
                kill_switch=bool(f.get("killSwitch", False)),
                line=r.line(p),
                rollout=_rollout(r, f.get("rollout"), join(p, "rollout")),
            )
        )
    return tuple(out)


def _rollout(r: Validator, value: Any, pointer: str) -> dict[str, Any] | None:
    """A flag's rollout as the plan states it: checked by ``core.rollouts`` when started."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("stages"), list):
        r.fail(pointer, "a rollout is an object with stages (see docs/rollouts.md)")
        return None
    return dict(value)


def _window(r: Validator, value: Any, pointer: str, names: set[str]) -> Window | None:
    if value is None:
        return None
    w = r.mapping(
        value,
        pointer,
        {
            "change",
            "starts",
            "ends",
            "producerSupports",
            "consumersRequiredByEnd",
            "contract",
            "version",
            "cleanupAfter",
        },
    )
    starts = r.day(w, "starts", pointer, required=True)
    ends = r.day(w, "ends", pointer, required=True)
    if starts and ends and ends < starts:
        r.fail(join(pointer, "ends"), f"the window ends ({ends}) before it starts ({starts})")
    consumers = r.texts(w, "consumersRequiredByEnd", pointer)
    for c in consumers:
        if c not in names:
            r.fail(join(pointer, "consumersRequiredByEnd"), f"unknown service {c!r}")
    if starts is None or ends is None:
        return None
    return Window(
        starts=starts,
        ends=ends,
        producer_supports=r.texts(w, "producerSupports", pointer),
        consumers_required_by_end=consumers,
        contract=r.text(w, "contract", pointer) or None,
        version=r.text(w, "version", pointer) or None,
        cleanup_after=r.texts(w, "cleanupAfter", pointer),
        line=r.line(pointer),
    )


def _cleanup(r: Validator, value: Any, pointer: str) -> tuple[CleanupItem, ...]:
    if value is None:
        return ()
    items: list[tuple[str, Any]]
    if isinstance(value, dict) and "items" in value:
        items = [(join(join(pointer, "items"), i), v) for i, v in enumerate(value["items"] or [])]
    elif isinstance(value, dict):
        items = [(pointer, value)]
    elif isinstance(value, list):
        items = [(join(pointer, i), v) for i, v in enumerate(value)]
    else:
        r.fail(pointer, f"expected a cleanup item or a list of them, got {describe_type(value)}")
        return ()
    out: list[CleanupItem] = []
    for p, item in items:
        if isinstance(item, str):
            out.append(CleanupItem(title=item, line=r.line(p)))
            continue
        c = r.mapping(
            item, p, {"item", "title", "required", "issue", "owner", "due", "blockers", "items"}
        )
        title = r.text(c, "item", p) or r.text(c, "title", p) or r.text(c, "issue", p)
        if not title:
            r.fail(p, "missing 'item' (what must be removed)")
        blockers = tuple(
            _blocker(r, b, join(join(p, "blockers"), i))
            for i, b in enumerate(c.get("blockers") or [])
        )
        out.append(
            CleanupItem(
                title=title,
                owner=r.text(c, "owner", p) or None,
                due=r.day(c, "due", p),
                issue=r.text(c, "issue", p) or None,
                blockers=blockers,
                line=r.line(p),
            )
        )
    return tuple(out)


_VERIFIED = re.compile(
    r"^(?P<consumer>[\w.-]+) (?:verified against|migrated to) (?P<contract>[\w.{}/ -]+?)"
    r"\s+v?(?P<version>\w[\w.-]*)$",
    re.IGNORECASE,
)
_USAGE = re.compile(r"^(?P<metric>.+?)\s*==\s*0\s+for\s+(?P<days>\d+)\s+days?$", re.IGNORECASE)
_FLAG = re.compile(r"^flag\s+(?P<flag>[\w.-]+)\s+(?:is\s+)?deleted$", re.IGNORECASE)
_INVARIANT = re.compile(r"^invariant\s+(?P<name>[\w.-]+)\s+holds$", re.IGNORECASE)
_RECONCILED = re.compile(
    r"^(?:reconciliation\s+)?(?P<name>[\w.-]+)\s+(?:is\s+)?reconciled$", re.IGNORECASE
)
_DRAINED = re.compile(
    r"^(?P<workflow>[\w.-]+)\s+v?(?P<version>\w+)\s+has no running instances$", re.IGNORECASE
)


def _blocker(r: Validator, value: Any, p: str) -> Blocker:
    if isinstance(value, str):
        return blocker_from_text(value)
    b = r.mapping(
        value,
        p,
        {"verified", "usageZero", "flagDeleted", "workflowDrained", "invariantHolds",
         "reconciled", "text"},
    )  # fmt: skip
    if "verified" in b:
        v = r.mapping(b["verified"], join(p, "verified"), {"consumer", "contract", "version"})
        vp = join(p, "verified")
        consumer = r.text(v, "consumer", vp, required=True)
        contract = r.text(v, "contract", vp, required=True)
        version = r.text(v, "version", vp, required=True)
        return Blocker(
            "verified",
            f"{consumer} verified against {contract} {version}",
            consumer=consumer,
            contract=contract,
            version=version,
        )
    if "usageZero" in b:
        u = r.mapping(b["usageZero"], join(p, "usageZero"), {"metric", "days"})
        up = join(p, "usageZero")
        metric = r.text(u, "metric", up, required=True)
        days = u.get("days", 14)
        if not isinstance(days, int):
            r.fail(join(up, "days"), "expected a whole number of days")
            days = 14
        return Blocker("usage-zero", f"{metric} == 0 for {days} days", metric=metric, days=days)
    if "flagDeleted" in b:
        key = r.text(b, "flagDeleted", p)
        return Blocker("flag-deleted", f"flag {key} deleted", flag=key)
    if "workflowDrained" in b:
        w = r.mapping(b["workflowDrained"], join(p, "workflowDrained"), {"workflow", "version"})
        wp = join(p, "workflowDrained")
        workflow = r.text(w, "workflow", wp, required=True)
        version = r.text(w, "version", wp, required=True)
        return Blocker(
            "workflow-drained",
            f"{workflow} v{version} has no running instances",
            workflow=workflow,
            version=version,
        )
    if "invariantHolds" in b:
        name = r.text(b, "invariantHolds", p)
        return Blocker("invariant-holds", f"invariant {name} holds", invariant=name)
    if "reconciled" in b:
        name = r.text(b, "reconciled", p)
        return Blocker("reconciled", f"reconciliation {name} reconciled", reconciliation=name)
    text = r.text(b, "text", p)
    if not text:
        r.fail(
            p,
            "a blocker is text or one of: verified, usageZero, flagDeleted, workflowDrained, "
            "invariantHolds, reconciled",
        )
    return Blocker("manual", text)


def blocker_from_text(text: str) -> Blocker:
    """Read the seed's prose blockers ("X verified against v2", "metric == 0 for 14 days")."""
    t = text.strip()
    if m := _USAGE.match(t):
        return Blocker("usage-zero", t, metric=m["metric"].strip(), days=int(m["days"]))
    if m := _FLAG.match(t):
        return Blocker("flag-deleted", t, flag=m["flag"])
    if m := _INVARIANT.match(t):
        return Blocker("invariant-holds", t, invariant=m["name"])
    if m := _RECONCILED.match(t):
        return Blocker("reconciled", t, reconciliation=m["name"])
    if m := _DRAINED.match(t):
        return Blocker("workflow-drained", t, workflow=m["workflow"], version=m["version"])
    if m := _VERIFIED.match(t):
        return Blocker(
            "verified",
            t,
            consumer=m["consumer"],
            contract=m["contract"].strip(),
            version=m["version"],
        )
    return Blocker("manual", t)
