"""Status codes the server answers that an operation's OpenAPI entry does not declare yet.

Empty: since the contracts, expectations, plans and OFREP routers declare their ``responses=``,
every code the pass meets is declared. A router another engineer owns that answers a new
undeclared code gets an entry here, with why, rather than an edit to that router; remove the
entry once the router declares it. Keys are ``METHOD /path`` as in the document, e.g.
``"GET /api/v1/plans/{change}": (404,)``.
"""

from __future__ import annotations

UNDECLARED: dict[str, tuple[int, ...]] = {}
