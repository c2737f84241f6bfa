"""Dark launch: run the old path, try the candidate on a sample, compare, count — in the
spirit of GitHub's Scientist (seed §9 branch by abstraction, §14 dark launch, §15 shadow
traffic).

::

    launch = DarkLaunch("risk.explanation.v2", sample=0.05, compare=same_explanation)

    def explanation(case):
        return launch.run(lambda: old_explanation(case), lambda: new_explanation(case))

``run`` always returns what the old path returned (and raises what it raised: it is the
caller's own code). On a sample of calls it also runs the candidate, after the old path,
and compares the two results with ``compare`` (``==`` by default). Nothing the candidate or
the comparator does — raising, returning something odd, being slow — reaches the caller: it
is counted. The counts (runs, sampled, matches, mismatches, candidate errors, comparator
errors) and the time each path took are :meth:`DarkLaunch.stats`, and
:meth:`DarkLaunch.exposition` renders them as Prometheus text, so a rollout's analysis can gate
on them (``sum(rate(unlockstep_dark_launch_total{experiment="…",result="mismatch"}[1h])) /
sum(rate(unlockstep_dark_launch_total{experiment="…",result=~"match|mismatch"}[1h]))``).

Side effects are the caller's to declare: a candidate that writes must not run in the dark
(it would write twice, or write what nobody asked for), so ``DarkLaunch(…, writes=True)`` is
refused when it is built — a configuration mistake is reported at start-up, never at a call.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

RESULTS = ("match", "mismatch", "candidate_error", "comparator_error")
#: Mismatches kept as examples (the newest), each value's ``repr`` cut to this many characters.
EXAMPLES, EXAMPLE_CHARS = 10, 200


@dataclass
class _Timing:
    count: int = 0
    total: float = 0.0
    max: float = 0.0

    def add(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        self.max = max(self.max, seconds)

    def to_dict(self) -> dict[str, float]:
        mean = self.total / self.count if self.count else 0.0
        return {"count": self.count, "totalSeconds": self.total, "meanSeconds": mean,
                "maxSeconds": self.max}  # fmt: skip


@dataclass
class _Stats:
    runs: int = 0
    sampled: int = 0
    results: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESULTS, 0))
    control: _Timing = field(default_factory=_Timing)
    candidate: _Timing = field(default_factory=_Timing)
    examples: list[dict[str, str]] = field(default_factory=list)


def _short(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a repr that raises must not raise here
        text = f"<{type(value).__name__}>"
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


class DarkLaunch(Generic[T]):
    """One experiment: ``name`` (a label in the telemetry), the share of calls that also
    run the candidate (``sample``, 0 to 1), the comparator, and whether the candidate
    writes (refused: see the module docstring)."""

    def __init__(
        self,
        name: str,
        *,
        sample: float = 0.01,
        compare: Callable[[T, T], bool] | None = None,
        writes: bool = False,
        enabled: Callable[[], bool] | None = None,
        random_source: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if writes:
            raise ValueError(
                f"dark launch {name!r}: a candidate that writes cannot run in the dark (it "
                "would write for calls whose result is thrown away); make it read-only, or "
                "roll it out behind a flag instead"
            )
        if not 0.0 <= sample <= 1.0:
            raise ValueError(f"dark launch {name!r}: sample must be from 0 to 1, not {sample!r}")
        self.name = name
        self.sample = sample
        self._compare: Callable[[T, T], bool] = compare or (lambda a, b: a == b)
        self._enabled = enabled
        self._random = random_source
        self._clock = clock
        self._stats = _Stats()
        self._lock = threading.Lock()

    def run(self, control: Callable[[], T], candidate: Callable[[], T]) -> T:
        """What ``control()`` returns (or raises); ``candidate()`` only on the sample."""
        started = self._clock()
        try:
            result = control()
        finally:
            took = self._clock() - started
            with self._lock:
                self._stats.runs += 1
                self._stats.control.add(took)
        if self._sampled():
            self._try(result, candidate)
        return result

    def _sampled(self) -> bool:
        try:
            if self._enabled is not None and not self._enabled():
                return False
            return self.sample > 0 and self._random() < self.sample
        except Exception:
            log.warning("dark launch %s: the sampling switch failed; not sampled", self.name)
            return False

    def _try(self, expected: T, candidate: Callable[[], T]) -> None:
        started = self._clock()
        try:
            got = candidate()
        except Exception as error:
            self._count("candidate_error", self._clock() - started, error=error)
            return
        took = self._clock() - started
        try:
            same = bool(self._compare(expected, got))
        except Exception as error:
            self._count("comparator_error", took, error=error)
            return
        if same:
            self._count("match", took)
        else:
            self._count("mismatch", took, example={"control": _short(expected),
                                                   "candidate": _short(got)})  # fmt: skip

    def _count(
        self, result: str, took: float, *, error: BaseException | None = None,
        example: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        with self._lock:
            stats = self._stats
            stats.sampled += 1
            stats.results[result] += 1
            stats.candidate.add(took)
            if error is not None:
                example = {"error": _short(error)}
            if example is not None:
                stats.examples = [*stats.examples[-(EXAMPLES - 1) :], {"result": result, **example}]

    def stats(self) -> dict[str, Any]:
        """Counts, timings and the newest mismatch and error examples."""
        with self._lock:
            s = self._stats
            compared = s.results["match"] + s.results["mismatch"]
            return {
                "experiment": self.name,
                "runs": s.runs,
                "sampled": s.sampled,
                **s.results,
                "mismatchRatio": s.results["mismatch"] / compared if compared else None,
                "control": s.control.to_dict(),
                "candidate": s.candidate.to_dict(),
                "examples": list(s.examples),
            }

    def exposition(self) -> str:
        """The counters as Prometheus text (serve it on the service's ``/metrics``)."""
        s = self.stats()
        name = self.name.replace("\\", "\\\\").replace('"', '\\"')
        lines = [
            "# HELP unlockstep_dark_launch_total Dark-launch calls by outcome.",
            "# TYPE unlockstep_dark_launch_total counter",
            f'unlockstep_dark_launch_total{{experiment="{name}",result="run"}} {s["runs"]}',
            *(
                f'unlockstep_dark_launch_total{{experiment="{name}",result="{r}"}} {s[r]}'
                for r in RESULTS
            ),
            "# HELP unlockstep_dark_launch_seconds_total Time spent in each path.",
            "# TYPE unlockstep_dark_launch_seconds_total counter",
        ]
        for path in ("control", "candidate"):
            total = s[path]["totalSeconds"]
            lines.append(
                f'unlockstep_dark_launch_seconds_total{{experiment="{name}",path="{path}"}} '
                f"{total:.6f}"
            )
        return "\n".join(lines) + "\n"
