"""A rollout plan: which flag, which variant is new and which is safe, and the stages.

::

    flag: risk.explanation.display
    environment: production
    variant: "on"            # the new path (default: the variant whose value is true)
    safeVariant: "off"       # what abort serves (default: the variant whose value is false)
    contract: case-service/case-summary   # whose consumers perConsumer checks watch
    analysis: {checks: […]}  # every stage's analysis unless the stage names its own
    stages:
      - segment: segment.internal.staff   # a $evaluators segment of the environment
      - tenants: [t-sandbox-1]
      - regions: [eu-north]
      - percent: 1
      - percent: 5
        approval: true                    # wait for a person after the analysis passes
      - percent: 25
      - percent: 100

Exposure only grows: a stage keeps every segment of the stages before it, and percentages
may not go down, so nobody who was given the new path loses it at the next stage.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unlockstep.core.analysis import Template, parse_template
from unlockstep.core.flags.segments import internal_users, region_segment, tenant_segment
from unlockstep.errors import InvalidInput

#: Percentages are kept in basis points of this total, so 0.01 % steps are possible and every
#: stage splits on the same scale (a user's bucket point never moves between stages).
WEIGHT_TOTAL = 10_000


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    #: JsonLogic rules this stage adds to the exposed segments (``$ref`` or inline).
    segments: tuple[Any, ...] = ()
    #: Share of everyone else, in basis points (100 = 1 %).
    basis_points: int = 0
    approval: bool = False
    analysis: Template | None = None
    #: ``false`` in the stage: promote without analysis.
    skip_analysis: bool = False

    @property
    def percent(self) -> float:
        return self.basis_points / 100

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "percent": self.percent}
        if self.segments:
            body["segments"] = list(self.segments)
        if self.approval:
            body["approval"] = True
        if self.skip_analysis:
            body["analysis"] = False
        elif self.analysis is not None:
            body["analysis"] = self.analysis.to_dict()
        return body


@dataclass(frozen=True, slots=True)
class RolloutPlan:
    flag: str
    environment: str
    stages: tuple[Stage, ...]
    variant: str | None = None
    safe_variant: str | None = None
    analysis: Template | None = None
    contract: str | None = None
    args: Mapping[str, str] | None = None
    #: Webhook URLs told when the rollout aborts (JSON with a Slack-style ``text``).
    notify: tuple[str, ...] = ()

    def analysis_for(self, index: int) -> Template | None:
        stage = self.stages[index]
        if stage.skip_analysis:
            return None
        return stage.analysis or self.analysis

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "flag": self.flag,
            "environment": self.environment,
            "stages": [s.to_dict() for s in self.stages],
        }
        for key, value in (
            ("variant", self.variant), ("safeVariant", self.safe_variant),
            ("contract", self.contract),
        ):  # fmt: skip
            if value is not None:
                body[key] = value
        if self.analysis is not None:
            body["analysis"] = self.analysis.to_dict()
        if self.args:
            body["args"] = dict(self.args)
        if self.notify:
            body["notify"] = list(self.notify)
        return body


def _strings(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v for v in raw):
        raise InvalidInput("must be a non-empty list of strings", where=where)
    return list(raw)


def _percent(raw: Any, where: str) -> int:
    if isinstance(raw, str) and raw.strip().endswith("%"):
        raw = raw.strip()[:-1]
        with contextlib.suppress(ValueError):
            raw = float(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 100:
        raise InvalidInput(f"percent must be a number from 0 to 100, not {raw!r}", where=where)
    return round(float(raw) * WEIGHT_TOTAL / 100)


#: The flag-metadata key that states a flag's stages (flagd metadata values are scalars).
STAGES_KEY = "rolloutStages"


def stages_from_metadata(metadata: Mapping[str, Any]) -> list[Any] | None:
    """A flag's own stages, from its metadata ``rolloutStages``: comma-separated segment
    names (``segment.…``) and percentages, e.g. ``segment.internal.staff,1,5,25,100``
    (``None`` when the flag states none). ``parse_rollout`` checks them."""
    raw = metadata.get(STAGES_KEY)
    if not isinstance(raw, str) or not raw.strip():
        return None
    stages: list[Any] = []
    for item in (part.strip() for part in raw.split(",")):
        if item.startswith("segment."):
            stages.append({"segment": item})
            continue
        try:
            stages.append({"percent": float(item.removesuffix("%"))})
        except ValueError:
            stages.append({"percent": item})  # refused by parse_stage, naming the stage
    return stages


def parse_stage(raw: Any, where: str, previous: int) -> Stage:
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        raw = {"percent": raw}
    if not isinstance(raw, Mapping):
        raise InvalidInput("a stage must be an object (or a percentage)", where=where)
    segments: list[Any] = []
    labels: list[str] = []
    segment = raw.get("segment")
    if segment is not None:
        for name in (
            [segment] if isinstance(segment, str) else _strings(segment, f"{where}/segment")
        ):
            segments.append({"$ref": name})
            labels.append(name.removeprefix("segment."))
    if "tenants" in raw:
        tenants = _strings(raw["tenants"], f"{where}/tenants")
        segments.append(tenant_segment(tenants))
        labels.append("tenants " + ",".join(tenants))
    if "regions" in raw:
        regions = _strings(raw["regions"], f"{where}/regions")
        segments.append(region_segment(regions))
        labels.append("regions " + ",".join(regions))
    if "emailDomains" in raw:
        domains = _strings(raw["emailDomains"], f"{where}/emailDomains")
        segments.append(internal_users(domains))
        labels.append("internal users")
    if "segments" in raw:  # rules as stored (``Stage.to_dict``)
        stored = raw["segments"]
        if not isinstance(stored, list) or not all(isinstance(r, Mapping) for r in stored):
            raise InvalidInput(
                "segments must be a list of JsonLogic rules", where=f"{where}/segments"
            )
        segments.extend(dict(r) for r in stored)
        labels.append("segments")
    if "rule" in raw:
        if not isinstance(raw["rule"], Mapping):
            raise InvalidInput("rule must be a JsonLogic object", where=f"{where}/rule")
        segments.append(dict(raw["rule"]))
        labels.append("rule")
    points = previous
    if "percent" in raw:
        points = _percent(raw["percent"], f"{where}/percent")
        if points < previous:
            raise InvalidInput(
                f"percent goes down from {previous / 100:g} to {points / 100:g}",
                where=f"{where}/percent",
                hint="exposure only grows from stage to stage; users must not lose the new path",
            )
        labels.append(f"{points / 100:g}%")
    if not segments and "percent" not in raw:
        raise InvalidInput(
            "a stage needs a segment, tenants, regions, emailDomains, rule or percent",
            where=where,
        )
    analysis_raw = raw.get("analysis")
    approval = raw.get("approval", False)
    if not isinstance(approval, bool):
        raise InvalidInput("approval must be true or false", where=f"{where}/approval")
    given = raw.get("name")
    return Stage(
        name=str(given) if given else " + ".join(labels),
        segments=tuple(segments),
        basis_points=points,
        approval=approval,
        analysis=parse_template(analysis_raw, f"{where}/analysis")
        if isinstance(analysis_raw, Mapping)
        else None,
        skip_analysis=analysis_raw is False,
    )


def parse_rollout(raw: Any, where: str = "rollout") -> RolloutPlan:
    """A rollout plan from its document; every problem names where it is."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("a rollout must be an object", where=where)
    flag, environment = raw.get("flag"), raw.get("environment")
    if not isinstance(flag, str) or not flag:
        raise InvalidInput("flag must name the flag to roll out", where=f"{where}/flag")
    if not isinstance(environment, str) or not environment:
        raise InvalidInput("environment must name where to roll out", where=f"{where}/environment")
    stages_raw = raw.get("stages")
    if not isinstance(stages_raw, Sequence) or isinstance(stages_raw, str) or not stages_raw:
        raise InvalidInput("stages must be a non-empty list", where=f"{where}/stages")
    stages: list[Stage] = []
    points = 0
    for index, item in enumerate(stages_raw):
        stage = parse_stage(item, f"{where}/stages/{index}", points)
        points = stage.basis_points
        stages.append(stage)
    analysis_raw = raw.get("analysis")
    args = raw.get("args") or {}
    if not isinstance(args, Mapping):
        raise InvalidInput("args must be an object of names to strings", where=f"{where}/args")

    def text(name: str) -> str | None:
        value = raw.get(name)
        return None if value is None else str(value)

    notify = raw.get("notify") or []
    notify = [notify] if isinstance(notify, str) else notify
    if not isinstance(notify, list) or not all(
        isinstance(u, str) and u.startswith(("http://", "https://")) for u in notify
    ):
        raise InvalidInput("notify must be a list of http(s) webhook URLs", where=f"{where}/notify")

    return RolloutPlan(
        flag=flag,
        environment=environment,
        stages=tuple(stages),
        variant=text("variant"),
        safe_variant=text("safeVariant"),
        analysis=None
        if analysis_raw is None
        else parse_template(analysis_raw, f"{where}/analysis"),
        contract=text("contract"),
        args={str(k): str(v) for k, v in args.items()},
        notify=tuple(notify),
    )
