"""Protobuf compatibility, keyed by field number, reported at buf's strictness levels.

Every difference is found once; its rule id is buf's where the meaning matches, and the
chosen :class:`Category` decides which rules are ``breaking`` (the rest are ``info``):

    WIRE       the binary encoding (Kafka events: producers and consumers exchange bytes)
    WIRE_JSON  binary and JSON encodings (gRPC, where JSON transcoding is common) — default
    PACKAGE    generated code, per package
    FILE       generated code, per file (buf's own default; also under Policy.STRICT)

The rule → category table is buf's (v2). Messages, enums and services are matched by full
name across the compared files, fields by number, enum values by number, RPCs by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from unlockstep.core.compat import Breaks, Change, Location, Policy, Source, judge, register
from unlockstep.core.protobuf._parser import parse_text
from unlockstep.core.protobuf._rules import (
    ALIASES,
    CARDINALITY_TEXT,
    CARDINALITY_WIRE,
    CARDINALITY_WIRE_JSON,
    FILE_OPTIONS,
    RULES,
    WIRE_GROUP,
    WIRE_JSON_GROUP,
    Category,
    can_default,
    covered,
    cpp_string_type,
    default_value,
    enum_type,
    expand_rules,
    json_format,
    kind_of,
    oneof_text,
    real_messages,
    same_cpp_string_type,
    same_default,
    type_text,
    utf8_validation,
    values_by_number,
)
from unlockstep.core.protobuf._schema import (
    ProtoEnum,
    ProtoField,
    ProtoFile,
    ProtoMessage,
    ProtoModule,
    Reserved,
)

__all__ = [
    "ALIASES",
    "ENGINE",
    "RULES",
    "Category",
    "Finding",
    "ProtobufEngine",
    "diff",
    "expand_rules",
    "findings",
]


class Finding(NamedTuple):
    """One rule hit, before the category turns it into a ``Change``."""

    rule: str
    path: str | None
    line: int | None
    subject: str
    message: str


class _Index:
    """Everything in the compared files, by full name."""

    def __init__(self, module: ProtoModule) -> None:
        self.files = module.files
        self.messages: dict[str, tuple[ProtoFile, ProtoMessage]] = {}
        self.enums: dict[str, tuple[ProtoFile, ProtoEnum]] = {}
        self.extensions: dict[tuple[str, int], tuple[ProtoFile, ProtoField]] = {}
        self.packages: set[str] = set()
        for f in module.files.values():
            self.packages.add(f.package)
            for name, m in f.messages.items():
                self.messages[name] = (f, m)
            for name, e in f.enums.items():
                self.enums[name] = (f, e)
            for key, x in f.extensions.items():
                self.extensions[key] = (f, x)
        self.all_enums = {n: e for f in module.all_files() for n, e in f.enums.items()}
        self.services = {n: (f, sv) for f in module.files.values() for n, sv in f.services.items()}
        self.members: dict[str, dict[str, str]] = {}
        for kind in ("message", "enum", "service", "extension"):
            out: dict[str, str] = {}
            for f in module.files.values():
                names: set[str] = {
                    "message": real_messages(f),
                    "enum": set(f.enums),
                    "service": set(f.services),
                    "extension": {f"{k[0]}:{k[1]}" for k in f.extensions},
                }[kind]
                out.update(dict.fromkeys(names, f.package))
            self.members[kind] = out

    @staticmethod
    def of(module: ProtoModule) -> _Index:
        """The index of ``module``, built once (parse once, compare many)."""
        if not isinstance(module.index, _Index):
            module.index = _Index(module)
        return module.index


def findings(old: ProtoModule, new: ProtoModule) -> list[Finding]:
    """Every difference from ``old`` to ``new``, under every rule."""
    return list(_Compare(old, new).run())


class _Compare:
    def __init__(self, old: ProtoModule, new: ProtoModule) -> None:
        self.old, self.new = _Index.of(old), _Index.of(new)

    def run(self) -> Iterator[Finding]:
        yield from self.files()
        yield from self.packages()
        for name, (of, om) in self.old.messages.items():
            if name in self.new.messages:
                nf, nm = self.new.messages[name]
                yield from self.message(of, om, nf, nm)
        for name, (of, oe) in self.old.enums.items():
            if name in self.new.enums:
                nf, ne = self.new.enums[name]
                yield from self.enum(of, oe, nf, ne)
        for key, (_, ox) in self.old.extensions.items():
            if key in self.new.extensions:
                nf, nx = self.new.extensions[key]
                yield from self.field(ox, nx, nf, f"extension {key[0]}.{nx.name}", False)
        yield from self.services()

    # -- files and packages -----------------------------------------------------------------

    def files(self) -> Iterator[Finding]:
        for path, of in self.old.files.items():
            nf = self.new.files.get(path)
            if nf is None:
                yield Finding(
                    "FILE_NO_DELETE",
                    None,
                    None,
                    path,
                    f"previously present file {path!r} was deleted",
                )
                continue
            if of.package != nf.package:
                yield Finding(
                    "FILE_SAME_PACKAGE",
                    path,
                    1,
                    path,
                    f"file {path!r} changed package from {of.package!r} to {nf.package!r}",
                )
            old_syntax, new_syntax = of.edition or of.syntax, nf.edition or nf.syntax
            if old_syntax != new_syntax:
                yield Finding(
                    "FILE_SAME_SYNTAX",
                    path,
                    1,
                    path,
                    f"file {path!r} changed syntax from {old_syntax} to {new_syntax}",
                )
            for option, (rule, default) in FILE_OPTIONS.items() if of.options != nf.options else ():
                a, b = of.options.get(option, default), nf.options.get(option, default)
                if a != b:
                    yield Finding(
                        rule, path, 1, path, f"file option {option} changed from {a!r} to {b!r}"
                    )
            yield from self.file_members(path, of, nf)

    def file_members(self, path: str, of: ProtoFile, nf: ProtoFile) -> Iterator[Finding]:
        for kind, rule, old_names, new_names in (
            ("message", "MESSAGE_NO_DELETE", of.messages, nf.messages),
            ("enum", "ENUM_NO_DELETE", of.enums, nf.enums),
            ("service", "SERVICE_NO_DELETE", of.services, nf.services),
        ):
            if old_names.keys() <= new_names.keys():
                continue
            gone = old_names.keys() - new_names.keys()
            if kind == "message":
                gone = {n for n in gone if not of.messages[n].map_entry}
            for name in sorted(gone):
                yield Finding(
                    rule,
                    path,
                    self.parent_line(nf, name),
                    name,
                    f"previously present {kind} {name!r} was deleted from {path!r}",
                )
        for key, x in of.extensions.items():
            if key not in nf.extensions:
                yield Finding(
                    "EXTENSION_NO_DELETE",
                    path,
                    1,
                    f"{key[0]}.{x.name}",
                    f"previously present extension {x.name!r} ({key[1]}) of "
                    f"{key[0]} was deleted from {path!r}",
                )

    def parent_line(self, f: ProtoFile, name: str) -> int:
        parent = name.rpartition(".")[0]
        return f.messages[parent].pos.line if parent in f.messages else 1

    def packages(self) -> Iterator[Finding]:
        for package in sorted(self.old.packages - self.new.packages):
            yield Finding(
                "PACKAGE_NO_DELETE",
                None,
                None,
                package or "(no package)",
                f"previously present package {package!r} was deleted",
            )
        kept = self.old.packages & self.new.packages

        for kind in ("message", "enum", "service", "extension"):
            rule = f"PACKAGE_{kind.upper()}_NO_DELETE"
            before, after = self.old.members[kind], self.new.members[kind]
            for name, package in sorted(before.items()):
                if package in kept and after.get(name) != package:
                    yield Finding(
                        rule,
                        None,
                        None,
                        name,
                        f"previously present {kind} {name!r} was deleted from package {package!r}",
                    )

    # -- messages and fields ----------------------------------------------------------------

    def message(
        self, of: ProtoFile, om: ProtoMessage, nf: ProtoFile, nm: ProtoMessage
    ) -> Iterator[Finding]:
        if om.fp == nm.fp:
            return
        path, line, name = nf.path, nm.pos.line, nm.fullname
        for number, ofld in sorted(om.fields.items()):
            nfld = nm.fields.get(number)
            if nfld is not None and nfld.fp == ofld.fp:
                continue
            if nfld is not None:
                yield from self.field(
                    ofld,
                    nfld,
                    nf,
                    f"field {name}.{nfld.name} ({number})",
                    om.map_entry and nm.map_entry,
                )
                continue
            what = f"previously present field {number} {ofld.name!r} of {name} was deleted"
            yield Finding("FIELD_NO_DELETE", path, line, f"{name}.{ofld.name}", what)
            if not nm.reserved.has_number(number):
                yield Finding(
                    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
                    path,
                    line,
                    f"{name}.{ofld.name}",
                    f"{what} without reserving its number",
                )
            if ofld.name not in nm.reserved.names:
                yield Finding(
                    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
                    path,
                    line,
                    f"{name}.{ofld.name}",
                    f"{what} without reserving its name",
                )
        for oneof in om.oneofs:
            if oneof not in nm.oneofs:
                yield Finding(
                    "ONEOF_NO_DELETE",
                    path,
                    line,
                    f"{name}.{oneof}",
                    f"previously present oneof {oneof!r} of {name} was deleted",
                )
        yield from _reserved(
            "RESERVED_MESSAGE_NO_DELETE", om.reserved, nm.reserved, path, line, name
        )
        for lo, hi in om.extension_ranges:
            if not covered(lo, hi, nm.extension_ranges):
                yield Finding(
                    "EXTENSION_MESSAGE_NO_DELETE",
                    path,
                    line,
                    name,
                    f"previously present extension range {lo} to {hi} of {name} was deleted",
                )
        old_req, new_req = om.required, nm.required
        for n in sorted(old_req - new_req):
            yield Finding(
                "MESSAGE_SAME_REQUIRED_FIELDS",
                path,
                line,
                name,
                f"message {name} had required field {n} deleted",
            )
        for n in sorted(new_req - old_req):
            yield Finding(
                "MESSAGE_SAME_REQUIRED_FIELDS",
                path,
                nm.fields[n].pos.line,
                name,
                f"message {name} had required field {n} added",
            )
        if om.options.get("no_standard_descriptor_accessor", "false") == "false" and (
            nm.options.get("no_standard_descriptor_accessor") == "true"
        ):
            yield Finding(
                "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
                path,
                line,
                name,
                f"message {name} set no_standard_descriptor_accessor",
            )
        if om.options.get("message_set_wire_format", "false") != nm.options.get(
            "message_set_wire_format", "false"
        ):
            yield Finding(
                "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
                path,
                line,
                name,
                f"message {name} changed message_set_wire_format",
            )
        a, b = json_format(of, om.features), json_format(nf, nm.features)
        if a == "ALLOW" and b != "ALLOW" and not nm.map_entry:
            yield Finding(
                "MESSAGE_SAME_JSON_FORMAT",
                path,
                line,
                name,
                f"message {name} changed json_format from {a} to {b}",
            )

    def field(
        self, o: ProtoField, n: ProtoField, nf: ProtoFile, what: str, map_entry: bool
    ) -> Iterator[Finding]:
        if o.fp == n.fp:
            return
        path, line, subject = nf.path, n.pos.line, what.split(" ")[1]
        if o.display_name != n.display_name:
            yield Finding(
                "FIELD_SAME_NAME",
                path,
                line,
                subject,
                f"{what} changed name from {o.display_name!r} to {n.display_name!r}",
            )
        if o.json_name != n.json_name:
            yield Finding(
                "FIELD_SAME_JSON_NAME",
                path,
                line,
                subject,
                f"{what} changed JSON name from {o.json_name!r} to {n.json_name!r}",
            )
        yield from self.field_type(o, n, path, line, subject, what)
        if not map_entry and o.presence != n.presence:
            change = (
                f"{what} changed cardinality from {CARDINALITY_TEXT[o.presence]!r} to "
                f"{CARDINALITY_TEXT[n.presence]!r}"
            )
            yield Finding("FIELD_SAME_CARDINALITY", path, line, subject, change)
            if CARDINALITY_WIRE[o.presence] != CARDINALITY_WIRE[n.presence]:
                yield Finding("FIELD_WIRE_COMPATIBLE_CARDINALITY", path, line, subject, change)
            if CARDINALITY_WIRE_JSON[o.presence] != CARDINALITY_WIRE_JSON[n.presence]:
                yield Finding("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", path, line, subject, change)
        oo = None if o.synthetic_oneof else o.oneof
        no = None if n.synthetic_oneof else n.oneof
        if oo != no:
            yield Finding(
                "FIELD_SAME_ONEOF",
                path,
                line,
                subject,
                f"{what} moved from {oneof_text(oo)} to {oneof_text(no)}",
            )
        if (
            can_default(o)
            and can_default(n)
            and not same_default(
                default_value(o, self.old.all_enums), default_value(n, self.new.all_enums)
            )
        ):
            yield Finding(
                "FIELD_SAME_DEFAULT",
                path,
                line,
                subject,
                f"{what} changed default from {o.options.get('default')!r} to "
                f"{n.options.get('default')!r}",
            )
        for rule, option, default in (("FIELD_SAME_JSTYPE", "jstype", "JS_NORMAL"),):
            if o.options.get(option, default) != n.options.get(option, default):
                yield Finding(rule, path, line, subject, f"{what} changed option {option}")
        if (
            not map_entry
            and o.type in ("string", "bytes")
            and n.type in ("string", "bytes")
            and not same_cpp_string_type(cpp_string_type(o), cpp_string_type(n))
        ):
            yield Finding(
                "FIELD_SAME_CPP_STRING_TYPE",
                path,
                line,
                subject,
                f"{what} changed C++ string type from {cpp_string_type(o)} to {cpp_string_type(n)}",
            )
        if o.type == "string" and n.type == "string":
            a, b = o.java_utf8, n.java_utf8
            if a != b:
                yield Finding(
                    "FIELD_SAME_JAVA_UTF8_VALIDATION",
                    path,
                    line,
                    subject,
                    f"{what} changed Java string UTF-8 validation from {a} to {b}",
                )
        if o.type == "string" and n.type == "string":
            a, b = utf8_validation(o), utf8_validation(n)
            if a != b:
                yield Finding(
                    "FIELD_SAME_UTF8_VALIDATION",
                    path,
                    line,
                    subject,
                    f"{what} changed utf8_validation from {a} to {b}",
                )

    def field_type(
        self, o: ProtoField, n: ProtoField, path: str, line: int, subject: str, what: str
    ) -> Iterator[Finding]:
        ok, nk = kind_of(o), kind_of(n)
        named = ok == nk and ok in ("message", "group", "enum")
        if ok == nk and (not named or o.type == n.type):
            return
        change = f"{what} changed type from {type_text(o)} to {type_text(n)}"
        yield Finding("FIELD_SAME_TYPE", path, line, subject, change)
        for rule, groups in (
            ("FIELD_WIRE_COMPATIBLE_TYPE", WIRE_GROUP),
            ("FIELD_WIRE_JSON_COMPATIBLE_TYPE", WIRE_JSON_GROUP),
        ):
            if groups[ok] != groups[nk]:
                if rule == "FIELD_WIRE_COMPATIBLE_TYPE" and (ok, nk) == ("string", "bytes"):
                    continue
                yield Finding(rule, path, line, subject, change)
            elif nk == "enum":
                if not self.enum_compatible(o.type, n.type):
                    yield Finding(rule, path, line, subject, change)
            elif named:
                yield Finding(rule, path, line, subject, change)

    def enum_compatible(self, old_name: str, new_name: str) -> bool:
        oe, ne = self.old.all_enums.get(old_name), self.new.all_enums.get(new_name)
        if oe is None or ne is None or oe.name != ne.name:
            return False
        return set(oe.values.items()) <= set(ne.values.items())

    # -- enums and services -----------------------------------------------------------------

    def enum(self, of: ProtoFile, oe: ProtoEnum, nf: ProtoFile, ne: ProtoEnum) -> Iterator[Finding]:
        if oe.fp == ne.fp:
            return
        path, line, name = nf.path, ne.pos.line, ne.fullname
        old_by_number = values_by_number(oe)
        new_by_number = values_by_number(ne)
        for number, names in sorted(old_by_number.items()):
            if number not in new_by_number:
                what = f"previously present enum value {number} of {name} was deleted"
                yield Finding("ENUM_VALUE_NO_DELETE", path, line, name, what)
                if not ne.reserved.has_number(number):
                    yield Finding(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
                        path,
                        line,
                        name,
                        f"{what} without reserving its number",
                    )
                if not names & ne.reserved.names:
                    yield Finding(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
                        path,
                        line,
                        name,
                        f"{what} without reserving its name",
                    )
            elif not names <= new_by_number[number]:
                for value in sorted(new_by_number[number]):
                    yield Finding(
                        "ENUM_VALUE_SAME_NAME",
                        path,
                        ne.value_pos[value].line if value in ne.value_pos else line,
                        f"{name}.{value}",
                        f"enum value {number} of {name} changed name from "
                        f"{', '.join(sorted(names))} to "
                        f"{', '.join(sorted(new_by_number[number]))}",
                    )
        yield from _reserved("RESERVED_ENUM_NO_DELETE", oe.reserved, ne.reserved, path, line, name)
        a, b = enum_type(of, oe), enum_type(nf, ne)
        if a != b:
            yield Finding(
                "ENUM_SAME_TYPE", path, line, name, f"enum {name} changed from {a} to {b}"
            )
        a, b = json_format(of, oe.features), json_format(nf, ne.features)
        if a == "ALLOW" and b != "ALLOW":
            yield Finding(
                "ENUM_SAME_JSON_FORMAT",
                path,
                line,
                name,
                f"enum {name} changed json_format from {a} to {b}",
            )

    def services(self) -> Iterator[Finding]:
        new_services = self.new.services
        for of in self.old.files.values():
            for name, os_ in of.services.items():
                if name not in new_services:
                    continue
                nf, ns = new_services[name]
                for mname, om in os_.methods.items():
                    nm = ns.methods.get(mname)
                    subject = f"{name}.{mname}"
                    if nm is None:
                        yield Finding(
                            "RPC_NO_DELETE",
                            nf.path,
                            ns.pos.line,
                            subject,
                            f"previously present RPC {mname!r} of {name} was deleted",
                        )
                        continue
                    line = nm.pos.line
                    for rule, a, b, label in (
                        ("RPC_SAME_REQUEST_TYPE", om.input, nm.input, "request type"),
                        ("RPC_SAME_RESPONSE_TYPE", om.output, nm.output, "response type"),
                        (
                            "RPC_SAME_CLIENT_STREAMING",
                            om.client_streaming,
                            nm.client_streaming,
                            "client streaming",
                        ),
                        (
                            "RPC_SAME_SERVER_STREAMING",
                            om.server_streaming,
                            nm.server_streaming,
                            "server streaming",
                        ),
                        (
                            "RPC_SAME_IDEMPOTENCY_LEVEL",
                            om.options.get("idempotency_level", "IDEMPOTENCY_UNKNOWN"),
                            nm.options.get("idempotency_level", "IDEMPOTENCY_UNKNOWN"),
                            "idempotency level",
                        ),
                    ):
                        if a != b:
                            yield Finding(
                                rule,
                                nf.path,
                                line,
                                subject,
                                f"RPC {subject} changed {label} from {a} to {b}",
                            )


def _reserved(
    rule: str, old: Reserved, new: Reserved, path: str, line: int, name: str
) -> Iterator[Finding]:
    for lo, hi in old.ranges:
        if not covered(lo, hi, new.ranges):
            span = str(lo) if lo == hi else f"{lo} to {hi}"
            yield Finding(
                rule,
                path,
                line,
                name,
                f"previously present reserved range {span} of {name} was deleted",
            )
    for n in sorted(old.names - new.names):
        yield Finding(
            rule, path, line, name, f"previously present reserved name {n!r} of {name} was deleted"
        )


#: a ``syntax``/``edition`` statement, or a top-level message/enum/service block
_PROTO_HEAD = re.compile(
    r"^\s*(?:(?:syntax|edition)\s*=\s*[\"'][\w.]+[\"']\s*;"
    r"|(?:message|enum|service)\s+[A-Za-z_]\w*\s*\{)",
    re.MULTILINE,
)


class ProtobufEngine:
    kind = "protobuf"

    def __init__(self, category: Category = Category.WIRE_JSON) -> None:
        self.category = category

    def sniff(self, source: Source) -> bool:
        if source.filename.endswith(".proto"):
            return True
        return bool(_PROTO_HEAD.search(source.text[:4000]))

    def parse(self, source: Source) -> ProtoModule:
        return parse_text(source.text, source.filename.rsplit("/", 1)[-1], source.read_relative)

    def diff(self, old: ProtoModule, new: ProtoModule, policy: Policy) -> list[Change]:
        category = Category.FILE if policy is Policy.STRICT else self.category
        return diff(old, new, category)


def diff(
    old: ProtoModule, new: ProtoModule, category: Category = Category.WIRE_JSON
) -> list[Change]:
    """Every difference from ``old`` to ``new``; breaking when its rule is in ``category``."""
    if len(old.files) == 1 and len(new.files) == 1 and old.files.keys() != new.files.keys():
        # Two single files compared (``unlockstep diff a.proto b.proto``): same file, whatever
        # the names on disk.
        (path,) = new.files
        old = ProtoModule(files={path: next(iter(old.files.values()))}, imported=old.imported)
    changes = []
    name = category.value
    for f in findings(old, new):
        cats, breaks, suggestion = RULES[f.rule]
        breaking = name in cats  # outside the chosen category a finding hurts nobody
        hurt = breaks if breaking else Breaks.NONE
        changes.append(
            Change(
                rule=f.rule,
                level=judge(f.rule, hurt, policy=Policy.LENIENT),
                breaks=hurt,
                location=Location(subject=f.subject, file=f.path, line=f.line),
                message=f.message,
                suggestion=suggestion if breaking else "",
                details={"category": name},
            )
        )
    return changes


ENGINE = register(ProtobufEngine())
