"""Swagger 2.0 rewritten into the OpenAPI 3.x shape, so one engine compares both.

Only what the compatibility rules look at is translated: servers, paths and operations,
parameters (``body`` and ``formData`` become a request body), responses (``schema`` becomes
``content`` per ``produces`` media type), response headers, security definitions, and the
``definitions`` / ``parameters`` / ``responses`` sections with every ``$ref`` to them.
"""

from __future__ import annotations

from typing import Any

_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "collectionFormat",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
)
_REF_PREFIXES = {
    "#/definitions/": "#/components/schemas/",
    "#/parameters/": "#/components/parameters/",
    "#/responses/": "#/components/responses/",
}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


def is_swagger2(doc: Any) -> bool:
    return isinstance(doc, dict) and str(doc.get("swagger", "")).startswith("2")


def to_openapi3(doc: dict[str, Any]) -> dict[str, Any]:
    """A new 3.0-shaped document; ``doc`` is left untouched."""
    doc = _rewrite_refs(doc)
    consumes = list(doc.get("consumes") or ["application/json"])
    produces = list(doc.get("produces") or ["application/json"])
    out: dict[str, Any] = {"openapi": "3.0.0", "info": doc.get("info", {})}
    if "host" in doc or "basePath" in doc:
        scheme = (doc.get("schemes") or ["https"])[0]
        out["servers"] = [{"url": f"{scheme}://{doc.get('host', '')}{doc.get('basePath', '')}"}]
    if "security" in doc:
        out["security"] = doc["security"]
    components: dict[str, Any] = {}
    if "definitions" in doc:
        components["schemas"] = doc["definitions"]
    if "parameters" in doc:
        components["parameters"] = {
            name: _parameter(p) for name, p in doc["parameters"].items() if p.get("in") != "body"
        }
    if "responses" in doc:
        components["responses"] = {
            name: _response(r, produces) for name, r in doc["responses"].items()
        }
    if "securityDefinitions" in doc:
        components["securitySchemes"] = {
            name: _security_scheme(s) for name, s in doc["securityDefinitions"].items()
        }
    if components:
        out["components"] = components
    out["paths"] = {
        path: _path_item(item, consumes, produces, doc)
        for path, item in (doc.get("paths") or {}).items()
    }
    return out


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                for old, new in _REF_PREFIXES.items():
                    if value.startswith(old):
                        value = new + value[len(old) :]
                        break
                out[key] = value
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _path_item(
    item: dict[str, Any], consumes: list[str], produces: list[str], doc: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    shared = item.get("parameters") or []
    for key, value in item.items():
        if key in _METHODS and isinstance(value, dict):
            out[key] = _operation(value, shared, consumes, produces, doc)
        elif key.startswith("x-"):
            out[key] = value
    return out


def _operation(
    op: dict[str, Any],
    shared: list[Any],
    consumes: list[str],
    produces: list[str],
    doc: dict[str, Any],
) -> dict[str, Any]:
    consumes = list(op.get("consumes") or consumes)
    produces = list(op.get("produces") or produces)
    out = {
        k: v for k, v in op.items() if k not in ("parameters", "responses", "consumes", "produces")
    }
    params: list[Any] = []
    body: dict[str, Any] | None = None
    form: dict[str, Any] = {}
    form_required: list[str] = []
    for raw in [*shared, *(op.get("parameters") or [])]:
        param = _deref_parameter(raw, doc)
        where = param.get("in")
        if where == "body":
            body = {
                "required": bool(param.get("required", False)),
                "content": {m: {"schema": param.get("schema", {})} for m in consumes},
            }
        elif where == "formData":
            form[param["name"]] = _schema_of(param)
            if param.get("required"):
                form_required.append(param["name"])
        else:
            params.append(raw if "$ref" in raw else _parameter(param))
    if form:
        schema: dict[str, Any] = {"type": "object", "properties": form}
        if form_required:
            schema["required"] = form_required
        media = [m for m in consumes if "form" in m] or ["application/x-www-form-urlencoded"]
        body = {"required": bool(form_required), "content": {m: {"schema": schema} for m in media}}
    if params:
        out["parameters"] = params
    if body is not None:
        out["requestBody"] = body
    out["responses"] = {
        str(code): _response(r, produces) for code, r in (op.get("responses") or {}).items()
    }
    return out


def _deref_parameter(raw: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    ref = raw.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
        found = (doc.get("parameters") or {}).get(ref.rsplit("/", 1)[1])
        if isinstance(found, dict):
            return found
    return raw


def _schema_of(param: dict[str, Any]) -> dict[str, Any]:
    return {k: param[k] for k in _SCHEMA_KEYS if k in param and k != "collectionFormat"}


def _parameter(param: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in param.items() if k not in _SCHEMA_KEYS}
    out["schema"] = _schema_of(param)
    fmt = param.get("collectionFormat")
    if fmt == "multi":
        out["style"], out["explode"] = "form", True
    elif fmt in ("ssv", "pipes"):
        out["style"] = {"ssv": "spaceDelimited", "pipes": "pipeDelimited"}[fmt]
    return out


def _response(resp: dict[str, Any], produces: list[str]) -> dict[str, Any]:
    if "$ref" in resp:
        return resp
    out: dict[str, Any] = {"description": resp.get("description", "")}
    if "schema" in resp:
        out["content"] = {m: {"schema": resp["schema"]} for m in produces}
    if "headers" in resp:
        out["headers"] = {
            name: {k: v for k, v in h.items() if k not in _SCHEMA_KEYS} | {"schema": _schema_of(h)}
            for name, h in resp["headers"].items()
        }
    return out


def _security_scheme(scheme: dict[str, Any]) -> dict[str, Any]:
    kind = scheme.get("type")
    if kind == "basic":
        return {"type": "http", "scheme": "basic"}
    if kind == "apiKey":
        return {"type": "apiKey", "name": scheme.get("name"), "in": scheme.get("in")}
    if kind == "oauth2":
        flow_name = {
            "implicit": "implicit",
            "password": "password",
            "application": "clientCredentials",
            "accessCode": "authorizationCode",
        }.get(str(scheme.get("flow")), str(scheme.get("flow")))
        flow: dict[str, Any] = {"scopes": scheme.get("scopes", {})}
        if "authorizationUrl" in scheme:
            flow["authorizationUrl"] = scheme["authorizationUrl"]
        if "tokenUrl" in scheme:
            flow["tokenUrl"] = scheme["tokenUrl"]
        return {"type": "oauth2", "flows": {flow_name: flow}}
    return dict(scheme)
