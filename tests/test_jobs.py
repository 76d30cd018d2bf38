"""JobThread: jobs run in order on one thread; `start_call` hands back a future the caller can wait on later."""

from __future__ import annotations

import threading

import pytest

from chatapp.core.jobs import JobThread


def test_a_started_call_runs_on_the_thread_while_the_caller_goes_on() -> None:
    jobs: JobThread[list[str]] = JobThread([], "jobs-test")
    release = threading.Event()
    try:
        future = jobs.start_call(lambda owned: (release.wait(5), threading.current_thread().name)[1])
        assert not future.done()  # the caller is free while the job runs
        release.set()
        assert future.result(5) == "jobs-test"
        failing = jobs.start_call(lambda owned: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.result(5)
        assert jobs.call(lambda owned: len(owned)) == 0  # call is start_call waited on
    finally:
        jobs.shutdown()


def test_a_call_dropped_at_shutdown_says_so_instead_of_waiting_for_ever() -> None:
    jobs: JobThread[None] = JobThread(None, "jobs-test")
    running, release = threading.Event(), threading.Event()

    def blocking(_: None) -> None:
        running.set()
        release.wait(5)

    jobs.submit(blocking)
    assert running.wait(5)
    queued = jobs.start_call(lambda _: "never")
    errors: list[BaseException] = []

    def caller() -> None:
        try:
            jobs.call(lambda _: "never either")
        except RuntimeError as exc:
            errors.append(exc)

    waiting = threading.Thread(target=caller)
    waiting.start()
    while jobs.pending < 2:  # both calls queued behind the running job
        threading.Event().wait(0.01)
    stopper = threading.Thread(target=jobs.shutdown)
    stopper.start()
    waiting.join(5)
    release.set()
    stopper.join(5)
    assert queued.cancelled()
    assert [str(e) for e in errors] == ["the jobs-test thread shut down before the job ran"]
    with pytest.raises(RuntimeError, match="has shut down"):
        jobs.call(lambda _: None)
