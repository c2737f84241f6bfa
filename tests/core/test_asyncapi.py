"""AsyncAPI rules: direction from send/receive (inverted in 2.x), messages, envelope."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from unlockstep.core.compat._model import Breaks, Level, Policy, Source
from unlockstep.core.openapi._asyncapi import Action, AsyncAPIEngine
from unlockstep.errors import ParseError

ENGINE = AsyncAPIEngine(today=date(2026, 7, 1))


def v3(action: str, payload: dict[str, object], *, channel: str = "cases") -> str:
    return yaml.safe_dump(
        {
            "asyncapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "channels": {
                "c": {
                    "address": channel,
                    "messages": {"Evt": {"name": "Evt", "payload": payload}},
                }
            },
            "operations": {
                "op": {
                    "action": action,
                    "channel": {"$ref": "#/channels/c"},
                    "messages": [{"$ref": "#/channels/c/messages/Evt"}],
                }
            },
        }
    )


def v2(verb: str, payload: dict[str, object]) -> str:
    return yaml.safe_dump(
        {
            "asyncapi": "2.6.0",
            "info": {"title": "t", "version": "1"},
            "channels": {"cases": {verb: {"message": {"name": "Evt", "payload": payload}}}},
        }
    )


OPEN = {"type": "object", "properties": {"reason": {"type": "string"}}, "required": ["reason"]}
WITHOUT_REASON = {"type": "object", "properties": {}}
NEW_REQUIRED = {
    "type": "object",
    "properties": {"reason": {"type": "string"}, "basis": {"type": "string"}},
    "required": ["reason", "basis"],
}


def rules(old: str, new: str) -> list[tuple[str, Level, Breaks]]:
    found = ENGINE.diff(ENGINE.parse(Source(old)), ENGINE.parse(Source(new)), Policy.LENIENT)
    return [(c.rule, c.level, c.breaks) for c in found]


def test_2x_subscribe_means_the_application_sends() -> None:
    assert {f.action for f in ENGINE.parse(Source(v2("subscribe", OPEN))).flows.values()} == {
        Action.SEND
    }
    assert {f.action for f in ENGINE.parse(Source(v2("publish", OPEN))).flows.values()} == {
        Action.RECEIVE
    }


def test_removing_a_required_field_from_a_sent_event_breaks_consumers() -> None:
    found = rules(v3("send", OPEN), v3("send", WITHOUT_REASON))
    assert ("message-payload-property-removed", Level.BREAKING, Breaks.READERS) in found


def test_removing_a_field_from_a_received_event_does_not_break_producers() -> None:
    found = rules(v3("receive", OPEN), v3("receive", WITHOUT_REASON))
    assert all(level is not Level.BREAKING for _, level, _ in found)


def test_a_new_required_field_in_a_received_event_breaks_old_producers() -> None:
    found = rules(v3("receive", OPEN), v3("receive", NEW_REQUIRED))
    assert ("message-payload-required-property-added", Level.BREAKING, Breaks.WRITERS) in found


def test_a_new_required_field_in_a_sent_event_is_safe_for_consumers() -> None:
    found = rules(v3("send", OPEN), v3("send", NEW_REQUIRED))
    assert found and all(level is not Level.BREAKING for _, level, _ in found)


def test_2x_and_3_0_descriptions_of_the_same_flow_compare_equal() -> None:
    assert rules(v2("subscribe", OPEN), v3("send", OPEN)) == []


def test_removing_a_channel_breaks_its_consumers() -> None:
    found = rules(v3("send", OPEN), v3("send", OPEN, channel="cases.v2"))
    assert ("channel-removed", Level.BREAKING, Breaks.READERS) in found
    assert ("message-added", Level.INFO, Breaks.NONE) in found


def test_a_changed_event_version_is_a_new_event() -> None:
    def envelope(version: int) -> dict[str, object]:
        return {
            "type": "object",
            "properties": {
                "eventType": {"const": "CaseEscalated"},
                "eventVersion": {"const": version},
            },
        }

    found = rules(v3("send", envelope(1)), v3("send", envelope(2)))
    assert ("message-event-version-changed", Level.BREAKING, Breaks.READERS) in found


def test_an_event_is_compatible_with_itself() -> None:
    assert rules(v3("send", OPEN), v3("send", OPEN)) == []


@pytest.mark.parametrize(
    "text",
    ["asyncapi: 1.2.0\n", "openapi: 3.0.0\n", "asyncapi: 3.0.0\noperations: {o: {action: push}}\n"],
)
def test_unreadable_asyncapi_documents_are_bad_input(text: str) -> None:
    with pytest.raises(ParseError):
        ENGINE.parse(Source(text, "events.yaml"))
