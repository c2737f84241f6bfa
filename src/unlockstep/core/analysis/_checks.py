"""Analysis templates and how their measurements are judged (Argo Rollouts' AnalysisTemplate
semantics, kept as plain values).

A template is a list of checks. Each check names a provider (``prometheus``, ``web``,
``unlockstep`` — see ``services/analysis_providers.py``) with its options, and is measured
``count`` times, ``interval`` apart. Each measurement is judged on its own:

* ``pass`` — the success condition holds (and the failure condition, if any, does not);
* ``fail`` — the failure condition holds, or only a success condition is given and it does
  not hold;
* ``inconclusive`` — both conditions are given and neither holds, the provider returned no
  data, or the provider could not answer (down, slow, a bad query). An unanswered question is
  never a pass.

A check fails once more than ``failureLimit`` measurements failed, is inconclusive once more
than ``inconclusiveLimit`` were inconclusive, and passes after ``count`` measurements
otherwise. The analysis is the worst of its checks: ``fail`` at the first failed check,
``inconclusive`` when any check is, ``pass`` when all passed, ``running`` meanwhile.

Template (YAML or JSON)::

    name: explanation-health
    checks:
      - name: error-rate
        provider: {prometheus: {query: 'sum(rate(errors_total[1m])) / sum(rate(calls_total[1m]))'}}
        successCondition: result < 0.01
        interval: 30s
        initialDelay: 1m             # let the new exposure's traffic reach the metric
        count: 5
        failureLimit: 1
      - name: consumer-errors
        perConsumer: true            # one check per consumer of the contract, {{consumer}} filled
        provider: {prometheus: {query: 'sum(rate(errors_total{service="{{consumer}}"}[1m]))'}}
        successCondition: result < 1
      - name: latency-vs-baseline
        provider: {prometheus: {baseline: '…', canary: '…', range: 10m, step: 30s}}
        judge: {alpha: 0.05, minEffect: 0.3, minSamples: 10}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from unlockstep.core.analysis._condition import Condition, parse_condition
from unlockstep.errors import InvalidInput

Phase = Literal["pass", "fail", "inconclusive"]
Status = Literal["running", "pass", "fail", "inconclusive"]
PHASES: tuple[Phase, ...] = ("pass", "fail", "inconclusive")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-\[\]]{0,99}$")


def seconds(value: Any, where: str) -> float:
    """``30``, ``"30s"``, ``"5m"``, ``"1h"``, ``"500ms"`` as seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            f"{value!r} is not a duration", where=where, hint="write e.g. 30s, 5m, 1h or 500ms"
        )
    return float(match[1]) * _UNITS[match[2]]


@dataclass(frozen=True, slots=True)
class Judge:
    """Baseline-vs-canary settings: the canary fails when its values are larger (``direction:
    increase`` — errors, latency) or smaller (``decrease`` — throughput, success) than the
    baseline's with p below ``alpha`` and an effect size past ``min_effect``; fewer than
    ``min_samples`` values on either side is inconclusive."""

    alpha: float = 0.05
    min_effect: float = 0.3
    min_samples: int = 5
    direction: Literal["increase", "decrease"] = "increase"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    provider: str
    options: Mapping[str, Any]
    success: Condition | None = None
    failure: Condition | None = None
    interval: float = 60.0
    #: Seconds before the first measurement (the new exposure's traffic must reach the metric).
    initial_delay: float = 0.0
    count: int = 1
    failure_limit: int = 0
    inconclusive_limit: int = 0
    judge: Judge | None = None
    per_consumer: bool = False
    consumer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "provider": {self.provider: dict(self.options)},
            "interval": self.interval,
            "initialDelay": self.initial_delay,
            "count": self.count,
            "failureLimit": self.failure_limit,
            "inconclusiveLimit": self.inconclusive_limit,
        }
        if self.success is not None:
            body["successCondition"] = self.success.text
        if self.failure is not None:
            body["failureCondition"] = self.failure.text
        if self.judge is not None:
            j = self.judge
            body["judge"] = {
                "alpha": j.alpha, "minEffect": j.min_effect, "minSamples": j.min_samples,
                "direction": j.direction,
            }  # fmt: skip
        if self.per_consumer:
            body["perConsumer"] = True
        if self.consumer is not None:
            body["consumer"] = self.consumer
        return body


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "checks": [c.to_dict() for c in self.checks]}


#: The most measurements one check takes (a day of one a minute, and some).
MAX_COUNT = 2000


def _int(raw: Any, default: int, where: str, low: int = 0, high: int = MAX_COUNT) -> int:
    value = default if raw is None else raw
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"must be an integer from {low} to {high}, not {raw!r}", where=where)
    return value


def _float(raw: Any, default: float, where: str, low: float, high: float) -> float:
    value = default if raw is None else raw
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidInput(f"must be a number from {low:g} to {high:g}, not {raw!r}", where=where)
    return float(value)


def _judge(raw: Any, where: str) -> Judge | None:
    if raw is None:
        return None
    if raw is True:
        raw = {}
    if not isinstance(raw, Mapping):
        raise InvalidInput("judge must be an object (or true for the defaults)", where=where)
    direction = raw.get("direction", "increase")
    if direction not in ("increase", "decrease"):
        raise InvalidInput(
            f"direction must be 'increase' or 'decrease' (which way is bad), not {direction!r}",
            where=f"{where}/direction",
        )
    return Judge(
        alpha=_float(raw.get("alpha"), 0.05, f"{where}/alpha", 0.0, 1.0),
        min_effect=_float(raw.get("minEffect"), 0.3, f"{where}/minEffect", 0.0, 1.0),
        min_samples=_int(raw.get("minSamples"), 5, f"{where}/minSamples", 1, 100_000),
        direction=direction,
    )


def _condition(raw: Any, where: str) -> Condition | None:
    return None if raw is None else parse_condition(str(raw), where)


def parse_check(raw: Any, where: str) -> Check:
    if not isinstance(raw, Mapping):
        raise InvalidInput("a check must be an object", where=where)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"a check needs a name (letters, digits, . _ - :), not {name!r}", where=f"{where}/name"
        )
    provider = raw.get("provider")
    if not isinstance(provider, Mapping) or len(provider) != 1:
        raise InvalidInput(
            "provider must name exactly one provider, e.g. {prometheus: {query: …}}",
            where=f"{where}/provider",
        )
    ((kind, options),) = provider.items()
    if not isinstance(options, Mapping):
        raise InvalidInput("provider options must be an object", where=f"{where}/provider/{kind}")
    success = raw.get("successCondition")
    failure = raw.get("failureCondition")
    judge = _judge(raw.get("judge"), f"{where}/judge")
    if judge is None and success is None and failure is None:
        raise InvalidInput(
            "a check needs a successCondition, a failureCondition or a judge",
            where=where,
            hint="e.g. successCondition: result < 0.01",
        )
    return Check(
        name=name,
        provider=str(kind),
        options=dict(options),
        success=_condition(success, f"{where}/successCondition"),
        failure=_condition(failure, f"{where}/failureCondition"),
        interval=seconds(raw.get("interval", 60), f"{where}/interval"),
        initial_delay=seconds(raw.get("initialDelay", 0), f"{where}/initialDelay"),
        count=_int(raw.get("count"), 1, f"{where}/count", 1),
        failure_limit=_int(raw.get("failureLimit"), 0, f"{where}/failureLimit"),
        inconclusive_limit=_int(raw.get("inconclusiveLimit"), 0, f"{where}/inconclusiveLimit"),
        judge=judge,
        per_consumer=raw.get("perConsumer") is True,
        consumer=raw.get("consumer") if isinstance(raw.get("consumer"), str) else None,
    )  # fmt: skip


def parse_template(raw: Any, where: str = "analysis") -> Template:
    """A template from its document (``name`` and ``checks``); every problem names where."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("an analysis template must be an object with checks", where=where)
    checks = raw.get("checks")
    if not isinstance(checks, list) or not checks:
        raise InvalidInput("checks must be a non-empty list", where=f"{where}/checks")
    parsed = tuple(parse_check(item, f"{where}/checks/{i}") for i, item in enumerate(checks))
    names = [c.name for c in parsed]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InvalidInput(
            f"check names must be unique: {', '.join(twice)}", where=f"{where}/checks"
        )
    return Template(str(raw.get("name") or "analysis"), parsed)


def _fill(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), node)
    if isinstance(node, Mapping):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values) for item in node]
    return node


def instantiate(
    template: Template, args: Mapping[str, str], consumers: Iterable[str] = ()
) -> Template:
    """The template with ``{{name}}`` placeholders filled from ``args`` and every
    ``perConsumer`` check repeated per consumer (``{{consumer}}`` filled, named
    ``check[consumer]``). A per-consumer check with no consumers is dropped."""
    who = sorted(set(consumers))
    checks: list[Check] = []
    for check in template.checks:
        options = _fill(check.options, args)
        if not check.per_consumer:
            checks.append(replace(check, options=options))
            continue
        for consumer in who:
            filled = _fill(options, {**args, "consumer": consumer})
            checks.append(
                replace(check, name=f"{check.name}[{consumer}]", options=filled, consumer=consumer)
            )
    return Template(template.name, tuple(checks))


def judge_value(check: Check, value: float | None) -> tuple[Phase, str]:
    """One measurement's phase and why. ``None`` (no data) is inconclusive."""
    if value is None:
        return "inconclusive", "the provider returned no data"
    shown = f"{value:.6g}"
    if check.failure is not None and check.failure.holds(value):
        return "fail", f"{shown} meets the failure condition {check.failure.text}"
    if check.success is not None:
        if check.success.holds(value):
            return "pass", f"{shown} meets {check.success.text}"
        if check.failure is None:
            return "fail", f"{shown} does not meet {check.success.text}"
        return (
            "inconclusive",
            f"{shown} meets neither {check.success.text} nor {check.failure.text}",
        )
    failure = check.failure.text if check.failure else ""
    return "pass", f"{shown} does not meet the failure condition {failure}"


def check_status(check: Check, phases: Sequence[Phase]) -> Status:
    """Where a check stands after ``phases`` (its measurements so far, in order)."""
    if phases.count("fail") > check.failure_limit:
        return "fail"
    if phases.count("inconclusive") > check.inconclusive_limit:
        return "inconclusive"
    if len(phases) >= check.count:
        return "pass"
    return "running"


def analysis_status(statuses: Iterable[Status]) -> Status:
    """The worst of the checks' statuses: fail, then inconclusive, then running, then pass."""
    found = set(statuses)
    for status in ("fail", "inconclusive", "running"):
        if status in found:
            return status
    return "pass"
