"""A small recursive-descent parser for ``.proto`` files (proto2, proto3, editions).

It builds the model of :mod:`unlockstep.core.protobuf._schema` and resolves type names the way
``protoc`` does (innermost scope outwards). It does not validate everything ``protoc``
validates; it is written for files that already compile. Imports are read through
``Source.read_relative`` (passed in as ``read_relative``) so the core stays free of I/O.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from unlockstep.core.protobuf._schema import (
    MAX_FIELD,
    SCALARS,
    Pos,
    ProtoEnum,
    ProtoField,
    ProtoFile,
    ProtoMessage,
    ProtoMethod,
    ProtoModule,
    ProtoService,
    Reserved,
    derive,
    features_of,
)
from unlockstep.errors import ParseError

#: whitespace and comments, then one token (or the end of the text)
_TOKEN = re.compile(
    r"""(?:[ \t\r\n\f\v]+|//[^\n]*|/\*.*?\*/)*
    (?:(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<num>[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))
    |(?P<id>\.?[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)
    |(?P<sym>[{}\[\]()<>;,=:.\-+/])
    |(?P<end>\Z))""",
    re.VERBOSE | re.DOTALL,
)
_SPACE = re.compile(r"\s+")
_NEWLINE = re.compile(r"\n")


class _Tokens:
    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.newlines = [m.start() for m in _NEWLINE.finditer(text)]
        self.toks: list[tuple[str, str, int]] = []  # kind, text, offset
        pos = 0
        for m in _TOKEN.finditer(text):
            if m.start() != pos:
                break
            pos = m.end()
            kind = m.lastgroup or ""
            if kind == "end":
                break
            value = m.group(kind)
            if kind == "id" and not value.replace(".", "").replace("_", "").isalnum():
                value = _SPACE.sub("", value)
            self.toks.append((kind, value, m.start(kind)))
        if pos != len(text):
            while pos < len(text) and text[pos].isspace():
                pos += 1
            where = self.where(pos)
            raise ParseError(
                f"unexpected character {text[pos]!r}",
                where=f"{path}:{where.line}:{where.column}",
                hint="is this a .proto file?",
            )
        self.i = 0

    def where(self, offset: int) -> Pos:
        line = bisect.bisect_left(self.newlines, offset)
        start = self.newlines[line - 1] + 1 if line else 0
        return Pos(line + 1, offset - start + 1)

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.toks[j][1] if j < len(self.toks) else ""

    def pos(self) -> Pos:
        if self.i < len(self.toks):
            return self.where(self.toks[self.i][2])
        return Pos(len(self.newlines) + 1, 1)

    def fail(self, message: str) -> ParseError:
        p = self.pos()
        found = self.peek() or "end of file"
        return ParseError(f"{message}, found {found!r}", where=f"{self.path}:{p.line}:{p.column}")

    def next(self) -> str:
        if self.i >= len(self.toks):
            raise self.fail("unexpected end of file")
        value = self.toks[self.i][1]
        self.i += 1
        return value

    def kind(self) -> str:
        return self.toks[self.i][0] if self.i < len(self.toks) else ""

    def expect(self, value: str) -> None:
        if self.peek() != value:
            raise self.fail(f"expected {value!r}")
        self.i += 1

    def accept(self, value: str) -> bool:
        if self.peek() == value:
            self.i += 1
            return True
        return False

    def ident(self) -> str:
        if self.kind() != "id":
            raise self.fail("expected a name")
        return self.next()

    def integer(self) -> int:
        start = self.i
        text = self.next()
        if text == "-":
            text = "-" + self.next()
        try:
            return int(text, 8) if re.fullmatch(r"[+-]?0\d+", text) else int(text, 0)
        except ValueError:
            self.i = start
            raise self.fail("expected an integer") from None

    def string(self) -> str:
        parts = []
        while self.kind() == "str":
            raw = self.next()[1:-1]
            parts.append(raw.encode("utf-8").decode("unicode_escape", errors="replace"))
        if not parts:
            raise self.fail("expected a string")
        return "".join(parts)


_WELL_KNOWN_ENUMS = {"google.protobuf.NullValue"}


class _FileParser:
    def __init__(self, text: str, path: str) -> None:
        self.t = _Tokens(text, path)
        self.file = ProtoFile(path=path)
        # (scope, field) pairs whose type names are resolved once the whole module is known
        self.unresolved: list[tuple[str, ProtoField]] = []
        self.methods: list[tuple[str, ProtoMethod]] = []
        self.extend_holders: list[tuple[ProtoField, list[ProtoField]]] = []

    def parse(self) -> ProtoFile:
        t, f = self.t, self.file
        if t.peek() in ("syntax", "edition"):
            keyword = t.next()
            t.expect("=")
            value = t.string()
            t.expect(";")
            if keyword == "edition":
                f.syntax, f.edition = "editions", value
            else:
                f.syntax = value
        while t.peek():
            word = t.peek()
            if word == ";":
                t.next()
            elif word == "package":
                t.next()
                f.package = t.ident()
                t.expect(";")
            elif word == "import":
                t.next()
                if t.peek() in ("public", "weak"):
                    t.next()
                f.imports.append(t.string())
                t.expect(";")
            elif word == "option":
                self.option(f.options)
            elif word == "message":
                self.message(f.package, None)
            elif word == "enum":
                self.enum(f.package)
            elif word == "service":
                self.service()
            elif word == "extend":
                self.extend(f.package)
            else:
                raise t.fail("expected a top-level declaration")
        f.features = features_of(f.options)
        return f

    # -- options ----------------------------------------------------------------------------

    def option(self, into: dict[str, str]) -> None:
        self.t.expect("option")
        name, value = self.option_assignment()
        into[name] = value
        self.t.expect(";")

    def option_name(self) -> str:
        t = self.t
        parts = []
        while True:
            if t.accept("("):
                parts.append("(" + t.ident().lstrip(".") + ")")
                t.expect(")")
            else:
                parts.append(t.ident())
            if t.kind() == "id" and t.peek().startswith("."):
                parts.append(t.next()[1:])
            if not t.accept("."):
                break
        return ".".join(parts)

    def option_assignment(self) -> tuple[str, str]:
        name = self.option_name()
        self.t.expect("=")
        return name, self.constant()

    def constant(self) -> str:
        t = self.t
        if t.peek() == "{":
            depth, parts = 0, []
            while True:
                tok = t.next()
                parts.append(tok)
                depth += {"{": 1, "}": -1}.get(tok, 0)
                if depth == 0:
                    return " ".join(parts)
        if t.kind() == "str":
            return t.string()
        tok = t.next()
        if tok in ("-", "+"):
            tok = ("-" if tok == "-" else "") + t.next()
        return tok

    def field_options(self) -> dict[str, str]:
        opts: dict[str, str] = {}
        if self.t.accept("["):
            while True:
                name, value = self.option_assignment()
                opts[name] = value
                if not self.t.accept(","):
                    break
            self.t.expect("]")
        return opts

    # -- declarations -------------------------------------------------------------------------

    def message(self, scope: str, parent: ProtoMessage | None, name: str | None = None) -> str:
        t = self.t
        pos = t.pos()
        if name is None:
            t.expect("message")
            pos = t.pos()
            name = t.ident()
        full = f"{scope}.{name}" if scope else name
        msg = ProtoMessage(
            fullname=full, name=name, pos=pos, parent=parent.fullname if parent else None
        )
        self.file.messages[full] = msg
        t.expect("{")
        while not t.accept("}"):
            word = t.peek()
            if word == ";":
                t.next()
            elif word == "option":
                self.option(msg.options)
            elif word == "message":
                self.message(full, msg)
            elif word == "enum":
                self.enum(full)
            elif word == "extend":
                self.extend(full)
            elif word == "reserved":
                self.reserved(msg.reserved, MAX_FIELD)
            elif word == "extensions":
                t.next()
                msg.extension_ranges.extend(self.ranges(MAX_FIELD))
                self.field_options()
                t.expect(";")
            elif word == "oneof":
                t.next()
                oneof = t.ident()
                msg.oneofs.append(oneof)
                t.expect("{")
                while not t.accept("}"):
                    if t.peek() == "option":
                        self.option({})
                    elif t.accept(";"):
                        pass
                    else:
                        f = self.field(full, msg)
                        f.oneof = oneof
            else:
                self.field(full, msg)
        msg.features = features_of(msg.options)
        msg.map_entry = msg.options.get("map_entry") == "true" or msg.map_entry
        return full

    def field(
        self, scope: str, msg: ProtoMessage | None, extendee: str | None = None
    ) -> ProtoField:
        t = self.t
        pos = t.pos()
        label = ""
        if t.peek() in ("optional", "required", "repeated") and t.peek(1) not in ("=",):
            label = t.next()
        if t.peek() == "map" and t.peek(1) == "<":
            return self.map_field(scope, msg, pos)
        if t.peek() == "group":
            t.next()
            gname = t.ident()
            t.expect("=")
            number = t.integer()
            options = self.field_options()
            gfull = self.message(scope, msg, name=gname)
            f = ProtoField(
                name=gname.lower(),
                number=number,
                label=label,
                type=gfull,
                kind="group",
                pos=pos,
                options=options,
                extendee=extendee,
                written_type=gname,
            )
            self.add_field(msg, f, extendee)
            return f
        type_name = t.ident()
        name_pos = t.pos()
        name = t.ident()
        t.expect("=")
        number = t.integer()
        options = self.field_options()
        t.expect(";")
        f = ProtoField(
            name=name,
            number=number,
            label=label,
            type=type_name,
            kind="scalar" if type_name in SCALARS else "message",
            pos=name_pos,
            options=options,
            extendee=extendee,
            written_type=type_name,
        )
        if type_name not in SCALARS:
            self.unresolved.append((scope, f))
        self.add_field(msg, f, extendee)
        return f

    def map_field(self, scope: str, msg: ProtoMessage | None, pos: Pos) -> ProtoField:
        t = self.t
        t.expect("map")
        t.expect("<")
        key = t.ident()
        t.expect(",")
        value_type = t.ident()
        t.expect(">")
        name_pos = t.pos()
        name = t.ident()
        t.expect("=")
        number = t.integer()
        options = self.field_options()
        t.expect(";")
        entry_name = "".join(part[:1].upper() + part[1:] for part in name.split("_")) + "Entry"
        entry_full = f"{scope}.{entry_name}" if scope else entry_name
        entry = ProtoMessage(
            fullname=entry_full,
            name=entry_name,
            pos=pos,
            map_entry=True,
            parent=msg.fullname if msg else None,
            features=features_of(options),
        )
        entry.fields[1] = ProtoField(
            name="key",
            number=1,
            label="",
            type=key,
            kind="scalar",
            pos=pos,
            written_type=key,
        )
        value = ProtoField(
            name="value",
            number=2,
            label="",
            type=value_type,
            kind="scalar" if value_type in SCALARS else "message",
            pos=pos,
            written_type=value_type,
        )
        if value_type not in SCALARS:
            self.unresolved.append((scope, value))
        entry.fields[2] = value
        self.file.messages[entry_full] = entry
        f = ProtoField(
            name=name,
            number=number,
            label="repeated",
            type=entry_full,
            kind="message",
            pos=name_pos,
            options=options,
            written_type=f"map<{key}, {value_type}>",
            is_map=True,
        )
        self.add_field(msg, f, None)
        return f

    def add_field(self, msg: ProtoMessage | None, f: ProtoField, extendee: str | None) -> None:
        if extendee is None and msg is not None:
            msg.fields[f.number] = f

    def extend(self, scope: str) -> None:
        t = self.t
        t.expect("extend")
        holder = ProtoField(
            name="", number=0, label="", type=t.ident(), kind="message", pos=t.pos()
        )
        self.unresolved.append((scope, holder))
        t.expect("{")
        fields: list[ProtoField] = []
        while not t.accept("}"):
            if not t.accept(";"):
                fields.append(self.field(scope, None, extendee=holder.type))
                fields[-1].scope = scope
        self.extend_holders.append((holder, fields))

    def enum(self, scope: str) -> None:
        t = self.t
        t.expect("enum")
        pos = t.pos()
        name = t.ident()
        full = f"{scope}.{name}" if scope else name
        e = ProtoEnum(fullname=full, name=name, pos=pos)
        self.file.enums[full] = e
        t.expect("{")
        while not t.accept("}"):
            word = t.peek()
            if word == ";":
                t.next()
            elif word == "option":
                self.option(e.options)
            elif word == "reserved":
                self.reserved(e.reserved, 2**31 - 1)
            else:
                vpos = t.pos()
                vname = t.ident()
                t.expect("=")
                e.values.setdefault(vname, t.integer())
                e.value_pos[vname] = vpos
                self.field_options()
                t.expect(";")
        e.features = features_of(e.options)

    def reserved(self, into: Reserved, maximum: int) -> None:
        t = self.t
        t.expect("reserved")
        if t.kind() == "str":
            while True:
                into.names.add(t.string())
                if not t.accept(","):
                    break
        elif t.kind() == "id" and not t.peek().isdigit():
            while True:
                into.names.add(t.ident())
                if not t.accept(","):
                    break
        else:
            into.ranges.extend(self.ranges(maximum))
        t.expect(";")

    def ranges(self, maximum: int) -> list[tuple[int, int]]:
        t = self.t
        out = []
        while True:
            lo = t.integer()
            hi = lo
            if t.accept("to"):
                hi = maximum if t.accept("max") else t.integer()
            out.append((lo, hi))
            if not t.accept(","):
                return out

    def service(self) -> None:
        t = self.t
        t.expect("service")
        pos = t.pos()
        name = t.ident()
        full = f"{self.file.package}.{name}" if self.file.package else name
        svc = ProtoService(fullname=full, name=name, pos=pos)
        self.file.services[full] = svc
        t.expect("{")
        while not t.accept("}"):
            if t.accept(";"):
                continue
            if t.peek() == "option":
                self.option({})
                continue
            t.expect("rpc")
            mpos = t.pos()
            mname = t.ident()
            t.expect("(")
            cs = t.accept("stream") if t.peek(1) != ")" else False
            inp = t.ident()
            t.expect(")")
            t.expect("returns")
            t.expect("(")
            ss = t.accept("stream") if t.peek(1) != ")" else False
            out = t.ident()
            t.expect(")")
            method = ProtoMethod(mname, inp, out, cs, ss, mpos)
            if t.accept("{"):
                while not t.accept("}"):
                    if t.accept(";"):
                        continue
                    self.option(method.options)
            else:
                t.expect(";")
            svc.methods[mname] = method
            self.methods.append((self.file.package, method))


def parse_module(
    files: dict[str, str],
    read_relative: Callable[[str], str] | None = None,
) -> ProtoModule:
    """Parse ``files`` (path -> text) and, through ``read_relative``, what they import."""
    parsers: dict[str, _FileParser] = {}
    module = ProtoModule(files={})
    for path, text in files.items():
        parsers[path] = _parse_one(text, path)
        module.files[path] = parsers[path].file
    pending = [imp for p in parsers.values() for imp in p.file.imports]
    imported: dict[str, _FileParser] = {}
    while pending and read_relative is not None:
        imp = pending.pop()
        if imp in parsers or imp in imported:
            continue
        try:
            text = read_relative(imp)
        except (ParseError, OSError):
            continue  # unresolvable imports (e.g. google/protobuf/*) leave names as written
        imported[imp] = _parse_one(text, imp)
        module.imported[imp] = imported[imp].file
        pending.extend(imported[imp].file.imports)
    _resolve(module, [*parsers.values(), *imported.values()])
    return module


def _parse_one(text: str, path: str) -> _FileParser:
    p = _FileParser(text, path)
    p.parse()
    return p


def _resolve(module: ProtoModule, parsers: list[_FileParser]) -> None:
    kinds: dict[str, str] = {}
    symbols: set[str] = set()
    for pf in module.all_files():
        for name in pf.messages:
            kinds[name] = "message"
        for name in pf.enums:
            kinds[name] = "enum"
        parts = pf.package.split(".") if pf.package else []
        symbols.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    for name in _WELL_KNOWN_ENUMS:
        kinds.setdefault(name, "enum")
    symbols.update(kinds)

    def lookup(scope: str, name: str) -> tuple[str, str]:
        if name.startswith("."):
            full = name[1:]
            return full, kinds.get(full, "message")
        first, _, rest = name.partition(".")
        parts = scope.split(".") if scope else []
        while True:
            prefix = ".".join(parts)
            candidate = f"{prefix}.{first}" if prefix else first
            if candidate in symbols:
                full = f"{candidate}.{rest}" if rest else candidate
                return full, kinds.get(full, "message")
            if not parts:
                return name, "message"
            parts.pop()

    for p in parsers:
        for scope, fld in p.unresolved:
            if fld.kind != "group":
                fld.type, fld.kind = lookup(scope, fld.type)
        for holder, fields in p.extend_holders:
            for fld in fields:
                fld.extendee = holder.type
                p.file.extensions[(holder.type, fld.number)] = fld
        for scope, m in p.methods:
            m.input = lookup(scope, m.input)[0]
            m.output = lookup(scope, m.output)[0]
        derive(p.file)


def parse_text(
    text: str, path: str = "<input>", read_relative: Callable[[str], str] | None = None
) -> ProtoModule:
    return parse_module({path: text}, read_relative)
