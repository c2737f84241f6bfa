"""The rollout controller: stages promote on passing analyses, abort on failing ones to the
safe variant (the kill switch), pause when nobody can tell, wait for approval where asked,
resume after a restart without repeating or skipping, and abort beats a concurrent edit."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unlockstep.core.flags import is_killed
from unlockstep.errors import Conflict, PreconditionFailed
from unlockstep.services import analysis, flags, rollout_controller, rollouts
from unlockstep.services.analysis_providers import Context
from unlockstep.services.authz import ANONYMOUS
from unlockstep.settings import Settings
from unlockstep.store import Store, audit

from .rollout_fixtures import FLAG, T0, Script, rollout, script_fixture, seed

__all__ = ["script_fixture"]


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    # no background worker: these tests drive the controller with their own clock
    return Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", flag_rules=[], worker=False)


@pytest.fixture
def seeded(api: TestClient, store: Store) -> Store:
    seed(api)
    return store


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def run(store: Store, *moments: float) -> list[str]:
    transitions: list[str] = []
    for moment in moments:
        transitions += rollout_controller.tick(store, at(moment), Context(store=store)).transitions
    return transitions


def events(store: Store, entity_type: str) -> list[Any]:
    with store.session() as session:
        return audit.list_events(session, entity_type=entity_type, limit=500)[0]


def flag_body(store: Store) -> Any:
    return flags.show_flag(store, "production", FLAG).flag


def test_stages_promote_on_passing_analyses_until_complete(seeded: Store, script: Script) -> None:
    script.answers["errors"] = [0.01]
    started = rollouts.start(
        seeded, ANONYMOUS, rollout([{"segment": "segment.internal.staff"}, 5, 100]), now=T0
    )
    assert started.status == "running" and started.stage == 0
    assert flag_body(seeded)["targeting"] == {
        "if": [{"$ref": "segment.internal.staff"}, "on", "off"]
    }
    run(seeded, 10)  # nothing due before the first interval
    assert script.asked == []
    run(seeded, 30, 60)  # two passing measurements: stage 0 passed, stage 1 exposed
    shown = rollouts.show(seeded, started.id)
    assert (shown.status, shown.stage) == ("running", 1)
    assert flag_body(seeded)["targeting"]["if"][2] == {"fractional": [["on", 500], ["off", 9500]]}
    run(seeded, 90, 120, 150, 180)
    shown = rollouts.show(seeded, started.id)
    assert shown.status == "completed"
    assert [s.state for s in shown.stages] == ["done", "done", "done"]
    assert [a.status for a in shown.analyses] == ["pass", "pass", "pass"]
    assert all(len(a.checks[0].measurements) == 2 for a in shown.analyses)
    actions = [e.action for e in events(seeded, "rollout")]
    assert actions.count("rollout.stage") == 3 and "rollout.completed" in actions


def test_a_failing_analysis_aborts_to_the_safe_variant_and_says_why(
    seeded: Store, script: Script
) -> None:
    script.answers["errors"] = [0.01, 0.01, 0.2]
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 25, 100]), now=T0)
    run(seeded, 30, 60, 90)
    shown = rollouts.show(seeded, started.id)
    assert (shown.status, shown.stage) == ("aborted", 1)
    assert "failed" in shown.reason and "0.2 does not meet result < 0.05" in shown.reason
    body = flag_body(seeded)
    assert is_killed(body) and "targeting" not in body
    kills = [e for e in events(seeded, "flag") if e.action == "flag.kill"]
    assert kills and "rollout #" in (kills[0].reason or "")
    # aborted: the controller does nothing more, and a second rollout may start
    assert run(seeded, 120, 150) == []


def test_a_provider_that_is_down_is_inconclusive_and_never_promotes(
    seeded: Store, script: Script
) -> None:
    script.answers["errors"] = ["down"]
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 100]), now=T0)
    run(seeded, 30, 60, 90)
    shown = rollouts.show(seeded, started.id)
    assert (shown.status, shown.stage) == ("paused", 0)
    assert shown.last_analysis is not None and shown.last_analysis.status == "inconclusive"
    assert "unavailable" in shown.last_analysis.checks[0].measurements[0].message
    assert flag_body(seeded)["targeting"] == {"fractional": [["on", 500], ["off", 9500]]}
    # a person resumes: a fresh analysis of the same stage, which now passes
    script.answers["errors"] = [0.0]
    rollouts.resume(seeded, ANONYMOUS, started.id, "metrics are back", now=at(100))
    run(seeded, 130, 160)
    assert rollouts.show(seeded, started.id).stage == 1


def test_an_approval_stage_waits_for_a_person(seeded: Store, script: Script) -> None:
    script.answers["errors"] = [0.0]
    started = rollouts.start(
        seeded, ANONYMOUS, rollout([{"percent": 1, "approval": True}, 100]), now=T0
    )
    run(seeded, 30, 60, 90, 120)
    shown = rollouts.show(seeded, started.id)
    assert (shown.status, shown.stage) == ("waiting", 0)
    assert "rollout promote" in shown.waiting_for
    rollouts.promote(seeded, ANONYMOUS, started.id, "looks good", now=at(130))
    assert rollouts.show(seeded, started.id).stage == 1


def test_a_stage_without_analysis_promotes_at_once(seeded: Store, script: Script) -> None:
    plan = rollout([{"segment": "segment.internal.staff", "analysis": False}, 100])
    started = rollouts.start(seeded, ANONYMOUS, plan, now=T0)
    assert started.stage == 1


def test_a_second_rollout_of_the_same_flag_is_refused_while_one_is_active(
    seeded: Store, script: Script
) -> None:
    rollouts.start(seeded, ANONYMOUS, rollout([5, 100]), now=T0)
    with pytest.raises(Conflict, match="running"):
        rollouts.start(seeded, ANONYMOUS, rollout([5, 100]), now=T0)


def test_a_restarted_controller_neither_repeats_nor_skips(seeded: Store, script: Script) -> None:
    """A controller that measured but died before recording, then a new one; and two
    controllers recording the same due measurements: every measurement is stored once and
    every stage is entered once."""
    script.answers["errors"] = [0.0]
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 25, 100]), now=T0)
    work = rollout_controller._gather(seeded, at(30))  # the first controller measured, then died
    assert [seq for _, seq in work[0].checks] == [0]
    run(seeded, 30)  # its successor takes the same measurement
    taken = [analysis.take(c, s, at(30), Context()) for c, s in work[0].checks]
    assert rollout_controller._record_and_decide(seeded, work[0], taken, at(30)) == (0, None)
    run(seeded, 60, 60)  # the second pass at the same moment finds nothing due
    shown = rollouts.show(seeded, started.id)
    assert shown.stage == 1
    assert [m.seq for m in shown.analyses[0].checks[0].measurements] == [0, 1]
    stages = [e for e in events(seeded, "rollout") if e.action == "rollout.stage"]
    assert len(stages) == 2


def test_an_edit_to_the_flag_during_a_rollout_pauses_it(seeded: Store, script: Script) -> None:
    script.answers["errors"] = [0.0]
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 100]), now=T0)
    record = flags.show_flag(seeded, "production", FLAG)
    edited = {**record.flag, "targeting": {"fractional": [["on", 5000], ["off", 5000]]}}
    flags.put_flag(seeded, ANONYMOUS, "production", FLAG, edited, if_match=record.etag, rules=[])
    run(seeded, 30)
    shown = rollouts.show(seeded, started.id)
    assert shown.status == "paused" and "edited outside the rollout" in shown.reason
    assert flag_body(seeded) == edited  # the person's edit stands until they decide


def _race(store: Store, attempt: int) -> list[str]:
    started = rollouts.start(store, ANONYMOUS, rollout([5, 100]), now=T0)
    record = flags.show_flag(store, "production", FLAG)
    edited = {**record.flag, "targeting": {"fractional": [["on", 9000], ["off", 1000]]}}
    results: list[str] = []
    barrier = threading.Barrier(2)

    def edit() -> None:
        barrier.wait()
        try:
            flags.put_flag(store, ANONYMOUS, "production", FLAG, edited,
                           if_match=record.etag, rules=[])  # fmt: skip
            results.append("edited")
        except (PreconditionFailed, Conflict) as error:
            results.append(type(error).__name__)

    def abort() -> None:
        barrier.wait()
        rollouts.abort(store, ANONYMOUS, started.id, f"attempt {attempt}")
        results.append("aborted")

    threads = [threading.Thread(target=edit), threading.Thread(target=abort)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_abort_wins_against_a_concurrent_flag_edit(seeded: Store, script: Script) -> None:
    for attempt in range(5):
        results = _race(seeded, attempt)
        assert "aborted" in results
        assert is_killed(flag_body(seeded)), results
        # turned back on explicitly for the next attempt
        record = flags.show_flag(seeded, "production", FLAG)
        on_again = {k: v for k, v in record.flag.items() if k != "targeting"}
        on_again["metadata"] = {"owner": "investigator-ux-team", "killSwitch": True}
        flags.put_flag(seeded, ANONYMOUS, "production", FLAG, on_again, if_match=record.etag,
                       reverse_kill=True, rules=[])  # fmt: skip


def test_starting_on_a_killed_flag_is_refused(seeded: Store, script: Script) -> None:
    flags.kill_flag(seeded, ANONYMOUS, FLAG, "incident")
    with pytest.raises(Conflict, match="killed"):
        rollouts.start(seeded, ANONYMOUS, rollout([5]), now=T0)


def test_a_judge_check_compares_baseline_and_canary(seeded: Store, script: Script) -> None:
    """A check can be a baseline-vs-canary judgement; its measurement keeps the data."""
    from unlockstep.services import analysis_providers
    from unlockstep.services.analysis_providers import Reading

    def samples(check: Any, now: Any, context: Any) -> Reading:
        return Reading(baseline=(0.01, 0.011, 0.012, 0.009, 0.0105, 0.0095),
                       canary=(0.05, 0.051, 0.06, 0.055, 0.052, 0.058))  # fmt: skip

    analysis_providers.register("samples", samples)
    try:
        judged = {"name": "vs-baseline", "provider": {"samples": {}}, "judge": {}, "interval": 30}
        plan = rollout([5, 100], analysis={"name": "judge", "checks": [judged]})
        started = rollouts.start(seeded, ANONYMOUS, plan, now=T0)
        run(seeded, 30)
    finally:
        analysis_providers._PROVIDERS.pop("samples", None)
    shown = rollouts.show(seeded, started.id)
    assert shown.status == "aborted"
    measured = shown.analyses[0].checks[0].measurements[0]
    assert measured.data["canary"][0] == 0.05 and measured.data["effect"] == 1.0
    assert "canary is worse" in measured.message


def test_checks_per_consumer_follow_the_registry_and_an_unknown_contract_is_refused(
    seeded: Store, script: Script
) -> None:
    plan = rollout([5], contract="nobody/nothing")
    with pytest.raises(Exception, match="no service 'nobody'"):
        rollouts.start(seeded, ANONYMOUS, plan, now=T0)


def test_two_controllers_at_once_store_each_measurement_and_enter_each_stage_once(
    seeded: Store, script: Script
) -> None:
    """Belt and braces under the worker's lease: even two controllers ticking at the same
    moment (two processes whose leases overlapped) neither repeat nor skip."""
    script.answers["errors"] = [0.0]
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 25, 100]), now=T0)
    for moment in (30, 60, 90, 120, 150, 180):
        threads = [threading.Thread(target=run, args=(seeded, moment)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    shown = rollouts.show(seeded, started.id)
    assert shown.status == "completed"
    for run_report in shown.analyses:
        assert [m.seq for m in run_report.checks[0].measurements] == [0, 1]
    stages = [e for e in events(seeded, "rollout") if e.action == "rollout.stage"]
    assert len(stages) == 3


def test_an_abort_notifies_the_webhooks_once_it_committed(seeded: Store, script: Script) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[Any] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            import json

            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        script.answers["errors"] = [0.5]
        started = rollouts.start(seeded, ANONYMOUS, rollout([5, 100], notify=[url]), now=T0)
        run(seeded, 30)
        deadline = dt.datetime.now() + dt.timedelta(seconds=10)
        while not received and dt.datetime.now() < deadline:
            threading.Event().wait(0.05)
    finally:
        server.shutdown()
        server.server_close()
    (message,) = received
    assert (message["event"], message["rollout"]) == ("rollout.aborted", started.id)
    assert "aborted at stage 1" in message["text"] and "0.5 does not meet" in message["reason"]


def test_a_flag_can_state_its_own_stages(seeded: Store, script: Script) -> None:
    record = flags.show_flag(seeded, "production", FLAG)
    body = {**record.flag, "metadata": {**record.flag["metadata"],
            "rolloutStages": "segment.internal.staff, 5, 25%, 100"}}  # fmt: skip
    flags.put_flag(seeded, ANONYMOUS, "production", FLAG, body, if_match=record.etag, rules=[])
    document = rollout([])
    del document["stages"]
    started = rollouts.start(seeded, ANONYMOUS, document, now=T0)
    assert [s.name for s in started.stages] == ["internal.staff", "5%", "25%", "100%"]


def test_without_stages_anywhere_the_rollout_is_refused(seeded: Store, script: Script) -> None:
    from unlockstep.errors import InvalidInput

    document = rollout([])
    del document["stages"]
    with pytest.raises(InvalidInput, match="states none"):
        rollouts.start(seeded, ANONYMOUS, document, now=T0)


def _period(store: Store, kind: str, minutes: int = 60, *, starts_at: dt.datetime = T0) -> None:
    from unlockstep.core.calendar import Period
    from unlockstep.services import calendar
    from unlockstep.services.authz import Principal

    admin = Principal("release-manager", None, frozenset({"admin"}))
    starts = starts_at.astimezone(dt.UTC).replace(tzinfo=None)
    period = Period(
        "production", f"{kind}-1", kind, "UTC", starts, starts + dt.timedelta(minutes=minutes),
        reason="year-end close",
    )  # fmt: skip
    calendar.put_period(store, admin, period)


def test_a_blackout_holds_promotion_and_refuses_a_person_until_it_ends(
    seeded: Store, script: Script
) -> None:
    script.answers["errors"] = [0.0]
    _period(seeded, "blackout", starts_at=at(10))  # begins after the rollout started
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 25, 100]), now=T0)
    run(seeded, 30, 60)  # stage 0 passed, but the calendar forbids exposing more
    shown = rollouts.show(seeded, started.id)
    assert (shown.status, shown.stage) == ("waiting", 0)
    assert "held by the release calendar: production is in blackout" in shown.reason
    assert "year-end close" in shown.reason
    with pytest.raises(Conflict, match="cannot be promoted now: production is in blackout"):
        rollouts.promote(seeded, ANONYMOUS, started.id, "ship it", now=at(120))
    assert flag_body(seeded)["targeting"] == {"fractional": [["on", 500], ["off", 9500]]}
    rollouts.promote(seeded, ANONYMOUS, started.id, "blackout over", now=at(3700))
    assert rollouts.show(seeded, started.id).stage == 1


@pytest.mark.parametrize("kind", ["blackout", "freeze"])
def test_a_rollout_cannot_start_in_a_blackout_or_a_freeze_without_an_exception(
    seeded: Store, script: Script, kind: str
) -> None:
    _period(seeded, kind)
    with pytest.raises(Conflict) as refused:
        rollouts.start(seeded, ANONYMOUS, rollout([5, 25, 100]), now=at(60))
    assert f"a rollout of {FLAG!r} in 'production' cannot start now" in refused.value.message
    assert f"production is in {kind} '{kind}-1'" in refused.value.message
    assert "then start the rollout" in (refused.value.hint or "")
    assert rollouts.list_rollouts(seeded) == []
    assert flag_body(seeded).get("targeting") is None  # nothing exposed, nothing written
    assert rollouts.start(seeded, ANONYMOUS, rollout([5, 100]), now=at(3700)).stage == 0


def test_abort_pause_and_resume_are_never_held_by_the_calendar(
    seeded: Store, script: Script
) -> None:
    script.answers["errors"] = [0.0]
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 25, 100]), now=T0)
    _period(seeded, "blackout", starts_at=at(10))
    assert rollouts.pause(seeded, ANONYMOUS, started.id, now=at(20)).status == "paused"
    assert rollouts.resume(seeded, ANONYMOUS, started.id, now=at(30)).status == "running"
    aborted = rollouts.abort(seeded, ANONYMOUS, started.id, "rolled back", now=at(40))
    assert aborted.status == "aborted"
    assert is_killed(flag_body(seeded))


def test_the_api_refuses_to_start_a_rollout_in_a_blackout_with_409(
    api: TestClient, seeded: Store
) -> None:
    _period(seeded, "blackout", starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    refused = api.post("/api/v1/rollouts", json={"rollout": rollout([5, 100])})
    assert refused.status_code == 409, refused.text
    assert "cannot start now: production is in blackout 'blackout-1'" in refused.text
    assert "then start the rollout" in refused.text


def test_a_freeze_exception_for_the_flags_service_lets_the_rollout_promote(
    seeded: Store, script: Script
) -> None:
    from unlockstep.services import calendar
    from unlockstep.services.authz import Principal

    script.answers["errors"] = [0.0]
    _period(seeded, "freeze")
    admin = Principal("release-manager", None, frozenset({"admin"}))
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    calendar.add_exception(
        seeded, admin, "production", FLAG, owner="risk-team", reason="fix", expires_at=expires
    )
    started = rollouts.start(seeded, ANONYMOUS, rollout([5, 25, 100]), now=T0)
    run(seeded, 30, 60)
    assert rollouts.show(seeded, started.id).stage == 1
