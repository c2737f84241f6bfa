"""The OpenAPI names of JSON Schema findings.

The JSON Schema engine names a finding after the keyword (``minimum-increased``,
``property-removed``); inside an OpenAPI document the same finding gets the id oasdiff gives
it, which also says *where* it is: the top of a request or response body (``request-body-…``),
a property inside one (``request-property-…``), a parameter (``request-parameter-…``) or a
response header (``response-header-…``). A finding with no OpenAPI name keeps the engine's
id behind the context prefix (``response-not-added``).

``openapi_id`` picks the name (``openapi_schema_finding.refine`` first says what a finding is
about); ``RULES`` declares every name so that ``docs/rules.md`` and
SARIF output describe it (whom it hurts and the safer way come from the JSON Schema rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from unlockstep.core import jsonschema as jsonschema_rules
from unlockstep.core.compat import Breaks, Family, Level, Rule, declare, declare_family
from unlockstep.core.openapi._schema_finding import REQUEST, RESPONSE

PARAMETER, HEADER = "request-parameter-", "response-header-"

#: JSON Schema rule -> the OpenAPI suffix, the same for every context
_SUFFIX = {
    "minimum-added": "min-set",
    "minimum-increased": "min-increased",
    "minimum-decreased": "min-decreased",
    "maximum-added": "max-set",
    "maximum-increased": "max-increased",
    "maximum-decreased": "max-decreased",
    "max-length-added": "max-length-set",
    "max-length-removed": "max-length-unset",
    "min-items-added": "min-items-set",
    "min-items-removed": "min-items-unset",
    "enum-constraint-added": "became-enum",
    "one-of-branch-added": "one-of-added",
    "any-of-branch-added": "any-of-added",
    "any-of-branch-removed": "any-of-removed",
    "all-of-branch-added": "all-of-added",
    "all-of-branch-removed": "all-of-removed",
    "deprecation-removed": "reactivated",
}
#: bounds that name their exclusive form apart when the schema uses exclusiveMinimum/-Maximum
_EXCLUSIVE = {
    "min-set": "exclusive-min-set",
    "min-increased": "exclusive-min-increased",
    "min-decreased": "exclusive-min-decreased",
    "max-set": "exclusive-max-set",
    "max-increased": "exclusive-max-increased",
    "max-decreased": "exclusive-max-decreased",
}
#: names a finding gets from what changed in the schema around it (``refine``): name -> the
#: JSON Schema rule it refines (whom it hurts, the safer way) and what it means
_REFINED = {
    "became-nullable": ("type-widened", "null is now allowed"),
    "became-not-nullable": ("type-narrowed", "null is no longer allowed"),
    "list-of-types-widened": ("type-widened", "the list of types gained a type"),
    "list-of-types-narrowed": ("type-narrowed", "the list of types lost a type"),
    "const-added": ("enum-constraint-added", "a const was added"),
    "const-removed": ("enum-constraint-removed", "the const was removed"),
    "const-changed": ("enum-value-removed", "the const changed"),
    "default-value-added": ("default-changed", "a default was added"),
    "default-value-removed": ("default-changed", "the default was removed"),
    "default-value-changed": ("default-changed", "the default changed"),
    "property-names-added": ("pattern-added", "propertyNames was added"),
    "property-names-removed": ("pattern-removed", "propertyNames was removed"),
    "prefix-items-added": ("type-changed", "prefixItems was added"),
    "prefix-items-removed": ("type-changed", "prefixItems was removed"),
    "dependent-schema-added": ("property-added", "a dependentSchemas entry was added"),
    "dependent-schema-removed": ("property-removed", "a dependentSchemas entry was removed"),
    "dependent-required-changed": ("dependent-required-added", "a dependentRequired entry changed"),
    "unevaluated-properties-added": ("type-narrowed", "unevaluatedProperties was added"),
    "unevaluated-properties-removed": ("type-widened", "unevaluatedProperties was removed"),
    "unevaluated-items-added": ("type-narrowed", "unevaluatedItems was added"),
    "unevaluated-items-removed": ("type-widened", "unevaluatedItems was removed"),
    "deprecated-with-sunset": ("deprecated", "a property was deprecated with a sunset date"),
    "deprecated-sunset-invalid": ("deprecated", "a deprecated property's sunset is not a date"),
    "property-became-required-with-default": (
        "property-became-required",
        "a property with a default became required; old clients that omit it are rejected",
    ),
    "required-property-added-with-default": (
        "required-property-added",
        "a required property with a default was added; old clients do not send it",
    ),
    "discriminator-added": ("default-changed", "a discriminator was added"),
    "discriminator-removed": ("default-changed", "the discriminator was removed"),
    "discriminator-property-name-changed": (
        "default-changed",
        "the discriminator reads another property",
    ),
    "discriminator-mapping-added": ("default-changed", "a discriminator mapping was added"),
    "discriminator-mapping-deleted": ("default-changed", "a discriminator mapping was removed"),
    "discriminator-mapping-changed": ("default-changed", "a discriminator mapping changed"),
    "if-added": ("condition-changed", "an if/then/else condition was added"),
    "if-removed": ("condition-changed", "an if/then/else condition was removed"),
    "then-added": ("condition-changed", "a then branch was added"),
    "then-removed": ("condition-changed", "a then branch was removed"),
    "else-added": ("condition-changed", "an else branch was added"),
    "else-removed": ("condition-changed", "an else branch was removed"),
}
#: an ``allOf`` branch with annotations only added or removed (``openapi_composition``)
_ANNOTATION_ONLY = {
    "all-of-added-annotation-only": "an allOf branch with annotations only was added",
    "all-of-removed-annotation-only": "an allOf branch with annotations only was removed",
}
_NO_EFFECT = Rule(
    "all-of-annotation-only",
    "openapi-schema",
    Breaks.NONE,
    "",
    "nothing to do: annotations do not change what validates (code generated from the "
    "schema may name its types differently)",
)
#: suffixes oasdiff names per body / property; every other suffix is named per property only
_BODY_OR_PROPERTY = {
    *(name for name in _REFINED if not name.startswith("deprecated-")),
    "min-set",
    "min-increased",
    "min-decreased",
    "max-set",
    "max-increased",
    "max-decreased",
    *_EXCLUSIVE.values(),
    "max-length-set",
    "max-length-increased",
    "max-length-decreased",
    "max-length-unset",
    "min-length-increased",
    "min-length-decreased",
    "min-items-set",
    "min-items-increased",
    "min-items-decreased",
    "min-items-unset",
    "became-enum",
    "type-changed",
    "contains-added",
    "contains-removed",
    "min-contains-increased",
    "min-contains-decreased",
    "max-contains-increased",
    "max-contains-decreased",
    "dependent-required-added",
    "dependent-required-removed",
    "pattern-property-added",
    "pattern-property-removed",
    "content-media-type-changed",
    "content-encoding-changed",
    "content-schema-added",
    "content-schema-removed",
    "one-of-added",
    "one-of-removed",
    "any-of-added",
    "any-of-removed",
    "all-of-added",
    "all-of-removed",
    "wrapped-in-one-of",
    *_ANNOTATION_ONLY,
}
#: suffixes named per property (never ``-body-``)
_PROPERTY_ONLY = {
    "deprecated-with-sunset",
    "deprecated-sunset-invalid",
    "enum-value-added",
    "enum-value-removed",
    "pattern-added",
    "pattern-changed",
    "pattern-removed",
    "deprecated",
    "reactivated",
    "became-required",
    "became-optional",
}
#: parameters: oasdiff says ``request-parameter-property-…`` inside an object parameter for
#: these, and ``request-parameter-…`` for the rest wherever they are
_PARAMETER_PROPERTY = {
    "type-changed",
    "enum-value-added",
    "enum-value-removed",
    "became-nullable",
    "became-not-nullable",
    "list-of-types-widened",
    "list-of-types-narrowed",
}
_PARAMETER = {
    "min-set",
    "min-increased",
    "min-decreased",
    "max-set",
    "max-increased",
    "max-decreased",
    *_EXCLUSIVE.values(),
    "max-length-set",
    "max-length-increased",
    "max-length-decreased",
    "min-length-increased",
    "min-length-decreased",
    "min-items-set",
    "min-items-increased",
    "min-items-decreased",
    "max-items-increased",
    "max-items-decreased",
    "became-enum",
    "pattern-added",
    "pattern-changed",
    "pattern-removed",
    *_PARAMETER_PROPERTY,
}
_HEADER = {"type-changed", "became-nullable", "became-not-nullable"}


def _suffix(engine_rule: str, schema: Any) -> str:
    suffix = _SUFFIX.get(engine_rule, engine_rule)
    if suffix in _EXCLUSIVE and isinstance(schema, dict):
        side = "Minimum" if suffix.startswith("min") else "Maximum"
        exclusive, plain = schema.get(f"exclusive{side}"), schema.get(side.lower())
        if exclusive is True and plain is not None:  # OpenAPI 3.0: a flag on the bound
            return _EXCLUSIVE[suffix]
        # OpenAPI 3.1: a bound of its own, the one that counts when it is the tighter
        tighter = _number(exclusive) and (
            not _number(plain) or (exclusive >= plain) == (side == "Minimum")
        )
        if tighter:
            return _EXCLUSIVE[suffix]
    return suffix


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: the least level a finding has in its OpenAPI context (``Rule.floor`` in the catalogue): a
#: property removed from a request is silently ignored by the new provider, but old clients
#: still send it and mean it (as for a removed parameter), so it is worth a warning rather
#: than information
_FLOORS = {
    "request-property-removed": Level.WARNING,
    # a sunset that is not a date cannot be planned for (as for operations and parameters)
    "request-property-deprecated-sunset-invalid": Level.BREAKING,
    "response-property-deprecated-sunset-invalid": Level.BREAKING,
}


def openapi_id(
    prefix: str,
    engine_rule: str,
    *,
    at_root: bool,
    schema: Any = None,
    required: bool = False,
    header: bool = False,
) -> str:
    """The OpenAPI id of the JSON Schema finding ``engine_rule`` made under ``prefix``
    (``request-``, ``response-``, ``request-parameter-``, ``response-header-``).

    ``at_root``: the finding is about the body's, parameter's or header's own schema, not a
    property inside it. ``schema``: the schema the finding is about (tells an exclusive bound
    apart). ``required``: for an added or removed property, whether it is required.
    ``header``: the parameter is a header (its properties have ids of their own).
    """
    if prefix in (REQUEST, RESPONSE):
        return _body_id(prefix, engine_rule, at_root, schema, required)
    suffix = _suffix(engine_rule, schema)
    if prefix == PARAMETER:
        if header and not at_root and suffix in ("became-enum", "property-became-required"):
            return f"request-header-property-{suffix.removeprefix('property-')}"
        if suffix in _PARAMETER_PROPERTY and not at_root:
            return f"request-parameter-property-{suffix}"
        if suffix in _PARAMETER:
            return f"request-parameter-{suffix}"
    if prefix == HEADER and suffix in _HEADER and at_root:
        return f"response-header-{suffix}"
    return prefix + engine_rule


def _body_id(prefix: str, engine_rule: str, at_root: bool, schema: Any, required: bool) -> str:
    side = prefix.rstrip("-")
    if engine_rule == "required-property-added-with-default":
        if side == "request":
            return "new-required-request-property-with-default"
        engine_rule, required = "property-added", True
    if engine_rule in ("property-added", "property-added-to-open-model", "required-property-added"):
        required = required or engine_rule == "required-property-added"
        kind = "required" if required else "optional"
        return (
            f"new-{kind}-request-property"
            if side == "request"
            else f"response-{kind}-property-added"
        )
    if engine_rule in _ACCESS:  # oasdiff names these per property, required or optional
        return f"{side}-{'required' if required else 'optional'}-property-{_ACCESS[engine_rule]}"
    if engine_rule == _WITH_DEFAULT:  # oasdiff tells the default apart in requests only
        return f"{side}-property-became-required" + ("-with-default" if side == "request" else "")
    if engine_rule == "property-removed":
        if side == "request":
            return "request-property-removed"
        return f"response-{'required' if required else 'optional'}-property-removed"
    suffix = _suffix(engine_rule, schema)
    if side == "response" and at_root and suffix == "enum-value-removed":
        return "response-mediatype-enum-value-removed"
    if suffix in _BODY_OR_PROPERTY:
        return f"{side}-{'body' if at_root else 'property'}-{suffix}"
    if suffix in _PROPERTY_ONLY:
        return f"{side}-property-{suffix}"
    return prefix + engine_rule


_CONTEXTS = {
    REQUEST: "in a request body",
    RESPONSE: "in a response body",
    PARAMETER: "in a parameter",
    HEADER: "in a response header",
}


#: readOnly / writeOnly set or unset -> oasdiff's suffix
_ACCESS = {
    "read-only-added": "became-read-only",
    "read-only-removed": "became-not-read-only",
    "write-only-added": "became-write-only",
    "write-only-removed": "became-not-write-only",
}
#: the one refined name that keeps the plain context prefix (``request-property-…``)
_WITH_DEFAULT = "property-became-required-with-default"


#: a branch list that changed, reported as information where the schema's judgement did not
#: already name it (``openapi_composition``)
_LIST_ONLY = {"one-of-removed": "a oneOf branch was removed (its effect is judged apart)"}
_LIST_CHANGE = Rule(
    "one-of-list-changed",
    "openapi-schema",
    Breaks.NONE,
    "",
    "nothing to do: what the removed branch accepted is judged as its own finding",
)


def _declared() -> Iterator[Rule]:
    sources = jsonschema_rules.RULES
    named = [(s.id, s, s.summary) for s in sources.values()]
    named += [(name, sources[src], summary) for name, (src, summary) in _REFINED.items()]
    named += [(name, _NO_EFFECT, summary) for name, summary in _ANNOTATION_ONLY.items()]
    named += [(name, _LIST_CHANGE, summary) for name, summary in _LIST_ONLY.items()]
    seen: set[str] = set()
    for prefix, where in _CONTEXTS.items():
        for name, source, summary in named:
            for at_root in (True, False):
                for required in (True, False):
                    for exclusive in ({}, {"exclusiveMinimum": 1, "exclusiveMaximum": 1}):
                        rule_id = openapi_id(
                            prefix,
                            name,
                            at_root=at_root,
                            schema=exclusive,
                            required=required,
                            header=True,
                        )
                        plain = rule_id == prefix + name and name != _WITH_DEFAULT
                        if rule_id in seen or plain:
                            continue
                        seen.add(rule_id)
                        yield Rule(
                            rule_id,
                            "openapi-schema",
                            source.breaks,
                            f"{where}: {summary}",
                            source.suggestion,
                            source.tolerable,
                            source.unprovable,
                            floor=_FLOORS.get(rule_id),
                        )
    # a floor on an id that keeps the engine's name: declared in its own right
    for rule_id, floor in _FLOORS.items():
        if rule_id not in seen:
            prefix = next(p for p in _CONTEXTS if rule_id.startswith(p))
            source = sources[rule_id.removeprefix(prefix)]
            yield Rule(
                rule_id,
                "openapi-schema",
                source.breaks,
                f"{_CONTEXTS[prefix]}: {source.summary}",
                source.suggestion,
                source.tolerable,
                source.unprovable,
                floor=floor,
            )


RULES = declare(_declared())
# ids that keep the JSON Schema engine's name under the context prefix (oasdiff has no name of
# its own for them, e.g. ``request-property-removed``): the catalogue resolves them by family
for _prefix, _where in _CONTEXTS.items():
    declare_family(Family(_prefix, "openapi-schema", jsonschema_rules.KIND, _where))
