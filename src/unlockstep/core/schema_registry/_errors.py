"""The failures the schema-registry protocol names with its own ``error_code`` (clients and
serializers branch on them). Each is one of unlockstep's own errors, so the HTTP status and
the CLI exit code still come from the one tree in ``unlockstep.errors``::

    NotFound       40401 subject, 40402 version, 40403 schema, 40404 subject soft-deleted,
                   40405 subject not soft-deleted, 40406 version soft-deleted,
                   40407 version not soft-deleted, 40408 no subject compatibility,
                   40409 no subject mode
    InvalidInput   42201 invalid schema, 42202 invalid version, 42203 invalid compatibility
                   level, 42204 invalid mode, 42205 operation not permitted,
                   42206 reference exists, 42207 schema id does not match (IMPORT)

An incompatible schema is not among them: it is a returned verdict (409 on the wire).
"""

from __future__ import annotations

from unlockstep.errors import InvalidInput, NotFound


class SubjectNotFound(NotFound):
    error_code = 40401


class VersionNotFound(NotFound):
    error_code = 40402


class SchemaNotFound(NotFound):
    error_code = 40403


class SubjectSoftDeleted(NotFound):
    error_code = 40404


class SubjectNotSoftDeleted(NotFound):
    error_code = 40405


class VersionSoftDeleted(NotFound):
    error_code = 40406


class VersionNotSoftDeleted(NotFound):
    error_code = 40407


class CompatibilityNotConfigured(NotFound):
    error_code = 40408


class ModeNotConfigured(NotFound):
    error_code = 40409


class InvalidSchema(InvalidInput):
    error_code = 42201


class InvalidVersion(InvalidInput):
    error_code = 42202


class InvalidCompatibility(InvalidInput):
    error_code = 42203


class InvalidMode(InvalidInput):
    error_code = 42204


class NotPermitted(InvalidInput):
    error_code = 42205


class ReferenceExists(InvalidInput):
    error_code = 42206


class IdDoesNotMatch(InvalidInput):
    """IMPORT mode: the schema has another id here, or the id names another schema."""

    error_code = 42207
