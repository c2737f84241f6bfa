"""Use cases, one module per resource: gather from the store, decide in ``core``, persist and
audit. Routers and CLI commands only translate between the wire and these functions; the
store only runs queries.

    server/routers/*  --(plain values)-->  services/*  --> core (decide)
                                                       --> store (gather, persist, audit)
"""
