"""Security rules: the requirements an operation makes, and the schemes they name.

A requirement list is a set of alternatives (any one suffices); each alternative names
schemes that must all be satisfied, with scopes. An old client holds the credentials of one
old alternative, so a change is breaking exactly when some old alternative is no longer
enough: no new alternative asks for a subset of its schemes and scopes.
"""

from __future__ import annotations

from typing import Any

from unlockstep.core.compat import Breaks, Policy
from unlockstep.core.documents import escape
from unlockstep.core.openapi._comparison import Comparison

Alternative = dict[str, frozenset[str]]


def _alternatives(raw: Any) -> list[Alternative]:
    if not raw:
        return [{}]  # no requirement: anonymous access
    return [
        {name: frozenset(scopes or []) for name, scopes in (alt or {}).items()}
        for alt in raw
        if isinstance(alt, dict) or alt is None
    ]


def _enough(held: Alternative, asked: Alternative) -> bool:
    """Whether credentials for ``held`` satisfy the alternative ``asked``."""
    return all(name in held and scopes <= held[name] for name, scopes in asked.items())


def _label(alt: Alternative) -> str:
    if not alt:
        return "no authentication"
    return " + ".join(
        f"{name}[{', '.join(sorted(scopes))}]" if scopes else name for name, scopes in alt.items()
    )


def compare_requirements(
    cmp: Comparison, subject: str, base: str, old_op: dict[str, Any], new_op: dict[str, Any]
) -> None:
    """An operation's own requirements (those inherited from the top level are compared
    once, by :func:`compare_global`)."""
    if "security" not in old_op and "security" not in new_op:
        return
    old = old_op["security"] if "security" in old_op else cmp.old.doc.root.get("security")
    new = new_op["security"] if "security" in new_op else cmp.new.doc.root.get("security")
    _requirements(cmp, "api-", subject, f"{base}/security", old, new)


def compare_global(cmp: Comparison) -> None:
    _requirements(
        cmp,
        "api-global-",
        "document",
        "/security",
        cmp.old.doc.root.get("security"),
        cmp.new.doc.root.get("security"),
    )


def _requirements(
    cmp: Comparison, prefix: str, subject: str, pointer: str, old_raw: Any, new_raw: Any
) -> None:
    old, new = _alternatives(old_raw), _alternatives(new_raw)
    where = "every operation without its own security" if prefix == "api-global-" else subject
    if old == [{}] and new != [{}]:
        cmp.add(
            f"{prefix}security-added",
            Breaks.WRITERS,
            subject,
            pointer,
            f"{where} now requires {' or '.join(_label(a) for a in new)}; old clients"
            " send no credentials",
            "keep anonymous access as an alternative until clients have moved",
        )
        return
    for alt in old:
        if alt in new:
            continue
        ok = any(_enough(alt, n) for n in new)
        breaks = Breaks.NONE if ok else Breaks.WRITERS
        same = next((n for n in new if set(n) == set(alt)), None)
        if same is not None:
            added = {k: sorted(same[k] - alt[k]) for k in alt if same[k] - alt[k]}
            rule = f"{prefix}security-scope-{'added' if added else 'removed'}"
            cmp.add(
                rule,
                breaks,
                subject,
                pointer,
                f"{where} now asks for different scopes ({_label(alt)} -> {_label(same)})",
                "accept the old scopes until clients have moved" if added else "",
                details={"scopes_added": added},
            )
            continue
        refused = "" if ok else "; old clients holding only these credentials are refused"
        cmp.add(
            f"{prefix}security-removed",
            breaks,
            subject,
            pointer,
            f"{where} no longer accepts {_label(alt)}{refused}",
            "keep the old alternative next to the new one until clients have moved",
            details={"before": [_label(a) for a in old], "after": [_label(a) for a in new]},
        )
    for alt in new:
        if alt and alt not in old and not any(set(alt) == set(o) for o in old):
            cmp.add(
                f"{prefix}security-added",
                Breaks.NONE,
                subject,
                pointer,
                f"{where} now also accepts {_label(alt)}",
            )


_SCHEME_FIELDS = (
    ("type", "api-security-component-type-changed"),
    ("in", "api-security-component-in-changed"),
    ("name", "api-security-component-name-changed"),
    ("scheme", "api-security-component-scheme-changed"),
    ("openIdConnectUrl", "api-security-component-open-id-connect-url-changed"),
    ("bearerFormat", "api-security-component-bearer-format-changed"),  # unprovable: a hint
)
_FLOW_URLS = (
    ("authorizationUrl", "api-security-component-oauth-url-changed"),
    ("tokenUrl", "api-security-component-oauth-token-url-changed"),
    ("refreshUrl", "api-security-component-oauth-refresh-url-changed"),
)


def compare_schemes(cmp: Comparison) -> None:
    """Security schemes: how clients obtain and present credentials."""
    old = (cmp.old.doc.root.get("components") or {}).get("securitySchemes") or {}
    new = (cmp.new.doc.root.get("components") or {}).get("securitySchemes") or {}
    for name, raw in old.items():
        pointer = f"/components/securitySchemes/{escape(name)}"
        subject = f"security scheme {name}"
        before = cmp.old.refs.deref(raw) or {}
        if name not in new:
            cmp.add(
                "api-security-component-removed",
                Breaks.NONE,
                subject,
                pointer,
                f"the security scheme {name!r} was removed",
                side="old",
            )
            continue
        after = cmp.new.refs.deref(new[name]) or {}
        for attr, rule in _SCHEME_FIELDS:
            if before.get(attr) != after.get(attr):
                cmp.add(
                    rule,
                    Breaks.WRITERS,
                    subject,
                    pointer,
                    f"the {attr} of the security scheme {name!r} changed from"
                    f" {before.get(attr)!r} to {after.get(attr)!r}; old clients present"
                    " credentials the old way",
                    "add a new scheme as an alternative instead of changing this one",
                )
        _flows(cmp, name, pointer, before.get("flows") or {}, after.get("flows") or {})
    for name in new:
        if name not in old:
            cmp.add(
                "api-security-component-added",
                Breaks.NONE,
                f"security scheme {name}",
                f"/components/securitySchemes/{escape(name)}",
                f"the security scheme {name!r} was added",
            )


def _flows(
    cmp: Comparison, name: str, pointer: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    subject = f"security scheme {name}"
    for flow, before in old.items():
        ptr = f"{pointer}/flows/{escape(flow)}"
        if flow not in new:
            cmp.add(
                "api-security-component-oauth-flow-removed",
                Breaks.WRITERS,
                subject,
                ptr,
                f"the OAuth flow {flow!r} of {name!r} was removed",
                "keep the flow until clients have moved",
                side="old",
            )
            continue
        after = new[flow] or {}
        before = before or {}
        for attr, rule in _FLOW_URLS:
            if before.get(attr) != after.get(attr):
                cmp.add(
                    rule,
                    Breaks.WRITERS,
                    subject,
                    ptr,
                    f"the {attr} of the {flow} flow of {name!r} changed from"
                    f" {before.get(attr)!r} to {after.get(attr)!r}; old clients still use"
                    " the old one",
                    "keep serving the old URL until clients have moved",
                )
        old_scopes, new_scopes = set(before.get("scopes") or {}), set(after.get("scopes") or {})
        for scope in sorted(old_scopes - new_scopes):
            cmp.add(
                "api-security-component-oauth-scope-removed",
                Breaks.WRITERS,
                subject,
                ptr,
                f"the scope {scope!r} of {name!r} was removed; old clients still ask for it",
                "deprecate the scope first",
                side="old",
            )
        for scope in sorted(new_scopes - old_scopes):
            # under STRICT, old clients' tokens may lack a scope some operation now asks for
            cmp.add(
                "api-security-component-oauth-scope-added",
                Breaks.WRITERS if cmp.policy is Policy.STRICT else Breaks.NONE,
                subject,
                ptr,
                f"the scope {scope!r} was added to {name!r}",
            )
