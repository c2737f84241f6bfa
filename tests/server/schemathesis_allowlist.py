"""Status codes the server answers that an operation's OpenAPI entry does not declare yet.

Every entry is on a router another engineer is typing concurrently (``responses=``
declarations on contracts, expectations, plans and OFREP), so it is recorded here instead of
edited there. Remove an entry once its router declares the code: the schemathesis pass then
holds it to the declaration. Keys are ``METHOD /path`` as in the document.
"""

from __future__ import annotations

UNDECLARED: dict[str, tuple[int, ...]] = {
    # expectations router: an unknown service, version, environment or contract is a 404;
    # 401: a write without a token when the server has tokens (the trust branch reworks auth)
    "GET /api/v1/can-i-deploy": (404,),
    "GET /api/v1/matrix": (404,),
    "POST /api/v1/impact": (404,),
    "POST /api/v1/verifications": (401, 404),
    "POST /api/v1/expectations": (401,),
    "GET /api/v1/services/{name}/consumers": (404,),
    # contracts router: an unknown service, contract or contract version is a 404
    "GET /api/v1/services/{service}/contracts": (404,),
    "GET /api/v1/services/{service}/contracts/{name}": (404,),
    "GET /api/v1/services/{service}/contracts/{name}/versions/{version}": (404,),
    "PUT /api/v1/services/{service}/contracts/{name}/versions/{version}": (401, 404),
    "POST /api/v1/services/{service}/contracts/{name}/check": (404,),
    # plans router: an unknown change is a 404
    "POST /api/v1/plans": (401,),
    "GET /api/v1/plans/{change}": (404,),
    "GET /api/v1/plans/{change}/document": (404,),
    # OFREP (ofrep-speed): an unknown flag is OFREP's own 404 body (FLAG_NOT_FOUND)
    "POST /ofrep/v1/evaluate/flags/{key}": (404,),
}
