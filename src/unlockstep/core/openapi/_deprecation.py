"""Deprecation records and the one removal rule every API engine applies.

An element (operation, parameter, property, channel, message) may carry ``deprecated: true``
and a sunset date (``x-sunset``, or a ``Sunset`` HTTP header the element documents). Removing
it is then judged against a given "today" (injected, so this stays pure)::

    never deprecated                      -> breaking   (…-removed-without-deprecation)
    deprecated, sunset still in the future -> breaking   (…-removed-before-sunset)
    deprecated, sunset passed or none set  -> info       (…-removed-with-deprecation)

The same holds for a property of a request, response or message body and for a response
header: whether anyone still reads a deprecated element after its sunset is for
can-i-deploy and the usage data to say, not for the rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from unlockstep.core.compat import Breaks, Change, Policy, judge

_ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_HTTP_DATE = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\b"
)


class Removal(StrEnum):
    WITHOUT_DEPRECATION = "without-deprecation"
    BEFORE_SUNSET = "before-sunset"
    WITH_DEPRECATION = "with-deprecation"


@dataclass(frozen=True, slots=True)
class Deprecation:
    """What a document says about an element's way out."""

    deprecated: bool = False
    sunset: date | None = None
    sunset_text: str | None = None  # as written, also when it could not be read as a date

    def to_dict(self) -> dict[str, Any]:
        return {
            "deprecated": self.deprecated,
            "sunset": self.sunset.isoformat() if self.sunset else None,
            "sunset_text": self.sunset_text,
        }


def parse_sunset(value: Any) -> date | None:
    """A date from ``2026-08-05``, an RFC 3339 timestamp, or an RFC 9745 HTTP-date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    iso = _ISO_DATE.search(value)
    if iso:
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError:
            return None
    http = _HTTP_DATE.search(value)
    if http:
        try:
            return parsedate_to_datetime(http.group(0)).date()
        except (TypeError, ValueError):
            return None
    return None


def deprecation_of(node: Any, sunset_hints: tuple[Any, ...] = ()) -> Deprecation:
    """The record of ``node`` (a dict with ``deprecated`` / ``x-sunset``); ``sunset_hints``
    are further texts that may name the sunset (e.g. a ``Sunset`` header's description)."""
    if not isinstance(node, dict):
        return Deprecation()
    deprecated = node.get("deprecated") is True
    raw = node.get("x-sunset")
    for hint in sunset_hints:
        if raw is not None:
            break
        if parse_sunset(hint) is not None:
            raw = hint
    if raw is None:
        return Deprecation(deprecated=deprecated)
    text = raw.isoformat() if isinstance(raw, date) else str(raw)
    return Deprecation(deprecated=deprecated, sunset=parse_sunset(raw), sunset_text=text)


def judge_removal(record: Deprecation, today: date) -> Removal:
    """How removing an element with this record is judged on ``today``."""
    if not record.deprecated:
        return Removal.WITHOUT_DEPRECATION
    if record.sunset is not None and record.sunset > today:
        return Removal.BEFORE_SUNSET
    return Removal.WITH_DEPRECATION


def judge_property_removal(change: Change, today: date, with_deprecation: str) -> Change:
    """A ``property-removed`` finding judged like every other removal: a property that was
    deprecated (the JSON Schema engine records it in ``details``) and whose sunset has
    passed, or that has none, becomes ``with_deprecation`` information; before its sunset
    the finding stays and says so. Other findings are returned as they are."""
    if change.details.get("deprecated") is not True:
        return change
    record = deprecation_of({"deprecated": True, "x-sunset": change.details.get("x-sunset")})
    if record.sunset_text and record.sunset is None:
        return change  # an unreadable sunset cannot be planned for: judged as undeprecated
    details = {**change.details, "deprecation": record.to_dict(), "today": today.isoformat()}
    if judge_removal(record, today) is Removal.WITH_DEPRECATION:
        sunset = f" and sunset {record.sunset}" if record.sunset else ""
        return replace(
            change,
            rule=with_deprecation,
            level=judge(with_deprecation, Breaks.NONE, policy=Policy.LENIENT),
            breaks=Breaks.NONE,
            message=f"{change.message}, after its deprecation{sunset}",
            suggestion="",
            details=details,
        )
    return replace(
        change,
        message=f"{change.message} before its sunset date {record.sunset}",
        suggestion=f"keep it until {record.sunset} and until usage reaches zero",
        details=details,
    )
