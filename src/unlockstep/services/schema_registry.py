"""The schema-registry API's use cases (``/confluent``): subjects are contracts.

A subject is a contract of the service that owns the topic. Which service: the first pattern
of the ``schema_registry_subjects`` setting that matches the subject; else the one service
that already has an Avro, JSON Schema or Protobuf contract of that name (published the
unlockstep way); else the ``schema_registry_service`` setting's service (created on first
use). A subject is bound to its contract when it is first used, and stays bound.

Versions registered here are contract versions like any other (provider version
``<contract>.<n>``): impact, consumers, can-i-deploy and plans see them. Contract versions
published the unlockstep way get subject version numbers and schema ids the first time the
subject is read (in publish order), so they are readable here too.

Compatibility is judged by the same engines under the registry rule set
(``core.schema_registry``), against the subject's live (not soft-deleted) versions, under
the subject's level (the contract's mode once set through ``PUT /config/{subject}`` or
published the unlockstep way) or the global one.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core.compat import CompatibilityReport, Mode, Source
from unlockstep.core.schema_registry import (
    TYPE_OF_KIND,
    TYPES,
    CompatibilityNotConfigured,
    IdDoesNotMatch,
    InvalidCompatibility,
    InvalidMode,
    InvalidSchema,
    InvalidVersion,
    ModeNotConfigured,
    NotPermitted,
    Reference,
    ReferenceExists,
    SchemaNotFound,
    SubjectNotFound,
    SubjectNotSoftDeleted,
    SubjectSoftDeleted,
    VersionNotFound,
    VersionNotSoftDeleted,
    VersionSoftDeleted,
    canonical_text,
    contract_name,
    engine_for,
    fingerprint,
    judge,
    kind_of,
    resolved_avro,
)
from unlockstep.errors import Conflict, InvalidInput, ParseError
from unlockstep.services import authz, contract_references, contracts
from unlockstep.services.authz import Principal
from unlockstep.settings import Settings
from unlockstep.store import Store, audit, registry
from unlockstep.store import contracts as contract_rows
from unlockstep.store import schema_registry as rows
from unlockstep.store.approvals import ChangeRequest
from unlockstep.store.contract_tables import Contract, ContractVersion
from unlockstep.store.schema_registry_tables import (
    RegistrySchema,
    RegistrySubject,
    RegistrySubjectVersion,
)
from unlockstep.store.tables import Service

log = logging.getLogger(__name__)

KINDS = tuple(TYPES.values())
MODES = ("READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT")
DEFAULT_COMPATIBILITY = Mode.BACKWARD.value
DEFAULT_MODE = "READWRITE"
#: How deep references may chain (a reference's references...).
MAX_REFERENCE_DEPTH = 32
_EXTENSIONS = {"avro": ".avsc", "jsonschema": ".json", "protobuf": ".proto"}


# -- values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaIn:
    """A schema as a client sends it."""

    text: str
    kind: str = "avro"
    references: list[Reference] = field(default_factory=list)
    #: the id and version another registry gave the schema (``IMPORT`` mode only)
    schema_id: int | None = None
    version: int | None = None

    @classmethod
    def of(cls, body: Any) -> SchemaIn:
        if not isinstance(body, dict):
            raise InvalidSchema("the request body must be a JSON object", where="body")
        text = body.get("schema")
        if not isinstance(text, str) or not text.strip():
            raise InvalidSchema("'schema' must be a non-empty string", where="schema")
        schema_type = body.get("schemaType")
        if schema_type is not None and not isinstance(schema_type, str):
            raise InvalidSchema("'schemaType' must be a string", where="schemaType")
        try:
            kind = kind_of(schema_type)
        except InvalidInput as exc:
            raise InvalidSchema(exc.message, where="schemaType", hint=exc.hint) from None
        raw_refs = body.get("references") or []
        if not isinstance(raw_refs, list):
            raise InvalidSchema("'references' must be a list", where="references")
        refs = []
        for i, ref in enumerate(raw_refs):
            ok = isinstance(ref, dict) and isinstance(ref.get("name"), str)
            ok = ok and isinstance(ref.get("subject"), str) and isinstance(ref.get("version"), int)
            if not ok:
                raise InvalidSchema(
                    "a reference is {name, subject, version}", where=f"references/{i}"
                )
            refs.append(Reference(ref["name"], ref["subject"], ref["version"]))
        return cls(text, kind, refs, _number(body, "id"), _number(body, "version"))


def _number(body: dict[str, Any], key: str) -> int | None:
    """An optional id or version in a request body: a whole number from 1 to 2^31-1."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise InvalidSchema(f"'{key}' must be a whole number from 1 to 2^31-1", where=key)
    return value


@dataclass(frozen=True)
class SchemaOut:
    """A stored schema: its id, type, text and references."""

    id: int
    kind: str
    text: str
    references: list[dict[str, Any]]
    serialized: str | None = None

    @property
    def schema_type(self) -> str:
        return TYPE_OF_KIND[self.kind]

    @classmethod
    def of(cls, row: RegistrySchema) -> SchemaOut:
        return cls(row.id, row.kind, row.text, list(row.refs or []), row.serialized)


@dataclass(frozen=True)
class SubjectVersion:
    subject: str
    version: int
    schema: SchemaOut
    deleted: bool = False


@dataclass(frozen=True)
class Incompatible:
    """The verdict that refuses a schema (409 on the wire): messages per breaking change."""

    subject: str
    messages: list[str]
    report: CompatibilityReport | None = None


@dataclass(frozen=True)
class Compatibility:
    compatible: bool
    messages: list[str]


@dataclass
class _Prepared:
    """A schema read and parsed, with its references resolved."""

    kind: str
    canonical: str
    references: list[Reference]
    parsed: Any
    serialized: str | None
    fingerprint: str


# -- subjects ----------------------------------------------------------------------------


def _target(session: Session, settings: Settings, subject: str) -> tuple[str, str, Contract | None]:
    """(service, contract name, the contract if it exists) a new subject binds to."""
    name = contract_name(subject)
    for pattern, service in settings.schema_registry_subjects.items():
        if fnmatch.fnmatchcase(subject, pattern):
            found = registry.find_service(session, service)
            contract = contract_rows.find_contract(session, found, name) if found else None
            return service, name, contract
    candidates = rows.contracts_named(session, name, KINDS)
    if len(candidates) == 1:
        contract = candidates[0]
        service_row = session.get(Service, contract.service_id)
        assert service_row is not None
        return service_row.name, name, contract
    service = settings.schema_registry_service
    found = registry.find_service(session, service)
    contract = contract_rows.find_contract(session, found, name) if found else None
    return service, name, contract


def _subject(session: Session, settings: Settings, subject: str) -> RegistrySubject | None:
    """The subject's row, bound to its contract on first use and synced with the contract
    versions published the unlockstep way; ``None`` when there is no such contract."""
    row = rows.find_subject(session, subject)
    if row is None:
        _, _, contract = _target(session, settings, subject)
        if contract is None or contract.kind not in KINDS:
            return None
        if rows.subject_of_contract(session, contract.id) is not None:
            return None  # the contract is another subject's
        row = rows.add_subject(session, subject, contract)
        row.compatibility = contract.mode  # published the unlockstep way: its own mode
    _sync(session, row)
    return row


def _existing(session: Session, settings: Settings, subject: str) -> RegistrySubject:
    row = _subject(session, settings, subject)
    if row is None:
        raise SubjectNotFound(f"Subject '{subject}' not found.", where="subject")
    return row


def _sync(session: Session, subject: RegistrySubject, depth: int = 0) -> None:
    """Give every contract version without a subject version one, in publish order."""
    missing = rows.unsynced(session, subject)
    if not missing:
        return
    contract = session.get(Contract, subject.contract_id)
    assert contract is not None
    number = rows.next_number(session, subject)
    for cv in missing:
        text = contract_rows.content(session, cv.blob_sha256) or ""
        canonical = canonical_text(contract.kind, text)
        refs = _references_of(session, cv, depth)
        fp = fingerprint(contract.kind, canonical, refs)
        schema = rows.schema_by_fingerprint(session, fp) or rows.add_schema(
            session, contract.kind, fp, canonical, [r.to_dict() for r in refs]
        )
        rows.add_version(session, subject, number, schema, cv.id)
        number += 1


def _references_of(session: Session, cv: ContractVersion, depth: int) -> list[Reference]:
    """A multi-file contract version's references as subject versions: each referenced
    contract is bound to a subject of its own name (synced) when it has none yet."""
    out = []
    for name, target in contract_references.stored(session, cv.id):
        found = rows.version_of_contract_version(session, target.id)
        if found is None and depth < MAX_REFERENCE_DEPTH:
            contract = session.get(Contract, target.contract_id)
            unbound = contract is not None and not rows.subject_of_contract(session, contract.id)
            if contract is not None and unbound and not rows.find_subject(session, contract.name):
                _sync(session, rows.add_subject(session, contract.name, contract), depth + 1)
            found = rows.version_of_contract_version(session, target.id)
        if found is not None:
            subject = session.get(RegistrySubject, found.subject_id)
            assert subject is not None
            out.append(Reference(name, subject.name, found.number))
    return out


def list_subjects(
    session: Session, settings: Settings, prefix: str = "", *, deleted: bool = False
) -> list[str]:
    """Every subject: those used through this API, and the Avro, JSON Schema and Protobuf
    contracts published the unlockstep way that a subject of their name would read."""
    names = set(rows.subject_names(session, prefix, deleted=deleted))
    for contract, _service in rows.unbound_contracts(session, KINDS):
        if contract.name.startswith(prefix) and contract.name not in names:
            _, _, target = _target(session, settings, contract.name)
            if target is not None and target.id == contract.id:
                names.add(contract.name)
    return sorted(names)


def list_versions(
    session: Session, settings: Settings, subject: str, *, deleted: bool = False
) -> list[int]:
    row = _existing(session, settings, subject)
    found = [v.number for v in rows.versions(session, row, deleted=deleted)]
    if not found:
        raise SubjectNotFound(f"Subject '{subject}' not found.", where="subject")
    return found


def parse_version(text: str) -> int | None:
    """A version in a path: a number from 1, or ``latest``/``-1`` (``None``)."""
    if text == "latest" or text == "-1":
        return None
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1 or number > 2**31 - 1:
        raise InvalidVersion(
            f"The specified version '{text}' is not a valid version id. Allowed values are "
            'between [1, 2^31-1] and the string "latest"',
            where="version",
        )
    return number


def _version(
    session: Session, subject: RegistrySubject, text: str, *, deleted: bool = False
) -> RegistrySubjectVersion:
    number = parse_version(text)
    if number is None:
        found = rows.latest(session, subject, deleted=deleted)
    else:
        found = rows.version(session, subject, number)
        if found is not None and found.deleted and not deleted:
            found = None
    if found is None:
        if not rows.versions(session, subject, deleted=deleted):
            raise SubjectNotFound(f"Subject '{subject.name}' not found.", where="subject")
        raise VersionNotFound(f"Version {text} not found.", where="version")
    return found


def _out(session: Session, subject: RegistrySubject, row: RegistrySubjectVersion) -> SubjectVersion:
    schema = rows.schema(session, row.schema_id)
    assert schema is not None
    return SubjectVersion(subject.name, row.number, SchemaOut.of(schema), row.deleted)


def get_version(
    session: Session, settings: Settings, subject: str, version: str, *, deleted: bool = False
) -> SubjectVersion:
    row = _existing(session, settings, subject)
    return _out(session, row, _version(session, row, version, deleted=deleted))


def referenced_by(session: Session, settings: Settings, subject: str, version: str) -> list[int]:
    row = _existing(session, settings, subject)
    found = _version(session, row, version)
    return rows.referenced_by(session, row.name, found.number)


# -- schemas by id -----------------------------------------------------------------------


def schema_by_id(session: Session, schema_id: int) -> SchemaOut:
    row = rows.used_schema(session, schema_id) if 0 < schema_id < 2**63 else None
    if row is None:
        raise SchemaNotFound(f"Schema {schema_id} not found", where="id")
    return SchemaOut.of(row)


class SchemaCache:
    """Schemas by id, kept in the process: a schema id's type, text and references never
    change, so every server process may keep what it read (the deserializers' hot path,
    ``GET /schemas/ids/{id}``). A hard delete is the one way an id stops being readable:
    the process that does it empties its cache (``forget_all``); other server processes
    answer the id from their cache until they restart or evict it. Bounded, least recently
    used out first."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._items: OrderedDict[int, SchemaOut] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, schema_id: int) -> SchemaOut | None:
        """The schema if this process has read it (no database read)."""
        with self._lock:
            found = self._items.get(schema_id)
            if found is not None:
                self._items.move_to_end(schema_id)
            return found

    def forget_all(self) -> None:
        """After a hard delete: which ids it made unreadable is not worth a query (hard
        deletes are rare), so every id is read from the database again."""
        with self._lock:
            self._items.clear()

    def get(self, store: Store, schema_id: int) -> SchemaOut:
        found = self.cached(schema_id)
        if found is not None:
            return found
        with store.session() as session:
            found = schema_by_id(session, schema_id)
        with self._lock:
            self._items[schema_id] = found
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return found


def resolved(session: Session, schema: SchemaOut) -> SchemaOut:
    """``?format=resolved``: an Avro schema with its references inlined (other types are
    answered as stored, as Confluent does)."""
    if schema.kind != "avro" or not schema.references:
        return schema
    refs = [Reference(r["name"], r["subject"], r["version"]) for r in schema.references]
    text = resolved_avro(schema.text, _reader(session, refs))
    return SchemaOut(schema.id, schema.kind, text, [], schema.serialized)


def schema_uses(
    session: Session, schema_id: int, *, deleted: bool = False
) -> list[tuple[str, int]]:
    schema_by_id(session, schema_id)
    return [(s, n) for s, n, d in rows.uses_of_schema(session, schema_id) if deleted or not d]


# -- reading a schema --------------------------------------------------------------------


def _reader(session: Session, refs: list[Reference], depth: int = 0) -> dict[str, str]:
    """Name -> text of every schema ``refs`` reach (their own references too)."""
    if depth > MAX_REFERENCE_DEPTH:
        raise InvalidSchema("references chain deeper than the limit", where="references")
    texts: dict[str, str] = {}
    for ref in refs:
        subject = rows.find_subject(session, ref.subject)
        found = rows.version(session, subject, ref.version) if subject is not None else None
        schema = rows.schema(session, found.schema_id) if found is not None else None
        if schema is None:
            raise InvalidSchema(
                f"Invalid schema: reference {ref.name!r} names subject {ref.subject!r} version "
                f"{ref.version}, which is not registered",
                where="references",
            )
        inner = [Reference(r["name"], r["subject"], r["version"]) for r in schema.refs]
        texts.update(_reader(session, inner, depth + 1))
        texts[ref.name] = schema.text
    return texts


def _source(kind: str, text: str, name: str, texts: dict[str, str]) -> Source:
    def read(relative: str) -> str:
        for key in (relative, relative.lstrip("./"), relative.rsplit("/", 1)[-1]):
            if key in texts:
                return texts[key]
        raise ParseError(f"{relative!r} is not among the schema's references", where=name)

    return Source(text, name + _EXTENSIONS[kind], read_relative=read if texts else None)


def _prepare(session: Session, subject: str, given: SchemaIn, engine_kind: str) -> _Prepared:
    from unlockstep.core.protobuf import from_serialized, looks_serialized

    text, serialized = given.text, None
    if given.kind == "protobuf" and looks_serialized(text):
        serialized = text.strip()
        text, _ = from_serialized(text, subject)
    canonical = canonical_text(given.kind, text)
    texts = _reader(session, given.references)
    engine = engine_for(given.kind, engine_kind)
    try:
        parsed = engine.parse(_source(given.kind, canonical, subject, texts))
    except InvalidInput as exc:
        raise InvalidSchema(f"Invalid schema: {exc}", where="schema") from None
    fp = fingerprint(given.kind, canonical, given.references)
    return _Prepared(given.kind, canonical, given.references, parsed, serialized, fp)


def _parsed_history(
    session: Session,
    subject: RegistrySubject,
    engine_kind: str,
    kind: str,
    *,
    only: int | None,
    every: bool,
) -> list[tuple[str | None, Any]]:
    """The live versions to judge against, parsed: ``only`` that one, ``every`` one (the
    transitive levels), or the latest."""
    if only is not None:
        found = rows.version(session, subject, only)
        targets = [found] if found is not None else []
    elif every:
        targets = rows.versions(session, subject, deleted=False)
    else:
        latest = rows.latest(session, subject)
        targets = [latest] if latest is not None else []
    history: list[tuple[str | None, Any]] = []
    for row in targets:
        schema = rows.schema(session, row.schema_id)
        assert schema is not None
        if schema.kind != kind:
            continue
        refs = [Reference(r["name"], r["subject"], r["version"]) for r in schema.refs]
        source = _source(kind, schema.text, f"{subject.name}.v{row.number}", _reader(session, refs))
        history.append((str(row.number), engine_for(kind, engine_kind).parse(source)))
    return history


def _level(session: Session, subject: RegistrySubject | None) -> Mode:
    if subject is not None and subject.compatibility is not None:
        contract = session.get(Contract, subject.contract_id)
        if contract is not None:
            return Mode.parse(contract.mode)
    return Mode.parse(rows.setting(session, "compatibility") or DEFAULT_COMPATIBILITY)


def _messages(report: CompatibilityReport) -> list[str]:
    return [
        f"{{ruleName: '{c.rule}', location: '{c.location}', message: '{c.message}'"
        + (f", against: version {c.against}" if c.against else "")
        + "}"
        for c in report.breaking
    ]


def _judge(
    session: Session,
    settings: Settings,
    subject: RegistrySubject | None,
    prepared: _Prepared,
    *,
    only: int | None = None,
    mode: Mode | None = None,
) -> CompatibilityReport | None:
    if subject is None:
        return None
    level = mode or _level(session, subject)
    rules = settings.schema_registry_rules
    history = _parsed_history(
        session, subject, rules, prepared.kind, only=only, every=level.transitive
    )
    if not history:
        return None
    return judge(engine_for(prepared.kind, rules), prepared.parsed, history, level, rules)


# -- lookup, check, register -------------------------------------------------------------


def lookup(
    session: Session, settings: Settings, subject: str, given: SchemaIn, *, deleted: bool = False
) -> SubjectVersion:
    row = _existing(session, settings, subject)
    prepared = _prepare(session, subject, given, settings.schema_registry_rules)
    found = rows.version_with(session, row, prepared.fingerprint, deleted=deleted)
    if found is not None:
        return _out(session, row, found)
    raise SchemaNotFound("Schema not found", where="schema")


def check(
    session: Session,
    settings: Settings,
    subject: str,
    version: str | None,
    given: SchemaIn,
) -> Compatibility:
    """Whether ``given`` is compatible with ``version`` of the subject (every live version
    when ``version`` is ``None``) under the subject's level."""
    row = _subject(session, settings, subject)
    only: int | None = None
    if version is not None:
        if row is None:
            raise SubjectNotFound(f"Subject '{subject}' not found.", where="subject")
        only = _version(session, row, version).number
    prepared = _prepare(session, subject, given, settings.schema_registry_rules)
    kind = _kind_problem(session, row, prepared.kind)
    if kind is not None:
        return Compatibility(False, [kind])
    level = _level(session, row)
    if version is None and level is not Mode.NONE and not level.transitive:
        level = Mode.parse(f"{level.value}_TRANSITIVE")  # every version, as the path says
    report = _judge(session, settings, row, prepared, only=only, mode=level)
    if report is None:
        return Compatibility(True, [])
    return Compatibility(report.compatible, _messages(report))


def _kind_problem(session: Session, row: RegistrySubject | None, kind: str) -> str | None:
    """Why a subject cannot take a schema of ``kind``: it holds another type."""
    contract = session.get(Contract, row.contract_id) if row is not None else None
    if row is None or contract is None or contract.kind == kind:
        return None
    if rows.latest(session, row) is None:
        return None
    held = TYPE_OF_KIND.get(contract.kind, contract.kind)
    return f"Incompatible schema type: the subject holds {held} schemas, not {TYPE_OF_KIND[kind]}"


def register(
    session: Session,
    settings: Settings,
    principal: Principal,
    subject: str,
    given: SchemaIn,
) -> SubjectVersion | Incompatible:
    """Register ``given`` under ``subject``: its version when the subject already has this
    schema, a new version when it is compatible, or the verdict that refuses it."""
    row = _subject(session, settings, subject)
    mode = _mode_of(session, row, subject)
    if mode in ("READONLY", "READONLY_OVERRIDE"):
        raise NotPermitted(f"Subject {subject} is in read-only mode", where="mode")
    importing = mode == "IMPORT"
    if not importing and (given.schema_id is not None or given.version is not None):
        raise NotPermitted(
            f"Subject {subject} is not in IMPORT mode: ids and versions are given by the "
            "registry (one id per canonical schema)",
            where="id" if given.schema_id is not None else "version",
            hint="leave 'id' and 'version' out, or PUT /mode {\"mode\": \"IMPORT\"} to "
            "import another registry's schemas with their ids",
        )
    if row is None:
        service_name, name, _ = _target(session, settings, subject)
    else:
        contract = session.get(Contract, row.contract_id)
        assert contract is not None
        service_row = session.get(Service, contract.service_id)
        assert service_row is not None
        service_name, name = service_row.name, contract.name
    prepared = _prepare(session, subject, given, settings.schema_registry_rules)
    if row is not None and given.version is None:
        same = rows.version_with(session, row, prepared.fingerprint)
        if same is not None and given.schema_id in (None, same.schema_id):
            return _out(session, row, same)
    if row is None:
        _create_default_service(session, settings, principal, service_name)
    service = authz.service_for_write(session, principal, service_name, what="register schemas")
    if not importing:  # IMPORT copies another registry's history as it was: no checks
        problem = _kind_problem(session, row, prepared.kind)
        if problem is not None:
            return Incompatible(subject, [problem])
        report = _judge(session, settings, row, prepared)
        if report is not None and not report.compatible:
            return Incompatible(subject, _messages(report), report)
    schema = _schema_row(session, prepared, given.schema_id)
    if row is not None and given.version is not None:
        taken = rows.version(session, row, given.version)
        if taken is not None and taken.schema_id == schema.id:
            return _out(session, row, taken)
        if taken is not None:
            raise NotPermitted(
                f"Version {given.version} of subject {subject} already holds schema id "
                f"{taken.schema_id}",
                where="version",
            )
    actor = principal.name
    if row is None:
        level = _level(session, None)
        contract = contracts.ensure_contract(
            session, actor, service, name, prepared.kind, level.value
        )
        row = rows.add_subject(session, subject, contract)
        row.mode = rows.pending_mode(session, subject)
        rows.put_pending_mode(session, subject, None)
        _sync(session, row)
    else:
        contract = session.get(Contract, row.contract_id)
        assert contract is not None
    number = given.version or rows.next_number(session, row)
    doc = contracts.Document(
        _source(prepared.kind, prepared.canonical, subject, {}), kind=prepared.kind
    )
    stored: ContractVersion = contracts.record_version(
        session, actor, service, contract, f"{contract.name}.{number}", doc,
        _pinned(session, prepared.references),
    )  # fmt: skip
    version = rows.add_version(session, row, number, schema, stored.id)
    after = {"subject": subject, "version": number, "id": schema.id,
             "contract": f"{service.name}/{contract.name}"}  # fmt: skip
    audit.record(session, actor, "schema.registered", "subject", subject, None, after)
    return _out(session, row, version)


def _schema_row(session: Session, prepared: _Prepared, schema_id: int | None) -> RegistrySchema:
    """The schema's row: the one with its fingerprint, or a new one (under ``schema_id``
    when importing, refused when that id names another schema or the schema has another
    id here: an imported id must keep meaning what it meant)."""
    found = rows.schema_by_fingerprint(session, prepared.fingerprint)
    if found is not None and schema_id not in (None, found.id):
        raise IdDoesNotMatch(
            f"Schema already registered with id {found.id} instead of input id {schema_id}",
            where="id",
        )
    if found is not None:
        return found
    if schema_id is not None and rows.schema(session, schema_id) is not None:
        raise IdDoesNotMatch(
            f"Overwrite new schema with id {schema_id} is not permitted.", where="id"
        )
    return rows.add_schema(
        session,
        prepared.kind,
        prepared.fingerprint,
        prepared.canonical,
        [r.to_dict() for r in prepared.references],
        prepared.serialized,
        schema_id=schema_id,
    )


def _pinned(session: Session, references: list[Reference]) -> list[tuple[str, ContractVersion]]:
    """The contract versions the references' subject versions are stored as."""
    out = []
    for ref in references:
        subject = rows.find_subject(session, ref.subject)
        found = rows.version(session, subject, ref.version) if subject is not None else None
        cv = (
            session.get(ContractVersion, found.contract_version_id)
            if found and found.contract_version_id
            else None
        )
        if cv is not None:
            out.append((ref.name, cv))
    return out


def _create_default_service(
    session: Session, settings: Settings, principal: Principal, name: str
) -> None:
    """The ``schema_registry_service`` setting's service, created (by an admin) for the
    first subject no pattern or contract claims."""
    if name == settings.schema_registry_service and registry.find_service(session, name) is None:
        from unlockstep.services.registry import save_service

        authz.require_admin(principal, what=f"create the service {name!r} for new subjects")
        save_service(
            session,
            principal.name,
            name,
            description="subjects registered through the schema-registry API",
        )


# -- deletes -----------------------------------------------------------------------------


def _writable(session: Session, principal: Principal, subject: RegistrySubject) -> Contract:
    contract = session.get(Contract, subject.contract_id)
    assert contract is not None
    service = session.get(Service, contract.service_id)
    assert service is not None
    authz.service_for_write(session, principal, service.name, what="delete schemas")
    return contract


def delete_subject(
    session: Session, settings: Settings, principal: Principal, subject: str, *, permanent: bool
) -> list[int]:
    row = _existing(session, settings, subject)
    contract = _writable(session, principal, row)
    every = rows.versions(session, row)
    live = [v for v in every if not v.deleted]
    for v in live:
        _refuse_referenced(session, row, v)
    if not permanent:
        if not live:
            raise SubjectSoftDeleted(
                f"Subject '{subject}' was soft deleted. Set permanent=true to delete permanently",
                where="subject",
            )
        for v in live:
            v.deleted = True
        session.flush()
        audit.record(session, principal.name, "subject.deleted", "subject", subject, None,
                     {"versions": [v.number for v in live], "permanent": False})  # fmt: skip
        return [v.number for v in live]
    if live:
        raise SubjectNotSoftDeleted(
            f"Subject '{subject}' was not deleted first before being permanently deleted",
            where="subject",
        )
    numbers = [v.number for v in every]
    for v in every:
        _drop(session, v)
    session.delete(row)
    session.flush()
    if not contract_rows.versions(session, contract):
        session.delete(contract)
        session.flush()
    audit.record(session, principal.name, "subject.deleted", "subject", subject, None,
                 {"versions": numbers, "permanent": True})  # fmt: skip
    return numbers


def _drop(session: Session, version: RegistrySubjectVersion) -> None:
    cv_id = version.contract_version_id
    rows.delete_version(session, version)
    if cv_id is not None:
        cv = session.get(ContractVersion, cv_id)
        if cv is not None:
            session.delete(cv)
            session.flush()


def _refuse_referenced(
    session: Session, subject: RegistrySubject, version: RegistrySubjectVersion
) -> None:
    users = rows.referenced_by(session, subject.name, version.number)
    if users:
        raise ReferenceExists(
            f"One or more references exist to the schema {{subject={subject.name}, "
            f"version={version.number}}} (schema ids {users})",
            where="version",
        )


def delete_version(
    session: Session,
    settings: Settings,
    principal: Principal,
    subject: str,
    version: str,
    *,
    permanent: bool,
) -> int:
    row = _existing(session, settings, subject)
    _writable(session, principal, row)
    found = _version(session, row, version, deleted=permanent)
    _refuse_referenced(session, row, found)
    if not permanent:
        if found.deleted:
            raise VersionSoftDeleted(f"Version {found.number} was soft deleted", where="version")
        found.deleted = True
        session.flush()
    else:
        if not found.deleted:
            raise VersionNotSoftDeleted(
                f"Subject '{subject}' Version {found.number} was not deleted first before being "
                "permanently deleted",
                where="version",
            )
        _drop(session, found)
    audit.record(session, principal.name, "subject.version.deleted", "subject", subject, None,
                 {"version": found.number, "permanent": permanent})  # fmt: skip
    return found.number


# -- config and mode ---------------------------------------------------------------------


def parse_level(text: Any) -> Mode:
    try:
        return Mode.parse(str(text))
    except ValueError:
        raise InvalidCompatibility(
            f"Invalid compatibility level {text!r}",
            where="compatibility",
            hint=", ".join(m.value for m in Mode),
        ) from None


def global_level(session: Session) -> str:
    return rows.setting(session, "compatibility") or DEFAULT_COMPATIBILITY


def set_global_level(session: Session, principal: Principal, level: Any) -> str:
    authz.require_admin(principal, what="change the global compatibility level")
    value = parse_level(level).value
    before = global_level(session)
    rows.put_setting(session, "compatibility", value)
    audit.record(session, principal.name, "registry.compatibility_changed", "registry", "global",
                 {"compatibility": before}, {"compatibility": value})  # fmt: skip
    return value


def subject_level(
    session: Session, settings: Settings, subject: str, *, default_to_global: bool
) -> str:
    row = _subject(session, settings, subject)
    if row is not None and row.compatibility is not None:
        return _level(session, row).value
    if default_to_global:
        return global_level(session)
    raise CompatibilityNotConfigured(
        f"Subject '{subject}' does not have subject-level compatibility configured",
        where="subject",
    )


def set_subject_level(
    session: Session, settings: Settings, principal: Principal, subject: str, level: Any
) -> str:
    """The subject's own level, which is its contract's mode (changed the audited way)."""
    value = parse_level(level).value
    row = _existing(session, settings, subject)
    contract = _writable(session, principal, row)
    service = session.get(Service, contract.service_id)
    assert service is not None
    reason = f"schema registry: PUT /config/{subject}"
    result = contracts.set_mode(session, principal.name, service.name, contract.name, value, reason)
    if isinstance(result, ChangeRequest):
        raise Conflict(
            f"changing the level of {subject} is held for approval (change request "
            f"{result.id}): {service.name} is live in a protected environment",
            where="compatibility",
        )
    row.compatibility = value
    session.flush()
    return value


def delete_subject_level(
    session: Session, settings: Settings, principal: Principal, subject: str
) -> str:
    row = _existing(session, settings, subject)
    if row.compatibility is None:
        raise CompatibilityNotConfigured(
            f"Subject '{subject}' does not have subject-level compatibility configured",
            where="subject",
        )
    previous = _level(session, row).value
    _writable(session, principal, row)
    row.compatibility = None
    session.flush()
    audit.record(session, principal.name, "subject.compatibility_deleted", "subject", subject,
                 {"compatibility": previous}, None)  # fmt: skip
    return previous


def _mode(session: Session, subject: str | None) -> str:
    if subject is None:
        return _mode_of(session, None)
    return _mode_of(session, rows.find_subject(session, subject), subject)


def _mode_of(session: Session, row: RegistrySubject | None, subject: str | None = None) -> str:
    """The subject's own mode, else (for a ``subject`` with no row yet) the one set before
    it existed, else the registry's."""
    if row is not None and row.mode is not None:
        return row.mode
    if row is None and subject is not None:
        pending = rows.pending_mode(session, subject)
        if pending is not None:
            return pending
    return rows.setting(session, "mode") or DEFAULT_MODE


def _subject_mode(session: Session, subject: str) -> str | None:
    """The mode set on the subject itself (before it existed, too), ``None`` if none."""
    row = rows.find_subject(session, subject)
    return row.mode if row is not None else rows.pending_mode(session, subject)


def get_mode(
    session: Session, settings: Settings, subject: str | None, *, default_to_global: bool = True
) -> str:
    if subject is not None and not default_to_global and _subject_mode(session, subject) is None:
        raise ModeNotConfigured(
            f"Subject '{subject}' does not have subject-level mode configured", where="subject"
        )
    return _mode(session, subject)


def set_mode(
    session: Session,
    settings: Settings,
    principal: Principal,
    subject: str | None,
    mode: Any,
    *,
    force: bool = False,
) -> str:
    """The registry's or a subject's mode. IMPORT (ids and versions given by the client) is
    refused where subjects already hold versions, unless ``force``: an imported id must not
    land on an id this registry already gave."""
    value = str(mode).upper() if isinstance(mode, str) else ""
    if value not in MODES:
        raise InvalidMode(f"Invalid mode {mode!r}", where="mode", hint=", ".join(MODES))
    if subject is None:
        authz.require_admin(principal, what="change the registry's mode")
        if value == "IMPORT" and not force and list_subjects(session, settings, deleted=True):
            raise _cannot_import()
        rows.put_setting(session, "mode", value)
    elif (row := _subject(session, settings, subject)) is None:
        _may_write_new_subject(session, settings, principal, subject)
        rows.put_pending_mode(session, subject, value)
    else:
        _writable(session, principal, row)
        if value == "IMPORT" and not force and rows.versions(session, row):
            raise _cannot_import()
        row.mode = value
        session.flush()
    audit.record(session, principal.name, "registry.mode_changed", "registry", subject or "global",
                 None, {"mode": value})  # fmt: skip
    return value


def _cannot_import() -> NotPermitted:
    return NotPermitted(
        "Cannot import since found existing subjects",
        where="mode",
        hint="import into an empty registry, or pass force=true when the imported ids cannot "
        "collide with the ones given here",
    )


def _may_write_new_subject(
    session: Session, settings: Settings, principal: Principal, subject: str
) -> None:
    """Who may set a mode on a subject that does not exist yet: who may register its first
    schema (write on the service it will belong to; an admin while that service is the
    registry's own and not yet created)."""
    service_name, _, _ = _target(session, settings, subject)
    if registry.find_service(session, service_name) is None:
        authz.require_admin(principal, what=f"set the mode of the new subject {subject!r}")
    else:
        authz.service_for_write(session, principal, service_name, what="set subject modes")


def delete_mode(session: Session, settings: Settings, principal: Principal, subject: str) -> str:
    row = _subject(session, settings, subject)
    if row is None:
        _may_write_new_subject(session, settings, principal, subject)
        previous = rows.pending_mode(session, subject)
        if previous is None:
            raise SubjectNotFound(f"Subject '{subject}' not found.", where="subject")
        rows.put_pending_mode(session, subject, None)
        return previous
    _writable(session, principal, row)
    previous = _mode(session, subject)
    row.mode = None
    session.flush()
    return previous


__all__ = [
    "Compatibility",
    "Incompatible",
    "SchemaIn",
    "SchemaOut",
    "SubjectVersion",
]
