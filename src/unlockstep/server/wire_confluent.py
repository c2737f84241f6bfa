"""The schema-registry protocol's bodies (``/confluent``), spelled as that protocol spells them
(``schemaType``, ``is_compatible``, ``error_code``…): its clients read these names, so they
are not the API's camelCase (every model here is named ``Confluent…``, which the wire test
exempts from the casing rule). ``schemaType`` is left out for AVRO, as the protocol does."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from unlockstep.services.schema_registry import SchemaOut, SubjectVersion

#: The protocol's content type; clients also accept plain JSON.
MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
#: ``…/schema`` answers with the schema itself (JSON for Avro and JSON Schema, Protobuf text).
RAW_SCHEMA: dict[int | str, dict[str, object]] = {
    200: {
        "description": "the schema itself",
        "content": {MEDIA_TYPE: {"schema": {}}, "text/plain": {"schema": {"type": "string"}}},
    }
}


class ConfluentBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class ConfluentReference(ConfluentBody):
    name: str
    subject: str
    version: int


class ConfluentSchema(ConfluentBody):
    """``GET /schemas/ids/{id}``."""

    schema_: str = Field(alias="schema")
    schema_type: str | None = Field(default=None, alias="schemaType")
    references: list[ConfluentReference] | None = None


class ConfluentSubjectVersion(ConfluentBody):
    """``GET /subjects/{subject}/versions/{version}``, lookup and register."""

    subject: str
    version: int
    id: int
    schema_: str = Field(alias="schema")
    schema_type: str | None = Field(default=None, alias="schemaType")
    references: list[ConfluentReference] | None = None


class ConfluentSchemaIn(ConfluentBody):
    """What register, lookup and the compatibility checks take."""

    schema_: str = Field(alias="schema", description="the schema text (Protobuf: or base64 "
                         "FileDescriptorProto)")  # fmt: skip
    schema_type: str | None = Field(default=None, alias="schemaType",
                                    description="AVRO (default), JSON or PROTOBUF")  # fmt: skip
    references: list[ConfluentReference] | None = None


class ConfluentLevelIn(ConfluentBody):
    compatibility: str


class ConfluentModeIn(ConfluentBody):
    mode: str


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring the body a route reads itself (to answer with the
    protocol's error codes rather than the framework's)."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    media = {"schema": schema}
    return {"requestBody": {"required": True,
                            "content": {MEDIA_TYPE: media, "application/json": media}}}  # fmt: skip


class ConfluentVersionRef(ConfluentBody):
    subject: str
    version: int


class ConfluentCompatibility(ConfluentBody):
    is_compatible: bool
    messages: list[str] | None = None


class ConfluentLevel(ConfluentBody):
    compatibility_level: str = Field(alias="compatibilityLevel")


class ConfluentLevelSet(ConfluentBody):
    compatibility: str


class ConfluentMode(ConfluentBody):
    mode: str


class ConfluentError(ConfluentBody):
    """The protocol's one error body."""

    error_code: int
    message: str


def schema_body(schema: SchemaOut, *, serialized: bool = False) -> dict[str, Any]:
    text = schema.serialized if serialized and schema.serialized else schema.text
    body: dict[str, Any] = {"schema": text}
    if schema.kind != "avro":
        body["schemaType"] = schema.schema_type
    if schema.references:
        body["references"] = schema.references
    return body


def version_body(found: SubjectVersion, *, serialized: bool = False) -> dict[str, Any]:
    return {
        "subject": found.subject,
        "version": found.version,
        "id": found.schema.id,
        **schema_body(found.schema, serialized=serialized),
    }
