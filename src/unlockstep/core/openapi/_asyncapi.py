"""AsyncAPI 2.x and 3.0 compatibility: what a change to an application's channels and
messages does to the parties on the other end.

Both versions are first read into the same shape, a set of *flows*: (channel address,
direction, message) -> message. The direction is the application's own:

    3.0  operation.action: send     -> the application sends   (others read)
         operation.action: receive  -> the application receives (others write)
    2.x  channel.subscribe          -> the application sends   (clients subscribe to it)
         channel.publish            -> the application receives (clients publish to it)

(2.x describes operations from the client's point of view, hence the inversion.) A sent
message's payload is judged like an API response (old consumers read it), a received one
like a request body (old producers still write it). An envelope ``eventType`` /
``eventVersion`` fixed in the payload (``const`` or a one-value ``enum``) is compared too:
changing it is a new event, not an evolution of the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from unlockstep.core.compat import (
    Breaks,
    Change,
    Family,
    Location,
    Policy,
    Source,
    declare_family,
    judge,
    register,
)
from unlockstep.core.documents import Resolver, escape
from unlockstep.core.jsonschema import KIND as JSONSCHEMA
from unlockstep.core.jsonschema import compare_schemas
from unlockstep.core.openapi._comparison import OWN_SIDE
from unlockstep.core.openapi._deprecation import (
    Removal,
    deprecation_of,
    judge_property_removal,
    judge_removal,
)
from unlockstep.core.openapi._document import Refs, load
from unlockstep.errors import ParseError

_SNIFF = re.compile(r"""^\s*["']?asyncapi["']?\s*:""", re.MULTILINE)
ENVELOPE = ("eventType", "eventVersion")


class Action(StrEnum):
    SEND = "send"
    RECEIVE = "receive"


@dataclass(frozen=True)
class Flow:
    """One message the application sends or receives on one channel."""

    channel: str  # the address (2.x: the channel key)
    action: Action
    message_key: str
    message: dict[str, Any]
    pointer: str
    channel_node: dict[str, Any]

    @property
    def subject(self) -> str:
        return f"{self.action.value} {self.channel} {self.message_key}"


@dataclass(frozen=True)
class AsyncAPIDocument:
    root: dict[str, Any]
    filename: str
    version: str
    flows: dict[tuple[str, Action, str], Flow]
    resolver: Resolver

    @property
    def refs(self) -> Refs:
        return Refs(self.root, self.filename)


def _message_key(refs: Refs, raw: Any, fallback: str) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("$ref"), str):
        fallback = raw["$ref"].rsplit("/", 1)[-1]
    msg = refs.deref(raw) or {}
    return str(msg.get("messageId") or msg.get("name") or fallback)


def _flows_v2(root: dict[str, Any], refs: Refs) -> dict[tuple[str, Action, str], Flow]:
    flows: dict[tuple[str, Action, str], Flow] = {}
    for name, raw_channel in (root.get("channels") or {}).items():
        channel = refs.deref(raw_channel) or {}
        for verb, action in (("subscribe", Action.SEND), ("publish", Action.RECEIVE)):
            operation = refs.deref(channel.get(verb))
            if not isinstance(operation, dict) or "message" not in operation:
                continue
            raw = operation["message"]
            pointer = f"/channels/{escape(name)}/{verb}/message"
            resolved = refs.deref(raw) or {}
            options = resolved.get("oneOf") if isinstance(resolved.get("oneOf"), list) else None
            for i, option in enumerate(options or [raw]):
                key = _message_key(refs, option, str(operation.get("operationId") or i))
                ptr = f"{pointer}/oneOf/{i}" if options else pointer
                msg = refs.deref(option) or {}
                flows[(name, action, key)] = Flow(name, action, key, msg, ptr, channel)
    return flows


def _flows_v3(root: dict[str, Any], refs: Refs) -> dict[tuple[str, Action, str], Flow]:
    flows: dict[tuple[str, Action, str], Flow] = {}
    channels = root.get("channels") or {}
    for op_id, raw_op in (root.get("operations") or {}).items():
        operation = refs.deref(raw_op) or {}
        try:
            action = Action(str(operation.get("action")))
        except ValueError:
            raise ParseError(
                f"operation {op_id!r} has action {operation.get('action')!r}",
                where=f"#/operations/{escape(op_id)}/action",
                hint="use send or receive",
            ) from None
        channel_ref = (operation.get("channel") or {}).get("$ref", "")
        channel_id = channel_ref.rsplit("/", 1)[-1]
        channel = refs.deref(operation.get("channel")) or channels.get(channel_id) or {}
        address = str(channel.get("address") or channel_id)
        messages = operation.get("messages") or list((channel.get("messages") or {}).values())
        for i, raw in enumerate(messages):
            key = _message_key(refs, raw, str(i))
            msg = refs.deref(raw) or {}
            pointer = f"/operations/{escape(op_id)}/messages/{i}"
            flows[(address, action, key)] = Flow(address, action, key, msg, pointer, channel)
    return flows


def _envelope(payload: Any, refs: Refs) -> dict[str, Any]:
    """The fixed ``eventType`` / ``eventVersion`` values a payload declares, if any."""
    schema = refs.deref(payload) or {}
    props = schema.get("properties") or {}
    out: dict[str, Any] = {}
    for name in ENVELOPE:
        prop = refs.deref(props.get(name)) or {}
        if "const" in prop:
            out[name] = prop["const"]
        elif isinstance(prop.get("enum"), list) and len(prop["enum"]) == 1:
            out[name] = prop["enum"][0]
    return out


class AsyncAPIEngine:
    """The ``asyncapi`` engine; ``strict_reader`` says consumers reject unknown messages and
    enum values, ``today`` is the date sunsets are judged against."""

    kind = "asyncapi"

    def __init__(self, *, today: date | None = None, strict_reader: bool = False) -> None:
        self.today = today
        self.strict_reader = strict_reader

    def sniff(self, source: Source) -> bool:
        return bool(_SNIFF.search(source.text[:4096]))

    def parse(self, source: Source) -> AsyncAPIDocument:
        document = load(source)
        tree = document.data
        if not isinstance(tree, dict) or "asyncapi" not in tree:
            raise ParseError(
                "no `asyncapi:` field at the top level",
                where=source.filename,
                hint="use --kind to say what this document is",
            )
        version = str(tree["asyncapi"])
        refs = Refs(tree, source.filename)
        if version.startswith("2"):
            flows = _flows_v2(tree, refs)
        elif version.startswith("3"):
            flows = _flows_v3(tree, refs)
        else:
            raise ParseError(
                f"AsyncAPI {version} is not supported",
                where=f"{source.filename}#/asyncapi",
                hint="use AsyncAPI 2.x or 3.0",
            )
        return AsyncAPIDocument(tree, source.filename, version, flows, Resolver(document))

    def diff(self, old: Any, new: Any, policy: Policy) -> list[Change]:
        return _Comparison(old, new, policy, self.today or date.today(), self.strict_reader).run()


class _Comparison:
    def __init__(
        self,
        old: AsyncAPIDocument,
        new: AsyncAPIDocument,
        policy: Policy,
        today: date,
        strict_reader: bool,
    ) -> None:
        self.old, self.new = old, new
        self.policy, self.today, self.strict_reader = policy, today, strict_reader
        self.changes: list[Change] = []

    def add(
        self,
        rule: str,
        breaks: Breaks,
        flow: Flow,
        message: str,
        suggestion: str = "",
        details: dict[str, Any] | None = None,
        file: str | None = None,
    ) -> None:
        """One change that hurts ``breaks``; its level comes from the rule catalogue."""
        level = judge(rule, breaks, policy=self.policy, strict_reader=self.strict_reader)
        where = Location(flow.subject, flow.pointer, file or self.new.filename, None)
        self.changes.append(
            Change(rule, level, breaks, where, message, suggestion, details=details or {})
        )

    def run(self) -> list[Change]:
        new_channels = {(c, a) for c, a, _ in self.new.flows}
        for key, flow in self.old.flows.items():
            if key in self.new.flows:
                self._message(flow, self.new.flows[key])
            else:
                self._removed(flow, (flow.channel, flow.action) in new_channels)
        for key, flow in self.new.flows.items():
            if key not in self.old.flows:
                self._added(flow)
        return self.changes

    def _removed(self, flow: Flow, channel_kept: bool) -> None:
        hurt = Breaks.READERS if flow.action is Action.SEND else Breaks.WRITERS
        what = (
            f"the message {flow.message_key!r}" if channel_kept else f"the channel {flow.channel!r}"
        )
        stem = "message" if channel_kept else "channel"
        record = deprecation_of(flow.message if channel_kept else flow.channel_node)
        verdict = judge_removal(record, self.today)
        details = {"deprecation": record.to_dict(), "today": self.today.isoformat()}
        side = "consumers" if flow.action is Action.SEND else "producers"
        if verdict is Removal.WITH_DEPRECATION:
            self.add(
                f"{stem}-removed-with-deprecation",
                Breaks.NONE,
                flow,
                f"{what} ({flow.action.value}) was removed after its deprecation",
                details=details,
                file=self.old.filename,
            )
            return
        rule = (
            f"{stem}-removed"
            if verdict is Removal.WITHOUT_DEPRECATION
            else (f"{stem}-removed-before-sunset")
        )
        self.add(
            rule,
            hurt,
            flow,
            f"{what} ({flow.action.value} on {flow.channel}) was removed; {side} on the old"
            " contract still rely on it",
            "deprecate it first, publish both while consumers move, then remove it"
            " after the sunset",
            details=details,
            file=self.old.filename,
        )

    def _added(self, flow: Flow) -> None:
        if flow.action is Action.SEND and self.strict_reader:
            self.add(
                "message-added",
                Breaks.READERS,
                flow,
                f"a new message {flow.message_key!r} is sent on {flow.channel}; strict"
                " consumers reject messages they do not know",
                "publish it on a new channel, or make consumers ignore unknown messages",
            )
            return
        self.add(
            "message-added",
            Breaks.NONE,
            flow,
            f"a new message {flow.message_key!r} ({flow.action.value}) on {flow.channel}",
        )

    def _message(self, old: Flow, new: Flow) -> None:
        sent = new.action is Action.SEND
        old_refs, new_refs = self.old.refs, self.new.refs
        before = _envelope(old.message.get("payload"), old_refs)
        after = _envelope(new.message.get("payload"), new_refs)
        hurt = Breaks.READERS if sent else Breaks.WRITERS
        for name in ENVELOPE:
            if name in before and before.get(name) != after.get(name):
                self.add(
                    f"message-{'event-type' if name == 'eventType' else 'event-version'}-changed",
                    hurt,
                    new,
                    f"{name} changed from {before[name]!r} to {after.get(name)!r}; parties"
                    " that dispatch on it no longer recognise the event",
                    "publish the new version alongside the old one (dual publish) until"
                    " every consumer has moved",
                    details={"before": before, "after": after},
                )
        old_type = old.message.get("contentType") or self.old.root.get("defaultContentType")
        new_type = new.message.get("contentType") or self.new.root.get("defaultContentType")
        if old_type != new_type:
            self.add(
                "message-content-type-changed",
                hurt,
                new,
                f"the content type changed from {old_type!r} to {new_type!r}",
                "publish the new encoding on a new channel",
            )
        breaking_for = (
            frozenset({Breaks.READERS, Breaks.BOTH})
            if sent
            else frozenset({Breaks.WRITERS, Breaks.BOTH})
        )
        for part in ("payload", "headers"):
            prefix = f"message-{part}-"
            for c in compare_schemas(
                old.message.get(part, {}),
                new.message.get(part, {}),
                old_resolver=self.old.resolver,
                new_resolver=self.new.resolver,
                policy=self.policy,
                breaking_for=breaking_for,
                rule_prefix=prefix,
                subject=new.subject,
                pointer=f"{new.pointer}/{part}",
                strict_reader=self.strict_reader,
                unprotected=OWN_SIDE,
            ):
                if c.rule == f"{prefix}property-removed":
                    removed = f"{prefix}property-removed-with-deprecation"
                    c = judge_property_removal(c, self.today, removed)
                self.changes.append(c)


ENGINE = register(AsyncAPIEngine())
for _part, _where in (("payload", "in a message payload"), ("headers", "in message headers")):
    declare_family(Family(f"message-{_part}-", "asyncapi", JSONSCHEMA, _where))
