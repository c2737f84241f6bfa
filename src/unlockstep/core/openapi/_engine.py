"""OpenAPI 3.0 / 3.1 (and Swagger 2.0) compatibility: what a provider change does to clients
built against the previous description.

The provider *reads* requests (old clients keep *writing* the old shape) and *writes*
responses (old clients keep *reading* the old shape), so request-side findings break
``writers`` and response-side findings break ``readers``. Schemas are compared by the JSON
Schema engine; this module owns the API structure around them:

    paths / operations     added, removed (judged against deprecation and sunset)
    webhooks               added, removed; their operations compared by the same rules with
                           the roles reversed (the provider sends, subscribers read)
    parameters             added required, removed, became required, style, schema
    request bodies         added, removed, became required, media types, schema
    responses              status codes, media types, headers, schema
    security               requirements per operation, security schemes
    lifecycle              deprecated, sunset moved or deleted, operationId

Path templates are compared by shape: ``/cases/{id}`` and ``/cases/{caseId}`` are one path.
Rule ids follow oasdiff's where the meaning matches.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from unlockstep.core.compat import Breaks, Change, Policy, Source, register
from unlockstep.core.documents import escape
from unlockstep.core.openapi import _rules as openapi_rules
from unlockstep.core.openapi import _security as openapi_security
from unlockstep.core.openapi._comparison import (
    OPERATION_REMOVED,
    PATH_REMOVED,
    REMOVE_FIRST,
    Comparison,
    Side,
)
from unlockstep.core.openapi._document import (
    METHODS,
    OpenAPIDocument,
    load,
    to_document,
)
from unlockstep.core.openapi._operation import compare_operation, operation_record

_TEMPLATE_VAR = re.compile(r"\{[^}/]*\}")
_SNIFF = re.compile(r"""^\s*["']?(openapi|swagger)["']?\s*:""", re.MULTILINE)


def path_shape(path: str) -> str:
    """``/cases/{caseId}`` -> ``/cases/{}``: the part of a path template that matters."""
    return _TEMPLATE_VAR.sub("{}", path.rstrip("/") or "/")


class OpenAPIEngine:
    """The ``openapi`` engine. ``today`` (for sunset dates) and ``strict_reader`` (old
    clients reject unknown response enum values) are options of the instance."""

    kind = "openapi"

    def __init__(self, *, today: date | None = None, strict_reader: bool = False) -> None:
        self.today = today
        self.strict_reader = strict_reader

    def sniff(self, source: Source) -> bool:
        return bool(_SNIFF.search(source.text[:4096]))

    def parse(self, source: Source) -> OpenAPIDocument:
        document = load(source)
        return to_document(document.data, source.filename, document)

    def diff(self, old: Any, new: Any, policy: Policy) -> list[Change]:
        cmp = Comparison(
            Side(old, old.refs),
            Side(new, new.refs),
            policy,
            self.today or date.today(),
            self.strict_reader,
        )
        _compare_paths(cmp)
        _compare_webhooks(cmp)
        openapi_security.compare_global(cmp)
        openapi_security.compare_schemes(cmp)
        return cmp.result()


def _operations(
    side: Side, container: str = "paths"
) -> dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]]:
    """(path shape, method) -> (path as written, path item, operation); for
    ``container="webhooks"``, (webhook name, method) -> (name, path item, operation)."""
    out: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]] = {}
    items = side.doc.root.get(container)
    for path, raw_item in (items if isinstance(items, dict) else {}).items():
        item = side.refs.deref(raw_item)
        if not isinstance(item, dict):
            continue
        key = path_shape(path) if container == "paths" else path
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                out[(key, method)] = (path, item, op)
    return out


def _compare_paths(cmp: Comparison) -> None:
    old_ops, new_ops = _operations(cmp.old), _operations(cmp.new)
    new_shapes = {shape for shape, _ in new_ops}
    for key, (path, _item, op) in old_ops.items():
        if key in new_ops:
            continue
        shape, method = key
        subject = f"{method.upper()} {path}"
        pointer = f"/paths/{escape(path)}/{method}"
        rules = OPERATION_REMOVED if shape in new_shapes else PATH_REMOVED
        what = f"the operation {subject}" if shape in new_shapes else f"the path {path} ({subject})"
        cmp.removed(what, rules, operation_record(op, cmp.old.refs), subject, pointer, Breaks.BOTH)
    for key, (path, _item, _op) in new_ops.items():
        if key not in old_ops:
            subject = f"{key[1].upper()} {path}"
            cmp.add(
                "endpoint-added",
                Breaks.NONE,
                subject,
                f"/paths/{escape(path)}/{key[1]}",
                f"the operation {subject} was added",
            )
    for key, (old_path, old_item, old_op) in old_ops.items():
        if key in new_ops:
            new_path, new_item, new_op = new_ops[key]
            compare_operation(
                cmp, key[1], (old_path, old_item, old_op), (new_path, new_item, new_op)
            )


def _compare_webhooks(cmp: Comparison) -> None:
    old_hooks = cmp.old.doc.root.get("webhooks") or {}
    new_hooks = cmp.new.doc.root.get("webhooks") or {}
    for name in old_hooks:
        if name not in new_hooks:
            cmp.add(
                "webhook-removed",
                Breaks.READERS,
                f"webhook {name}",
                f"/webhooks/{escape(name)}",
                f"the webhook {name!r} was removed; subscribers stop receiving it",
                REMOVE_FIRST,
                side="old",
            )
    for name in new_hooks:
        if name not in old_hooks:
            cmp.add(
                "webhook-added",
                Breaks.NONE,
                f"webhook {name}",
                f"/webhooks/{escape(name)}",
                f"the webhook {name!r} was added",
            )
    _compare_webhook_operations(cmp, set(old_hooks) & set(new_hooks))


def _compare_webhook_operations(cmp: Comparison, kept: set[str]) -> None:
    """The operations of webhooks on both sides: removed (subscribers stop receiving it),
    added, or compared by the operation rules with the roles reversed."""
    old_ops, new_ops = _operations(cmp.old, "webhooks"), _operations(cmp.new, "webhooks")
    for key, (name, _item, op) in old_ops.items():
        if key[0] in kept and key not in new_ops:
            subject = f"webhook {name} {key[1].upper()}"
            what = f"the {key[1].upper()} operation of the webhook {name!r}"
            record = operation_record(op, cmp.old.refs)
            pointer = f"/webhooks/{escape(name)}/{key[1]}"
            cmp.removed(what, OPERATION_REMOVED, record, subject, pointer, Breaks.READERS)
    for key, (name, _item, _op) in new_ops.items():
        if key[0] in kept and key not in old_ops:
            cmp.add(
                "endpoint-added",
                Breaks.NONE,
                f"webhook {name} {key[1].upper()}",
                f"/webhooks/{escape(name)}/{key[1]}",
                f"the {key[1].upper()} operation of the webhook {name!r} was added",
            )
    for key, old_triple in old_ops.items():
        if key in new_ops:
            compare_operation(cmp, key[1], old_triple, new_ops[key], webhook=True)


ENGINE = register(OpenAPIEngine())
RULES = openapi_rules.RULES
