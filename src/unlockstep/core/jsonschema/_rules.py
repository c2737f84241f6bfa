"""The JSON Schema engine's rule ids (see ``core/compat/_rules.py`` for how a level is chosen)."""

from __future__ import annotations

from unlockstep.core.compat import Breaks, Rule, declare

KIND = "jsonschema"
W, R, B, N = Breaks.WRITERS, Breaks.READERS, Breaks.BOTH, Breaks.NONE

_ADD_OPTIONAL = (
    "add the new constraint as optional first (or relax it), and tighten it in a later version "
    "once every producer complies"
)
_RELAX = (
    "readers of the old version may not expect the wider values; tell consumers before relaxing, "
    "or publish a new version"
)
_NEW_TYPE = (
    "publish a new field (or a new event type) with the new meaning, keep the old one, deprecate "
    "it and remove it after its sunset"
)


def _bound_rules(name: str, lower: bool, what: str) -> list[Rule]:
    tighter, looser = ("increased", "decreased") if lower else ("decreased", "increased")
    return [
        Rule(
            f"{name}-added", KIND, W, f"a {what} was added; old data may violate it", _ADD_OPTIONAL
        ),
        Rule(
            f"{name}-{tighter}",
            KIND,
            W,
            f"the {what} was tightened; old data may violate it",
            _ADD_OPTIONAL,
        ),
        Rule(
            f"{name}-{looser}",
            KIND,
            R,
            f"the {what} was relaxed; readers may see values they did not expect",
            _RELAX,
        ),
        Rule(
            f"{name}-removed",
            KIND,
            R,
            f"the {what} was removed; readers may see values they did not expect",
            _RELAX,
        ),
    ]


def _text_rules(name: str, what: str) -> list[Rule]:
    return [
        Rule(
            f"{name}-added",
            KIND,
            W,
            f"a {what} was added; old values may not match it",
            _ADD_OPTIONAL,
        ),
        Rule(
            f"{name}-removed",
            KIND,
            R,
            f"the {what} was removed; readers may see values that do not match it",
            _RELAX,
        ),
        Rule(
            f"{name}-changed",
            KIND,
            B,
            f"the {what} changed; neither side's values are known to satisfy the other",
            _NEW_TYPE,
        ),
    ]


RULES = declare(
    [
        Rule(
            "type-narrowed",
            KIND,
            W,
            "the schema accepts fewer JSON types (e.g. number to integer); old data of the "
            "dropped types is rejected",
            "accept both types for a while (a type list or anyOf), move producers, then narrow",
        ),
        Rule(
            "type-widened",
            KIND,
            R,
            "the schema accepts more JSON types; readers may see a type they cannot handle",
            _RELAX,
        ),
        Rule(
            "type-changed",
            KIND,
            B,
            "the type changed to an unrelated one; old data is rejected and readers see a new type",
            _NEW_TYPE,
        ),
        Rule(
            "schema-disallowed",
            KIND,
            W,
            "the schema became `false`: nothing is accepted where old data was",
            "deprecate the field first, wait for its sunset and for usage to reach zero, then "
            "remove it",
        ),
        Rule(
            "schema-allowed",
            KIND,
            R,
            "a `false` schema now accepts values; readers may see data they never saw",
            _RELAX,
        ),
        Rule(
            "enum-value-removed",
            KIND,
            W,
            "an enum (or const) value was removed; old data using it is rejected",
            "deprecate the value, stop producing it, wait until usage is zero, then remove it",
        ),
        Rule(
            "enum-value-added",
            KIND,
            R,
            "an enum value was added; readers that switch over the values may not handle it",
            "make readers tolerant (a default branch) before producing the new value",
            tolerable=True,
        ),
        Rule(
            "enum-constraint-added",
            KIND,
            W,
            "the values were limited to an enum or const; old data outside it is rejected",
            _ADD_OPTIONAL,
        ),
        Rule(
            "enum-constraint-removed",
            KIND,
            R,
            "the enum or const limit was removed; readers may see any value",
            _RELAX,
        ),
        *_bound_rules("minimum", True, "minimum"),
        *_bound_rules("maximum", False, "maximum"),
        *_bound_rules("min-length", True, "minimum length"),
        *_bound_rules("max-length", False, "maximum length"),
        *_bound_rules("min-items", True, "minimum number of items"),
        *_bound_rules("max-items", False, "maximum number of items"),
        *_bound_rules("min-properties", True, "minimum number of properties"),
        *_bound_rules("max-properties", False, "maximum number of properties"),
        *_bound_rules("min-contains", True, "minimum number of matching items"),
        *_bound_rules("max-contains", False, "maximum number of matching items"),
        Rule(
            "multiple-of-added",
            KIND,
            W,
            "a multipleOf constraint was added; old numbers may not be multiples",
            _ADD_OPTIONAL,
        ),
        Rule(
            "multiple-of-tightened",
            KIND,
            W,
            "multipleOf became stricter (a multiple of the old factor)",
            _ADD_OPTIONAL,
        ),
        Rule(
            "multiple-of-relaxed",
            KIND,
            R,
            "multipleOf became looser (a divisor of the old factor)",
            _RELAX,
        ),
        Rule("multiple-of-removed", KIND, R, "the multipleOf constraint was removed", _RELAX),
        Rule(
            "multiple-of-changed", KIND, B, "multipleOf changed to an unrelated factor", _NEW_TYPE
        ),
        *_text_rules("pattern", "pattern"),
        *_text_rules("format", "format"),
        *_text_rules("content-encoding", "contentEncoding"),
        *_text_rules("content-media-type", "contentMediaType"),
        Rule(
            "content-schema-added",
            KIND,
            W,
            "a contentSchema was added; the decoded content of old data may violate it",
            _ADD_OPTIONAL,
        ),
        Rule(
            "content-schema-removed",
            KIND,
            R,
            "the contentSchema was removed; readers may see decoded content they did not expect",
            _RELAX,
        ),
        Rule(
            "unique-items-added",
            KIND,
            W,
            "items must now be unique; old arrays with repeats are rejected",
            _ADD_OPTIONAL,
        ),
        Rule(
            "unique-items-removed",
            KIND,
            R,
            "items may now repeat; readers may see duplicates",
            _RELAX,
        ),
        Rule("contains-added", KIND, W, "arrays must now contain a matching item", _ADD_OPTIONAL),
        Rule("contains-removed", KIND, R, "arrays no longer need a matching item", _RELAX),
        Rule(
            "property-removed",
            KIND,
            R,
            "a property was removed; readers relying on it lose it, and in a closed model old "
            "data carrying it is rejected (breaks is computed per case)",
            "deprecate the property, wait for its sunset and for usage to reach zero, then remove"
            " it",
        ),
        Rule(
            "property-added",
            KIND,
            R,
            "a property was added where the old schema did not declare it (breaks is computed per"
            " case: readers of a closed model reject it; a partially open model may reject old "
            "data)",
            "add it as optional; make readers tolerant of unknown properties first",
            tolerable=True,
        ),
        Rule(
            "property-added-to-open-model",
            KIND,
            W,
            "a property was declared in an open content model; old data may already carry that "
            "name with another shape",
            "choose a name no producer uses yet, or keep the new property's schema permissive",
            unprovable=True,
        ),
        Rule(
            "required-property-added",
            KIND,
            W,
            "a new property is required; old data does not have it",
            "add the property as optional first, make every producer send it, then require it",
        ),
        Rule(
            "property-became-required",
            KIND,
            W,
            "an optional property became required; old data may omit it",
            "make every producer send it (check usage) before requiring it",
        ),
        Rule(
            "property-became-optional",
            KIND,
            R,
            "a required property became optional; readers relying on it may not get it",
            "keep sending it while readers still rely on it; tell consumers first",
        ),
        Rule(
            "content-model-closed",
            KIND,
            W,
            "additional properties are no longer allowed; old data with extra properties is "
            "rejected",
            "declare every property old data carries before closing the model, or keep it open",
        ),
        Rule(
            "content-model-opened",
            KIND,
            R,
            "additional properties are now allowed; strict readers may reject them",
            "make readers tolerant of unknown properties first",
            tolerable=True,
        ),
        Rule(
            "pattern-property-added",
            KIND,
            W,
            "a patternProperties entry was added; old data with matching names may not fit it "
            "(breaks computed per case)",
            "keep the new pattern's schema at least as wide as what old data carried",
            unprovable=True,
        ),
        Rule(
            "pattern-property-removed",
            KIND,
            R,
            "a patternProperties entry was removed (breaks computed per case)",
            _RELAX,
        ),
        Rule(
            "property-names-changed",
            KIND,
            R,
            "propertyNames changed (breaks computed per case)",
            _RELAX,
        ),
        Rule(
            "dependent-required-added",
            KIND,
            W,
            "a property now requires others to be present",
            _ADD_OPTIONAL,
        ),
        Rule(
            "dependent-required-removed",
            KIND,
            R,
            "a property no longer requires others to be present",
            _RELAX,
        ),
        Rule(
            "any-of-added",
            KIND,
            W,
            "an anyOf/oneOf was added that old data is not known to satisfy",
            _ADD_OPTIONAL,
        ),
        Rule(
            "any-of-removed",
            KIND,
            R,
            "an anyOf/oneOf was removed; readers may see values none of the old branches allowed",
            _RELAX,
        ),
        Rule(
            "any-of-branch-removed",
            KIND,
            W,
            "an anyOf/oneOf branch that old data could match is gone",
            "keep the branch, deprecate it, and remove it once no producer uses it",
        ),
        Rule(
            "any-of-branch-added",
            KIND,
            R,
            "an anyOf branch was added; readers may see a shape they do not know",
            "make readers handle the new shape before producing it",
            tolerable=True,
        ),
        Rule(
            "wrapped-in-one-of",
            KIND,
            B,
            "a schema was wrapped in a oneOf whose branches overlap it: old values match "
            "several branches and are rejected (readers: a wider branch lets new values out)",
            "make the branches exclusive (distinct type or const discriminator), or use anyOf",
        ),
        Rule(
            "one-of-branch-added",
            KIND,
            B,
            "a oneOf branch was added; readers may see a new shape, and old data matching two "
            "branches is rejected",
            "make the branches exclusive (distinct type or const discriminator)",
            unprovable=True,
        ),
        Rule(
            "any-of-became-one-of",
            KIND,
            W,
            "anyOf became oneOf; old data matching several branches is rejected",
            "make the branches exclusive first, or keep anyOf",
        ),
        Rule(
            "one-of-became-any-of",
            KIND,
            R,
            "oneOf became anyOf; readers may see data matching several branches",
            _RELAX,
        ),
        Rule(
            "all-of-branch-added",
            KIND,
            W,
            "an allOf branch was added; old data is not known to satisfy it",
            _ADD_OPTIONAL,
        ),
        Rule(
            "all-of-branch-removed",
            KIND,
            R,
            "an allOf branch was removed; readers may see values it used to exclude",
            _RELAX,
        ),
        Rule("not-added", KIND, W, "a `not` was added; old data may match it", _ADD_OPTIONAL),
        Rule(
            "not-removed",
            KIND,
            R,
            "a `not` was removed; readers may see values it used to exclude",
            _RELAX,
        ),
        Rule(
            "condition-changed",
            KIND,
            B,
            "the `if` of a conditional changed; which branch applies is no longer comparable",
            _NEW_TYPE,
        ),
        Rule(
            "default-changed",
            KIND,
            N,
            "the default value changed; readers that fill in defaults see a different value",
            "announce the new default; it changes behaviour for data that omits the field",
        ),
        Rule(
            "deprecated",
            KIND,
            N,
            "the schema was marked deprecated",
            "announce a sunset date and a replacement; remove after usage reaches zero",
        ),
        *(
            Rule(
                f"{name}-{verb}",
                KIND,
                N,
                f"the schema {'is now' if verb == 'added' else 'is no longer'} marked {kw}",
                f"tell consumers: a {kw} value is sent only "
                + ("by the provider" if kw == "readOnly" else "by clients")
                + " (OpenAPI), so code generated from the schema changes",
            )
            for kw, name in (("readOnly", "read-only"), ("writeOnly", "write-only"))
            for verb in ("added", "removed")
        ),
        Rule(
            "deprecation-removed",
            KIND,
            N,
            "the schema is no longer marked deprecated",
            "tell consumers that were moving off it that it stays; drop its sunset plans",
        ),
        Rule(
            "not-comparable",
            KIND,
            B,
            "part of the schema could not be compared (unsupported or unresolvable combination)",
            "split the change into smaller steps that can be checked",
        ),
        Rule(
            "comparison-depth-reached",
            KIND,
            N,
            "the schemas nest deeper than the comparison follows; below this point they were"
            " not compared",
            "compare the nested schema on its own, or flatten it with $ref",
        ),
    ]
)
