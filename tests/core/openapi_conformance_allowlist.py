OPENAPI_DIFF: dict[str, str] = {}
OASDIFF: dict[str, str] = {}
