"""The rules inside one operation that exists on both sides: parameters, request body,
responses and their headers, lifecycle (deprecation, sunset, operationId), security.

The same rules compare the operations of a webhook, with the roles reversed (see
``openapi_comparison.Roles``): the provider sends the webhook's request and subscribers
read it and write the response. So each rule says whom a change hurts in terms of the
message (its old writers, its old readers), and the comparison's roles decide whether that
is the other party (a finding) or the provider itself (information)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from unlockstep.core.compat import Breaks, Policy
from unlockstep.core.documents import escape
from unlockstep.core.openapi import _security as openapi_security
from unlockstep.core.openapi._comparison import (
    OPERATION,
    OPERATION_SUNSET,
    PARAMETER_REMOVED,
    PARAMETER_SUNSET,
    REMOVE_FIRST,
    WEBHOOK,
    Comparison,
)
from unlockstep.core.openapi._deprecation import (
    Deprecation,
    Removal,
    deprecation_of,
    judge_removal,
)
from unlockstep.core.openapi._document import Refs

_TEMPLATE_VAR = re.compile(r"\{([^}/]*)\}")
#: (path as written, or a webhook's name; path item; operation)
Triple = tuple[str, dict[str, Any], dict[str, Any]]

ADD_OPTIONAL_FIRST = (
    "add it as optional first, and make it required only once every client sends it"
)


def is_success(status: str) -> bool:
    return status.startswith("2") or status.upper() == "2XX"


def _sunset_hints(op: dict[str, Any], refs: Refs) -> tuple[Any, ...]:
    """Texts of a documented ``Sunset`` response header, which may carry the date."""
    hints: list[Any] = []
    for resp in (op.get("responses") or {}).values():
        resp = refs.deref(resp)
        for name, header in ((resp or {}).get("headers") or {}).items():
            if name.lower() == "sunset":
                header = refs.deref(header)
                schema = refs.deref(header.get("schema") or {})
                hints += [header.get("example"), schema.get("example"), schema.get("default")]
                hints += [header.get("description")]
    return tuple(h for h in hints if h is not None)


def operation_record(op: dict[str, Any], refs: Refs) -> Deprecation:
    return deprecation_of(op, _sunset_hints(op, refs))


def compare_operation(
    cmp: Comparison, method: str, old: Triple, new: Triple, *, webhook: bool = False
) -> None:
    """Compare one operation: under ``paths``, or in a webhook (``webhook``: roles reversed,
    located as ``webhook <name> <METHOD>``; who authenticates to whom is not compared)."""
    container = "webhooks" if webhook else "paths"
    subject = f"webhook {new[0]} {method.upper()}" if webhook else f"{method.upper()} {new[0]}"
    base = f"/{container}/{escape(new[0])}/{method}"
    old_base = f"/{container}/{escape(old[0])}/{method}"
    previous, cmp.roles = cmp.roles, WEBHOOK if webhook else OPERATION
    try:
        _lifecycle(cmp, subject, base, old[2], new[2])
        _parameters(cmp, subject, base, old_base, old, new)
        _request_body(cmp, subject, base, old[2].get("requestBody"), new[2].get("requestBody"))
        old_responses, new_responses = old[2].get("responses"), new[2].get("responses")
        _responses(cmp, subject, base, old_responses or {}, new_responses or {})
        if not webhook:
            openapi_security.compare_requirements(cmp, subject, base, old[2], new[2])
    finally:
        cmp.roles = previous


def _lifecycle(
    cmp: Comparison, subject: str, base: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    before, after = operation_record(old, cmp.old.refs), operation_record(new, cmp.new.refs)
    deprecated = "endpoint-deprecated-with-sunset" if after.sunset else "endpoint-deprecated"
    cmp.deprecation_changed(
        (deprecated, "endpoint-reactivated"), subject, before, after, subject, base
    )
    cmp.sunset_moved(subject, OPERATION_SUNSET, before, after, subject, base)
    old_id, new_id = old.get("operationId"), new.get("operationId")
    if old_id != new_id:
        # generated clients break only where the policy says names are part of the contract
        strict = cmp.policy is Policy.STRICT and old_id
        rule = "api-operation-id-removed" if old_id else "api-operation-id-added"
        cmp.add(
            rule,
            Breaks.BOTH if strict else Breaks.NONE,
            subject,
            base,
            f"the operationId changed from {old_id!r} to {new_id!r}",
            "generated clients name methods after operationId; keep it stable",
        )


# -- parameters ------------------------------------------------------------------------


def _param_key(param: dict[str, Any], path_vars: list[str]) -> tuple[str, str]:
    where, name = str(param.get("in")), str(param.get("name"))
    if where == "path" and name in path_vars:
        return ("path", str(path_vars.index(name)))  # renamed path variables are the same
    if where == "header":
        return (where, name.lower())
    return (where, name)


def _params(
    triple: Triple, refs: Refs, base: str
) -> dict[tuple[str, str], tuple[dict[str, Any], str]]:
    path_vars = _TEMPLATE_VAR.findall(triple[0])
    merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    item_base = base.rsplit("/", 1)[0]
    for owner, pointer in ((triple[1], item_base), (triple[2], base)):
        for i, raw in enumerate(owner.get("parameters") or []):
            param = refs.deref(raw)
            if isinstance(param, dict):
                merged[_param_key(param, path_vars)] = (param, f"{pointer}/parameters/{i}")
    return merged


def _param_schema(param: dict[str, Any]) -> Any:
    if "schema" in param:
        return param["schema"]
    for media in (param.get("content") or {}).values():
        if isinstance(media, dict) and "schema" in media:
            return media["schema"]
    return {}


def _parameters(
    cmp: Comparison, subject: str, base: str, old_base: str, old: Triple, new: Triple
) -> None:
    before = _params(old, cmp.old.refs, old_base)
    after = _params(new, cmp.new.refs, base)
    for key, (param, pointer) in before.items():
        if key not in after:
            label = f"the {key[0]} parameter {param.get('name')!r} of {subject}"
            record, hurt = deprecation_of(param), cmp.roles.other_side(request=True)
            cmp.removed(label, PARAMETER_REMOVED, record, subject, pointer, hurt)
    for key, (param, pointer) in after.items():
        if key in before:
            _parameter(cmp, subject, before[key], (param, pointer))
            continue
        name = param.get("name")
        if key[0] == "path":
            cmp.effect(
                "new-request-path-parameter",
                True,
                subject,
                pointer,
                f"a new path parameter {name!r} was added to {subject}",
                writers=("", "add a new path instead and keep the old one"),
            )
        elif param.get("required") is True:
            cmp.effect(
                "new-required-request-parameter",
                True,
                subject,
                pointer,
                f"a new required {key[0]} parameter {name!r} was added to {subject}",
                writers=("", ADD_OPTIONAL_FIRST),
            )
        else:
            cmp.add(
                "new-optional-request-parameter",
                Breaks.NONE,
                subject,
                pointer,
                f"a new optional {key[0]} parameter {name!r} was added to {subject}",
            )


def _parameter(
    cmp: Comparison,
    subject: str,
    old: tuple[dict[str, Any], str],
    new: tuple[dict[str, Any], str],
) -> None:
    (before, _), (after, pointer) = old, new
    name = after.get("name")
    label = f"the {after.get('in')} parameter {name!r}"
    was, now = before.get("required") is True, after.get("required") is True
    if now and not was:
        cmp.effect(
            "request-parameter-became-required",
            True,
            subject,
            pointer,
            f"{label} became required",
            writers=("old {party} do not send it", ADD_OPTIONAL_FIRST),
        )
    elif was and not now:
        cmp.effect(
            "request-parameter-became-optional",
            True,
            subject,
            pointer,
            f"{label} became optional",
            readers=("old {party} expect it every time", "keep sending it"),
        )
    for attr, rule in (
        ("style", "request-parameter-style-changed"),
        ("explode", "request-parameter-explode-changed"),
    ):
        if before.get(attr) != after.get(attr):
            cmp.effect(
                rule,
                True,
                subject,
                pointer,
                f"{label} changed its {attr} from {before.get(attr)!r} to {after.get(attr)!r}",
                writers=(
                    "old {party} serialise it the old way",
                    "accept both serialisations, or add a new parameter",
                ),
                readers=("old {party} parse it the old way", "add a new parameter instead"),
            )
    if before.get("allowEmptyValue") is True and after.get("allowEmptyValue") is not True:
        cmp.effect(
            "request-parameter-allow-empty-value-removed",
            True,
            subject,
            pointer,
            f"{label} no longer allows an empty value",
            writers=("", "keep accepting empty values"),
        )
    old_record, new_record = deprecation_of(before), deprecation_of(after)
    cmp.deprecation_changed(
        ("request-parameter-deprecated", "request-parameter-reactivated"),
        label,
        old_record,
        new_record,
        subject,
        pointer,
    )
    cmp.sunset_moved(label, PARAMETER_SUNSET, old_record, new_record, subject, pointer)
    _default(cmp, subject, pointer, label, _param_schema(before), _param_schema(after))
    cmp.schemas(
        _param_schema(before),
        _param_schema(after),
        request=True,
        rule_prefix="request-parameter-",
        subject=subject,
        pointer=f"{pointer}/schema",
    )


def _default(cmp: Comparison, subject: str, pointer: str, label: str, old: Any, new: Any) -> None:
    """Old clients that omit an optional parameter get its default: changing it changes
    what they asked for."""
    before = (cmp.old.refs.deref(old) or {}).get("default")
    after = (cmp.new.refs.deref(new) or {}).get("default")
    if before == after:
        return
    what = "added" if before is None else "removed" if after is None else "changed"
    instead = "keep the default; add a new parameter"
    cmp.effect(
        f"request-parameter-default-value-{what}",
        True,
        subject,
        pointer,
        f"the default of {label} {what} ({before!r} -> {after!r})",
        writers=("old {party} that omit it now ask for something else", instead),
        readers=("old {party} take the old default when it is omitted", instead),
    )


# -- request body --------------------------------------------------------------------


def _request_body(cmp: Comparison, subject: str, base: str, old_raw: Any, new_raw: Any) -> None:
    pointer = f"{base}/requestBody"
    old, new = cmp.old.refs.deref(old_raw), cmp.new.refs.deref(new_raw)
    if not old and not new:
        return
    if not old:
        if new.get("required") is True:
            cmp.effect(
                "request-body-added-required",
                True,
                subject,
                pointer,
                f"{subject} now requires a request body",
                writers=("old {party} send none", "add the body as optional first"),
            )
        else:
            cmp.add(
                "request-body-added-optional",
                Breaks.NONE,
                subject,
                pointer,
                f"{subject} now accepts an optional request body",
            )
        return
    if not new:
        cmp.effect(
            "request-body-removed",
            True,
            subject,
            pointer,
            f"{subject} no longer takes a request body",
            writers=("old {party} still send one", REMOVE_FIRST),
            readers=("old {party} still expect one", REMOVE_FIRST),
            side="old",
        )
        return
    if new.get("required") is True and old.get("required") is not True:
        cmp.effect(
            "request-body-became-required",
            True,
            subject,
            pointer,
            f"the request body of {subject} became required",
            writers=("", ADD_OPTIONAL_FIRST),
        )
    elif old.get("required") is True and new.get("required") is not True:
        cmp.effect(
            "request-body-became-optional",
            True,
            subject,
            pointer,
            f"the request body of {subject} became optional",
            readers=("old {party} expect one every time", "keep sending it"),
        )
    sent = cmp.roles is WEBHOOK  # the provider sends the webhook's requests
    _content(
        cmp,
        subject,
        pointer,
        old.get("content") or {},
        new.get("content") or {},
        request=True,
        removed=(
            "request-body-media-type-removed",
            lambda media: (
                f"{subject} no longer {'sends' if sent else 'accepts'} {media} request bodies"
            ),
        ),
        added=(
            "request-body-media-type-added",
            lambda media: (
                f"{subject} {'may now also send' if sent else 'now also accepts'}"
                f" {media} request bodies"
            ),
        ),
    )


def _content(
    cmp: Comparison,
    subject: str,
    pointer: str,
    old_content: dict[str, Any],
    new_content: dict[str, Any],
    *,
    request: bool,
    removed: tuple[str, Callable[[str], str]],
    added: tuple[str, Callable[[str], str]],
) -> None:
    """Media types of a request body or a response: removed, added, and each kept one's
    schema compared (``removed``/``added`` are a rule id and the message for a media type)."""
    for media, old_media in old_content.items():
        media_ptr = f"{pointer}/content/{escape(media)}"
        if media not in new_content:
            # whoever relied on it: writers still send it, readers chose it
            cmp.effect(
                removed[0],
                request,
                subject,
                media_ptr,
                removed[1](media),
                writers=("", REMOVE_FIRST),
                readers=("", REMOVE_FIRST),
                side="old",
            )
            continue
        cmp.schemas(
            (old_media or {}).get("schema", {}),
            (new_content[media] or {}).get("schema", {}),
            request=request,
            rule_prefix="request-" if request else "response-",
            subject=subject,
            pointer=f"{media_ptr}/schema",
        )
    for media in new_content:
        if media not in old_content:
            # a request's reader may now get it; a response's reader asks for what it reads
            unknown = ("old {party} may not understand it", "send it only to those who ask")
            cmp.effect(
                added[0],
                request,
                subject,
                f"{pointer}/content/{escape(media)}",
                added[1](media),
                readers=unknown if request else None,
            )


# -- responses -----------------------------------------------------------------------


def _responses(
    cmp: Comparison, subject: str, base: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    new_by_status = {str(k): v for k, v in new.items()}
    old_by_status = {str(k): v for k, v in old.items()}
    for status, old_raw in old_by_status.items():
        pointer = f"{base}/responses/{escape(status)}"
        if status not in new_by_status:
            if is_success(status):
                cmp.effect(
                    "response-success-status-removed",
                    False,
                    subject,
                    pointer,
                    f"{subject} no longer documents the {status} response",
                    writers=("old {party} still answer with it", REMOVE_FIRST),
                    readers=("old {party} expect it", REMOVE_FIRST),
                    side="old",
                )
            elif cmp.policy is Policy.STRICT:
                cmp.effect(
                    "response-non-success-status-removed",
                    False,
                    subject,
                    pointer,
                    f"{subject} no longer documents the {status} response",
                    writers=("", ""),
                    readers=("", ""),
                    side="old",
                )
            else:
                cmp.add(
                    "response-non-success-status-removed",
                    Breaks.NONE,
                    subject,
                    pointer,
                    f"{subject} no longer documents the {status} response",
                    side="old",
                )
            continue
        _response(cmp, subject, pointer, status, old_raw, new_by_status[status])
    for status in new_by_status:
        if status not in old_by_status:
            rule = (
                "response-success-status-added"
                if is_success(status)
                else "response-non-success-status-added"
            )
            cmp.add(
                rule,
                Breaks.NONE,
                subject,
                f"{base}/responses/{escape(status)}",
                f"{subject} now documents a {status} response",
            )


def _response(
    cmp: Comparison, subject: str, pointer: str, status: str, old_raw: Any, new_raw: Any
) -> None:
    old, new = cmp.old.refs.deref(old_raw) or {}, cmp.new.refs.deref(new_raw) or {}
    _content(
        cmp,
        subject,
        pointer,
        old.get("content") or {},
        new.get("content") or {},
        request=False,
        removed=(
            "response-media-type-removed",
            lambda media: f"the {status} response of {subject} is no longer sent as {media}",
        ),
        added=(
            "response-media-type-added",
            lambda media: f"the {status} response of {subject} can now also be {media}",
        ),
    )
    _headers(cmp, subject, pointer, status, old.get("headers") or {}, new.get("headers") or {})


def _headers(
    cmp: Comparison,
    subject: str,
    pointer: str,
    status: str,
    old: dict[str, Any],
    new: dict[str, Any],
) -> None:
    new_by_name = {k.lower(): (k, v) for k, v in new.items()}
    old_names = {k.lower() for k in old}
    for name, raw in old.items():
        header = cmp.old.refs.deref(raw) or {}
        ptr = f"{pointer}/headers/{escape(name)}"
        label = f"the {name} header of the {status} response"
        if name.lower() not in new_by_name:
            record = deprecation_of(header)
            unreadable = record.sunset_text is not None and record.sunset is None
            if not unreadable and judge_removal(record, cmp.today) is Removal.WITH_DEPRECATION:
                sunset = f" and sunset {record.sunset}" if record.sunset else ""
                cmp.add(
                    "response-header-removed-with-deprecation",
                    Breaks.NONE,
                    subject,
                    ptr,
                    f"{label} was removed after its deprecation{sunset}",
                    side="old",
                    details={"deprecation": record.to_dict(), "today": cmp.today.isoformat()},
                )
            elif header.get("required") is True:
                cmp.effect(
                    "required-response-header-removed",
                    False,
                    subject,
                    ptr,
                    f"{label} was removed",
                    readers=("old {party} rely on it", REMOVE_FIRST),
                    side="old",
                )
            else:
                cmp.effect(
                    "optional-response-header-removed",
                    False,
                    subject,
                    ptr,
                    f"{label} (optional) was removed",
                    readers=("", REMOVE_FIRST),
                    side="old",
                )
            continue
        new_name, new_raw = new_by_name[name.lower()]
        after = cmp.new.refs.deref(new_raw) or {}
        ptr = f"{pointer}/headers/{escape(new_name)}"
        if header.get("required") is True and after.get("required") is not True:
            cmp.effect(
                "response-header-became-optional",
                False,
                subject,
                ptr,
                f"{label} became optional",
                readers=("old {party} expect it every time", "keep sending it"),
            )
        elif after.get("required") is True and header.get("required") is not True:
            cmp.effect(
                "response-header-became-required",
                False,
                subject,
                ptr,
                f"{label} is now always sent",
                writers=("old {party} do not send it", ADD_OPTIONAL_FIRST),
                own_when_strict=True,
            )
        if (header.get("deprecated") is True) != (after.get("deprecated") is True):
            now = "deprecated" if after.get("deprecated") is True else "no longer deprecated"
            cmp.add(
                f"response-header-{'deprecated' if now == 'deprecated' else 'reactivated'}",
                Breaks.NONE,
                subject,
                ptr,
                f"{label} is now {now}",
            )
        if header.get("explode") != after.get("explode") or header.get("style") != after.get(
            "style"
        ):
            cmp.effect(
                "response-header-serialisation-changed",
                False,
                subject,
                ptr,
                f"{label} changed its style/explode",
                writers=("old {party} send it the old way", "accept both serialisations"),
                readers=("old {party} parse it the old way", "send a new header instead"),
            )
        cmp.schemas(
            header.get("schema", {}),
            after.get("schema", {}),
            request=False,
            rule_prefix="response-header-",
            subject=subject,
            pointer=f"{ptr}/schema",
        )
    for name, raw in new.items():
        if name.lower() not in old_names:
            required = (cmp.new.refs.deref(raw) or {}).get("required") is True
            cmp.effect(
                "response-header-added",
                False,
                subject,
                f"{pointer}/headers/{escape(name)}",
                f"the {status} response of {subject} gained the {name} header",
                writers=("old {party} do not send it", ADD_OPTIONAL_FIRST) if required else None,
            )
