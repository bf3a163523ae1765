"""An admin's "run now": the job's work, its state and its audit event are one transaction."""

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from core import audit
from core.audit import AuditFilter, list_events
from core.jobs import run_now
from tests.conftest import NOW, actor_for
from tests.kernel.test_jobs import Counter, _job, _state, _ticks


def run_now_events(engine) -> list[dict]:
    with Session(engine) as db:
        events, _ = list_events(db, actor_for(db, "admin"), AuditFilter(action="job.run_now"))
    return [e.after for e in events]


@pytest.mark.parametrize("failing", ["the job", "its audit event"])
def test_a_run_that_fails_leaves_none_of_its_work_and_no_success(seeded, monkeypatch,
                                                                  failing):
    tick = Counter("tick", fail=failing == "the job")
    real_record = audit.record

    def record(db, actor, action, *args, after=None, **kwargs):
        if action == "job.run_now" and after["outcome"] == "ok":
            raise RuntimeError("the audit log is unavailable")
        return real_record(db, actor, action, *args, after=after, **kwargs)

    monkeypatch.setattr(audit, "record", record)
    with Session(seeded) as db:
        admin = actor_for(db, "admin")
    result = run_now(seeded, admin, "tick", now=NOW, jobs=[_job(tick)])

    assert result.outcome == "error" and tick.calls == 1
    assert _ticks(seeded, "tick") == 0  # the job's work was rolled back
    state = _state(seeded, "tick")
    assert (state.last_outcome, state.running_until) == ("error", None)
    assert state.next_run_at == NOW + timedelta(hours=1)
    assert run_now_events(seeded) == [{"outcome": "error", "message": result.message}]
