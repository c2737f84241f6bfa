"""The rule ids the OpenAPI and AsyncAPI engines report about API structure (schemas inside
are the JSON Schema engine's rules, prefixed ``request-``, ``response-``,
``request-parameter-``, ``response-header-``, ``message-payload-``, ``message-headers-``).
Ids follow oasdiff's where the meaning matches; ``docs/rules.md`` is generated from here."""

from __future__ import annotations

from typing import Any

from unlockstep.core.compat import Breaks, Level, Rule, declare

B, R, W, N = Breaks.BOTH, Breaks.READERS, Breaks.WRITERS, Breaks.NONE
_DEPRECATE = (
    "deprecate it first (deprecated: true and an x-sunset date), wait for the sunset and for "
    "usage to reach zero, then remove it"
)
_OPTIONAL_FIRST = "add it as optional first, and require it only once every client sends it"
_ALTERNATIVE = "keep the old way as an alternative until clients have moved"
_SUNSET = "keep the announced sunset date, or move it later; write it as an ISO date"

_OPENAPI = [
    (
        "api-path-removed-without-deprecation",
        B,
        "a path was removed without being deprecated",
        _DEPRECATE,
    ),
    (
        "api-path-removed-before-sunset",
        B,
        "a deprecated path was removed before its sunset date",
        _DEPRECATE,
    ),
    (
        "api-path-removed-with-deprecation",
        N,
        "a deprecated path was removed after its sunset (the deprecation record is the evidence)",
        "",
    ),
    (
        "api-removed-without-deprecation",
        B,
        "an operation was removed without being deprecated",
        _DEPRECATE,
    ),
    (
        "api-removed-before-sunset",
        B,
        "a deprecated operation was removed before its sunset date",
        _DEPRECATE,
    ),
    ("api-removed-with-deprecation", N, "a deprecated operation was removed after its sunset", ""),
    (
        "api-path-sunset-parse",
        B,
        "the sunset of a removed or deprecated operation is not a date",
        _SUNSET,
    ),
    (
        "api-deprecated-sunset-parse",
        B,
        "a newly deprecated operation's sunset is not a date",
        _SUNSET,
    ),
    ("sunset-deleted", B, "a deprecated operation's announced sunset was deleted", _SUNSET),
    (
        "api-sunset-date-changed-too-small",
        B,
        "a deprecated operation's sunset moved earlier",
        _SUNSET,
    ),
    ("endpoint-added", N, "an operation was added", ""),
    ("endpoint-deprecated", N, "an operation was deprecated", ""),
    ("endpoint-deprecated-with-sunset", N, "an operation was deprecated with a sunset date", ""),
    ("endpoint-reactivated", N, "an operation is no longer deprecated", ""),
    (
        "api-operation-id-added",
        N,
        "an operationId was added or changed (breaking under STRICT: clients rename methods)",
        "keep operationId stable",
    ),
    (
        "api-operation-id-removed",
        N,
        "an operationId was removed or changed (breaking under STRICT)",
        "keep operationId stable",
    ),
    ("webhook-added", N, "a webhook was added", ""),
    ("webhook-removed", R, "a webhook was removed; subscribers stop receiving it", _DEPRECATE),
    (
        "new-request-path-parameter",
        W,
        "a path parameter was added to an existing path",
        "add a new path and keep the old one",
    ),
    (
        "new-required-request-parameter",
        W,
        "a required parameter was added; old clients do not send it",
        _OPTIONAL_FIRST,
    ),
    ("new-optional-request-parameter", N, "an optional parameter was added", ""),
    (
        "request-parameter-removed",
        W,
        "a parameter never deprecated was removed; old clients still send it and mean it",
        _DEPRECATE,
    ),
    (
        "request-parameter-removed-before-sunset",
        W,
        "a deprecated parameter was removed before its sunset",
        _DEPRECATE,
    ),
    (
        "request-parameter-removed-with-deprecation",
        N,
        "a deprecated parameter was removed after its sunset",
        "",
    ),
    (
        "request-property-removed-with-deprecation",
        N,
        "a deprecated request body property was removed after its sunset",
        "",
    ),
    (
        "response-property-removed-with-deprecation",
        N,
        "a deprecated response body property was removed after its sunset",
        "",
    ),
    (
        "response-header-removed-with-deprecation",
        N,
        "a deprecated response header was removed after its sunset",
        "",
    ),
    ("request-parameter-sunset-parse", W, "a deprecated parameter's sunset is not a date", _SUNSET),
    (
        "request-parameter-sunset-deleted",
        W,
        "a deprecated parameter's announced sunset was deleted",
        _SUNSET,
    ),
    (
        "request-parameter-sunset-date-changed-too-small",
        W,
        "a deprecated parameter's sunset moved earlier",
        _SUNSET,
    ),
    (
        "request-parameter-became-required",
        W,
        "a parameter became required; old clients do not send it",
        _OPTIONAL_FIRST,
    ),
    ("request-parameter-became-optional", N, "a parameter became optional", ""),
    (
        "request-parameter-style-changed",
        W,
        "a parameter's serialisation style changed; old clients serialise it the old way",
        "accept both serialisations, or add a new parameter",
    ),
    (
        "request-parameter-explode-changed",
        W,
        "a parameter's explode flag changed; old clients serialise it the old way",
        "accept both serialisations, or add a new parameter",
    ),
    (
        "request-parameter-allow-empty-value-removed",
        W,
        "a parameter no longer allows an empty value",
        "keep accepting empty values",
    ),
    (
        "request-parameter-default-value-added",
        W,
        "a parameter gained a default: old clients that omit it now ask for something else",
        "keep the behaviour of an omitted parameter; add a new parameter",
    ),
    (
        "request-parameter-default-value-changed",
        W,
        "a parameter's default changed: old clients that omit it now ask for something else",
        "keep the default; add a new parameter",
    ),
    (
        "request-parameter-default-value-removed",
        W,
        "a parameter's default was removed",
        "keep the default",
    ),
    ("request-parameter-deprecated", N, "a parameter was deprecated", ""),
    ("request-parameter-reactivated", N, "a parameter is no longer deprecated", ""),
    (
        "request-body-added-required",
        W,
        "a required request body was added; old clients send none",
        _OPTIONAL_FIRST,
    ),
    ("request-body-added-optional", N, "an optional request body was added", ""),
    (
        "request-body-removed",
        W,
        "the request body was removed; old clients still send one",
        _DEPRECATE,
    ),
    ("request-body-became-required", W, "the request body became required", _OPTIONAL_FIRST),
    ("request-body-became-optional", N, "the request body became optional", ""),
    (
        "request-body-media-type-removed",
        W,
        "a request media type is no longer accepted",
        _DEPRECATE,
    ),
    ("request-body-media-type-added", N, "a request media type was added", ""),
    (
        "response-success-status-removed",
        R,
        "a success (2xx) response old clients expect was removed",
        _DEPRECATE,
    ),
    (
        "response-non-success-status-removed",
        N,
        "an error response was removed (breaking under STRICT)",
        "",
    ),
    ("response-success-status-added", N, "a success response was added", ""),
    ("response-non-success-status-added", N, "an error response was added", ""),
    ("response-media-type-removed", R, "a response media type is no longer sent", _DEPRECATE),
    ("response-media-type-added", N, "a response media type was added", ""),
    ("required-response-header-removed", R, "a required response header was removed", _DEPRECATE),
    (
        "optional-response-header-removed",
        R,
        "an optional response header was removed (a warning: readers must cope with its absence)",
        _DEPRECATE,
    ),
    ("response-header-added", N, "a response header was added", ""),
    (
        "response-header-became-optional",
        R,
        "a response header is no longer always sent",
        "keep sending it",
    ),
    ("response-header-became-required", N, "a response header is now always sent", ""),
    (
        "response-header-serialisation-changed",
        R,
        "a response header's style or explode changed",
        "send a new header instead",
    ),
    ("response-header-deprecated", N, "a response header was deprecated", ""),
    ("response-header-reactivated", N, "a response header is no longer deprecated", ""),
    (
        "api-security-added",
        W,
        "security now required where none was (breaking), or a new alternative accepted (info)",
        _ALTERNATIVE,
    ),
    (
        "api-security-removed",
        W,
        "a security alternative is no longer accepted (breaking when no other one suffices)",
        _ALTERNATIVE,
    ),
    (
        "api-security-scope-added",
        W,
        "an operation asks for more OAuth scopes; old tokens may lack them",
        _ALTERNATIVE,
    ),
    ("api-security-scope-removed", N, "an operation asks for fewer scopes", ""),
    (
        "api-global-security-added",
        W,
        "top-level security was added or gained an alternative",
        _ALTERNATIVE,
    ),
    (
        "api-global-security-removed",
        W,
        "a top-level security alternative was removed",
        _ALTERNATIVE,
    ),
    ("api-global-security-scope-added", W, "top-level security asks for more scopes", _ALTERNATIVE),
    ("api-global-security-scope-removed", N, "top-level security asks for fewer scopes", ""),
    ("api-security-component-added", N, "a security scheme was added", ""),
    (
        "api-security-component-removed",
        N,
        "a security scheme was removed (operations that used it report the change)",
        "",
    ),
    (
        "api-security-component-type-changed",
        W,
        "a security scheme's type changed",
        "add a new scheme as an alternative",
    ),
    (
        "api-security-component-in-changed",
        W,
        "an API key moved (header, query, cookie)",
        "add a new scheme as an alternative",
    ),
    (
        "api-security-component-name-changed",
        W,
        "an API key's name changed",
        "add a new scheme as an alternative",
    ),
    (
        "api-security-component-scheme-changed",
        W,
        "an HTTP auth scheme changed (e.g. basic to bearer)",
        "add a new scheme as an alternative",
    ),
    (
        "api-security-component-open-id-connect-url-changed",
        W,
        "the OpenID Connect discovery URL changed",
        "keep serving the old URL",
    ),
    (
        "api-security-component-bearer-format-changed",
        W,
        "the bearer token format changed (warning; breaking under STRICT)",
        "accept both token formats for a while",
    ),
    (
        "api-security-component-oauth-url-changed",
        W,
        "an OAuth flow's authorization URL changed",
        "keep serving the old URL",
    ),
    (
        "api-security-component-oauth-token-url-changed",
        W,
        "an OAuth flow's token URL changed",
        "keep serving the old URL",
    ),
    (
        "api-security-component-oauth-refresh-url-changed",
        W,
        "an OAuth flow's refresh URL changed",
        "keep serving the old URL",
    ),
    ("api-security-component-oauth-flow-removed", W, "an OAuth flow was removed", _ALTERNATIVE),
    (
        "api-security-component-oauth-scope-added",
        N,
        "an OAuth scope was added (breaking under STRICT)",
        "",
    ),
    (
        "api-security-component-oauth-scope-removed",
        W,
        "an OAuth scope was removed; old clients still ask for it",
        "deprecate the scope first",
    ),
]

_ASYNCAPI = [
    (
        "channel-removed",
        B,
        "a channel was removed: consumers (send) or producers (receive) on it are cut off",
        _DEPRECATE,
    ),
    (
        "channel-removed-before-sunset",
        B,
        "a deprecated channel was removed before its sunset",
        _DEPRECATE,
    ),
    (
        "channel-removed-with-deprecation",
        N,
        "a deprecated channel was removed after its sunset",
        "",
    ),
    (
        "message-removed",
        B,
        "a message was removed from a channel the application still uses",
        _DEPRECATE,
    ),
    (
        "message-removed-before-sunset",
        B,
        "a deprecated message was removed before its sunset",
        _DEPRECATE,
    ),
    (
        "message-removed-with-deprecation",
        N,
        "a deprecated message was removed after its sunset",
        "",
    ),
    (
        "message-payload-property-removed-with-deprecation",
        N,
        "a deprecated payload property was removed after its sunset",
        "",
    ),
    (
        "message-headers-property-removed-with-deprecation",
        N,
        "a deprecated message header property was removed after its sunset",
        "",
    ),
    (
        "message-added",
        N,
        "a message was added (breaking for strict consumers of a sent channel)",
        "publish it on a new channel, or make consumers ignore unknown messages",
    ),
    (
        "message-event-type-changed",
        B,
        "the envelope's fixed eventType changed: a new event, not an evolution",
        "publish the new event alongside the old one until consumers move",
    ),
    (
        "message-event-version-changed",
        B,
        "the envelope's fixed eventVersion changed: consumers dispatching on it miss the event",
        "dual publish both versions until consumers move",
    ),
    (
        "message-content-type-changed",
        B,
        "a message's content type changed",
        "publish the new encoding on a new channel",
    ),
]

#: rules whose level is not plainly "breaking when it hurts the other party"
_FLAGS: dict[str, dict[str, Any]] = {
    # a hint for clients, not a different way to authenticate: STRICT calls it breaking
    "api-security-component-bearer-format-changed": {"unprovable": True},
    # readers of an optional header already cope without it: a warning, never more
    "optional-response-header-removed": {"level": Level.WARNING},
}

RULES = declare(
    [Rule(i, "openapi", b, s, g, **_FLAGS.get(i, {})) for i, b, s, g in _OPENAPI]
    + [Rule(i, "asyncapi", b, s, g) for i, b, s, g in _ASYNCAPI]
)
